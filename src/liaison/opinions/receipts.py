"""Receipt codes: short, unguessable, easy to read aloud over the phone.

Eight symbols from a 32-letter alphabet without 0/O/1/I (40 bits), shown as
``ABCD-EFGH``. Lookups accept lower case, spaces and hyphens.
"""

from __future__ import annotations

import secrets

__all__ = ["ALPHABET", "format_receipt", "new_receipt", "new_receipts", "normalize_receipt"]

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
LENGTH = 8
# byte -> symbol; 256 is a multiple of 32, so ``byte % 32`` is unbiased
_SYMBOL_OF_BYTE = bytes(ALPHABET.encode("ascii")[b % len(ALPHABET)] for b in range(256))
assert 256 % len(ALPHABET) == 0


def new_receipts(count: int) -> list[str]:
    """``count`` codes drawn from ``secrets`` in one call (8 ``secrets.choice`` calls a code
    were ~3 % of the intake writer's time)."""
    raw = secrets.token_bytes(count * LENGTH).translate(_SYMBOL_OF_BYTE).decode("ascii")
    return [raw[i:i + LENGTH] for i in range(0, len(raw), LENGTH)]


def new_receipt() -> str:
    return secrets.token_bytes(LENGTH).translate(_SYMBOL_OF_BYTE).decode("ascii")


def normalize_receipt(code: str) -> str | None:
    """The stored form of what a person typed, or None if it cannot be a receipt."""
    cleaned = "".join(ch for ch in code.upper() if ch not in " -\u3000—")
    if len(cleaned) != LENGTH or any(ch not in ALPHABET for ch in cleaned):
        return None
    return cleaned


def format_receipt(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"
