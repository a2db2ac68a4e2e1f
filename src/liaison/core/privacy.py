"""Masking personal data for display and export (张*, 138****1234)."""

from __future__ import annotations

import re

__all__ = ["mask_contacts", "mask_name", "mask_phone"]

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Runs of 7+ digits, spaces or hyphens allowed inside: phone numbers, ID card numbers (last may be X).
_NUMBER = re.compile(r"(?<![\dA-Za-z])\+?\d(?:[\d -]{5,}\d)[\dXx]?(?![\dA-Za-z])")


def mask_name(name: str) -> str:
    name = name.strip()
    if not name:
        return ""
    return name[0] + "*" * max(1, len(name) - 1)


def mask_phone(phone: str) -> str:
    phone = phone.strip()
    if len(phone) >= 7:
        return phone[:3] + "*" * (len(phone) - 7) + phone[-4:] if len(phone) > 7 else phone[:3] + "****"
    return "*" * len(phone)


def mask_contacts(text: str) -> str:
    """Text for a public page: phone, ID card and other long numbers and e-mail addresses masked.

    Citizens sometimes sign an opinion with their number; public pages show opinion text only
    after this. Numbers of fewer than 7 digits (years, article numbers, lengths) stay.
    """

    def number(match: re.Match[str]) -> str:
        digits = re.sub(r"[^\dXx]", "", match.group(0))
        return mask_phone(digits) if len(digits) >= 7 else match.group(0)

    return _NUMBER.sub(number, _EMAIL.sub("***@***", text))
