"""Backups: an online, consistent copy of the SQLite database, and its restore.

SQLite's backup API copies a live database page by page under a read
transaction, so the copy is consistent even while the service writes. For
PostgreSQL the standard tools are used (``pg_dump -Fc`` / ``pg_restore``);
see docs/operations.md.
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path

__all__ = ["BackupError", "backup_postgres", "backup_sqlite", "restore_sqlite", "table_checksums"]


class BackupError(RuntimeError):
    """The backup or restore could not be done; the message says why."""


def backup_sqlite(database: Path, out: Path | None, backups_dir: Path) -> Path:
    """Copy ``database`` to ``out`` (default: a timestamped file in ``backups_dir``)."""
    if not database.exists():
        raise BackupError(f"no database at {database}")
    if out is None:
        backups_dir.mkdir(parents=True, exist_ok=True)
        out = backups_dir / f"liaison-{datetime.now(UTC):%Y%m%d-%H%M%S}.sqlite3"
    if out.exists():
        raise BackupError(f"{out} already exists; choose another file")
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_suffix(out.suffix + ".partial")
    source = sqlite3.connect(database)
    target = sqlite3.connect(partial)
    try:
        source.backup(target, pages=1024)
        target.execute("PRAGMA journal_mode = DELETE")  # a self-contained single file
        ok = target.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        target.close()
        source.close()
    if ok != "ok":
        partial.unlink(missing_ok=True)
        raise BackupError(f"the copy failed its integrity check: {ok}")
    partial.rename(out)
    return out


def restore_sqlite(backup: Path, database: Path, *, force: bool = False) -> None:
    """Put a backup in place of ``database`` (which must not exist unless ``force``)."""
    if not backup.exists():
        raise BackupError(f"no backup file at {backup}")
    try:
        with sqlite3.connect(f"file:{backup}?mode=ro", uri=True) as check:
            result = check.execute("PRAGMA integrity_check").fetchone()[0]
            check.execute("SELECT count(*) FROM opinions").fetchone()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{backup} is not a Liaison SQLite backup: {exc}") from None
    if result != "ok":
        raise BackupError(f"{backup} failed its integrity check: {result}")
    if database.exists() and not force:
        raise BackupError(f"{database} exists; stop the service and pass --force to replace it")
    database.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    staged = database.with_suffix(database.suffix + ".restoring")
    shutil.copyfile(backup, staged)
    staged.replace(database)
    with sqlite3.connect(database) as conn:
        conn.execute("PRAGMA journal_mode = WAL")


def table_checksums(database: Path, tables: list[str]) -> dict[str, tuple[int, str]]:
    """Row count and a SHA-256 over every row (in id order) for each table."""
    result = {}
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as conn:
        for table in tables:
            digest = hashlib.sha256()
            count = 0
            for row in conn.execute(f'SELECT * FROM "{table}" ORDER BY id'):
                digest.update(repr(row).encode("utf-8"))
                count += 1
            result[table] = (count, digest.hexdigest())
    return result


def backup_postgres(url: str, out: Path) -> Path:
    """``pg_dump -Fc`` of the database at ``url`` into ``out``."""
    if shutil.which("pg_dump") is None:
        raise BackupError("pg_dump is not installed (Debian: apt-get install postgresql-client)")
    if out.exists():
        raise BackupError(f"{out} already exists; choose another file")
    out.parent.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["pg_dump", "-Fc", "--no-owner", "-f", str(out), "--dbname", url],
                          capture_output=True, text=True)
    if done.returncode != 0:
        out.unlink(missing_ok=True)
        raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
    return out
