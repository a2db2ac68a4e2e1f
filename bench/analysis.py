"""Speed and quality benchmark for liaison.analysis (dedup + clustering).

    .venv/bin/python bench/analysis.py                 # 1,000,000 opinions
    .venv/bin/python bench/analysis.py --n 200000 --seed 1

Prints: generation time (not counted), clustering throughput (texts/s), total
seconds, peak RSS (``resource.getrusage``), then ``NearDuplicateIndex.add`` p50/p99
latency for ``--probe`` new opinions against an index holding ``--index-n``
opinions (default: the same N), and quality metrics (B-cubed, pairwise, hard
pairs) on the clustered set and on a fresh labeled 5,000-item set. Bounded:
every step is linear in N and the probe count is fixed.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
from analysis_data import generate  # noqa: E402

from liaison.analysis.cluster import NearDuplicateIndex, cluster_texts  # noqa: E402
from liaison.analysis.metrics import evaluate  # noqa: E402
from liaison.analysis.normalize import normalize_many  # noqa: E402


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child_rss_mb() -> float:
    """Peak RSS of the largest finished child (the forked worker of ``cluster_texts``)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def main() -> None:
    sys.stdout.reconfigure(line_buffering=True)
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--probe", type=int, default=2000, help="incremental additions timed")
    ap.add_argument("--index-n", type=int, default=None, help="opinions indexed before probing (default --n)")
    ap.add_argument("--skip-index", action="store_true")
    ap.add_argument("--workers", type=int, default=None, help="cluster_texts workers (default: auto)")
    args = ap.parse_args()

    t0 = time.perf_counter()
    ds = generate(args.n, seed=args.seed)
    gen_s = time.perf_counter() - t0
    chars = sum(map(len, ds.texts))
    print(f"generated {args.n:,} opinions, mean {chars / max(args.n, 1):.0f} chars, in {gen_s:.1f}s (not counted)")
    rss0 = _rss_mb()

    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    c0 = os.times()
    pred = cluster_texts(ds.texts, draft_texts=ds.draft_texts, workers=args.workers)
    el = time.perf_counter() - t0
    c1 = os.times()
    cpu = c1.user + c1.system - c0.user - c0.system
    cpu_children = c1.children_user + c1.children_system - c0.children_user - c0.children_system
    print(f"cluster_texts: {args.n / el:,.0f} texts/s, {el:.2f}s total, {len(set(pred)):,} clusters")
    print(
        f"CPU: {cpu:.1f}s this process + {cpu_children:.1f}s worker = {cpu + cpu_children:.1f}s; "
        f"load average {load:.1f} before, {os.getloadavg()[0]:.1f} after (2 cores: above ~2 the wall time is inflated)"
    )
    print(f"peak RSS {_rss_mb():,.0f} MB (after generation {rss0:,.0f} MB), worker peak RSS {_child_rss_mb():,.0f} MB")
    q = evaluate(pred, ds.labels, ds.hard_pairs)
    print("quality (this set):", q.summary())
    small = generate(5000, seed=12345)
    q2 = evaluate(cluster_texts(small.texts, draft_texts=small.draft_texts), small.labels, small.hard_pairs)
    print("quality (5,000, seed 12345):", q2.summary())

    if args.skip_index:
        return
    index_n = args.index_n if args.index_n is not None else args.n
    t0 = time.perf_counter()
    ix = NearDuplicateIndex(ds.draft_texts)
    norm = normalize_many(ds.texts[:index_n], breaks=True)
    for t in norm:
        ix.add_normalized(t)
    print(f"index built incrementally: {index_n:,} opinions in {time.perf_counter() - t0:.1f}s, peak RSS {_rss_mb():,.0f} MB")
    probe = generate(args.probe, seed=args.seed + 7).texts
    lat = np.empty(len(probe))
    for i, t in enumerate(probe):
        s = time.perf_counter()
        ix.add(t)
        lat[i] = time.perf_counter() - s
    print(
        f"NearDuplicateIndex.add at {len(ix) - len(probe):,} indexed: p50 {np.percentile(lat, 50) * 1e3:.3f} ms, "
        f"p99 {np.percentile(lat, 99) * 1e3:.3f} ms, max {lat.max() * 1e3:.2f} ms"
    )


if __name__ == "__main__":
    main()
