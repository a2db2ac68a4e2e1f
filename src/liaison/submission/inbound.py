"""Receiving packets from lower stations: verify, store once, fold into our own draft.

Each received point becomes one opinion on our draft of the same slug (channel ``station``,
status unscreened), standing for the ``count`` opinions it merged below. Our analysis worker
clusters it with our own opinions, and our packets count it with its weight, so the station
above reports what everyone below said, with the chain lower station → office → activity.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from liaison import db
from liaison.audit import service as audit
from liaison.core.errors import Conflict, Invalid, Unauthenticated
from liaison.drafts.tables import Draft, DraftArticle
from liaison.i18n import _
from liaison.opinions.receipts import new_receipt
from liaison.opinions.tables import Opinion
from liaison.opinions.validation import MAX_TEXT, text_fingerprint
from liaison.packets.export_json import PacketInvalid, packet_from_json
from liaison.packets.model import Packet
from liaison.submission import peers
from liaison.submission.signing import (
    HEADER_IDEMPOTENCY,
    HEADER_SIGNATURE,
    HEADER_STATION,
    HEADER_TIMESTAMP,
    MAX_IDEMPOTENCY_KEY,
    body_digest,
    verify,
)
from liaison.submission.tables import InboundPacket, InboundPoint

__all__ = [
    "STATION_CHANNEL", "authenticate", "fold_pending", "fold_ready", "idempotency_key", "list_inbound", "receive_packet",
    "require_signature", "weights_for",
]

#: The channel of opinions that arrived as points from a lower station.
STATION_CHANNEL = "station"


def idempotency_key(headers: Mapping[str, str]) -> str:
    """The message's idempotency key, or 422 when it is missing or too long."""
    key = headers.get(HEADER_IDEMPOTENCY, "").strip()
    if not key or len(key) > MAX_IDEMPOTENCY_KEY:
        raise Invalid(_("%(header)s 必填，最多 %(max)s 个字符") % {"header": HEADER_IDEMPOTENCY, "max": MAX_IDEMPOTENCY_KEY},
                      field=HEADER_IDEMPOTENCY)
    return key


def require_signature(secret: str, headers: Mapping[str, str], key: str, body: bytes, now: float) -> None:
    """401 unless the message is signed with ``secret`` and fresh (both receivers, both directions)."""
    problem = verify(secret, headers.get(HEADER_TIMESTAMP, ""), key, body, headers.get(HEADER_SIGNATURE, ""), now)
    if problem:
        raise Unauthenticated(problem, field=HEADER_SIGNATURE)


async def authenticate(headers: Mapping[str, str], body: bytes, now: float) -> tuple[dict[str, Any], str]:
    """The sending lower station and the message's idempotency key, or 401/422 saying what is wrong."""
    station_id = headers.get(HEADER_STATION, "").strip()
    if not station_id:
        raise Unauthenticated(_("缺少 %(header)s（发送站编号）") % {"header": HEADER_STATION}, field=HEADER_STATION)
    key = idempotency_key(headers)
    peer = await peers.downstream_by_station_id(station_id)
    if peer is None:
        raise Unauthenticated(_("本站没有登记编号为 %(id)s 的下级站") % {"id": station_id}, field=HEADER_STATION)
    require_signature(peer["key"], headers, key, body, now)
    return peer, key


def _parse(body: bytes, station_id: str) -> Packet:
    try:
        packet = packet_from_json(body)
    except PacketInvalid as exc:
        first = exc.errors[0]
        raise Invalid(_("意见汇总格式不符（liaison.packet/1）：%(errors)s") % {"errors": "；".join(exc.errors[:5])},
                      field=first.split(":", 1)[0]) from None
    except (ValueError, KeyError, TypeError) as exc:
        raise Invalid(_("意见汇总内容不一致：%(error)s") % {"error": exc}, field="sections") from None
    if str(packet.station.get("id", "")) != station_id:
        raise Invalid(_("报文中的 station.id（%(given)s）与发送站 %(id)s 不符")
                      % {"given": repr(packet.station.get("id")), "id": station_id},
                      field="station.id")
    return packet


async def receive_packet(headers: Mapping[str, str], body: bytes, *, now: float) -> tuple[int, bool]:
    """Store a packet from a lower station; ``(id, created)``. A replay gives the first id back."""
    peer, key = await authenticate(headers, body, now)
    digest = body_digest(body)
    unique_key = f"{peer['id']}/{key}"
    existing = await _existing(unique_key, digest)
    if existing is not None:
        return existing, False
    packet = _parse(body, peer["station_id"])
    try:
        async with db.transaction():
            inbound_id = await _store(peer, key, unique_key, digest, body, packet)
    except Exception:
        # A second delivery of the same message may have won the race: answer as a replay.
        existing = await _existing(unique_key, digest)
        if existing is not None:
            return existing, False
        raise
    return inbound_id, True


async def _existing(unique_key: str, digest: str) -> int | None:
    row = await InboundPacket.select(InboundPacket.id, InboundPacket.body_sha256).where(
        InboundPacket.unique_key == unique_key).first().run()
    if row is None:
        return None
    if row["body_sha256"] != digest:
        raise Conflict(_("这个 Idempotency-Key 已用于另一份不同的报文；新报文请用新的键"), field=HEADER_IDEMPOTENCY,
                       extra={"id": row["id"]})
    return row["id"]


