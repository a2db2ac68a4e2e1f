"""Receipt codes: short, unguessable, easy to read aloud over the phone.

Eight symbols from a 32-letter alphabet without 0/O/1/I (40 bits), shown as
``ABCD-EFGH``. Lookups accept lower case, spaces and hyphens.
"""

from __future__ import annotations

import secrets

__all__ = ["ALPHABET", "format_receipt", "new_receipt", "normalize_receipt"]

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
LENGTH = 8


def new_receipt() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalize_receipt(code: str) -> str | None:
    """The stored form of what a person typed, or None if it cannot be a receipt."""
    cleaned = "".join(ch for ch in code.upper() if ch not in " -\u3000—")
    if len(cleaned) != LENGTH or any(ch not in ALPHABET for ch in cleaned):
        return None
    return cleaned


def format_receipt(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"
