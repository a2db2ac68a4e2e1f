"""Database engine: built on demand from ``Settings``, bound to every table.

piccolo looks its engine up through a ``piccolo_conf`` module; building one
connects at once, so nothing is built at import. ``connect(settings)`` makes the
engine, binds it to our tables and to piccolo's migration table, and points
``liaison.piccolo_conf.DB`` at it so piccolo's migration runner finds it.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType
from piccolo.table import Table

__all__ = [
    "all_tables",
    "bulk_insert",
    "connect",
    "current_engine",
    "disconnect",
    "is_sqlite",
    "migrate",
    "ping",
    "transaction",
]

_engine: Engine | None = None


class TunedSQLiteConnection(sqlite3.Connection):
    """Every connection waits for locks and trades a little durability for speed.

    piccolo opens a connection per query, so per-connection pragmas go here.
    ``synchronous=NORMAL`` is safe in WAL mode (no corruption, at most the last
    transactions before a power cut are lost).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.execute("PRAGMA busy_timeout = 15000")
        self.execute("PRAGMA synchronous = NORMAL")
        # Deleted personal data is overwritten, not left in free pages.
        self.execute("PRAGMA secure_delete = ON")


def all_tables() -> list[type[Table]]:
    """Our tables in dependency order (referenced tables first)."""
    from liaison.accounts.tables import ApiToken, User, UserSession
    from liaison.adoption.tables import OpinionOutcome, PointOutcome
    from liaison.audit.tables import AuditEntry
    from liaison.clusters.tables import (
        AnalysisState, Cluster, ClusterIdHighWater, ClusterMember, OpinionTag, ReviewOperation, TopicTaxonomy,
    )
    from liaison.drafts.tables import Draft, DraftArticle, DraftVersion
    from liaison.network.tables import Office, StaffOffice, StationSetting, Volunteer
    from liaison.opinions.tables import Activity, Contributor, Opinion, RateCounter
    from liaison.packets.tables import PacketVersion
    from liaison.submission.tables import DeliveryAttempt, InboundPacket, InboundPoint, OutboxMessage, PeerStation

    return [
        User, UserSession, ApiToken, Draft, DraftVersion, DraftArticle,
        Office, StaffOffice, StationSetting, Volunteer,
        Activity, Opinion, Contributor, RateCounter, AuditEntry,
        Cluster, ClusterMember, AnalysisState, ClusterIdHighWater, PacketVersion,
        PeerStation, OutboxMessage, DeliveryAttempt, InboundPacket, InboundPoint,
        PointOutcome, OpinionOutcome,
        OpinionTag, TopicTaxonomy, ReviewOperation,
    ]


def _postgres_config(url: str) -> dict[str, Any]:
    parts = urlsplit(url)
    config: dict[str, Any] = {
        "host": parts.hostname or "127.0.0.1",
        "port": parts.port or 5432,
        "user": unquote(parts.username) if parts.username else "postgres",
        "database": parts.path.lstrip("/") or "postgres",
    }
    if parts.password:
        config["password"] = unquote(parts.password)
    return config


def sqlite_path(url: str) -> Path:
    """``sqlite:///var/x.sqlite3`` -> ``var/x.sqlite3`` (``sqlite:////abs`` is absolute)."""
    return Path(url.removeprefix("sqlite:///"))


def build_engine(url: str) -> Engine:
    if url.startswith("sqlite:"):
        path = sqlite_path(url)
        path.parent.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(path) as conn:  # WAL is a property of the file: set once.
            conn.execute("PRAGMA journal_mode = WAL")
        return SQLiteEngine(path=str(path), timeout=15, factory=TunedSQLiteConnection)
    return PostgresEngine(config=_postgres_config(url), extensions=())


def _bind(engine: Engine | None) -> None:
    from piccolo.apps.migrations.tables import Migration

    import liaison.piccolo_conf as conf

    conf.DB = engine
    for table in [*all_tables(), Migration]:
        table._meta._db = engine
    os.environ["PICCOLO_CONF"] = "liaison.piccolo_conf"


async def connect(url: str) -> Engine:
    """Build the engine for ``url`` and bind it; PostgreSQL gets a pool."""
    global _engine
    await disconnect()
    engine = build_engine(url)
    if isinstance(engine, PostgresEngine):
        await engine.start_connection_pool(min_size=1, max_size=10)
    _engine = engine
    _bind(engine)
    return engine


async def disconnect() -> None:
    global _engine
    if isinstance(_engine, PostgresEngine):
        await _engine.close_connection_pool()
    _engine = None


def current_engine() -> Engine:
    if _engine is None:
        raise RuntimeError("database not connected: call liaison.db.connect() first")
    return _engine


def is_sqlite() -> bool:
    return isinstance(current_engine(), SQLiteEngine)


def transaction() -> Any:
    """A write transaction; on SQLite an IMMEDIATE one, so concurrent writers queue
    for the lock instead of failing with 'database is locked' on upgrade."""
    engine = current_engine()
    if isinstance(engine, SQLiteEngine):
        return engine.transaction(transaction_type=TransactionType.immediate)
    return engine.transaction()


async def bulk_insert(table: type[Table], columns: list[str], rows: list[tuple[Any, ...]]) -> None:
    """Insert many rows with the driver's executemany, inside the current transaction.

    piccolo builds each row through Python objects (about 1 ms a row measured
    here); hot paths (intake, imports) hand plain tuples to the driver instead.
    Values must be what the driver takes: datetimes, str, int, None; JSON as str.
    """
    if not rows:
        return
    engine = current_engine()
    tx = engine.current_transaction.get()
    if tx is None:
        raise RuntimeError("bulk_insert must run inside liaison.db.transaction()")
    names = ", ".join(f'"{c}"' for c in columns)
    if isinstance(engine, SQLiteEngine):
        marks = ", ".join("?" for _ in columns)
    else:
        marks = ", ".join(f"${i}" for i in range(1, len(columns) + 1))
    await tx.connection.executemany(f'INSERT INTO "{table._meta.tablename}" ({names}) VALUES ({marks})', rows)


async def ping() -> bool:
    """True when the database answers a trivial query."""
    try:
        await asyncio.wait_for(current_engine().run_ddl("SELECT 1"), timeout=3)
    except Exception:  # noqa: BLE001 - any failure means "not reachable"
        return False
    return True


async def migrate() -> list[str]:
    """Apply every migration in ``migrations/`` not yet applied; return their ids."""
    from liaison.migrations_runner import apply_migrations

    return await apply_migrations()
