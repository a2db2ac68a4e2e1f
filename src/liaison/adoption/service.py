"""Recording and reading adoption outcomes (采纳情况).

Officers record an outcome per point; outcomes passed down from the upper
station arrive as a batch (``record_outcomes_batch(..., source="upstream")``).
Either way the point's opinions get the outcome in the same transaction (the
fan-out in ``OpinionOutcome``), and the change is audited.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from piccolo.query.functions.aggregate import Count

from liaison.adoption.outcomes import (
    ADOPTED_OUTCOMES,
    OUTCOME_LABELS,
    SOURCES,
    OutcomeInput,
    Totals,
    check_input,
    totals,
)
from liaison.adoption.tables import OpinionOutcome, PointOutcome
from liaison.audit import service as audit
from liaison.clusters.tables import Cluster, ClusterMember
from liaison.core.dates import as_utc
from liaison.core.errors import Invalid
from liaison.db import bulk_insert, transaction
from liaison.drafts import service as drafts
from liaison.drafts.numerals import article_label
from liaison.opinions.tables import Opinion
from liaison.packets.tables import PacketVersion

__all__ = [
    "CurrentPoint",
    "adopted_received_between",
    "draft_totals",
    "export_outcomes",
    "list_points",
    "outcome_for_opinion",
    "outcomes_for_draft",
    "record_outcome",
    "record_outcomes_batch",
]

_CHUNK = 500
_DAY = timedelta(days=1)
#: Opinions in each stored packet version (versions are frozen, so this never goes stale).
_SUBMITTED: dict[tuple[int, str], int] = {}


@dataclass(slots=True)
class CurrentPoint:
    """A point as the next packet would list it: a cluster, or an opinion in none."""

    key: str
    article: int | None
    text: str  # staff summary, else the representative opinion
    summary: str
    opinions: list[int]
    outcome: dict[str, Any] | None = None  # the outcome most of its opinions show
    covered: int = 0  # how many of its opinions show it

    @property
    def count(self) -> int:
        return len(self.opinions)

    @property
    def article_label(self) -> str:
        return article_label(self.article)


@dataclass(slots=True)
class _Resolved:
    key: str
    article: int | None
    text: str
    opinions: list[int]


def _now() -> datetime:
    return datetime.now(UTC)


def _main_article(articles: list[int | None]) -> int | None:
    """The article most of a point's opinions name (as the packet places it)."""
    return Counter(articles).most_common(1)[0][0] if articles else None


# ---------------------------------------------------------------- points


async def list_points(slug: str) -> tuple[drafts.DraftView, list[CurrentPoint]]:
    """The draft's current points (clusters and lone opinions, set-aside ones left out) with any outcome,
    by article (general comments first), then largest first."""
    draft = await drafts.get_draft(slug, public=False)
    rows = await Opinion.select(Opinion.id, Opinion.article, Opinion.text).where(
        (Opinion.draft == draft.id) & (Opinion.status != "set_aside")).order_by(Opinion.id).run()
    member_of = {m["opinion"]: m["cluster"] for m in await ClusterMember.select(
        ClusterMember.opinion, ClusterMember.cluster).where(ClusterMember.cluster.draft == draft.id).run()}
    clusters = {c["id"]: c for c in await Cluster.select(Cluster.id, Cluster.summary, Cluster.representative).where(
        Cluster.draft == draft.id).run()}
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        cluster_id = member_of.get(row["id"])
        groups.setdefault(f"c{cluster_id}" if cluster_id else f"o{row['id']}", []).append(row)
    decided = {p["id"]: p for p in await outcomes_for_draft(draft.id)}
    outcome_of = {r["opinion"]: r["point"] for r in await OpinionOutcome.select(
        OpinionOutcome.opinion, OpinionOutcome.point).where(OpinionOutcome.point.draft == draft.id).run()}
    points = []
    for key, group in groups.items():
        cluster = clusters.get(int(key[1:])) if key.startswith("c") else None
        rep = next((g for g in group if cluster and g["id"] == cluster["representative"]), group[0])
        summary = (cluster or {}).get("summary") or ""
        # The outcome its opinions show (recorded for this key, or for the key an earlier packet used).
        shown = Counter(outcome_of[g["id"]] for g in group if g["id"] in outcome_of).most_common(1)
        points.append(CurrentPoint(key=key, article=_main_article([g["article"] for g in group]),
                                   text=summary or rep["text"], summary=summary, opinions=[g["id"] for g in group],
                                   outcome=decided.get(shown[0][0]) if shown else None,
                                   covered=shown[0][1] if shown else 0))
    points.sort(key=lambda p: (p.article is not None, p.article or 0, -p.count, p.key))
    return draft, points


