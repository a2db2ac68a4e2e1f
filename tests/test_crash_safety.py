"""Crash safety: SIGKILL the real server under load, and a bulk import half-way.

Every opinion whose 201 reached a client must be in the database afterwards;
an interrupted import leaves all of its rows or none. Runs on SQLite, and on
PostgreSQL when LIAISON_TEST_POSTGRES is set.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from conftest import LIAISON, ROOT, sample_draft

ENGINES = ["sqlite", "postgres"] if os.environ.get("LIAISON_TEST_POSTGRES") else ["sqlite"]


def _psql(sql: str) -> None:
    subprocess.run(["psql", "-q", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-c", sql],
                   check=True, capture_output=True)


@pytest.fixture(params=ENGINES)
def env(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("LIAISON_", "DATABASE_URL"))}
    base.update({"LIAISON_DATA_DIR": str(tmp_path / "data"), "PYTHONPATH": str(ROOT / "src"),
                 "LIAISON_PUBLIC_POSTS_PER_10MIN": "1000000", "LIAISON_RUN_WORKER": "0"})
    name = None
    if request.param == "sqlite":
        base["DATABASE_URL"] = f"sqlite:///{tmp_path / 'crash.sqlite3'}"
    else:
        name = f"liaison_test_crash_{secrets.token_hex(4)}"
        _psql(f'CREATE DATABASE "{name}"')
        base["DATABASE_URL"] = f"postgresql://postgres@127.0.0.1:5432/{name}"
    _cli(base, "migrate")
    draft = tmp_path / "dog-rules.md"
    draft.write_text(sample_draft(), encoding="utf-8")
    _cli(base, "drafts", "import", "--publish", str(draft))
    try:
        yield base
    finally:
        if name:
            _psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([*LIAISON, *args], env=env, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _query(env: dict[str, str], code: str) -> str:
    script = ("import asyncio\nfrom liaison import db\nfrom liaison.config import load_settings\n"
              "from liaison.opinions.tables import Opinion\n"
              "async def main():\n    await db.connect(load_settings().database_url)\n"
              + "".join(f"    {line}\n" for line in code.splitlines())
              + "    await db.disconnect()\nasyncio.run(main())\n")
    return _cli_python(env, script)


def _cli_python(env: dict[str, str], script: str) -> str:
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    return done.stdout


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


def test_sigkill_under_load_loses_no_acknowledged_opinion(env: dict[str, str]) -> None:
    port = _free_port()
    server = subprocess.Popen([*LIAISON, "serve", "--no-migrate", "--no-access-log", "--port", str(port)],
                              env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        receipts: list[str] = []

        async def run() -> None:
            stop = asyncio.Event()
            load = asyncio.create_task(_load(f"http://127.0.0.1:{port}", stop, receipts))
            while len(receipts) < 300:
                await asyncio.sleep(0.05)
            server.send_signal(signal.SIGKILL)  # mid-load: batches are being written
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
        server.wait()
    assert len(receipts) >= 300
    wanted = Path(env["LIAISON_DATA_DIR"]) / "receipts.txt"
    wanted.write_text("\n".join(receipts), encoding="utf-8")
    missing = _query(env, f"""wanted = open({str(wanted)!r}).read().split()
found = set()
for i in range(0, len(wanted), 500):
    rows = await Opinion.select(Opinion.receipt).where(Opinion.receipt.is_in(wanted[i:i + 500])).run()
    found.update(r['receipt'] for r in rows)
print(len(set(wanted) - found))""")
    assert missing.strip() == "0", f"{missing.strip()} acknowledged opinions lost"
    # and the service comes back on the same database
    assert "dog-rules" in _cli(env, "drafts", "list")


def test_import_killed_half_way_leaves_all_rows_or_none(env: dict[str, str], tmp_path: Path) -> None:
    rows = ["条文,意见内容"] + [f"{i % 3 + 1},批量导入的意见第{i}条，内容各不相同。" for i in range(60_000)]
    path = tmp_path / "big.csv"
    path.write_text("\n".join(rows), encoding="utf-8")
    importer = subprocess.Popen([*LIAISON, "opinions", "import", str(path), "--draft", "dog-rules"],
                                env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(float(os.environ.get("LIAISON_TEST_KILL_AFTER", "4")))
    importer.send_signal(signal.SIGKILL)
    importer.wait()
    count = int(_query(env, "print(await Opinion.count().run())").strip())
    assert count in (0, 60_000), f"a killed import left {count} of 60000 rows"
    # importing again completes it exactly once
    _cli(env, "opinions", "import", str(path), "--draft", "dog-rules")
    assert int(_query(env, "print(await Opinion.count().run())").strip()) == 60_000
