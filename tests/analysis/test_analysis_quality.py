"""Quality floors on the labeled benchmark (bench/analysis_data.py), fixed seeds."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from analysis_data import generate  # noqa: E402

from liaison.analysis.cluster import NearDuplicateIndex, cluster_texts  # noqa: E402
from liaison.analysis.metrics import bcubed, evaluate, hard_pair_merges, pairwise  # noqa: E402


@pytest.mark.parametrize("seed", [0, 1])
def test_quality_floors(seed: int) -> None:
    ds = generate(4000, seed=seed)
    start = time.perf_counter()
    pred = cluster_texts(ds.texts, draft_texts=ds.draft_texts)
    assert time.perf_counter() - start < 10
    q = evaluate(pred, ds.labels, ds.hard_pairs)
    assert q.hard_pairs > 100
    assert q.hard_pair_merges == 0, q.summary()
    assert q.bcubed_precision >= 0.995, q.summary()
    assert q.bcubed_recall >= 0.98, q.summary()


def test_incremental_index_quality() -> None:
    ds = generate(3000, seed=3)
    ix = NearDuplicateIndex(ds.draft_texts)
    pred = [ix.add(t) for t in ds.texts]
    q = evaluate(pred, ds.labels, ds.hard_pairs)
    assert q.hard_pair_merges == 0, q.summary()
    assert q.bcubed_precision >= 0.995 and q.bcubed_recall >= 0.98, q.summary()


def test_generator_is_deterministic_and_realistic() -> None:
    a, b = generate(500, seed=5), generate(500, seed=5)
    assert a.texts == b.texts and a.labels == b.labels and a.hard_pairs == b.hard_pairs
    assert generate(500, seed=6).texts != a.texts
    assert any("尊敬的" in t for t in a.texts) and any(ch.isdigit() for t in a.texts for ch in t)
    for i, j in a.hard_pairs:
        assert a.labels[i] != a.labels[j]


def test_metrics() -> None:
    gold = ["a", "a", "b", "b", "c"]
    assert bcubed(gold, gold) == (1.0, 1.0)
    assert pairwise(gold, gold) == (1.0, 1.0)
    everything = [0] * 5
    p, r = bcubed(everything, gold)
    assert r == 1.0 and p == pytest.approx((2 * 2 / 5 * 2 + 1 / 5) / 5)
    pp, pr = pairwise(everything, gold)
    assert pr == 1.0 and pp == pytest.approx(2 / 10)
    assert hard_pair_merges(everything, [(0, 2), (3, 4)]) == 2
    assert hard_pair_merges(gold, [(0, 2), (0, 1)]) == 1
