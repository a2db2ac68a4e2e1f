"""Benchmark: the office workspace figures and 我的意见 on a station with many opinions.

Run:
  .venv/bin/python bench/workspace.py                       # SQLite in a temp dir, 100,000 opinions
  .venv/bin/python bench/workspace.py --database-url postgresql://postgres@127.0.0.1/liaison_bench
  .venv/bin/python bench/workspace.py --opinions 20000

Seeds one published draft, 10 offices with 5 volunteers each, --opinions opinions spread over
them (a tenth of them entered by one volunteer login, a quarter in clusters of four, a tenth set
aside) and one packet, then times ``office_figures`` for the busiest office, ``recent_entries``
and the first page of ``my_entries`` (best of 5 after one warm-up). A PostgreSQL database given
with --database-url must exist; its tables are emptied.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))

from conftest import sample_draft  # noqa: E402

from liaison import db  # noqa: E402

CHANNELS = ["online", "symposium", "visit", "questionnaire", "hotline", "letter"]


async def seed(count: int) -> tuple[int, int]:
    from liaison.accounts.roles import Role
    from liaison.accounts.services import create_user
    from liaison.clusters.tables import Cluster, ClusterMember
    from liaison.drafts.service import import_draft, publish_draft
    from liaison.drafts.tables import Draft
    from liaison.network.tables import Office, Volunteer
    from liaison.opinions.tables import Opinion
    from liaison.packets.tables import PacketVersion

    for table in reversed(db.all_tables()):
        await table.delete(force=True).run()
    await import_draft(sample_draft("bench-rules"), source_name="bench.md", tz=ZoneInfo("Asia/Shanghai"),
                       max_bytes=1 << 20)
    await publish_draft("bench-rules")
    draft = (await Draft.select(Draft.id).first().run())["id"]
    user = await create_user("bench_volunteer", "a long passphrase", Role.VOLUNTEER)
    offices = [r["id"] for r in await Office.insert(*[Office(name=f"联络室{i}") for i in range(10)]).run()]
    volunteers = [r["id"] for r in await Volunteer.insert(*[
        Volunteer(name=f"信息员{i}", role_name="信息员", office=offices[i % 10]) for i in range(50)]).run()]
    start = datetime.now(UTC) - timedelta(days=30)
    rows = []
    for i in range(count):
        office = offices[0] if i % 3 == 0 else offices[i % 10]  # office 0 is the busiest
        mine = i % 10 == 0
        rows.append((
            draft, 1, (i % 3) + 1 if i % 4 else None, f"B{i:015d}", f"第{i}号意见：建议明确牵引绳长度。", "", "",
            CHANNELS[i % len(CHANNELS)], office, volunteers[0] if mine else volunteers[i % 50], None,
            "set_aside" if i % 10 == 5 else ("kept" if i % 2 else "unscreened"), "spam" if i % 10 == 5 else "",
            f"{i:064d}", "", None, user if mine else None, start + timedelta(seconds=i), start + timedelta(seconds=i),
        ))
    columns = ["draft", "version", "article", "receipt", "text", "suggestion", "reason", "channel", "office",
               "volunteer", "activity", "status", "set_aside_reason", "text_hash", "client_key", "import_key",
               "entered_by", "created_at", "updated_at"]
    async with db.transaction():
        for at in range(0, len(rows), 5000):
            await db.bulk_insert(Opinion, columns, rows[at:at + 5000])
    ids = [r["id"] for r in await Opinion.select(Opinion.id).order_by(Opinion.id).run()]
    grouped = ids[: len(ids) // 4]
    async with db.transaction():
        for at in range(0, len(grouped), 4):
            members = grouped[at:at + 4]
            cluster = (await Cluster.insert(Cluster(draft=draft, representative=members[0], size=len(members))).run())[0]["id"]
            await db.bulk_insert(ClusterMember, ["cluster", "opinion", "source", "decided_by", "decided_at"],
                                 [(cluster, m, "machine", "", datetime.now(UTC)) for m in members])
        await PacketVersion.insert(PacketVersion(draft=draft, number=1, compiled_by="bench", body="{}",
                                                 compiled_at=start + timedelta(seconds=count // 2))).run()
    return offices[0], user


async def best(label: str, make) -> float:
    await make()
    times = []
    for _ in range(5):
        t = time.perf_counter()
        result = await make()
        times.append(time.perf_counter() - t)
    print(f"  {label}: {min(times) * 1000:.0f} ms (best of 5)")
    return result


async def run(url: str, count: int) -> None:
    from liaison.workspace import figures

    await db.connect(url)
    await db.migrate()
    try:
        t = time.perf_counter()
        office, user = await seed(count)
        print(f"{url.split(':')[0]}: seeded {count:,} opinions in {time.perf_counter() - t:.1f} s")
        f = await best("office_figures (busiest office)", lambda: figures.office_figures(office))
        print(f"    → {f.total:,} opinions, {f.in_packets:,} in packet v1, screening {f.screening}")
        await best("recent_entries (20)", lambda: figures.recent_entries(office))
        mine = await best("my_entries page 1 (50 of a volunteer's entries)", lambda: figures.my_entries(user))
        print(f"    → {mine.total:,} entries; first: {mine.items[0]['outcome'].text}")
    finally:
        await db.disconnect()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--opinions", type=int, default=100_000)
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL (default: SQLite in a temp dir)")
    args = parser.parse_args()
    if args.database_url:
        asyncio.run(run(args.database_url, args.opinions))
        return
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(run(f"sqlite:///{tmp}/bench.sqlite3", args.opinions))


if __name__ == "__main__":
    main()
