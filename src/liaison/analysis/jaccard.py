"""Exact 3-gram Jaccard confirmation of borderline MinHash estimates.

64 MinHash slots estimate a Jaccard similarity with an error of about ±0.06: at a
million opinions many pairs of *different* opinions at a true 0.3–0.4 are
estimated at 0.4 or more. An estimate below :data:`SURE` equal slots (of 64) is
therefore confirmed by the exact Jaccard similarity of the character 3-grams of
the two masked texts, which must reach :data:`EXACT`.

Shared by batch clustering (``cluster_texts``) and the incremental
``NearDuplicateIndex``, so that both draw the line in the same place.
Pure domain code: the standard library only.
"""

from __future__ import annotations

__all__ = ["EXACT", "SURE", "exact_alike", "grams"]

SURE = 36
EXACT = 0.45


def grams(masked: str) -> set[str]:
    """Character 3-grams of a masked text (a text shorter than 3 is its own single gram)."""
    t = masked
    return {t[i : i + 3] for i in range(len(t) - 2)} if len(t) >= 3 else {t}


def exact_alike(a: set[str] | frozenset[str], b: set[str] | frozenset[str]) -> bool:
    """Exact Jaccard of two gram sets (from :func:`grams`) is at least :data:`EXACT`."""
    inter = len(a & b)
    return inter >= EXACT * (len(a) + len(b) - inter)
