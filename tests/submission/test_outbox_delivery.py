"""The outbox under failure, delivering to a real receiving app (in-process, same database).

The station is set up as its own upstream (the link county-a ↔ itself), so one database holds
both ends: what the receiver stored can be counted exactly.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from conftest import published_draft

from liaison.clusters import service as clusters
from liaison.config import Settings
from liaison.opinions.service import submit_opinion
from liaison.opinions.tables import Opinion
from liaison.opinions.validation import ContributorInput, OpinionInput
from liaison.packets.compile import compile_packet
from liaison.submission import outbox, peers
from liaison.submission.tables import DeliveryAttempt, InboundPacket, InboundPoint, OutboxMessage

pytestmark = pytest.mark.db

KEY = "shared-key-for-tests-0123456789"


class Crash(BaseException):
    """The worker process dying: nothing after it runs (not an httpx error the outbox handles)."""


class Upstream(httpx.AsyncBaseTransport):
    """The receiving app behind a transport that can misbehave on chosen attempts."""

    def __init__(self, settings: Settings, script: list[str] | None = None) -> None:
        from liaison.app import create_app

        self.app = httpx.ASGITransport(app=create_app(settings, manage_database=False))
        self.script = list(script or [])
        self.calls = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        step = self.script.pop(0) if self.script else "ok"
        if step == "500":
            return httpx.Response(500, json={"error": {"message": "upstream down"}})
        if step == "timeout":
            raise httpx.ReadTimeout("read timed out", request=request)
        response = await self.app.handle_async_request(request)
        await response.aread()
        if step == "lost":  # stored upstream, the answer never arrives
            raise httpx.ReadError("connection reset", request=request)
        if step == "crash":  # stored upstream, then the sender dies before recording
            raise Crash
        return response


async def _station(tmp_path: Path) -> None:
    await published_draft()
    for i in range(3):
        await submit_opinion("dog-rules", OpinionInput(
            text="我建议第三条规定牵引绳长度不得超过1.5米，保障行人安全。" + "！" * i, article=3,
            contributor=ContributorInput(name="张三丰", phone=f"1380013800{i}", consent=True)), client_key=f"k{i}")
    await submit_opinion("dog-rules", OpinionInput(text="总体支持出台本条例。"), client_key="g")
    await clusters.assign_pending(clusters.Analyzer(tmp_path))
    await compile_packet("dog-rules", None, station_name="某县联络站")
    await peers.add_downstream("county-a", "某县联络站", key=KEY, url="http://lower.test", actor="test")
    await peers.set_upstream("http://upper.test", "county-a", KEY, name="某市联络站", actor="test")


async def _round(transport: httpx.AsyncBaseTransport, *, later: float = 0) -> int:
    async with httpx.AsyncClient(transport=transport) as client:
        return await outbox.deliver_due(client, now=datetime.now(UTC) + timedelta(seconds=later))


async def test_submit_queues_once_and_delivers_exactly_once(settings: Settings, tmp_path: Path) -> None:
    await _station(tmp_path)
    message = await outbox.submit_packet("dog-rules", 1, actor="officer1", station_name="某县联络站")
    assert message["status"] == "pending" and message["idempotency_key"] == "county-a:dog-rules:v1"
    again = await outbox.submit_packet("dog-rules", 1, actor="officer1")
    assert again["id"] == message["id"]  # the same version is queued once
    assert "13800138000" not in (await OutboxMessage.select(OutboxMessage.body).first().run())["body"]

    upstream = Upstream(settings)
    assert await _round(upstream) == 1
    stored = await OutboxMessage.select().first().run()
    [inbound] = await InboundPacket.select().run()
    assert stored["status"] == "delivered" and stored["remote_id"] == str(inbound["id"])
    assert inbound["draft_slug"] == "dog-rules" and inbound["points"] == 2 and inbound["opinions"] == 4
    points = await InboundPoint.select().where(InboundPoint.inbound == inbound["id"]).run()
    assert sorted(p["opinion_count"] for p in points) == [1, 3]
    folded = await Opinion.select(Opinion.text, Opinion.article).where(Opinion.channel == "station").run()
    assert len(folded) == 2 and {f["article"] for f in folded} == {None, 3}
    assert await _round(upstream) == 0 and upstream.calls == 1  # nothing left to send


@pytest.mark.parametrize("failures", [["500", "500"], ["timeout"], ["lost"], ["crash"]])
async def test_failures_are_retried_and_never_stored_twice(settings: Settings, tmp_path: Path,
                                                           failures: list[str]) -> None:
    await _station(tmp_path)
    await outbox.submit_packet("dog-rules", 1, actor="officer1")
    upstream = Upstream(settings, failures)
    later = 0.0
    for _ in failures:
        try:
            assert await _round(upstream, later=later) == 0
        except Crash:
            pass  # the process died mid-delivery; the message stays leased, its attempt unfinished
        later += 4000  # past any backoff and the lease
    assert await _round(upstream, later=later) == 1
    message = await OutboxMessage.select().first().run()
    assert message["status"] == "delivered" and message["attempts"] == len(failures) + 1
    assert await InboundPacket.count().run() == 1  # exactly once at the receiver
    assert message["remote_id"] == str((await InboundPacket.select(InboundPacket.id).first().run())["id"])
    attempts = await DeliveryAttempt.select().order_by(DeliveryAttempt.number).run()
    assert [a["number"] for a in attempts] == list(range(1, len(failures) + 2))
    assert attempts[-1]["outcome"] == "delivered" and attempts[-1]["status_code"] in (200, 201)
    first = attempts[0]
    if failures[0] == "crash":
        assert first["outcome"] == "started" and first["finished_at"] is None
    else:
        assert first["outcome"] == "retry" and first["error"]
        assert {"500": "HTTP 500", "timeout": "超时", "lost": "连接失败"}[failures[0]] in first["error"]


async def test_a_leased_message_is_not_sent_by_a_second_worker(settings: Settings, tmp_path: Path) -> None:
    await _station(tmp_path)
    await outbox.submit_packet("dog-rules", 1, actor="officer1")
    upstream = Upstream(settings, ["crash"])
    with pytest.raises(Crash):
        await _round(upstream)
    assert await _round(upstream, later=10) == 0 and upstream.calls == 1  # still leased: left alone
    assert await _round(upstream, later=outbox.DEFAULT_LEASE_SECONDS + 1) == 1


async def test_wrong_key_fails_without_retrying_until_a_person_retries(settings: Settings, tmp_path: Path) -> None:
    await _station(tmp_path)
    await peers.set_upstream("http://upper.test", "county-a", "a-different-key-0123456789", actor="test")
    await outbox.submit_packet("dog-rules", 1, actor="officer1")
    upstream = Upstream(settings)
    assert await _round(upstream) == 0
    message = await OutboxMessage.select().first().run()
    assert message["status"] == "failed" and "HTTP 401" in message["last_error"] and "签名" in message["last_error"]
    assert await _round(upstream, later=4000) == 0 and upstream.calls == 1  # failed: not retried by itself
    await peers.set_upstream("http://upper.test", "county-a", KEY, actor="test")
    await outbox.retry_now(message["id"], actor="officer1")
    # The body is frozen; the signature is made afresh with the current key at each attempt.
    assert await _round(upstream) == 1


async def test_submit_needs_an_upstream_and_an_existing_version(database: str, tmp_path: Path) -> None:
    from liaison.core.errors import Conflict, NotFound

    await published_draft()
    with pytest.raises(Conflict) as no_upstream:
        await outbox.submit_packet("dog-rules", 1, actor="x")
    assert no_upstream.value.field == "upstream"
    await peers.set_upstream("http://upper.test", "county-a", KEY, actor="test")
    with pytest.raises(NotFound) as no_version:
        await outbox.submit_packet("dog-rules", 9, actor="x")
    assert no_version.value.field == "version"


async def test_outcomes_travel_back_down_to_the_points_that_raised_them(settings: Settings, tmp_path: Path) -> None:
    from liaison.adoption import service as adoption
    from liaison.adoption.tables import PointOutcome
    from liaison.submission.downward import send_outcomes_down

    await _station(tmp_path)
    await outbox.submit_packet("dog-rules", 1, actor="officer1")
    upstream = Upstream(settings)
    assert await _round(upstream) == 1
    # The upper station decides on the opinion that stands for the county's leash point.
    [folded] = await Opinion.select(Opinion.id).where((Opinion.channel == "station") & (Opinion.article == 3)).run()
    from liaison.core.errors import NotFound

    with pytest.raises(NotFound):
        await send_outcomes_down("no-such-draft", actor="officer2")
    report = await send_outcomes_down("dog-rules", actor="officer2")
    assert [r["status"] for r in report] == ["nothing"]
    await adoption.record_outcome("dog-rules", f"o{folded['id']}", "partly", note="部分采纳：改为不超过1.5米",
                                  final_article="第十二条", actor="officer2")
    report = await send_outcomes_down("dog-rules", actor="officer2")
    assert [(r["station_id"], r["outcomes"], r["status"]) for r in report] == [("county-a", 1, "queued")]
    assert [r["status"] for r in await send_outcomes_down("dog-rules", actor="officer2")] == ["unchanged"]
    assert await _round(upstream) == 1
    message = await OutboxMessage.select().where(OutboxMessage.kind == "outcomes").first().run()
    assert message["status"] == "delivered" and message["url"] == "http://lower.test/api/v1/inbound/outcomes"
    # On the county's side the point (a cluster of three opinions) now carries the outcome, from upstream.
    recorded = await PointOutcome.select().where(PointOutcome.source == "upstream").run()
    assert len(recorded) == 1 and recorded[0]["outcome"] == "partly" and recorded[0]["final_article"] == "第十二条"
    leash = await Opinion.select(Opinion.id).where((Opinion.channel == "online") & (Opinion.article == 3)).run()
    for row in leash:
        outcome = await adoption.outcome_for_opinion(row["id"])
        assert outcome is not None and outcome["outcome"] == "partly"


async def test_outcomes_from_anyone_but_the_upstream_are_refused(client: httpx.AsyncClient) -> None:
    import json
    import time

    from liaison.submission.signing import signed_headers

    await published_draft()
    await peers.set_upstream("http://upper.test", "county-a", KEY, actor="test")
    body = json.dumps({"schema": "liaison.outcomes/1", "draft": {"slug": "dog-rules"},
                       "outcomes": [{"point_key": "o1", "outcome": "adopted"}]}).encode()
    url = "/api/v1/inbound/outcomes"
    wrong_key = await client.post(url, content=body, headers=signed_headers("county-a", "x" * 32, "k1", body, time.time()))
    assert wrong_key.status_code == 401
    wrong_station = await client.post(url, content=body, headers=signed_headers("county-b", KEY, "k1", body, time.time()))
    assert wrong_station.status_code == 401
    bad = json.dumps({"schema": "liaison.outcomes/1", "draft": {"slug": "dog-rules"}, "outcomes": []}).encode()
    empty = await client.post(url, content=bad, headers=signed_headers("county-a", KEY, "k2", bad, time.time()))
    assert empty.status_code == 422 and empty.json()["error"]["field"] == "outcomes"
    unknown = await client.post(url, content=body, headers=signed_headers("county-a", KEY, "k3", body, time.time()))
    assert unknown.status_code == 422  # no point o1 on this draft: named, nothing recorded


async def test_the_upper_packet_counts_received_points_with_their_weight(settings: Settings, tmp_path: Path) -> None:
    """The city's own packet says the county's leash point was raised by 3, from the county's offices."""
    await _station(tmp_path)
    await outbox.submit_packet("dog-rules", 1, actor="officer1")
    assert await _round(Upstream(settings)) == 1
    await clusters.assign_pending(clusters.Analyzer(tmp_path))
    upper = await compile_packet("dog-rules", None, station_name="某市联络站")
    # Same database: the county's 4 own opinions are here too, plus its 2 points standing for 4.
    assert upper.statistics.collected == 8
    assert upper.statistics.by_channel["station"] == 4
    [article] = upper.sections.articles
    station_points = [p for p in article.points if "station" in p.channels]
    assert station_points and sum(p.channels["station"] for p in station_points) == 3
    assert any(k.startswith("某县联络站") for p in station_points for k in p.offices)
