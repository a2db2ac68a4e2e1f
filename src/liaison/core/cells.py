"""Spreadsheet safety shared by every CSV and XLSX the service writes (pure)."""

from __future__ import annotations

__all__ = ["FORMULA_PREFIXES", "neutralize_formula"]

#: A cell starting with one of these is run as a formula by Excel, WPS or LibreOffice.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralize_formula(text: str) -> str:
    """The text with a leading apostrophe if a spreadsheet would read it as a formula."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text
