"""Character differences of a member against its cluster's representative (pure)."""

from __future__ import annotations

from difflib import SequenceMatcher

__all__ = ["segments"]


def segments(representative: str, text: str) -> list[tuple[str, bool]]:
    """``text`` split into (piece, differs_from_representative) pairs, for highlighting."""
    matcher = SequenceMatcher(None, representative, text, autojunk=False)
    out: list[tuple[str, bool]] = []
    for tag, _a0, _a1, b0, b1 in matcher.get_opcodes():
        if b1 > b0:
            out.append((text[b0:b1], tag != "equal"))
    return out
