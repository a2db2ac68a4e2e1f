"""Benchmark: bulk import of 100,000 offline opinions (CSV and XLSX) — check, then commit.

Run:
  .venv/bin/python bench/import_opinions.py                       # SQLite in a temp dir
  .venv/bin/python bench/import_opinions.py --database-url postgresql://postgres@127.0.0.1/liaison_bench
  .venv/bin/python bench/import_opinions.py --rows 20000 --formats csv

Generates a file of --rows rows (half with contributor details, a GBK-encoded
CSV like Chinese Excel writes, and an XLSX), then times on a fresh draft:
parsing alone (pure), check_file (parse + database checks, stores nothing),
commit_file (checks again + one transaction of inserts) and a second commit of
the same file (adds nothing). The aim is a 100,000-row commit under 20 s.
A PostgreSQL database given with --database-url must exist; its tables are emptied.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))

from conftest import sample_draft  # noqa: E402

from liaison import db  # noqa: E402
from liaison.opinions.importing import COLUMNS, plan_import  # noqa: E402

CHANNELS = ["座谈会", "走访", "问卷调查", "来信", ""]
OCCUPATIONS = ["教师", "企业职工", "农民", "离退休人员", "学生"]


def rows(count: int) -> list[list[str]]:
    out = []
    for i in range(count):
        person = i % 2 == 0
        out.append([
            f"第{i % 3 + 1}条" if i % 4 else "",
            f"第{i}号意见：建议进一步明确携犬出户时牵引绳的长度，并规定在人员密集场所应当收短牵引绳。",
            "增加“在人员密集场所应当收短牵引绳”" if i % 3 == 0 else "",
            "便于执法，保障行人安全。" if i % 5 == 0 else "",
            CHANNELS[i % len(CHANNELS)],
            "", "", "",
            f"居民{i}" if person else "", f"138{i:08d}" if person else "", "某区某街道" if person else "",
            OCCUPATIONS[i % len(OCCUPATIONS)] if person else "", "是" if person else "",
        ])
    return out


def build_csv(data: list[list[str]]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.header for c in COLUMNS])
    writer.writerows(data)
    return out.getvalue().encode("gb18030")


def build_xlsx(data: list[list[str]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("意见")
    sheet.append([c.header for c in COLUMNS])
    for row in data:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


async def reset() -> None:
    for table in reversed(db.all_tables()):
        await table.delete(force=True).run()


async def run(url: str, count: int, formats: list[str]) -> None:
    from liaison.drafts.service import import_draft, publish_draft
    from liaison.opinions.import_service import check_file, commit_file
    from liaison.opinions.tables import Contributor, Opinion

    data = rows(count)
    files = {}
    for fmt in formats:
        start = time.perf_counter()
        files[fmt] = build_csv(data) if fmt == "csv" else build_xlsx(data)
        print(f"built {fmt}: {len(files[fmt]) / 1024 / 1024:.1f} MiB in {time.perf_counter() - start:.1f} s")
    await db.connect(url)
    await db.migrate()
    engine = url.split(":")[0]
    try:
        for fmt, content in files.items():
            await reset()
            await import_draft(sample_draft("bench-rules"), source_name="bench.md", tz=ZoneInfo("Asia/Shanghai"),
                               max_bytes=1 << 20)
            await publish_draft("bench-rules")
            name = f"bench.{fmt}"

            start = time.perf_counter()
            plan = plan_import(content, name, draft_id=1, article_numbers=[1, 2, 3])
            parse = time.perf_counter() - start
            assert not plan.problems, plan.problems[:3]

            start = time.perf_counter()
            report = await check_file("bench-rules", name, content, None)
            check = time.perf_counter() - start
            assert report.ok and report.new_rows == count, report

            start = time.perf_counter()
            result = await commit_file("bench-rules", name, content, None)
            commit = time.perf_counter() - start
            assert result.added == count, result

            start = time.perf_counter()
            again = await commit_file("bench-rules", name, content, None)
            repeat = time.perf_counter() - start
            assert again.added == 0 and again.already_present == count, again
            stored = await Opinion.count().run(), await Contributor.count().run()

            print(f"{engine} {fmt} {count} rows: parse {parse:.1f} s ({count / parse:,.0f} rows/s) · "
                  f"check {check:.1f} s · commit {commit:.1f} s ({count / commit:,.0f} rows/s) · "
                  f"re-import {repeat:.1f} s (0 added) · stored {stored[0]:,} opinions, {stored[1]:,} contributors")
    finally:
        await db.disconnect()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--formats", default="csv,xlsx", help="comma-separated: csv, xlsx")
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL (default: SQLite in a temp dir)")
    args = parser.parse_args()
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.sqlite3"
        asyncio.run(run(url, args.rows, formats))


if __name__ == "__main__":
    main()
