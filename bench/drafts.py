"""Benchmark: a Civil-Code-size draft (1,300 articles) — parse + render, import, public page.

Run: .venv/bin/python bench/drafts.py [--articles 1300] [--runs 20]
Prints parse+render times (pure code), the import time into a fresh SQLite
database, and the server time of GET /drafts/{slug} through the ASGI app
(no network), median and p95 over --runs requests.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

import logging  # noqa: E402

import httpx  # noqa: E402

logging.getLogger("httpx").setLevel(logging.WARNING)
from drafts_parse import build  # noqa: E402

from liaison import db  # noqa: E402
from liaison.config import Settings  # noqa: E402
from liaison.drafts.parser import parse_draft  # noqa: E402
from liaison.drafts.render import render_article_html  # noqa: E402


def _ms(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    return f"median {statistics.median(values) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms, best {ordered[0] * 1000:.1f} ms"


async def page_times(text: str, runs: int, url: str | None) -> None:
    from liaison.app import create_app
    from liaison.drafts.service import import_draft, publish_draft

    with tempfile.TemporaryDirectory() as tmp:
        database_url = url or f"sqlite:///{tmp}/bench.sqlite3"
        settings = Settings(database_url=database_url, secret_key="b" * 40, data_dir=Path(tmp))
        await db.connect(database_url)
        await db.migrate()
        start = time.perf_counter()
        result = await import_draft(text, source_name="bench-code.md", tz=settings.tz, max_bytes=10 << 20)
        print(f"import into {database_url.split(':')[0]}: {(time.perf_counter() - start) * 1000:.0f} ms "
              f"({result.article_count} articles, version {result.version})")
        await publish_draft(result.slug)
        app = create_app(settings, manage_database=False)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            await client.get(f"/drafts/{result.slug}")  # warm templates
            times = []
            size = 0
            for _ in range(runs):
                start = time.perf_counter()
                response = await client.get(f"/drafts/{result.slug}")
                times.append(time.perf_counter() - start)
                assert response.status_code == 200
                size = len(response.content)
            print(f"GET /drafts/{result.slug}: {_ms(times)}  ({size // 1024} KiB HTML)")
            times = []
            for _ in range(runs):
                start = time.perf_counter()
                response = await client.get(f"/api/v1/drafts/{result.slug}")
                times.append(time.perf_counter() - start)
            print(f"GET /api/v1/drafts/{result.slug}: {_ms(times)}")
        await db.disconnect()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1300)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--database-url", default=None, help="e.g. postgresql://postgres@127.0.0.1/bench (must exist)")
    args = parser.parse_args()
    text = build(args.articles)
    parse_times, render_times = [], []
    for _ in range(args.runs):
        start = time.perf_counter()
        parsed = parse_draft(text, source_name="bench-code.md")
        middle = time.perf_counter()
        for article in parsed.articles:
            render_article_html(article)
        parse_times.append(middle - start)
        render_times.append(time.perf_counter() - middle)
    total = [a + b for a, b in zip(parse_times, render_times, strict=True)]
    print(f"draft: {len(text) // 1024} KiB, {len(parsed.articles)} articles")
    print(f"parse:          {_ms(parse_times)}")
    print(f"render:         {_ms(render_times)}")
    print(f"parse + render: {_ms(total)}  (aim < 200 ms)")
    asyncio.run(page_times(text, args.runs, args.database_url))


if __name__ == "__main__":
    main()
