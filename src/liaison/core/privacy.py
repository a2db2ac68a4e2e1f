"""Masking personal data for display and export (张*, 138****1234)."""

from __future__ import annotations

__all__ = ["mask_name", "mask_phone"]


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