async def _resolve(draft_id: int, key: str, field: str) -> _Resolved:
    """The point ``key`` of the draft and its opinions now (set-aside ones are not part of it)."""
    kind, number = key[0], int(key[1:])
    if kind == "c":
        cluster = await Cluster.select(Cluster.id, Cluster.summary, Cluster.representative.text).where(
            (Cluster.id == number) & (Cluster.draft == draft_id)).first().run()
        if cluster is None:
            raise Invalid(f"这份草案没有归并组 {key}（可能已重新归并），请核对意见编号", field=field)
        members = await ClusterMember.select(ClusterMember.opinion, ClusterMember.opinion.article).where(
            (ClusterMember.cluster == number) & (ClusterMember.opinion.status != "set_aside")).run()
        return _Resolved(key=key, article=_main_article([m["opinion.article"] for m in members]),
                         text=cluster["summary"] or cluster["representative.text"] or "",
                         opinions=sorted(m["opinion"] for m in members))
    opinion = await Opinion.select(Opinion.id, Opinion.article, Opinion.text, Opinion.status).where(
        (Opinion.id == number) & (Opinion.draft == draft_id)).first().run()
    if opinion is None:
        raise Invalid(f"这份草案没有意见 {key}，请核对意见编号", field=field)
    if opinion["status"] == "set_aside":
        raise Invalid(f"意见 {key} 未纳入汇总（已排除），不能记录采纳情况", field=field)
    return _Resolved(key=key, article=opinion["article"], text=opinion["text"], opinions=[opinion["id"]])


async def _packet_version(draft_id: int, given: int | None) -> int | None:
    if given is None:
        latest = await PacketVersion.select(PacketVersion.number).where(PacketVersion.draft == draft_id).order_by(
            PacketVersion.number, ascending=False).first().run()
        return latest["number"] if latest else None
    if not await PacketVersion.exists().where((PacketVersion.draft == draft_id) & (PacketVersion.number == given)).run():
        raise Invalid(f"这份草案没有第 {given} 版意见汇总", field="packet_version")
    return given


# ---------------------------------------------------------------- recording


async def _write(draft_id: int, slug: str, point: _Resolved, item: OutcomeInput, *, actor: str, source: str,
                 packet_version: int | None, now: datetime) -> None:
    """Upsert the point's outcome and move its opinions onto it; call inside a transaction."""
    existing = await PointOutcome.select(
        PointOutcome.id, PointOutcome.outcome, PointOutcome.note, PointOutcome.final_article, PointOutcome.source,
    ).where(PointOutcome.draft_point == f"{draft_id}:{point.key}").first().run()
    values = {
        PointOutcome.article: point.article, PointOutcome.point_text: point.text, PointOutcome.outcome: item.outcome,
        PointOutcome.note: item.note, PointOutcome.final_article: item.final_article, PointOutcome.source: source,
        PointOutcome.packet_version: packet_version, PointOutcome.decided_by: actor, PointOutcome.decided_at: now,
    }
    if existing is None:
        created = await PointOutcome.insert(PointOutcome(
            draft=draft_id, point_key=point.key, draft_point=f"{draft_id}:{point.key}",
            **{column._meta.name: value for column, value in values.items()})).run()
        point_id = created[0]["id"]
    else:
        point_id = existing["id"]
        await PointOutcome.update(values).where(PointOutcome.id == point_id).run()
        await OpinionOutcome.delete().where(OpinionOutcome.point == point_id).run()
    for start in range(0, len(point.opinions), _CHUNK):  # the latest decision covering an opinion wins
        await OpinionOutcome.delete().where(OpinionOutcome.opinion.is_in(point.opinions[start:start + _CHUNK])).run()
    await bulk_insert(OpinionOutcome, ["opinion", "point"], [(o, point_id) for o in point.opinions])
    before = None if existing is None else {k: existing[k] for k in ("outcome", "note", "final_article", "source")}
    await audit.record("outcome", f"{slug}/{point.key}", "record", actor, before=before, after={
        "outcome": item.outcome, "note": item.note, "final_article": item.final_article, "source": source,
        "packet_version": packet_version, "opinions": len(point.opinions)})


