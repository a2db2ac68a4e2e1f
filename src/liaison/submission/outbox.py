"""Submitting packets upward: queue in the outbox (one transaction), deliver with retries.

Exactly-once works in two halves. The sender may send a message more than once (a crash
between the receiver's answer and our record of it, a lease that ran out); every send of one
message carries the same idempotency key, and the receiver answers a repeat with the id it
gave the first time instead of storing it again. Nothing is lost because the message is in
the database from the moment the officer pressed the button until a 2xx is recorded.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from liaison import db
from liaison.audit import service as audit
from liaison.core.errors import Conflict, NotFound
from liaison.drafts import service as drafts
from liaison.i18n import _
from liaison.packets.export_json import packet_from_json, packet_to_json
from liaison.packets.tables import PacketVersion
from liaison.submission import peers
from liaison.submission.retry import MAX_ATTEMPTS, backoff_seconds, is_retryable
from liaison.submission.signing import bounded_key, signed_headers
from liaison.submission.tables import DeliveryAttempt, OutboxMessage

__all__ = [
    "DEFAULT_LEASE_SECONDS",
    "DEFAULT_TIMEOUT_SECONDS",
    "deliver_due",
    "list_messages",
    "message_attempts",
    "retry_now",
    "submission_state",
    "submit_packet",
]

log = logging.getLogger("liaison.outbox")

#: How long a worker owns a message it is sending; must exceed the HTTP timeout.
DEFAULT_LEASE_SECONDS = 120.0
DEFAULT_TIMEOUT_SECONDS = 30.0
_MAX_ERROR = 2000


def _now() -> datetime:
    return datetime.now(UTC)


async def submit_packet(slug: str, number: int, *, actor: str, station_name: str = "") -> dict[str, Any]:
    """Put packet version ``number`` of a draft in the outbox for the upstream.

    The same version is queued once: submitting it again returns the existing message (and
    puts a failed one back in line). The body is the masked packet — personal data does not
    leave the station — with our station id as the upstream knows us.
    """
    upstream = await peers.get_upstream()
    if upstream is None:
        raise Conflict(_("本站尚未配置上级站：请管理员运行 `liaison upstream set --url … --station-id … --key …`"),
                       field="upstream")
    draft = await drafts.get_draft(slug, public=False)
    row = await PacketVersion.select(PacketVersion.body).where(
        (PacketVersion.draft == draft.id) & (PacketVersion.number == number)).first().run()
    if row is None:
        raise NotFound(_("《%(title)s》没有第 %(number)s 版意见汇总，请先生成") % {"title": draft.title, "number": number},
                       field="version")
    packet = packet_from_json(row["body"])
    packet = dataclasses.replace(packet, personal_data="masked",
                                 station={"name": station_name or packet.station.get("name", ""),
                                          "id": upstream["station_id"]})
    body = packet_to_json(packet).decode("utf-8")
    key = bounded_key(f"{upstream['station_id']}:{slug}:v{number}")
    async with db.transaction():
        existing = await OutboxMessage.select().where(OutboxMessage.idempotency_key == key).first().run()
        if existing is not None:
            if existing["status"] == "failed":
                await OutboxMessage.update({
                    OutboxMessage.status: "pending", OutboxMessage.next_attempt_at: _now(),
                    OutboxMessage.lease_until: None,
                }).where(OutboxMessage.id == existing["id"]).run()
                await audit.record("packet", f"{slug}/v{number}", "resubmit", actor, after={"message": existing["id"]})
            return await _message(existing["id"])
        message = OutboxMessage(
            kind="packet", peer=upstream["id"], draft=draft.id, packet_number=number, idempotency_key=key,
            url=upstream["url"] + peers.INBOUND_PATH, body=body, created_by=actor,
        )
        await message.save().run()
        await audit.record("packet", f"{slug}/v{number}", "submit", actor,
                           after={"message": message.id, "upstream": upstream["url"]})
    return await _message(message.id)


async def _message(message_id: int) -> dict[str, Any]:
    row = await OutboxMessage.select(*_LISTED).where(OutboxMessage.id == message_id).first().run()
    if row is None:
        raise NotFound(_("没有编号为 %(id)s 的待发报文") % {"id": message_id}, field="message")
    return row


_LISTED = (
    OutboxMessage.id, OutboxMessage.kind, OutboxMessage.draft, OutboxMessage.packet_number,
    OutboxMessage.idempotency_key, OutboxMessage.url, OutboxMessage.status, OutboxMessage.attempts,
    OutboxMessage.next_attempt_at, OutboxMessage.last_error, OutboxMessage.remote_id, OutboxMessage.created_by,
    OutboxMessage.created_at, OutboxMessage.delivered_at,
)


async def list_messages(*, draft_id: int | None = None, limit: int = 200) -> list[dict[str, Any]]:
    query = OutboxMessage.select(*_LISTED, OutboxMessage.draft.slug.as_alias("draft_slug"))
    if draft_id is not None:
        query = query.where(OutboxMessage.draft == draft_id)
    return await query.order_by(OutboxMessage.id, ascending=False).limit(limit).run()


async def message_attempts(message_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """The attempts of each of these messages, in order (one query for a whole page)."""
    by_message: dict[int, list[dict[str, Any]]] = {}
    if message_ids:
        for row in await DeliveryAttempt.select().where(DeliveryAttempt.message.is_in(message_ids)).order_by(
                DeliveryAttempt.message).order_by(DeliveryAttempt.number).run():
            by_message.setdefault(row["message"], []).append(row)
    return by_message


async def submission_state(draft_id: int) -> dict[int, dict[str, Any]]:
    """Per packet version of a draft, its latest outbox message (for the packets page and dashboard)."""
    rows = await OutboxMessage.select(*_LISTED).where(
        (OutboxMessage.draft == draft_id) & (OutboxMessage.kind == "packet")).order_by(OutboxMessage.id).run()
    return {r["packet_number"]: r for r in rows}


async def retry_now(message_id: int, *, actor: str) -> dict[str, Any]:
    """Send a pending or failed message at the next worker round instead of waiting out the backoff."""
    message = await _message(message_id)
    if message["status"] == "delivered":
        raise Conflict(_("该报文已送达，无需重发"), field="message")
    async with db.transaction():
        await OutboxMessage.update({
            OutboxMessage.status: "pending", OutboxMessage.next_attempt_at: _now(),
        }).where(OutboxMessage.id == message_id).run()
        await audit.record("outbox", message_id, "retry", actor, before={"status": message["status"]})
    return await _message(message_id)


async def _claim(now: datetime, lease_seconds: float) -> list[dict[str, Any]]:
    """Take the messages that are due; a message leased to another worker is left alone."""
    due = await OutboxMessage.select(OutboxMessage.id).where(
        (OutboxMessage.status == "pending") & (OutboxMessage.next_attempt_at <= now)
        & (OutboxMessage.lease_until.is_null() | (OutboxMessage.lease_until < now))
    ).order_by(OutboxMessage.id).limit(20).run()
    claimed = []
    for row in due:
        async with db.transaction():
            taken = await OutboxMessage.update({
                OutboxMessage.lease_until: now + timedelta(seconds=lease_seconds),
                OutboxMessage.attempts: OutboxMessage.attempts + 1,
            }).where(
                (OutboxMessage.id == row["id"]) & (OutboxMessage.status == "pending")
                & (OutboxMessage.lease_until.is_null() | (OutboxMessage.lease_until < now))
            ).returning(OutboxMessage.id, OutboxMessage.attempts).run()
            if not taken:
                continue
            attempt = DeliveryAttempt(message=row["id"], number=taken[0]["attempts"], started_at=now)
            await attempt.save().run()
        claimed.append({"id": row["id"], "attempts": taken[0]["attempts"], "attempt_id": attempt.id})
    return claimed


async def deliver_due(client: httpx.AsyncClient, *, now: datetime | None = None,
                      lease_seconds: float = DEFAULT_LEASE_SECONDS,
                      clock: Callable[[], float] = time.time) -> int:
    """One round: deliver every due message once; return how many were delivered."""
    now = now or _now()
    delivered = 0
    for claim in await _claim(now, lease_seconds):
        if await _deliver(client, claim, clock):
            delivered += 1
    return delivered


async def _deliver(client: httpx.AsyncClient, claim: dict[str, Any], clock: Callable[[], float]) -> bool:
    message = await OutboxMessage.select(
        OutboxMessage.id, OutboxMessage.url, OutboxMessage.body, OutboxMessage.idempotency_key,
        OutboxMessage.peer.station_id.as_alias("station_id"), OutboxMessage.peer.key.as_alias("key"),
    ).where(OutboxMessage.id == claim["id"]).first().run()
    body = message["body"].encode("utf-8")
    headers = signed_headers(message["station_id"], message["key"], message["idempotency_key"], body, clock())
    started = time.monotonic()
    status_code: int | None = None
    remote_id = ""
    error = ""
    try:
        response = await client.post(message["url"], content=body, headers=headers)
        status_code = response.status_code
        if 200 <= status_code < 300:
            remote_id = str(_json(response).get("id", ""))
            if not remote_id:
                error = "上级站答复成功但没有给出编号"
        else:
            error = f"HTTP {status_code}: {_error_text(response)}"
    except httpx.TimeoutException as exc:
        error = f"超时：{type(exc).__name__}"
    except httpx.HTTPError as exc:
        error = f"连接失败：{type(exc).__name__}: {exc}"
    duration_ms = int((time.monotonic() - started) * 1000)
    ok = status_code is not None and 200 <= status_code < 300
    return await _record(claim, ok=ok, status_code=status_code, remote_id=remote_id, error=error,
                         duration_ms=duration_ms)


async def _record(claim: dict[str, Any], *, ok: bool, status_code: int | None, remote_id: str, error: str,
                  duration_ms: int) -> bool:
    now = _now()
    attempts = claim["attempts"]
    if ok:
        outcome, changes = "delivered", {
            OutboxMessage.status: "delivered", OutboxMessage.remote_id: remote_id[:100],
            OutboxMessage.delivered_at: now, OutboxMessage.last_error: "",
        }
    elif is_retryable(status_code) and attempts < MAX_ATTEMPTS:
        outcome, changes = "retry", {
            OutboxMessage.next_attempt_at: now + timedelta(seconds=backoff_seconds(attempts)),
            OutboxMessage.last_error: error[:_MAX_ERROR],
        }
    else:
        outcome, changes = "failed", {OutboxMessage.status: "failed", OutboxMessage.last_error: error[:_MAX_ERROR]}
    async with db.transaction():
        await OutboxMessage.update({**changes, OutboxMessage.lease_until: None}).where(
            OutboxMessage.id == claim["id"]).run()
        await DeliveryAttempt.update({
            DeliveryAttempt.finished_at: now, DeliveryAttempt.status_code: status_code,
            DeliveryAttempt.outcome: outcome, DeliveryAttempt.error: error[:_MAX_ERROR],
            DeliveryAttempt.duration_ms: duration_ms,
        }).where(DeliveryAttempt.id == claim["attempt_id"]).run()
        if outcome != "retry":
            await audit.record("outbox", claim["id"], outcome, "worker",
                               after={"status_code": status_code, "remote_id": remote_id, "error": error[:200]})
    if outcome == "delivered":
        log.info("outbox message %s delivered (remote id %s)", claim["id"], remote_id)
    else:
        log.warning("outbox message %s attempt %s: %s", claim["id"], attempts, error)
    return ok


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _error_text(response: httpx.Response) -> str:
    data = _json(response)
    error = data.get("error")
    if isinstance(error, dict) and error.get("message"):
        return str(error["message"])[:500]
    return response.text[:500]

