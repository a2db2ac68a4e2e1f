"""Crash safety: SIGKILL the real server under load, and a bulk import while it writes its rows.

Every opinion whose 201 reached a client must be in the database afterwards;
an interrupted import leaves all of its rows or none. Runs on SQLite, and on
PostgreSQL when LIAISON_TEST_POSTGRES is set.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sqlite3
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from conftest import LIAISON, ROOT, sample_draft

from liaison.db import sqlite_path
from liaison.devtools.server import LiaisonServer, scratch_postgres_database

ENGINES = ["sqlite", "postgres"] if os.environ.get("LIAISON_TEST_POSTGRES") else ["sqlite"]


@pytest.fixture(params=ENGINES)
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LiaisonServer]:
    """A migrated database with the published sample draft, and a (not yet started) server on it."""
    with contextlib.ExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite:///{tmp_path / 'crash.sqlite3'}"
        else:
            url = stack.enter_context(scratch_postgres_database(prefix="liaison_test_crash"))
        server = LiaisonServer(url, tmp_path / "data", worker=False, access_log=False, cwd=ROOT,
                               env={"LIAISON_PUBLIC_POSTS_PER_10MIN": "1000000"})
        stack.callback(server.kill)
        server.migrate()
        draft = tmp_path / "dog-rules.md"
        draft.write_text(sample_draft(), encoding="utf-8")
        server.cli("drafts", "import", "--publish", str(draft))
        yield server


async def _load(base: str, stop: asyncio.Event, receipts: list[str]) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=10) as client:
        async def one(n: int) -> None:
            i = 0
            while not stop.is_set():
                i += 1
                try:
                    response = await client.post("/api/v1/drafts/dog-rules/opinions",
                                                 json={"text": f"压力测试意见 {n}-{i}", "article": i % 3 + 1})
                except httpx.HTTPError:
                    return  # the server is gone
                if response.status_code == 201:
                    receipts.append(response.json()["receipt"])

        await asyncio.gather(*(one(n) for n in range(16)))


def test_sigkill_under_load_loses_no_acknowledged_opinion(server: LiaisonServer) -> None:
    server.start()
    try:
        receipts: list[str] = []

        async def run() -> None:
            stop = asyncio.Event()
            load = asyncio.create_task(_load(server.url, stop, receipts))
            while len(receipts) < 300:
                await asyncio.sleep(0.05)
            server.kill()  # SIGKILL mid-load: batches are being written
            await asyncio.sleep(0.5)
            stop.set()
            await load

        # In a thread of its own: a session-wide event loop (Playwright's) may be running here.
        errors: list[BaseException] = []

        def drive() -> None:
            try:
                asyncio.run(asyncio.wait_for(run(), timeout=60))
            except BaseException as exc:  # noqa: BLE001 - re-raised below
                errors.append(exc)

        thread = threading.Thread(target=drive)
        thread.start()
        thread.join(timeout=90)
        if errors:
            raise errors[0]
    finally:
        server.kill()
    assert len(receipts) >= 300
    wanted = server.data_dir / "receipts.txt"
    wanted.write_text("\n".join(receipts), encoding="utf-8")
    missing = server.query(f"""wanted = open({str(wanted)!r}).read().split()
found = set()
for i in range(0, len(wanted), 500):
    rows = await Opinion.select(Opinion.receipt).where(Opinion.receipt.is_in(wanted[i:i + 500])).run()
    found.update(r['receipt'] for r in rows)
print(len(set(wanted) - found))""")
    assert missing.strip() == "0", f"{missing.strip()} acknowledged opinions lost"
    # and the service comes back on the same database
    assert "dog-rules" in server.cli("drafts", "list")
    with server.start():
        assert httpx.get(f"{server.url}/api/v1/receipts/{receipts[0]}", timeout=10).status_code == 200


def _writing(database_url: str) -> bool:
    """True while another process holds the database's write transaction (with rows going into opinions).

    SQLite: the import's IMMEDIATE transaction holds the write lock, so a BEGIN IMMEDIATE here is refused at
    once. PostgreSQL: the import's COPY holds a ROW EXCLUSIVE lock on opinions until it commits.
    """
    if database_url.startswith("sqlite:"):
        conn = sqlite3.connect(sqlite_path(database_url), timeout=0)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.rollback()
            return False
        except sqlite3.OperationalError:  # database is locked
            return True
        finally:
            conn.close()
    done = subprocess.run(["psql", "-qtA", database_url, "-c", _PG_WRITING], capture_output=True, text=True,
                          timeout=30, check=True)
    return done.stdout.strip() != "0"


_PG_WRITING = ("SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
               "WHERE c.relname = 'opinions' AND l.mode = 'RowExclusiveLock' AND l.pid <> pg_backend_pid()")
ROWS = 10_000


def _import(server: LiaisonServer, tmp_path: Path, batch: str) -> tuple[Path, subprocess.Popen[bytes]]:
    """Start ``liaison opinions import`` of ROWS new opinions; returns the file and the process."""
    path = tmp_path / f"{batch}.csv"
    rows = [f"{i % 3 + 1},{batch}批量导入的意见第{i}条，内容各不相同。" for i in range(ROWS)]
    path.write_text("\n".join(["条文,意见内容", *rows]), encoding="utf-8")
    return path, subprocess.Popen([*LIAISON, "opinions", "import", str(path), "--draft", "dog-rules"],
                                  env=server.env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _until_writing(server: LiaisonServer, importer: subprocess.Popen[bytes]) -> float:
    """Wait (the file is checked first, nothing written) until the import's transaction writes; returns when."""
    deadline = time.monotonic() + 120
    while not _writing(server.database_url):
        assert importer.poll() is None, "the import ended before it was seen writing"
        assert time.monotonic() < deadline, "the import never started writing"
        time.sleep(0.01)
    return time.monotonic()


def _write_span(server: LiaisonServer, importer: subprocess.Popen[bytes]) -> float:
    """Let an import finish; returns the seconds from the first to the last sighting of it writing."""
    first = last = _until_writing(server, importer)
    while importer.poll() is None:
        if _writing(server.database_url):
            last = time.monotonic()
        time.sleep(0.01)
    assert importer.returncode == 0
    return last - first


def test_import_killed_while_writing_leaves_all_rows_or_none(server: LiaisonServer, tmp_path: Path) -> None:
    # A first file, imported whole, shows how long an import writes here and now; the next is killed
    # 70% of the way through that (rows inserted, more to come), if it is still writing then.
    span, stored = _write_span(server, _import(server, tmp_path, "第1")[1]), ROWS
    for attempt in range(2, 6):
        path, importer = _import(server, tmp_path, f"第{attempt}")
        try:
            time.sleep(max(0.0, _until_writing(server, importer) + 0.7 * span - time.monotonic()))
            if _writing(server.database_url):
                break  # killed just below
            assert importer.wait(timeout=120) == 0  # it committed first (the machine sped up): wait less
            span, stored = span / 2, stored + ROWS
        finally:
            importer.send_signal(signal.SIGKILL)
            importer.wait()
    else:
        pytest.fail("every import had committed before the kill")
    count = int(server.query("print(await Opinion.count().run())").strip()) - stored
    assert count in (0, ROWS), f"a killed import left {count} of {ROWS} rows"
    # importing it again completes it exactly once
    server.cli("opinions", "import", str(path), "--draft", "dog-rules")
    assert int(server.query("print(await Opinion.count().run())").strip()) == stored + ROWS
