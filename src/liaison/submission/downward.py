"""Outcomes travel back down: the upper station's decisions, to the lower station that raised the point.

On the upper station every received point is one opinion on its draft (see :mod:`.inbound`).
Once officers there record outcomes (:mod:`liaison.adoption`), each lower station gets the
outcomes of *its own* points, keyed by its own point keys (``c12``, ``o34`` as in the packet it
sent), through the same outbox, signatures and retries as packets going up. The lower station
records them with source ``upstream``, so its contributors' receipts show what was decided.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any

from liaison import db
from liaison.adoption import service as adoption
from liaison.adoption.tables import OpinionOutcome
from liaison.audit import service as audit
from liaison.core.errors import Invalid, NotFound, Unauthenticated
from liaison.drafts import service as drafts
from liaison.i18n import _
from liaison.submission import peers
from liaison.submission.inbound import idempotency_key, require_signature
from liaison.submission.signing import HEADER_STATION, body_digest, bounded_key
from liaison.submission.tables import InboundPoint, OutboxMessage, PeerStation

__all__ = ["OUTCOMES_PATH", "OUTCOMES_SCHEMA", "receive_outcomes", "send_outcomes_down"]

OUTCOMES_PATH = "/api/v1/inbound/outcomes"
OUTCOMES_SCHEMA = "liaison.outcomes/1"


async def _outcomes_by_peer(draft_id: int) -> dict[int, dict[str, Any]]:
    """Per lower station: its draft slug, latest packet version, and the outcome of each of its points."""
    rows = await InboundPoint.select(
        InboundPoint.point_id, InboundPoint.opinion, InboundPoint.inbound.id.as_alias("inbound"),
        InboundPoint.inbound.peer.as_alias("peer"), InboundPoint.inbound.packet_version.as_alias("version"),
        InboundPoint.inbound.draft_slug.as_alias("slug"),
    ).where(InboundPoint.inbound.folded_into == draft_id).order_by(InboundPoint.id).run()
    opinion_ids = [r["opinion"] for r in rows if r["opinion"]]
    decided: dict[int, dict[str, Any]] = {}
    for start in range(0, len(opinion_ids), 500):
        for o in await OpinionOutcome.select(
            OpinionOutcome.opinion, OpinionOutcome.point.outcome.as_alias("outcome"),
            OpinionOutcome.point.note.as_alias("note"), OpinionOutcome.point.final_article.as_alias("final_article"),
        ).where(OpinionOutcome.opinion.is_in(opinion_ids[start:start + 500])).run():
            decided[o["opinion"]] = o
    by_peer: dict[int, dict[str, Any]] = {}
    for r in sorted(rows, key=lambda r: r["inbound"]):  # a later packet's point replaces an earlier one
        entry = by_peer.setdefault(r["peer"], {"slug": r["slug"], "version": r["version"], "points": {}})
        entry["slug"], entry["version"] = r["slug"], r["version"]
        outcome = decided.get(r["opinion"])
        if outcome:
            entry["points"][r["point_id"]] = {
                "point_key": r["point_id"], "outcome": outcome["outcome"], "note": outcome["note"],
                "final_article": outcome["final_article"],
            }
    return by_peer


async def send_outcomes_down(slug: str, *, actor: str) -> list[dict[str, Any]]:
    """Queue, for each lower station that sent points on this draft, the outcomes of those points.

    Returns one line per lower station: ``queued``, ``unchanged`` (the same outcomes were
    already queued), ``nothing`` (no outcome recorded on its points yet) or ``no_url`` (its
    address is not registered, so it cannot be reached).
    """
    draft = await drafts.get_draft(slug, public=False)
    by_peer = await _outcomes_by_peer(draft.id)
    if not by_peer:
        raise NotFound(_("《%(title)s》没有收到过下级站的意见汇总") % {"title": draft.title}, field="draft")
    peer_rows = {p["id"]: p for p in await PeerStation.select().where(PeerStation.id.is_in(list(by_peer))).run()}
    report = []
    for peer_id, entry in sorted(by_peer.items()):
        peer = peer_rows[peer_id]
        line = {"station_id": peer["station_id"], "name": peer["name"], "outcomes": len(entry["points"])}
        if not entry["points"]:
            report.append({**line, "status": "nothing"})
            continue
        if not peer["url"] or not peer["active"]:
            report.append({**line, "status": "no_url"})
            continue
        document = {
            "schema": OUTCOMES_SCHEMA, "station": {"id": peer["station_id"]},
            "draft": {"slug": entry["slug"]}, "packet_version": entry["version"],
            "outcomes": [entry["points"][k] for k in sorted(entry["points"])],
        }
        body = json.dumps(document, ensure_ascii=False, sort_keys=True)
        key = bounded_key(f"outcomes:{peer['station_id']}:{entry['slug']}:{body_digest(body.encode())[:24]}")
        async with db.transaction():
            if await OutboxMessage.exists().where(OutboxMessage.idempotency_key == key).run():
                report.append({**line, "status": "unchanged"})
                continue
            message = OutboxMessage(kind="outcomes", peer=peer_id, draft=draft.id, packet_number=entry["version"],
                                    idempotency_key=key, url=peer["url"] + OUTCOMES_PATH, body=body, created_by=actor)
            await message.save().run()
            await audit.record("outcomes", f"{slug}→{peer['station_id']}", "send_down", actor,
                               after={"message": message.id, "outcomes": len(entry["points"])})
        report.append({**line, "status": "queued"})
    return report


def _document(body: bytes) -> dict[str, Any]:
    try:
        doc = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise Invalid(_("报文不是 UTF-8 JSON"), field="(root)") from None
    if not isinstance(doc, dict):
        raise Invalid(_("报文应为 JSON 对象"), field="(root)")
    if doc.get("schema") != OUTCOMES_SCHEMA:
        raise Invalid(_("schema 应为 %(schema)s") % {"schema": OUTCOMES_SCHEMA}, field="schema")
    if not isinstance(doc.get("draft"), dict) or not isinstance(doc["draft"].get("slug"), str):
        raise Invalid(_("缺少 draft.slug"), field="draft.slug")
    if not isinstance(doc.get("outcomes"), list) or not doc["outcomes"]:
        raise Invalid(_("outcomes 应为非空数组"), field="outcomes")
    version = doc.get("packet_version")
    if version is not None and (not isinstance(version, int) or isinstance(version, bool) or version < 1):
        raise Invalid(_("packet_version 应为正整数"), field="packet_version")
    return doc


async def receive_outcomes(headers: Mapping[str, str], body: bytes, *, now: float | None = None) -> int:
    """Record outcomes sent down by our upstream; returns how many of our opinions they cover.

    Recording is idempotent (the same outcome again changes nothing), so a resent message
    needs no bookkeeping of its own; it is all or none.
    """
    upstream = await peers.get_upstream()
    station_id = headers.get(HEADER_STATION, "").strip()
    if upstream is None or station_id != upstream["station_id"]:
        raise Unauthenticated(_("本站没有以此编号登记该上级站"), field=HEADER_STATION)
    key = idempotency_key(headers)
    require_signature(upstream["key"], headers, key, body, time.time() if now is None else now)
    doc = _document(body)
    return await adoption.record_outcomes_batch(
        doc["draft"]["slug"], doc["outcomes"], actor=f"station:{upstream['name'] or upstream['url']}",
        source="upstream", packet_version=doc.get("packet_version"))
