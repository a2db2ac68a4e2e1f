"""The group-commit writer, batch by batch, on both engines.

The HTTP tests post one opinion at a time, so each batch holds one item; these
queue several at once so that one batch must apply the rate limit and the
duplicate check in arrival order, and write contributors, audit records and
receipts for the right opinions.
"""

import asyncio
import hashlib
import time
from typing import Any

import pytest
from conftest import published_draft

from liaison.audit.tables import AuditEntry
from liaison.core.errors import TooManyRequests
from liaison.drafts import service as drafts
from liaison.opinions import writer
from liaison.opinions.tables import Contributor, Opinion, RateCounter
from liaison.opinions.validation import ContributorInput

pytestmark = pytest.mark.db


@pytest.fixture
def batch_sizes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Sizes of the batches the writer commits (to be sure a test's items shared one)."""
    sizes: list[int] = []
    for name in ("_write_batch_sqlite", "_plan_postgres"):
        original = getattr(writer, name)

        def spy(conn: Any, batch: list[writer.PendingOpinion], *args: Any, _original: Any = original) -> Any:
            sizes.append(len(batch))
            return _original(conn, batch, *args)

        monkeypatch.setattr(writer, name, spy)
    return sizes


async def _pending(text: str, client: str = "client-a", **kwargs: Any) -> writer.PendingOpinion:
    draft = await drafts.get_draft_cached("dog-rules")
    public = {"client_key": client, "dedupe": True, "rate_limit": 3, "channel": "online"}
    return writer.PendingOpinion(
        draft=draft.id, version=draft.current_version, article=None, text=text, suggestion="", reason="",
        text_hash=hashlib.sha256(text.encode()).hexdigest(), **{**public, **kwargs},
    )


async def _submit_together(items: list[writer.PendingOpinion]) -> list[writer.Stored | BaseException]:
    return await asyncio.gather(*(writer.submit(item) for item in items), return_exceptions=True)


async def _counter(client: str) -> int:
    row = await RateCounter.select(RateCounter.hits).where(RateCounter.key.like(f"opinion:{client}:%")).first().run()
    return row["hits"] if row else 0


async def test_one_batch_applies_rate_limit_then_duplicates_in_arrival_order(database: str, batch_sizes: list[int]) -> None:
    await published_draft()
    items = [await _pending("甲"), await _pending("甲"), await _pending("乙"), await _pending("丙"),
             await _pending("丁"), await _pending("甲", client="client-b")]
    first, repeat, second, over, over_too, other = await _submit_together(items)
    assert batch_sizes == [6]
    assert isinstance(first, writer.Stored) and not first.duplicate
    assert repeat == writer.Stored(first.id, first.receipt, duplicate=True)  # a repeat counts against the limit
    assert isinstance(second, writer.Stored) and not second.duplicate and second.receipt != first.receipt
    assert isinstance(over, TooManyRequests) and isinstance(over_too, TooManyRequests)
    assert over.headers is not None and 1 <= int(over.headers["Retry-After"]) <= 600
    assert isinstance(other, writer.Stored) and not other.duplicate and other.receipt not in (first.receipt, second.receipt)
    assert await Opinion.count().run() == 3
    assert (await _counter("client-a"), await _counter("client-b")) == (3, 1)

    # The next batch finds other's text among the stored opinions of the last ten minutes.
    again, fresh = await _submit_together([await _pending("甲", client="client-b"), await _pending("戊", client="client-b")])
    assert again == writer.Stored(other.id, other.receipt, duplicate=True)
    assert isinstance(fresh, writer.Stored) and not fresh.duplicate
    assert await Opinion.count().run() == 4 and await _counter("client-b") == 3


async def test_one_batch_writes_contributors_and_audit_records_for_the_right_opinions(database: str,
                                                                                      batch_sizes: list[int]) -> None:
    await published_draft()
    person = ContributorInput(name="李四", phone="13900000000", region="某区", occupation="教师", consent=True)
    items = [
        await _pending("有联系方式", contributor=person),
        await _pending("没有联系方式", client="client-b"),
        await _pending("工作人员录入", client="", dedupe=False, rate_limit=None, actor="officer", channel="symposium"),
        await _pending("工作人员录入", client="", dedupe=False, rate_limit=None, actor="officer", channel="symposium",
                       contributor=person),
    ]
    results = await _submit_together(items)
    assert batch_sizes == [4]
    assert all(isinstance(r, writer.Stored) and not r.duplicate for r in results)
    ids = [r.id for r in results]  # type: ignore[union-attr]
    assert len(set(ids)) == 4 and len({r.receipt for r in results}) == 4  # type: ignore[union-attr]
    texts = {row["id"]: row["text"] for row in await Opinion.select(Opinion.id, Opinion.text).run()}
    assert [texts[i] for i in ids] == [item.text for item in items]
    people = await Contributor.select(Contributor.opinion, Contributor.name, Contributor.notice_version).run()
    assert sorted(p["opinion"] for p in people) == sorted([ids[0], ids[3]])
    assert all(p["name"] == "李四" and p["notice_version"] == writer.NOTICE_VERSION for p in people)
    audits = await AuditEntry.select(AuditEntry.entity_id, AuditEntry.actor, AuditEntry.action, AuditEntry.after).where(
        AuditEntry.entity == "opinion").run()
    assert sorted(a["entity_id"] for a in audits) == sorted([str(ids[2]), str(ids[3])])
    assert all(a["actor"] == "officer" and a["action"] == "create" for a in audits)
    assert all("symposium" in str(a["after"]) for a in audits)


async def test_a_receipt_code_already_taken_is_replaced(database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    await published_draft()
    taken = await writer.submit(await _pending("先到的意见"))
    codes = iter([taken.receipt, taken.receipt, "ABCDEFGH", "JKLMNPQR", "STUVWXYZ"])
    monkeypatch.setattr(writer, "new_receipt", lambda: next(codes))
    stored = await writer.submit(await _pending("后到的意见", contributor=ContributorInput(name="王五", consent=True)))
    assert stored.receipt == "ABCDEFGH" and stored.id != taken.id and not stored.duplicate
    rows = await Opinion.select(Opinion.id, Opinion.receipt, Opinion.text).order_by(Opinion.id).run()
    assert [(r["receipt"], r["text"]) for r in rows] == [(taken.receipt, "先到的意见"), ("ABCDEFGH", "后到的意见")]
    assert [c["opinion"] for c in await Contributor.select(Contributor.opinion).run()] == [stored.id]
    assert await _counter("client-a") == 2  # counted once, not again for the retried write


async def test_postgres_batch_planned_while_the_previous_one_writes(database: str) -> None:
    """Pipelining: a batch whose read did not see the previous batch's write still counts that
    batch's opinions against the limit and answers repeats of them with their receipts; once the
    write is visible it is not counted twice; if that write fails, the repeats fail with it."""
    if not database.startswith("postgres"):
        pytest.skip("the SQLite writer commits one batch at a time")
    import asyncpg

    await published_draft()
    conn = await asyncpg.connect(database)
    try:
        loop = asyncio.get_running_loop()
        first = [await _pending("甲"), await _pending("乙")]
        plan1, receipts1 = await writer._plan_postgres(conn, first, time.time())
        previous = writer._InFlight(plan1, receipts1, loop.create_future())

        # Not yet written: client-a has 2 of 3 → the repeat of 甲 is allowed (and counts), 丙 is refused.
        second = [await _pending("甲"), await _pending("丙"), await _pending("甲", client="client-b")]
        plan2, receipts2 = await writer._plan_postgres(conn, second, time.time(), previous)
        assert isinstance(plan2.results[0], writer._Later) and isinstance(plan2.results[1], TooManyRequests)
        assert plan2.to_insert == [2]

        await writer._write_postgres(conn, plan1, receipts1)  # now visible, though not reported done
        third = [await _pending("乙"), await _pending("丁"), await _pending("戊", client="client-c")]
        plan3, _ = await writer._plan_postgres(conn, third, time.time(), previous)
        # 2 stored for client-a, counted once: the repeat of 乙 is allowed as the third, 丁 is the fourth
        assert plan3.results[0] == writer.Stored(plan1.results[1].id, receipts1[1], duplicate=True)  # type: ignore[union-attr]
        assert isinstance(plan3.results[1], TooManyRequests) and plan3.to_insert == [2]

        previous.done.set_result(None)
        assert plan2.results[0].result() == writer.Stored(plan1.results[0].id, receipts1[0], duplicate=True)  # type: ignore[union-attr]

        # A code the previous batch found taken is an older row: its timestamp tells it apart.
        unwritten, _ = await writer._plan_postgres(conn, [await _pending("己", client="client-d")], time.time() + 1)
        taken = writer._InFlight(unwritten, [receipts1[0]], loop.create_future())
        repeat, _ = await writer._plan_postgres(conn, [await _pending("己", client="client-d")], time.time(), taken)
        assert isinstance(repeat.results[0], writer._Later)

        failed = writer._InFlight(plan3, ["NOTSTORE"], loop.create_future())
        fourth = [await _pending("戊", client="client-c")]
        plan4, _ = await writer._plan_postgres(conn, fourth, time.time(), failed)
        failed.done.set_exception(ConnectionError("lost"))
        assert isinstance(plan4.results[0].result(), ConnectionError)  # type: ignore[union-attr]
    finally:
        await conn.close()


async def test_writer_keeps_limits_and_repeats_across_batches_in_flight(database: str,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Posts arriving over time through the real writer (on PostgreSQL two batches write at
    once): each client's limit and first receipts hold across the batches."""
    await published_draft()
    writing, most = 0, 0
    original = writer._write_postgres

    async def spy(*args: Any) -> None:
        nonlocal writing, most
        writing += 1
        most = max(most, writing)
        try:
            await asyncio.sleep(0.01)  # a slower commit: the next batch plans meanwhile
            await original(*args)
        finally:
            writing -= 1

    monkeypatch.setattr(writer, "_write_postgres", spy)
    items = [await _pending(f"意见{i % 7}", client=f"client-{i % 3}", rate_limit=5) for i in range(60)]

    async def later(i: int, item: writer.PendingOpinion) -> writer.Stored:
        await asyncio.sleep(i * 0.001)
        return await writer.submit(item)

    results = await asyncio.gather(*(later(i, item) for i, item in enumerate(items)), return_exceptions=True)
    if database.startswith("postgres"):
        assert most == 2
    stored = await Opinion.select(Opinion.id, Opinion.receipt, Opinion.client_key, Opinion.text).run()
    assert len({(r["client_key"], r["text"]) for r in stored}) == len(stored)  # no repeat stored twice
    for client in ("client-0", "client-1", "client-2"):
        accepted = [r for item, r in zip(items, results, strict=True)
                    if item.client_key == client and isinstance(r, writer.Stored)]
        assert len(accepted) == 5 and await _counter(client) == 5
        first_receipts = {r.receipt for r in accepted if not r.duplicate}
        assert {r.receipt for r in accepted} == first_receipts
    assert all(isinstance(r, writer.Stored | TooManyRequests) for r in results)