async def _store(peer: dict[str, Any], key: str, unique_key: str, digest: str, body: bytes, packet: Packet) -> int:
    points = packet.points()
    inbound = InboundPacket(
        peer=peer["id"], idempotency_key=key, unique_key=unique_key, body_sha256=digest,
        body=body.decode("utf-8"), draft_slug=str(packet.draft.get("slug", ""))[:100],
        draft_title=str(packet.draft.get("title", ""))[:300], packet_version=packet.version,
        points=len(points), opinions=sum(p.count for p in points),
    )
    await inbound.save().run()
    articles = {p.id: s.number for s in packet.sections.articles for p in s.points}
    station_name = str(packet.station.get("name") or peer["name"])
    rows = [
        (inbound.id, p.id, articles.get(p.id), p.count, p.people, p.stance, station_name[:200],
         _json(p.offices), _json(list(p.activities)))
        for p in points
    ]
    await db.bulk_insert(InboundPoint, ["inbound", "point_id", "article", "opinion_count", "people", "stance",
                                        "station_name", "offices", "activities"], rows)
    await _fold(inbound.id, packet)
    await audit.record("inbound", inbound.id, "receive", f"station:{peer['station_id']}",
                       after={"draft": inbound.draft_slug, "version": packet.version, "points": len(points)})
    return inbound.id


def _json(value: Any) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)


async def _fold(inbound_id: int, packet: Packet) -> bool:
    """Make one opinion on our draft per received point (inside the caller's transaction)."""
    slug = str(packet.draft.get("slug", ""))
    draft = await Draft.select(Draft.id, Draft.current_version).where(Draft.slug == slug).first().run()
    if draft is None:
        return False  # stored; folded when the draft is imported here (`fold_pending`)
    numbers = {r["number"] for r in await DraftArticle.select(DraftArticle.number).where(
        (DraftArticle.version.draft == draft["id"])
        & (DraftArticle.version.number == draft["current_version"])).run()}
    articles = {p.id: s.number for s in packet.sections.articles for p in s.points}
    now = datetime.now(UTC)
    rows = []
    for point in packet.points():
        article = articles.get(point.id)
        article = article if article in numbers else None
        text = point.text[:MAX_TEXT]
        suggestion = next((e.suggestion for e in point.examples if e.suggestion), None) or ""
        rows.append((draft["id"], draft["current_version"], article, new_receipt(), text, suggestion[:MAX_TEXT], "",
                     STATION_CHANNEL, "unscreened", text_fingerprint(text, article), f"inbound:{inbound_id}:{point.id}",
                     now, now))
    await db.bulk_insert(Opinion, ["draft", "version", "article", "receipt", "text", "suggestion", "reason",
                                   "channel", "status", "text_hash", "import_key", "created_at", "updated_at"], rows)
    # One statement links every point to its opinion (a packet can hold thousands of points;
    # an UPDATE per point cost one round trip each). The import key names the point.
    await InboundPoint.raw(
        "UPDATE inbound_points SET opinion = (SELECT o.id FROM opinions o"
        " WHERE o.import_key = {} || inbound_points.point_id) WHERE inbound = {}",
        f"inbound:{inbound_id}:", inbound_id,
    ).run()
    await InboundPacket.update({InboundPacket.folded_into: draft["id"]}).where(InboundPacket.id == inbound_id).run()
    return True


async def fold_ready() -> int:
    """Fold every stored packet whose draft has been imported here since it arrived (worker round)."""
    slugs = {r["draft_slug"] for r in await InboundPacket.select(InboundPacket.draft_slug).where(
        InboundPacket.folded_into.is_null()).run()}
    if not slugs:
        return 0
    present = {r["slug"] for r in await Draft.select(Draft.slug).where(Draft.slug.is_in(list(slugs))).run()}
    return sum([await fold_pending(slug) for slug in sorted(present)])


async def fold_pending(slug: str) -> int:
    """Fold packets received before their draft was imported here; returns how many were folded."""
    rows = await InboundPacket.select(InboundPacket.id, InboundPacket.body).where(
        (InboundPacket.draft_slug == slug) & InboundPacket.folded_into.is_null()).run()
    folded = 0
    for row in rows:
        async with db.transaction():
            if await _fold(row["id"], packet_from_json(row["body"])):
                folded += 1
    return folded


async def list_inbound(limit: int = 200) -> list[dict[str, Any]]:
    return await InboundPacket.select(
        InboundPacket.id, InboundPacket.peer.station_id.as_alias("station_id"),
        InboundPacket.peer.name.as_alias("station_name"), InboundPacket.draft_slug, InboundPacket.draft_title,
        InboundPacket.packet_version, InboundPacket.points, InboundPacket.opinions, InboundPacket.folded_into,
        InboundPacket.received_at,
    ).order_by(InboundPacket.id, ascending=False).limit(limit).run()


async def weights_for(draft_id: int) -> dict[int, tuple[int, int, str, dict[str, int], list[str]]]:
    """For the draft's opinions that stand for a lower station's point: (count, people, station, offices, activities).

    Selected by draft, not by a list of opinion ids: a city draft can hold tens of thousands
    of received points, more than either engine accepts as bound parameters of one IN list.
    """
    rows = await InboundPoint.select(
        InboundPoint.opinion, InboundPoint.opinion_count, InboundPoint.people, InboundPoint.station_name,
        InboundPoint.offices, InboundPoint.activities,
    ).where(InboundPoint.opinion.draft == draft_id).output(load_json=True).run()
    return {r["opinion"]: (r["opinion_count"], r["people"], r["station_name"], r["offices"] or {}, r["activities"] or [])
            for r in rows}
