"""Backup and restore through the real CLI, compared row by row."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import LIAISON, ROOT, sample_draft

from liaison.ops.backup import table_checksums

TABLES = ["drafts", "draft_versions", "draft_articles", "users", "opinions", "contributors", "audit_log"]


def run(env: dict[str, str], *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*LIAISON, *args], env=env, input=stdin, capture_output=True, text=True, timeout=120, cwd=ROOT)


def _env(tmp: Path, name: str) -> dict[str, str]:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith(("LIAISON_", "DATABASE_URL"))}
    env.update({"DATABASE_URL": f"sqlite:///{tmp / name}", "LIAISON_DATA_DIR": str(tmp / "data"),
                "PYTHONPATH": str(ROOT / "src")})
    return env


def test_sqlite_backup_restores_into_a_fresh_database_identically(tmp_path: Path) -> None:
    env = _env(tmp_path, "live.sqlite3")
    assert run(env, "migrate").returncode == 0
    draft = tmp_path / "dog-rules.md"
    draft.write_text(sample_draft(), encoding="utf-8")
    assert run(env, "drafts", "import", "--publish", str(draft)).returncode == 0
    assert run(env, "users", "create", "--username", "li", "--role", "officer", stdin="a long passphrase\n").returncode == 0
    script = ("import asyncio, sys\nsys.path.insert(0, 'tests')\nfrom liaison import db\nfrom liaison.config import load_settings\n"
              "from liaison.opinions.service import submit_opinion\nfrom liaison.opinions.validation import OpinionInput, ContributorInput\n"
              "async def m():\n    await db.connect(load_settings().database_url)\n"
              "    for i in range(30):\n"
              "        await submit_opinion('dog-rules', OpinionInput(text=f'意见{i}', article=i % 3 + 1,"
              " contributor=ContributorInput(name='张三', phone='13800001111', consent=True)), client_key=f'c{i}')\n"
              "    await db.disconnect()\nasyncio.run(m())\n")
    made = subprocess.run([sys.executable, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True)
    assert made.returncode == 0, made.stderr

    out = tmp_path / "backup.sqlite3"
    done = run(env, "backup", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert run(env, "backup", "--out", str(out)).returncode != 0  # never overwrites a backup

    fresh = _env(tmp_path, "restored.sqlite3")
    restored = run(fresh, "restore", str(out))
    assert restored.returncode == 0, restored.stderr
    assert run(fresh, "restore", str(out)).returncode != 0  # refuses to replace without --force
    original = table_checksums(tmp_path / "live.sqlite3", TABLES)
    copy = table_checksums(tmp_path / "restored.sqlite3", TABLES)
    assert copy == original
    assert original["opinions"][0] == 30 and original["contributors"][0] == 30
    assert "dog-rules" in run(fresh, "drafts", "list").stdout

    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"not a database at all")
    bad = run(_env(tmp_path, "other.sqlite3"), "restore", str(junk))
    assert bad.returncode != 0 and "not a Liaison SQLite backup" in bad.stderr


@pytest.mark.skipif(not os.environ.get("LIAISON_TEST_POSTGRES"), reason="PostgreSQL backups run when LIAISON_TEST_POSTGRES is set")
def test_postgres_backup_with_pg_dump_restores_with_pg_restore(tmp_path: Path) -> None:
    import secrets

    # psql rather than asyncio.run: a session-wide event loop (Playwright's) may be running.
    def psql(sql: str) -> None:
        subprocess.run(["psql", "-q", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-c", sql],
                       check=True, capture_output=True)

    source, target = (f"liaison_test_backup_{secrets.token_hex(4)}" for _ in range(2))
    psql(f'CREATE DATABASE "{source}"')
    psql(f'CREATE DATABASE "{target}"')
    try:
        env = _env(tmp_path, "unused")
        env["DATABASE_URL"] = f"postgresql://postgres@127.0.0.1:5432/{source}"
        assert run(env, "migrate").returncode == 0
        draft = tmp_path / "dog-rules.md"
        draft.write_text(sample_draft(), encoding="utf-8")
        assert run(env, "drafts", "import", "--publish", str(draft)).returncode == 0
        out = tmp_path / f"pg-{secrets.token_hex(4)}.dump"
        done = run(env, "backup", "--out", str(out))
        assert done.returncode == 0, done.stderr
        restored = subprocess.run(["pg_restore", "--no-owner", "-d", f"postgresql://postgres@127.0.0.1:5432/{target}", str(out)],
                                  capture_output=True, text=True)
        assert restored.returncode == 0, restored.stderr
        counts = []
        for name in (source, target):
            query = "SELECT (SELECT count(*) FROM drafts), (SELECT count(*) FROM draft_articles), md5(string_agg(text, '' ORDER BY id)) FROM draft_articles"
            counts.append(subprocess.run(["psql", "-At", "-h", "127.0.0.1", "-U", "postgres", "-d", name, "-c", query],
                                         capture_output=True, text=True).stdout.strip())
        assert counts[0] == counts[1] and counts[0].startswith("1|3|")
    finally:
        psql(f'DROP DATABASE IF EXISTS "{source}" WITH (FORCE)')
        psql(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
