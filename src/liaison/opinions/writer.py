"""Group commit for incoming opinions.

Each accepted opinion must be durably stored before its 201 is sent, but one
transaction per request caps SQLite at a few hundred writes a second. Requests
therefore hand their validated opinion to this per-process writer and wait; the
writer commits everything that queued up meanwhile as ONE batch — rate limit
counts, the ten-minute duplicate check, receipts, opinions, contributors and
audit records — then answers every waiting request. A request is answered only
after the commit, so an acknowledged opinion is never lost.

What a batch decides (who is over the rate limit, which texts repeat, which
items are written) is plain Python shared by both engines; only the reads and
writes differ:

* SQLite: start to finish inside one dedicated thread on a persistent
  ``sqlite3`` connection, one ``BEGIN IMMEDIATE`` transaction per batch (each
  awaited thread hop had waited behind every ready request: 50–100 ms a batch).
* PostgreSQL: two round trips per batch on a dedicated thread's own event loop
  and asyncpg connection, both prepared statements over arrays: one read
  (the batch's rate counters and recent look-alike opinions) and one statement
  whose data-modifying CTEs write counters, opinions, contributors and audit
  records. That statement is its own transaction: PostgreSQL reports the rows
  and then commits (``synchronous_commit`` as configured, ``on`` by default)
  before it is ready for the next query, and asyncpg returns only then.
  Before this, a batch made ~7 round trips plus a prepare for each IN-list of
  a new length.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, convert_datetime_in

from liaison import db
from liaison.core.errors import DomainError, TooManyRequests
from liaison.opinions.receipts import new_receipt
from liaison.opinions.validation import ContributorInput

__all__ = ["PendingOpinion", "Stored", "submit"]

log = logging.getLogger("liaison.intake")

MAX_BATCH = 500
DEDUPE_WINDOW = timedelta(minutes=10)
RATE_WINDOW_SECONDS = 600
NOTICE_VERSION = "2026-1"
_CHUNK = 400
OPINION_COLUMNS = ["draft", "version", "article", "receipt", "text", "suggestion", "reason", "channel", "office",
                   "volunteer", "activity", "status", "set_aside_reason", "text_hash", "client_key", "import_key",
                   "entered_by", "created_at", "updated_at"]
CONTRIBUTOR_COLUMNS = ["opinion", "name", "phone", "region", "occupation", "consent_at", "notice_version"]
AUDIT_COLUMNS = ["at", "actor", "entity", "entity_id", "action", "before", "after"]
_RATE_UPSERT = ("INSERT INTO rate_counters (key, period, hits) VALUES (?, ?, ?) "
                "ON CONFLICT (key) DO UPDATE SET hits = rate_counters.hits + excluded.hits")

DedupeKey = tuple[int, str, str]  # draft, client, text fingerprint


@dataclass(slots=True)
class PendingOpinion:
    """A validated opinion waiting to be written."""

    draft: int
    version: int
    article: int | None
    text: str
    suggestion: str
    reason: str
    channel: str
    text_hash: str
    client_key: str = ""
    office: int | None = None
    volunteer: int | None = None
    activity: int | None = None
    entered_by: int | None = None
    contributor: ContributorInput | None = None
    rate_limit: int | None = None  # public posts: max per client per 10 minutes
    dedupe: bool = False  # public posts: same text from the same client returns the first receipt
    actor: str = ""  # staff username, for the audit log
    future: asyncio.Future[Stored] | None = field(default=None, repr=False)

    @property
    def dedupe_key(self) -> DedupeKey | None:
        return (self.draft, self.client_key, self.text_hash) if self.dedupe and self.client_key else None


@dataclass(frozen=True, slots=True)
class Stored:
    id: int
    receipt: str
    duplicate: bool = False


Result = Stored | BaseException


# ---------------------------------------------------------------- what a batch decides (both engines)


@dataclass(slots=True)
class _Plan:
    """One batch's decisions: results so far, counter increments, and the items to insert."""

    batch: list[PendingOpinion]
    now: datetime
    window_start: int
    retry_after: int
    results: list[Result | _Later | None]
    rate_increments: dict[str, int] = field(default_factory=dict)
    to_insert: list[int] = field(default_factory=list)
    first_in_batch: dict[DedupeKey, int] = field(default_factory=dict)

    @classmethod
    def start(cls, batch: list[PendingOpinion], now_ts: float) -> _Plan:
        window_start = int(now_ts // RATE_WINDOW_SECONDS) * RATE_WINDOW_SECONDS
        retry_after = max(1, math.ceil(window_start + RATE_WINDOW_SECONDS - now_ts))
        return cls(batch, datetime.fromtimestamp(now_ts, UTC), window_start, retry_after, [None] * len(batch))

    def rate_key(self, item: PendingOpinion) -> str:
        return f"opinion:{item.client_key}:{self.window_start}"

    def rate_keys(self) -> list[str]:
        return sorted({self.rate_key(item) for item in self.batch if item.rate_limit is not None})

    def dedupe_hashes(self) -> list[str]:
        return sorted({key[2] for item in self.batch if (key := item.dedupe_key) is not None})

    def apply_rate_limits(self, current: dict[str, int]) -> None:
        """Per-client limits in arrival order; only accepted items count (repeats included)."""
        added = self.rate_increments
        for index, item in enumerate(self.batch):
            if item.rate_limit is None:
                continue
            key = self.rate_key(item)
            if current.get(key, 0) + added.get(key, 0) >= item.rate_limit:
                self.results[index] = TooManyRequests(
                    f"提交过于频繁，请 {self.retry_after} 秒后再试", field="client",
                    extra={"retry_after": self.retry_after}, headers={"Retry-After": str(self.retry_after)},
                )
                continue
            added[key] = added.get(key, 0) + 1

    def choose_inserts(self, recent: list[tuple[int, str, int, str, str]],
                       in_flight: dict[DedupeKey, _Later] | None = None) -> None:
        """Drop repeats of an opinion from the last ten minutes or from earlier in this batch.

        ``recent``: (id, receipt, draft, client, text fingerprint) of stored opinions
        of the window whose fingerprint one of the batch's items has; the earliest wins.
        ``in_flight``: items of the previous batch whose write this batch could not see yet
        (PostgreSQL pipelining); a repeat of one is answered once that write is done.
        """
        wanted = {key for item in self.batch if (key := item.dedupe_key) is not None}
        earlier: dict[DedupeKey, Stored | _Later] = {}
        for opinion_id, receipt, draft, client, text_hash in sorted(recent):
            key = (draft, client, text_hash)
            if key in wanted and key not in earlier:
                earlier[key] = Stored(opinion_id, receipt, duplicate=True)
        for key, later in (in_flight or {}).items():
            if key in wanted and key not in earlier:
                earlier[key] = later
        for index, item in enumerate(self.batch):
            if self.results[index] is not None:
                continue
            key = item.dedupe_key
            if key is not None:
                if key in earlier:
                    self.results[index] = earlier[key]
                    continue
                if key in self.first_in_batch:
                    continue  # answered in finish() with the first one's receipt
                self.first_in_batch[key] = index
            self.to_insert.append(index)

    def opinion_row(self, index: int, receipt: str, at: Any) -> tuple[Any, ...]:
        item = self.batch[index]
        return (item.draft, item.version, item.article, receipt, item.text, item.suggestion, item.reason,
                item.channel, item.office, item.volunteer, item.activity, "unscreened", "", item.text_hash,
                item.client_key, None, item.entered_by, at, at)

    @staticmethod
    def audit_after(item: PendingOpinion) -> str:
        after = {"channel": item.channel, "office": item.office, "volunteer": item.volunteer,
                 "activity": item.activity, "article": item.article}
        return json.dumps(after, ensure_ascii=False)

    def finish(self) -> list[Result]:
        """Answer the repeats within this batch with the first one's receipt."""
        for index, item in enumerate(self.batch):
            if self.results[index] is None:
                key = item.dedupe_key
                assert key is not None
                first = self.results[self.first_in_batch[key]]
                assert isinstance(first, Stored)
                self.results[index] = Stored(first.id, first.receipt, duplicate=True)
        done = [r for r in self.results if r is not None]
        assert not any(isinstance(r, _Later) for r in done)
        return done  # type: ignore[return-value]


@dataclass(slots=True)
class _Later:
    """A repeat of an item that the previous batch is still writing (PostgreSQL pipelining)."""

    batch: _InFlight
    index: int

    def result(self) -> Result:
        """Once that batch is done: the item's receipt as a repeat, or that batch's error."""
        assert self.batch.done.done()
        if (error := self.batch.done.exception()) is not None:
            return error
        first = self.batch.plan.results[self.index]
        assert isinstance(first, Stored)
        return Stored(first.id, first.receipt, duplicate=True)


@dataclass(slots=True)
class _InFlight:
    """A PostgreSQL batch whose write may still be running while the next batch plans."""

    plan: _Plan
    # the receipts it inserts (first attempt): once one is visible, so is its whole first statement
    # (a code found taken belongs to an older row; the timestamp tells them apart)
    probe: list[str]
    done: asyncio.Future[None]

    def unseen_keys(self) -> dict[DedupeKey, _Later]:
        keys: dict[DedupeKey, _Later] = {}
        for index in self.plan.to_insert:
            key = self.plan.batch[index].dedupe_key
            if key is not None and key not in keys:
                keys[key] = _Later(self, index)
        return keys


def _fresh_candidates(count: int, avoid: set[str]) -> list[str]:
    """``count`` new receipt codes, distinct from each other and from ``avoid``."""
    codes: set[str] = set()
    while len(codes) < count:
        code = new_receipt()
        if code not in avoid:
            codes.add(code)
    return sorted(codes)


# ---------------------------------------------------------------- SQLite


def _marks(n: int) -> str:
    return ", ".join("?" for _ in range(n))


def _chunks(values: list[Any], size: int = _CHUNK) -> list[list[Any]]:
    return [values[i : i + size] for i in range(0, len(values), size)]


def _insert_sql(table: str, columns: list[str]) -> str:
    return f'INSERT INTO {table} ({", ".join(f"{chr(34)}{c}{chr(34)}" for c in columns)}) VALUES ({_marks(len(columns))})'


def _fetch_in(conn: sqlite3.Connection, sql: str, values: list[Any], *tail: Any) -> list[tuple[Any, ...]]:
    """``sql`` with ``{}`` for an IN list, run chunk by chunk (SQLite limits the number of parameters)."""
    rows: list[tuple[Any, ...]] = []
    for chunk in _chunks(values):
        rows.extend(conn.execute(sql.format(_marks(len(chunk))), (*chunk, *tail)).fetchall())
    return rows


def _sqlite_receipts(conn: sqlite3.Connection, count: int) -> list[str]:
    receipts: list[str] = []
    while len(receipts) < count:
        candidates = _fresh_candidates(count - len(receipts), set(receipts))
        taken = {r[0] for r in _fetch_in(conn, "SELECT receipt FROM opinions WHERE receipt IN ({})", candidates)}
        receipts.extend(c for c in candidates if c not in taken)
    return receipts


def _write_batch_sqlite(conn: sqlite3.Connection, batch: list[PendingOpinion], now_ts: float) -> list[Result]:
    """Everything one batch writes, inside the caller's transaction."""
    plan = _Plan.start(batch, now_ts)
    current = dict(_fetch_in(conn, "SELECT key, hits FROM rate_counters WHERE key IN ({})", plan.rate_keys()))
    plan.apply_rate_limits(current)
    if plan.rate_increments:  # one statement for all clients of the batch
        conn.executemany(_RATE_UPSERT, [(k, plan.window_start, n) for k, n in sorted(plan.rate_increments.items())])
    # Filter the time only after the index on text_hash has narrowed the rows.
    plan.choose_inserts(_fetch_in(  # type: ignore[arg-type]
        conn, "SELECT id, receipt, draft, client_key, text_hash FROM opinions WHERE text_hash IN ({}) "
        "AND created_at >= ?", plan.dedupe_hashes(), plan.now - DEDUPE_WINDOW,
    ))
    receipts = _sqlite_receipts(conn, len(plan.to_insert))
    now = convert_datetime_in(plan.now)  # piccolo's adapter, applied once instead of twice a row
    if receipts:
        conn.executemany(_insert_sql("opinions", OPINION_COLUMNS),
                         [plan.opinion_row(i, r, now) for i, r in zip(plan.to_insert, receipts, strict=True)])
    ids = dict(_fetch_in(conn, "SELECT receipt, id FROM opinions WHERE receipt IN ({})", receipts))
    contributors: list[tuple[Any, ...]] = []
    audits: list[tuple[Any, ...]] = []
    for index, receipt in zip(plan.to_insert, receipts, strict=True):
        item = batch[index]
        plan.results[index] = Stored(ids[receipt], receipt)
        if (c := item.contributor) is not None:
            contributors.append((ids[receipt], c.name, c.phone, c.region, c.occupation, now, NOTICE_VERSION))
        if item.actor:
            audits.append((now, item.actor, "opinion", str(ids[receipt]), "create", "{}", plan.audit_after(item)))
    if contributors:
        conn.executemany(_insert_sql("contributors", CONTRIBUTOR_COLUMNS), contributors)
    if audits:
        conn.executemany(_insert_sql("audit_log", AUDIT_COLUMNS), audits)
    return plan.finish()


class _SQLiteWriterThread:
    """One thread, one persistent connection, one IMMEDIATE transaction per batch."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="liaison-intake")
        self.conn: sqlite3.Connection | None = None

    def _commit_sync(self, batch: list[PendingOpinion], now_ts: float) -> list[Result]:
        if self.conn is None:
            self.conn = sqlite3.connect(self.path, factory=db.TunedSQLiteConnection, isolation_level=None,
                                        check_same_thread=False, timeout=15)
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            results = _write_batch_sqlite(conn, batch, now_ts)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        return results

    def close(self) -> None:
        def _close() -> None:
            if self.conn is not None:
                self.conn.close()
                self.conn = None

        self.executor.submit(_close)
        self.executor.shutdown(wait=False)

    async def commit(self, batch: list[PendingOpinion]) -> list[Result]:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, self._commit_sync, batch, time.time())


# ---------------------------------------------------------------- PostgreSQL

# Round trip 1: the batch's rate counters (kind 0) and the opinions of the window
# that share a text fingerprint with one of its items (kind 1). Each fingerprint
# is looked up on its own in the text_hash index and only then are the rows
# filtered by time: the LATERAL subquery with OFFSET 0 is neither turned back into
# a join nor given the time condition. Written as "text_hash = ANY(…) AND
# created_at >= …", a table that had grown fast (statistics not gathered yet)
# was read sequentially or through the created_at index: 12–25 ms for 12,000
# rows, growing with the intake rate, against under 1 ms.
_PG_READ = """
SELECT 0 AS kind, key::text AS a, hits::bigint AS n, 0 AS draft, '' AS client, '' AS text_hash
  FROM rate_counters WHERE key = ANY($1::text[])
UNION ALL
SELECT 1, o.receipt::text, o.id::bigint, o.draft, o.client_key::text, o.text_hash::text
  FROM unnest($2::text[]) AS h(text_hash)
  CROSS JOIN LATERAL (SELECT id, receipt, draft, client_key, text_hash, created_at FROM opinions
                       WHERE opinions.text_hash = h.text_hash OFFSET 0) AS o
 WHERE o.created_at >= $3
UNION ALL
(SELECT 2, receipt::text, 0, 0, '', '' FROM opinions WHERE receipt = ANY($4::text[]) AND created_at = $5 LIMIT 1)
"""

# Round trip 2, one statement and so one transaction: counters, opinions, and the
# contributors and audit records of the opinions just inserted (joined by receipt).
# A receipt taken meanwhile is skipped (ON CONFLICT) and retried with a new code.
_PG_WRITE = """
WITH counted AS (
  INSERT INTO rate_counters (key, period, hits)
  SELECT k, $1::int, n FROM unnest($2::text[], $3::int[]) AS r(k, n)
  ON CONFLICT (key) DO UPDATE SET hits = rate_counters.hits + excluded.hits
), inserted AS (
  INSERT INTO opinions (draft, version, article, receipt, text, suggestion, reason, channel, office, volunteer,
                        activity, status, set_aside_reason, text_hash, client_key, import_key, entered_by,
                        created_at, updated_at)
  SELECT u.draft, u.version, u.article, u.receipt, u.text, u.suggestion, u.reason, u.channel, u.office,
         u.volunteer, u.activity, 'unscreened', '', u.text_hash, u.client_key, NULL, u.entered_by, $4::timestamptz, $4::timestamptz
    FROM unnest($5::int[], $6::int[], $7::int[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[],
                $13::int[], $14::int[], $15::int[], $16::text[], $17::text[], $18::int[])
         WITH ORDINALITY AS u(draft, version, article, receipt, text, suggestion, reason, channel, office,
                              volunteer, activity, text_hash, client_key, entered_by, position)
   ORDER BY u.position
  ON CONFLICT (receipt) DO NOTHING
  RETURNING id, receipt
), contributed AS (
  INSERT INTO contributors (opinion, name, phone, region, occupation, consent_at, notice_version)
  SELECT inserted.id, c.name, c.phone, c.region, c.occupation, $4::timestamptz, $19::text
    FROM unnest($20::text[], $21::text[], $22::text[], $23::text[], $24::text[])
         AS c(receipt, name, phone, region, occupation)
    JOIN inserted ON inserted.receipt = c.receipt
), audited AS (
  INSERT INTO audit_log (at, actor, entity, entity_id, action, before, after)
  SELECT $4::timestamptz, a.actor, 'opinion', inserted.id::text, 'create', '{}'::json, a.after::json
    FROM unnest($25::text[], $26::text[], $27::text[]) AS a(receipt, actor, after)
    JOIN inserted ON inserted.receipt = a.receipt
)
SELECT id, receipt FROM inserted
"""


def _pg_write_args(plan: _Plan, indexes: list[int], receipts: list[str],
                   increments: list[tuple[str, int]]) -> list[Any]:
    items = [plan.batch[i] for i in indexes]
    people = [(r, it.contributor) for r, it in zip(receipts, items, strict=True) if it.contributor is not None]
    audited = [(r, it) for r, it in zip(receipts, items, strict=True) if it.actor]
    return [
        plan.window_start, [k for k, _ in increments], [n for _, n in increments], plan.now,
        [it.draft for it in items], [it.version for it in items], [it.article for it in items], receipts,
        [it.text for it in items], [it.suggestion for it in items], [it.reason for it in items],
        [it.channel for it in items], [it.office for it in items], [it.volunteer for it in items],
        [it.activity for it in items], [it.text_hash for it in items], [it.client_key for it in items],
        [it.entered_by for it in items], NOTICE_VERSION,
        [r for r, _ in people], [c.name for _, c in people], [c.phone for _, c in people],
        [c.region for _, c in people], [c.occupation for _, c in people],
        [r for r, _ in audited], [it.actor for _, it in audited], [plan.audit_after(it) for _, it in audited],
    ]


async def _plan_postgres(conn: Any, batch: list[PendingOpinion], now_ts: float,
                         previous: _InFlight | None = None) -> tuple[_Plan, list[str]]:
    """Round trip 1 and the batch's decisions; returns the plan and the first receipt codes.

    ``previous``: the batch whose write may still be running on the other connection.
    If this read did not see it (its probe receipt is not there), its counter increments
    are added to what was read and repeats of its items wait for its result.
    """
    plan = _Plan.start(batch, now_ts)
    keys, hashes = plan.rate_keys(), plan.dedupe_hashes()
    current: dict[str, int] = {}
    recent: list[tuple[int, str, int, str, str]] = []
    seen_previous = previous is None or previous.done.done()
    if keys or hashes:
        # conn.fetch, not conn.prepare: only fetch uses asyncpg's statement cache, so the
        # statement is parsed once per connection and each batch costs one round trip.
        probe = [] if seen_previous else previous.probe  # type: ignore[union-attr]
        probe_at = plan.now if previous is None else previous.plan.now
        for kind, a, n, draft, client, text_hash in await conn.fetch(_PG_READ, keys, hashes,
                                                                     plan.now - DEDUPE_WINDOW, probe, probe_at):
            if kind == 0:
                current[a] = n
            elif kind == 1:
                recent.append((n, a, draft, client, text_hash))
            else:
                seen_previous = True
    in_flight = None
    if not seen_previous:
        assert previous is not None
        for key, n in previous.plan.rate_increments.items():
            current[key] = current.get(key, 0) + n
        in_flight = previous.unseen_keys()
    plan.apply_rate_limits(current)
    plan.choose_inserts(recent, in_flight)
    return plan, _fresh_candidates(len(plan.to_insert), set())


async def _write_postgres(conn: Any, plan: _Plan, receipts: list[str]) -> None:
    """Round trip 2 (a third only if a receipt code collided); each statement commits itself.

    Between the read and the write another process may write too: as before
    (READ COMMITTED), two workers could each let one more opinion of a client
    through or store the same text twice; the counter update itself is atomic.
    """
    increments = sorted(plan.rate_increments.items())
    pending = list(plan.to_insert)
    used: set[str] = set(receipts)
    while True:
        rows = await conn.fetch(_PG_WRITE, *_pg_write_args(plan, pending, receipts, increments))
        by_receipt = {row["receipt"]: row["id"] for row in rows}
        retry: list[int] = []
        for index, receipt in zip(pending, receipts, strict=True):
            if receipt in by_receipt:
                plan.results[index] = Stored(by_receipt[receipt], receipt)
            else:
                retry.append(index)
        if not retry:
            return
        log.info("receipt code collision: retrying %d opinion(s) with new codes", len(retry))
        pending, increments = retry, []  # the counters are already committed
        receipts = _fresh_candidates(len(pending), used)
        used.update(receipts)


async def _write_batch_postgres(conn: Any, batch: list[PendingOpinion], now_ts: float) -> list[Result]:
    """One batch start to finish on one connection, nothing in flight before it."""
    plan, receipts = await _plan_postgres(conn, batch, now_ts)
    await _write_postgres(conn, plan, receipts)
    return plan.finish()


class _PostgresWriterThread:
    """One thread with its own event loop and two asyncpg connections, two batches in flight.

    Run on the web server's loop, each of a batch's round trips waited behind
    every other ready request (measured: 845 opinions/s); on its own loop the
    web loop waits on one future per batch.

    Pipelining: a batch plans (reads and decides) once the batch before it has
    planned, and writes on the connection the batch before that used, once that
    write is done. So a batch's read may run while the previous batch's write
    is still committing; :func:`_plan_postgres` then counts that batch's
    increments and answers repeats of its items from its result. If that write
    fails, its repeats in this batch fail with it (nothing was acknowledged),
    and its increments may have made this batch refuse a client one opinion
    early for the rest of the window.
    """

    LANES = 2

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config
        self.loop = _new_loop()
        self.conns: list[Any] = [None] * self.LANES
        self.writing: list[asyncio.Future[None] | None] = [None] * self.LANES
        self.previous: _InFlight | None = None
        self.next_lane = 0
        self.planning: asyncio.Lock | None = None
        self.thread = threading.Thread(target=self.loop.run_forever, name="liaison-intake-pg", daemon=True)
        self.thread.start()

    async def _connection(self, lane: int) -> Any:
        import asyncpg

        conn = self.conns[lane]
        if conn is None or conn.is_closed():
            conn = self.conns[lane] = await asyncpg.connect(**self.config)
        return conn

    async def _drop(self, lane: int) -> None:
        conn, self.conns[lane] = self.conns[lane], None
        if conn is not None and not conn.is_closed():
            await conn.close(timeout=1)

    async def _commit(self, batch: list[PendingOpinion], now_ts: float) -> list[Result]:
        import asyncpg

        if self.planning is None:
            self.planning = asyncio.Lock()
        async with self.planning:  # batches plan one at a time, in the order they were formed
            lane, self.next_lane = self.next_lane, (self.next_lane + 1) % self.LANES
            if (before := self.writing[lane]) is not None:
                await asyncio.wait([before])  # its rows are visible to this batch's read
            previous = self.previous
            if previous is not None and not previous.probe and previous.plan.rate_increments:
                await asyncio.wait([previous.done])  # nothing to tell whether the read saw it
            done: asyncio.Future[None] = self.loop.create_future()
            self.writing[lane] = done
            try:
                conn = await self._connection(lane)
                plan, receipts = await _plan_postgres(conn, batch, now_ts, previous)
            except BaseException as exc:
                done.set_exception(exc)
                done.exception()  # retrieved: the caller hears of it
                if isinstance(exc, (asyncpg.PostgresConnectionError, OSError)):
                    await self._drop(lane)
                raise
            self.previous = _InFlight(plan, receipts, done)
        try:
            await _write_postgres(conn, plan, receipts)
        except BaseException as exc:
            done.set_exception(exc)
            done.exception()
            if isinstance(exc, (asyncpg.PostgresConnectionError, OSError)):
                await self._drop(lane)
            raise
        done.set_result(None)
        for index, result in enumerate(plan.results):
            if isinstance(result, _Later):
                await asyncio.wait([result.batch.done])
                plan.results[index] = result.result()
        return plan.finish()

    async def commit(self, batch: list[PendingOpinion]) -> list[Result]:
        future = asyncio.run_coroutine_threadsafe(self._commit(batch, time.time()), self.loop)
        return await asyncio.wrap_future(future)

    def close(self) -> None:
        async def _close() -> None:
            for lane in range(self.LANES):
                await self._drop(lane)

        asyncio.run_coroutine_threadsafe(_close(), self.loop)
        self.loop.call_soon_threadsafe(self.loop.stop)


def _new_loop() -> asyncio.AbstractEventLoop:
    """The writer thread's event loop: uvloop where installed (uvicorn's own choice for the
    request loop; asyncpg's protocol runs cheaper on it), else asyncio's."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


class _Writer:
    def __init__(self, loop: asyncio.AbstractEventLoop, engine: Any) -> None:
        self.loop = loop
        self.engine = engine
        self.sqlite = _SQLiteWriterThread(engine.path) if isinstance(engine, SQLiteEngine) else None
        self.postgres = _PostgresWriterThread(dict(engine.config)) if isinstance(engine, PostgresEngine) else None
        self.queue: asyncio.Queue[PendingOpinion] = asyncio.Queue()
        self.task = loop.create_task(self._run(), name="liaison-intake-writer")

    def close(self) -> None:
        """Stop after the engine changed (tests switch databases; nothing is queued then)."""
        self.task.cancel()
        if self.sqlite is not None:
            self.sqlite.close()
        if self.postgres is not None:
            self.postgres.close()

    async def _commit(self, batch: list[PendingOpinion]) -> list[Result]:
        if self.sqlite is not None:
            return await self.sqlite.commit(batch)
        assert self.postgres is not None
        return await self.postgres.commit(batch)

    async def _run(self) -> None:
        """Form a batch whenever a commit slot is free: one on SQLite, two on PostgreSQL (pipelined)."""
        slots = asyncio.Semaphore(1 if self.postgres is None else _PostgresWriterThread.LANES)
        running: set[asyncio.Task[None]] = set()
        while True:
            first = await self.queue.get()
            await slots.acquire()  # what arrives meanwhile joins this batch
            batch = [first]
            while len(batch) < MAX_BATCH and not self.queue.empty():
                batch.append(self.queue.get_nowait())
            task = self.loop.create_task(self._commit_and_answer(batch, slots))
            running.add(task)
            task.add_done_callback(running.discard)

    async def _commit_and_answer(self, batch: list[PendingOpinion], slots: asyncio.Semaphore) -> None:
        try:
            results = await self._commit(batch)
        except Exception as exc:  # noqa: BLE001 - every waiter must hear about it
            log.exception("intake batch of %d failed", len(batch))
            results = [exc] * len(batch)
        finally:
            slots.release()
        for item, result in zip(batch, results, strict=True):
            if item.future is None or item.future.done():
                continue
            if isinstance(result, BaseException):
                item.future.set_exception(result)
            else:
                item.future.set_result(result)


_writers: dict[asyncio.AbstractEventLoop, _Writer] = {}


async def submit(item: PendingOpinion) -> Stored:
    """Queue an opinion and wait until it is committed (or refused)."""
    loop = asyncio.get_running_loop()
    engine = db.current_engine()
    writer = _writers.get(loop)
    if writer is None or writer.task.done() or writer.engine is not engine:
        for old_loop in [lp for lp in _writers if lp.is_closed()]:
            _writers.pop(old_loop).close()
        if writer is not None:
            writer.close()
        writer = _writers[loop] = _Writer(loop, engine)
    item.future = loop.create_future()
    writer.queue.put_nowait(item)
    return await item.future