async def record_outcome(draft_slug: str, point_key: str, outcome: str, note: str = "", final_article: str = "",
                         actor: str = "", source: str = "person", packet_version: int | None = None) -> int:
    """Record (or correct) one point's outcome; returns how many opinions now show it.

    ``outcome`` is a code (``adopted``) or its label (``采纳``); a bad value or a point the
    draft does not have is Invalid (422) naming the field.
    """
    return await _record(draft_slug, [OutcomeInput(point_key, outcome, note, final_article)], actor=actor,
                         source=source, packet_version=packet_version, single=True)


async def record_outcomes_batch(draft_slug: str, items: Sequence[OutcomeInput | dict[str, Any]], *, actor: str,
                                source: str = "upstream", packet_version: int | None = None) -> int:
    """Record several points' outcomes at once, all or none; returns how many opinions they cover.

    ``items`` are ``OutcomeInput`` or dicts ``{point_key, outcome, note?, final_article?}`` — the
    shape :func:`export_outcomes` produces, so outcomes an upper station sends down can be
    recorded as they come. Every item is checked before anything is written; an error names
    the item (``outcomes[2].outcome``).
    """
    return await _record(draft_slug, items, actor=actor, source=source, packet_version=packet_version, single=False)


async def _record(draft_slug: str, items: Sequence[OutcomeInput | dict[str, Any]], *, actor: str, source: str,
                  packet_version: int | None, single: bool) -> int:
    if source not in SOURCES:
        raise Invalid(f"来源应为 {' 或 '.join(SOURCES)}", field="source")
    if not items:
        raise Invalid("没有要记录的采纳情况", field="outcomes")
    draft = await drafts.get_draft(draft_slug, public=False)
    checked: list[OutcomeInput] = []
    for i, raw in enumerate(items):
        prefix = "" if single else f"outcomes[{i}]."
        if isinstance(raw, dict):
            if not isinstance(raw.get("point_key"), str) or not isinstance(raw.get("outcome"), str):
                raise Invalid("每项都要有 point_key 和 outcome（文本）", field=f"{prefix}point_key")
            raw = OutcomeInput(point_key=raw["point_key"], outcome=raw["outcome"], note=str(raw.get("note") or ""),
                               final_article=str(raw.get("final_article") or ""))
        checked.append(check_input(raw, prefix=prefix))
    keys = [c.point_key for c in checked]
    if len(set(keys)) != len(keys):
        repeated = next(k for k, n in Counter(keys).items() if n > 1)
        raise Invalid(f"意见编号 {repeated} 出现了不止一次", field="outcomes")
    version = await _packet_version(draft.id, packet_version)
    now = _now()
    covered = 0
    async with transaction():
        # Resolved inside the transaction, so the memberships written are the ones read.
        resolved = [await _resolve(draft.id, c.point_key, "point" if single else f"outcomes[{i}].point_key")
                    for i, c in enumerate(checked)]
        for point, item in zip(resolved, checked, strict=True):
            await _write(draft.id, draft.slug, point, item, actor=actor, source=source, packet_version=version,
                         now=now)
            covered += len(point.opinions)
    return covered


# ---------------------------------------------------------------- reading


async def outcomes_for_draft(draft_id: int) -> list[dict[str, Any]]:
    """Every recorded outcome of the draft with the number of opinions showing it now,
    by article (general comments first), then most opinions first."""
    rows = await PointOutcome.select(
        PointOutcome.id, PointOutcome.point_key, PointOutcome.article, PointOutcome.point_text, PointOutcome.outcome,
        PointOutcome.note, PointOutcome.final_article, PointOutcome.source, PointOutcome.packet_version,
        PointOutcome.decided_by, PointOutcome.decided_at,
    ).where(PointOutcome.draft == draft_id).run()
    counts = {r["point"]: int(r["count"]) for r in await OpinionOutcome.select(
        OpinionOutcome.point, Count()).where(OpinionOutcome.point.draft == draft_id).group_by(OpinionOutcome.point).run()}
    out = [{
        **r,
        "outcome_label": OUTCOME_LABELS.get(r["outcome"], r["outcome"]),
        "article_label": article_label(r["article"]),
        "decided_at": as_utc(r["decided_at"]),
        "opinions": counts.get(r["id"], 0),
    } for r in rows]
    out.sort(key=lambda p: (p["article"] is not None, p["article"] or 0, -p["opinions"], p["point_key"]))
    return out


