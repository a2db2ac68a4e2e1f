"""Speed and quality benchmark for liaison.analysis (dedup + clustering).

    .venv/bin/python bench/analysis.py                 # 1,000,000 opinions
    .venv/bin/python bench/analysis.py --n 200000 --seed 1
    .venv/bin/python bench/analysis.py --skip-cluster --index-file /tmp/ix-1m.npz   # add() latency only

Prints: generation time (not counted), clustering throughput (texts/s), total
seconds, peak RSS (``resource.getrusage``), then ``NearDuplicateIndex.add`` p50/p99
latency for ``--probe`` new opinions against an index holding ``--index-n``
opinions (default: the same N), and quality metrics (B-cubed, pairwise, hard
pairs) on the clustered set and on a fresh labeled 5,000-item set. Bounded:
every step is linear in N and the probe count is fixed.

Building the index one ``add`` at a time takes minutes at a million; ``--index-file PATH``
loads the index from PATH when it exists and otherwise builds it and saves it there, so
that probe runs after the first take seconds (the file must come from the same ``--n``,
``--index-n`` and ``--seed``, and from the current index code, or the figures describe
another index). Each add is timed in wall time and in this thread's CPU time
(``time.thread_time``): other processes on the 2 cores inflate the first, not the second.
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
from analysis_data import Dataset, generate  # noqa: E402

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
    ap.add_argument("--skip-cluster", action="store_true", help="time only the incremental index")
    ap.add_argument("--index-file", type=Path, default=None, help="load the index from here, or build and save it")
    ap.add_argument("--workers", type=int, default=None, help="cluster_texts workers (default: auto)")
    ap.add_argument("--longer", action="store_true",
                    help="one more clause per template and unique opinion: mean ~150 characters instead of ~128")
    args = ap.parse_args()

    index_n = args.index_n if args.index_n is not None else args.n
    if args.skip_cluster and args.index_file is not None and args.index_file.exists():
        _probe(args, _load(args.index_file))
        return
    t0 = time.perf_counter()
    ds = generate(args.n, seed=args.seed, longer=args.longer)
    gen_s = time.perf_counter() - t0
    chars = sum(map(len, ds.texts))
    print(f"generated {args.n:,} opinions, mean {chars / max(args.n, 1):.0f} chars, in {gen_s:.1f}s (not counted)")
    rss0 = _rss_mb()

    if not args.skip_cluster:
        _cluster(args, ds, rss0)
    if args.skip_index:
        return
    if args.index_file is not None and args.index_file.exists():
        ix = _load(args.index_file)
    else:
        t0 = time.perf_counter()
        ix = NearDuplicateIndex(ds.draft_texts)
        for t in normalize_many(ds.texts[:index_n], breaks=True):
            ix.add_normalized(t)
        print(f"index built incrementally: {index_n:,} opinions in {time.perf_counter() - t0:.1f}s, peak RSS {_rss_mb():,.0f} MB")
        if index_n == args.n:
            q = evaluate([ix.rep_of(i) for i in range(index_n)], ds.labels, ds.hard_pairs)
            print("quality of the index (this set):", q.summary())
        if args.index_file is not None:
            t0 = time.perf_counter()
            ix.save(args.index_file)
            print(f"saved to {args.index_file} in {time.perf_counter() - t0:.1f}s")
    del ds
    _probe(args, ix)


def _load(path: Path) -> NearDuplicateIndex:
    t0 = time.perf_counter()
    ix = NearDuplicateIndex.load(path)
    print(f"index loaded from {path}: {len(ix):,} opinions in {time.perf_counter() - t0:.1f}s, peak RSS {_rss_mb():,.0f} MB")
    return ix


def _cluster(args: argparse.Namespace, ds: Dataset, rss0: float) -> None:
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


def _probe(args: argparse.Namespace, ix: NearDuplicateIndex) -> None:
    """Time ``add`` of ``--probe`` fresh opinions (another seed): wall and thread CPU time per call."""
    probe = generate(args.probe, seed=args.seed + 7).texts
    wall = np.empty(len(probe))
    cpu = np.empty(len(probe))
    load0 = os.getloadavg()
    for i, t in enumerate(probe):
        c = time.thread_time()
        s = time.perf_counter()
        ix.add(t)
        wall[i] = time.perf_counter() - s
        cpu[i] = time.thread_time() - c
    load1 = os.getloadavg()
    for name, lat in (("wall", wall), ("CPU", cpu)):
        print(
            f"NearDuplicateIndex.add at {len(ix) - len(probe):,} indexed, {name}: p50 {np.percentile(lat, 50) * 1e3:.3f} ms, "
            f"p99 {np.percentile(lat, 99) * 1e3:.3f} ms, max {lat.max() * 1e3:.2f} ms"
        )
    print(f"load average (1, 5, 15 min) {load0[0]:.2f} {load0[1]:.2f} {load0[2]:.2f} before, {load1[0]:.2f} {load1[1]:.2f} {load1[2]:.2f} after")


if __name__ == "__main__":
    main()
