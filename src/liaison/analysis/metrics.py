"""Clustering quality: B-cubed and pairwise precision/recall, and merges of hard pairs.

``pred`` and ``gold`` are per-item cluster labels (any hashable values). Pairwise
counts use the contingency table, so they are exact and O(n) even at a million
items. Hard pairs are (i, j) positions of items that must *not* share a cluster
(close-but-different proposals); ``hard_pair_merges`` counts those that do.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

__all__ = ["Quality", "bcubed", "evaluate", "hard_pair_merges", "pairwise"]


def _pairs(c: int) -> int:
    return c * (c - 1) // 2


def bcubed(pred: Sequence[Hashable], gold: Sequence[Hashable]) -> tuple[float, float]:
    """(precision, recall), averaged over items (Bagga & Baldwin 1998)."""
    if len(pred) != len(gold):
        raise ValueError("pred and gold differ in length")
    n = len(pred)
    if n == 0:
        return 1.0, 1.0
    joint = Counter(zip(pred, gold))
    psize = Counter(pred)
    gsize = Counter(gold)
    p = sum(c * c / psize[pl] for (pl, _), c in joint.items()) / n
    r = sum(c * c / gsize[gl] for (_, gl), c in joint.items()) / n
    return p, r


def pairwise(pred: Sequence[Hashable], gold: Sequence[Hashable]) -> tuple[float, float]:
    """(precision, recall) over all item pairs put together by ``pred`` / by ``gold``."""
    joint = sum(_pairs(c) for c in Counter(zip(pred, gold)).values())
    pp = sum(_pairs(c) for c in Counter(pred).values())
    gp = sum(_pairs(c) for c in Counter(gold).values())
    return (joint / pp if pp else 1.0), (joint / gp if gp else 1.0)


def hard_pair_merges(pred: Sequence[Hashable], hard_pairs: Iterable[tuple[int, int]]) -> int:
    return sum(1 for i, j in hard_pairs if pred[i] == pred[j])


@dataclass(frozen=True, slots=True)
class Quality:
    bcubed_precision: float
    bcubed_recall: float
    pairwise_precision: float
    pairwise_recall: float
    hard_pairs: int
    hard_pair_merges: int
    items: int
    clusters: int
    gold_clusters: int

    def summary(self) -> str:
        return (
            f"B-cubed P={self.bcubed_precision:.4f} R={self.bcubed_recall:.4f} · "
            f"pairwise P={self.pairwise_precision:.4f} R={self.pairwise_recall:.4f} · "
            f"hard pairs merged {self.hard_pair_merges}/{self.hard_pairs} · "
            f"{self.items} items, {self.clusters} clusters (gold {self.gold_clusters})"
        )


def evaluate(
    pred: Sequence[Hashable], gold: Sequence[Hashable], hard_pairs: Sequence[tuple[int, int]] = ()
) -> Quality:
    bp, br = bcubed(pred, gold)
    pp, pr = pairwise(pred, gold)
    return Quality(bp, br, pp, pr, len(hard_pairs), hard_pair_merges(pred, hard_pairs), len(pred), len(set(pred)), len(set(gold)))