async def outcome_for_opinion(opinion_id: int) -> dict[str, Any] | None:
    """The outcome an opinion's receipt shows (no names: not even the deciding officer's)."""
    row = await OpinionOutcome.select(
        OpinionOutcome.point.outcome, OpinionOutcome.point.note, OpinionOutcome.point.final_article,
        OpinionOutcome.point.decided_at,
    ).where(OpinionOutcome.opinion == opinion_id).first().run()
    if row is None:
        return None
    return {
        "outcome": row["point.outcome"],
        "label": OUTCOME_LABELS.get(row["point.outcome"], row["point.outcome"]),
        "note": row["point.note"],
        "final_article": row["point.final_article"],
        "decided_at": as_utc(row["point.decided_at"]).isoformat(),
    }


async def export_outcomes(slug: str) -> list[dict[str, Any]]:
    """The draft's outcomes as JSON-able dicts, one per point key (sorted) — what is sent down to
    the lower stations; :func:`record_outcomes_batch` takes the same shape."""
    draft = await drafts.get_draft(slug, public=False)
    return [{
        "point_key": p["point_key"], "outcome": p["outcome"], "outcome_label": p["outcome_label"],
        "note": p["note"], "final_article": p["final_article"], "article": p["article"],
        "opinions": p["opinions"], "packet_version": p["packet_version"], "source": p["source"],
        "decided_at": p["decided_at"].isoformat(),
    } for p in sorted(await outcomes_for_draft(draft.id), key=lambda p: p["point_key"])]


async def _submitted(draft_id: int) -> int:
    """Opinions in the latest compiled packet (kept and unscreened, as the packet counts them); 0 if none."""
    latest = await PacketVersion.select(PacketVersion.id, PacketVersion.compiled_at).where(
        PacketVersion.draft == draft_id).order_by(PacketVersion.number, ascending=False).first().run()
    if latest is None:
        return 0
    # Row ids alone can come back after a restore (SQLite reuses the highest id); with the moment
    # of compilation the key names one frozen packet.
    key = (latest["id"], as_utc(latest["compiled_at"]).isoformat())
    if key not in _SUBMITTED:
        row = await PacketVersion.select(PacketVersion.body).where(PacketVersion.id == latest["id"]).first().run()
        stats = json.loads(row["body"])["statistics"]
        if len(_SUBMITTED) > 1000:
            _SUBMITTED.clear()
        _SUBMITTED[key] = int(stats["kept"]) + int(stats["unscreened"])
    return _SUBMITTED[key]


async def draft_totals(draft_id: int, outcomes: list[dict[str, Any]] | None = None) -> Totals:
    """Collected (every opinion received), submitted (in the latest packet), adopted (opinions whose
    point was adopted or partly adopted), with the breakdown by outcome."""
    if outcomes is None:
        outcomes = await outcomes_for_draft(draft_id)
    collected = await Opinion.count().where(Opinion.draft == draft_id).run()
    return totals(collected, await _submitted(draft_id),
                  [(p["outcome"], p["opinions"]) for p in outcomes if p["opinions"]])


async def adopted_received_between(start: datetime, end: datetime) -> int:
    """Opinions received in [start, end) whose point was adopted or partly adopted (the yearly figure)."""
    rows = await OpinionOutcome.select(OpinionOutcome.opinion.created_at).where(
        OpinionOutcome.point.outcome.is_in(sorted(ADOPTED_OUTCOMES))
        & (OpinionOutcome.opinion.created_at >= start - _DAY) & (OpinionOutcome.opinion.created_at < end + _DAY)
    ).run()
    # A generous margin in SQL, the exact bounds in Python (SQLite's timestamps may come back naive).
    return sum(1 for r in rows if start <= as_utc(r["opinion.created_at"]) < end)

