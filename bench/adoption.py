"""Benchmark: adoption outcomes on a large draft (100,000 opinions in 20,000 clusters).

Run:
  .venv/bin/python bench/adoption.py                       # SQLite in a temp dir
  .venv/bin/python bench/adoption.py --database-url postgresql://postgres@127.0.0.1/liaison_bench
  .venv/bin/python bench/adoption.py --opinions 20000

Loads --opinions opinions into clusters of sizes 1..10 (one cluster of 5,000), then times:
listing the points for the officers' page, recording the 5,000-opinion cluster (fan-out),
a batch of 1,000 points as from the upper station, one receipt's outcome lookup, the public
page's data (outcomes + totals) and the public page through the app. A PostgreSQL database
given with --database-url must exist; its tables are emptied.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))

from conftest import sample_draft  # noqa: E402

from liaison import db  # noqa: E402


async def load(count: int) -> tuple[int, list[int], list[int]]:
    """The draft id, cluster ids (largest first) and opinion ids."""
    from liaison.clusters.tables import Cluster, ClusterMember
    from liaison.drafts.service import get_draft, import_draft, publish_draft
    from liaison.opinions.tables import Opinion

    for table in reversed(db.all_tables()):
        await table.delete(force=True).run()
    await import_draft(sample_draft("bench"), source_name="bench.md", tz=ZoneInfo("Asia/Shanghai"), max_bytes=1 << 20)
    await publish_draft("bench")
    draft = (await get_draft("bench", public=False)).id
    now = datetime.now(UTC)
    columns = ["draft", "version", "article", "receipt", "text", "suggestion", "reason", "channel", "status",
               "set_aside_reason", "text_hash", "client_key", "created_at", "updated_at"]
    async with db.transaction():
        for start in range(0, count, 1000):
            await db.bulk_insert(Opinion, columns, [
                (draft, 1, i % 3 + 1, f"R{i:09d}", f"第{i}号意见：建议明确牵引绳长度。联系电话138{i:08d}", "", "",
                 "online", "set_aside" if i % 50 == 49 else "kept", "", f"{i:064d}", "", now, now)
                for i in range(start, min(count, start + 1000))])
    ids = [r["id"] for r in await Opinion.select(Opinion.id).where(Opinion.draft == draft).order_by(Opinion.id).run()]
    sizes = [5000] if count > 10000 else []
    used = sum(sizes)
    while used < len(ids):
        sizes.append(min(1 + len(sizes) % 10, len(ids) - used))
        used += sizes[-1]
    groups, position = [], 0
    for size in sizes:
        groups.append(ids[position:position + size])
        position += size
    async with db.transaction():
        for start in range(0, len(groups), 1000):
            await db.bulk_insert(Cluster, ["draft", "representative", "article", "summary", "size", "reviewed_by",
                                           "created_at", "updated_at"],
                                 [(draft, g[0], 3, "", len(g), "", now, now) for g in groups[start:start + 1000]])
        clusters = [r["id"] for r in await Cluster.select(Cluster.id).where(Cluster.draft == draft).order_by(
            Cluster.id).run()]
        members = [(c, o, "machine", "", now) for c, g in zip(clusters, groups, strict=True) for o in g]
        for start in range(0, len(members), 1000):
            await db.bulk_insert(ClusterMember, ["cluster", "opinion", "source", "decided_by", "decided_at"],
                                 members[start:start + 1000])
    return draft, clusters, ids


async def timed(label: str, runs: int, work) -> None:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        await work()
        times.append((time.perf_counter() - start) * 1000)
    print(f"{label:<58} median {statistics.median(times):8.1f} ms   max {max(times):8.1f} ms   ({runs} runs)")


async def main(url: str, count: int) -> None:
    import logging

    import httpx

    logging.getLogger("httpx").setLevel(logging.WARNING)

    from liaison.adoption import service
    from liaison.adoption.outcomes import OutcomeInput
    from liaison.app import create_app
    from liaison.config import Settings

    await db.connect(url)
    await db.migrate()
    started = time.perf_counter()
    draft, clusters, ids = await load(count)
    print(f"loaded {len(ids):,} opinions in {len(clusters):,} clusters ({time.perf_counter() - started:.1f} s)")
    await timed("list_points (officers' page data)", 5, lambda: service.list_points("bench"))
    await timed("record_outcome, largest cluster (fan-out)", 5,
                lambda: service.record_outcome("bench", f"c{clusters[0]}", "adopted", actor="bench"))
    batch = [OutcomeInput(f"c{c}", "not_adopted", "属于实施细则", "") for c in clusters[1:1001]]
    await timed("record_outcomes_batch, 1,000 points (upstream)", 3,
                lambda: service.record_outcomes_batch("bench", batch, actor="upper"))
    await timed("outcome_for_opinion (receipt)", 50, lambda: service.outcome_for_opinion(ids[4000]))
    await timed("outcomes_for_draft + draft_totals (public page data)", 5,
                lambda: service.draft_totals(draft))
    settings = Settings(database_url=url, secret_key="k" * 40, data_dir=Path(tempfile.mkdtemp()))
    app = create_app(settings, manage_database=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client:
        async def page() -> None:
            response = await client.get("/drafts/bench/outcomes")
            assert response.status_code == 200

        await timed("GET /drafts/{slug}/outcomes (server time)", 5, page)

        async def officers() -> None:
            response = await client.get("/drafts/bench/transparency")
            assert response.status_code == 200

        await timed("GET /drafts/{slug}/transparency (server time)", 5, officers)
    await db.disconnect()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--opinions", type=int, default=100_000)
    args = parser.parse_args()
    database_url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
    asyncio.run(main(database_url, args.opinions))
