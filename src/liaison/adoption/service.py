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
from liaison.i18n import _
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
    text: str  # staff summary, else the representative opinion (as written: staff only)
    summary: str
    count: int  # its opinions, set-aside ones not counted
    outcome: dict[str, Any] | None = None  # the outcome most of its opinions show
    covered: int = 0  # how many of its opinions show it

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


async def list_points(slug: str, *, page: int = 1, page_size: int = 100, undecided: bool = False,
                      ) -> tuple[drafts.DraftView, list[CurrentPoint], int]:
    """One page of the draft's current points — clusters, and opinions the analysis worker has not
    reached — with the outcome their opinions show; set-aside opinions are left out. Ordered by
    article (general comments first), then largest first. Returns the draft, the page and the
    number of points in all.

    Built from counts (``GROUP BY``) and only the page's texts, so a draft of 100,000 opinions
    does not load every opinion.
    """
    draft = await drafts.get_draft(slug, public=False)
    # Each cluster under its representative's article, counted without its set-aside opinions (few,
    # and found through the status index: cheaper than joining every member to its opinion).
    set_aside = {r["cluster"]: int(r["n"]) for r in await ClusterMember.raw(
        "SELECT m.cluster AS cluster, COUNT(*) AS n FROM opinions x JOIN cluster_members m ON m.opinion = x.id "
        "WHERE x.draft = {} AND x.status = 'set_aside' GROUP BY m.cluster", draft.id).run()}
    entries: list[tuple[str, int | None, int]] = [
        (f"c{c['id']}", c["article"], c["size"] - set_aside.get(c["id"], 0))
        for c in await Cluster.select(Cluster.id, Cluster.article, Cluster.size).where(Cluster.draft == draft.id).run()
        if c["size"] > set_aside.get(c["id"], 0)
    ]
    lone = await Opinion.raw(
        "SELECT id, article FROM opinions WHERE draft = {} AND status <> 'set_aside' "
        "AND NOT EXISTS (SELECT 1 FROM cluster_members m WHERE m.opinion = opinions.id)", draft.id).run()
    entries += [(f"o{r['id']}", r["article"], 1) for r in lone]
    # Which recorded outcome each point's opinions show, and how many of them show it.
    shown: dict[str, Counter[int]] = {}
    for r in await OpinionOutcome.raw(
            "SELECT m.cluster AS cluster, o.point AS point, COUNT(*) AS n FROM opinion_outcomes o "
            "JOIN cluster_members m ON m.opinion = o.opinion JOIN opinions x ON x.id = o.opinion "
            "JOIN point_outcomes p ON p.id = o.point WHERE p.draft = {} AND x.status <> 'set_aside' "
            "GROUP BY m.cluster, o.point", draft.id).run():
        shown.setdefault(f"c{r['cluster']}", Counter())[r["point"]] += int(r["n"])
    lone_ids = [r["id"] for r in lone]
    for start in range(0, len(lone_ids), _CHUNK):
        for r in await OpinionOutcome.select(OpinionOutcome.opinion, OpinionOutcome.point).where(
                OpinionOutcome.opinion.is_in(lone_ids[start:start + _CHUNK])).run():
            shown.setdefault(f"o{r['opinion']}", Counter())[r["point"]] += 1
    if undecided:
        entries = [e for e in entries if e[0] not in shown]
    entries.sort(key=lambda e: (e[1] is not None, e[1] or 0, -e[2], e[0]))
    total = len(entries)
    entries = entries[(page - 1) * page_size: page * page_size]

    decided = {p["id"]: p for p in await outcomes_for_draft(draft.id)}
    cluster_ids = [int(k[1:]) for k, _text, _article in entries if k[0] == "c"]
    texts: dict[str, tuple[str, str]] = {}
    for c in await Cluster.select(Cluster.id, Cluster.summary, Cluster.representative.text).where(
            Cluster.id.is_in(cluster_ids or [0])).run():
        texts[f"c{c['id']}"] = (c["summary"] or "", c["representative.text"] or "")
    opinion_ids = [int(k[1:]) for k, _text, _article in entries if k[0] == "o"]
    for o in await Opinion.select(Opinion.id, Opinion.text).where(Opinion.id.is_in(opinion_ids or [0])).run():
        texts[f"o{o['id']}"] = ("", o["text"])
    points = []
    for key, article, count in entries:
        summary, text = texts.get(key, ("", ""))
        top = shown[key].most_common(1)[0] if key in shown else None
        points.append(CurrentPoint(key=key, article=article, text=summary or text, summary=summary, count=count,
                                   outcome=decided.get(top[0]) if top else None, covered=top[1] if top else 0))
    return draft, points, total


async def _resolve(draft_id: int, keys: list[str], fields: list[str]) -> list[_Resolved]:
    """The points ``keys`` of the draft and their opinions now (set-aside ones are not part of a
    point), read in a few queries whatever the number of points; Invalid names the first unknown one."""
    cluster_ids = [int(k[1:]) for k in keys if k[0] == "c"]
    opinion_ids = [int(k[1:]) for k in keys if k[0] == "o"]
    clusters: dict[int, dict[str, Any]] = {}
    members: dict[int, list[dict[str, Any]]] = {}
    opinions: dict[int, dict[str, Any]] = {}
    for start in range(0, len(cluster_ids), _CHUNK):
        chunk = cluster_ids[start:start + _CHUNK]
        for c in await Cluster.select(Cluster.id, Cluster.summary, Cluster.representative.text).where(
                Cluster.id.is_in(chunk) & (Cluster.draft == draft_id)).run():
            clusters[c["id"]] = c
        for m in await ClusterMember.select(ClusterMember.cluster, ClusterMember.opinion,
                                            ClusterMember.opinion.article).where(
                ClusterMember.cluster.is_in(chunk) & (ClusterMember.opinion.status != "set_aside")).run():
            members.setdefault(m["cluster"], []).append(m)
    for start in range(0, len(opinion_ids), _CHUNK):
        for o in await Opinion.select(Opinion.id, Opinion.article, Opinion.text, Opinion.status).where(
                Opinion.id.is_in(opinion_ids[start:start + _CHUNK]) & (Opinion.draft == draft_id)).run():
            opinions[o["id"]] = o
    resolved = []
    for key, field in zip(keys, fields, strict=True):
        number = int(key[1:])
        if key[0] == "c":
            cluster = clusters.get(number)
            if cluster is None:
                raise Invalid(_("这份草案没有归并组 %(key)s（可能已重新归并），请核对意见编号") % {"key": key}, field=field)
            group = members.get(number, [])
            resolved.append(_Resolved(key=key, article=_main_article([m["opinion.article"] for m in group]),
                                      text=cluster["summary"] or cluster["representative.text"] or "",
                                      opinions=sorted(m["opinion"] for m in group)))
            continue
        opinion = opinions.get(number)
        if opinion is None:
            raise Invalid(_("这份草案没有意见 %(key)s，请核对意见编号") % {"key": key}, field=field)
        if opinion["status"] == "set_aside":
            raise Invalid(_("意见 %(key)s 未纳入汇总（已排除），不能记录采纳情况") % {"key": key}, field=field)
        resolved.append(_Resolved(key=key, article=opinion["article"], text=opinion["text"], opinions=[number]))
    return resolved


async def _packet_version(draft_id: int, given: int | None) -> int | None:
    if given is None:
        latest = await PacketVersion.select(PacketVersion.number).where(PacketVersion.draft == draft_id).order_by(
            PacketVersion.number, ascending=False).first().run()
        return latest["number"] if latest else None
    if not await PacketVersion.exists().where((PacketVersion.draft == draft_id) & (PacketVersion.number == given)).run():
        raise Invalid(_("这份草案没有第 %(version)s 版意见汇总") % {"version": given}, field="packet_version")
    return given


# ---------------------------------------------------------------- recording


async def _write(draft_id: int, slug: str, points: list[_Resolved], items: list[OutcomeInput], *, actor: str,
                 source: str, packet_version: int | None, now: datetime) -> None:
    """Replace the points' outcomes and move their opinions onto them; call inside a transaction.

    A point's earlier outcome row is replaced (its fan-out goes with it); an opinion covered by
    another point's outcome moves to this one: the latest decision covering an opinion wins.
    """
    scoped = [f"{draft_id}:{p.key}" for p in points]
    before: dict[str, dict[str, Any]] = {}
    for start in range(0, len(scoped), _CHUNK):
        chunk = scoped[start:start + _CHUNK]
        for row in await PointOutcome.select(
            PointOutcome.id, PointOutcome.point_key, PointOutcome.outcome, PointOutcome.note,
            PointOutcome.final_article, PointOutcome.source,
        ).where(PointOutcome.draft_point.is_in(chunk)).run():
            before[row["point_key"]] = row
    replaced = [row["id"] for row in before.values()]
    for start in range(0, len(replaced), _CHUNK):
        await OpinionOutcome.delete().where(OpinionOutcome.point.is_in(replaced[start:start + _CHUNK])).run()
        await PointOutcome.delete().where(PointOutcome.id.is_in(replaced[start:start + _CHUNK])).run()
    covered = [o for p in points for o in p.opinions]
    for start in range(0, len(covered), _CHUNK):
        await OpinionOutcome.delete().where(OpinionOutcome.opinion.is_in(covered[start:start + _CHUNK])).run()
    await bulk_insert(PointOutcome, [
        "draft", "point_key", "draft_point", "article", "point_text", "outcome", "note", "final_article", "source",
        "packet_version", "decided_by", "decided_at",
    ], [(draft_id, p.key, d, p.article, p.text, i.outcome, i.note, i.final_article, source, packet_version, actor, now)
        for p, i, d in zip(points, items, scoped, strict=True)])
    ids: dict[str, int] = {}
    for start in range(0, len(scoped), _CHUNK):
        for row in await PointOutcome.select(PointOutcome.id, PointOutcome.point_key).where(
                PointOutcome.draft_point.is_in(scoped[start:start + _CHUNK])).run():
            ids[row["point_key"]] = row["id"]
    await bulk_insert(OpinionOutcome, ["opinion", "point"], [(o, ids[p.key]) for p in points for o in p.opinions])
    await audit.record_many([(
        "outcome", f"{slug}/{p.key}", "record", actor,
        ({k: before[p.key][k] for k in ("outcome", "note", "final_article", "source")} if p.key in before else None),
        {"outcome": i.outcome, "note": i.note, "final_article": i.final_article, "source": source,
         "packet_version": packet_version, "opinions": len(p.opinions)},
    ) for p, i in zip(points, items, strict=True)])


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
        raise Invalid(_("来源应为 %(choices)s") % {"choices": _(" 或 ").join(SOURCES)}, field="source")
    if not items:
        raise Invalid(_("没有要记录的采纳情况"), field="outcomes")
    draft = await drafts.get_draft(draft_slug, public=False)
    checked: list[OutcomeInput] = []
    for i, raw in enumerate(items):
        prefix = "" if single else f"outcomes[{i}]."
        if isinstance(raw, dict):
            if not isinstance(raw.get("point_key"), str) or not isinstance(raw.get("outcome"), str):
                raise Invalid(_("每项都要有 point_key 和 outcome（文本）"), field=f"{prefix}point_key")
            raw = OutcomeInput(point_key=raw["point_key"], outcome=raw["outcome"], note=str(raw.get("note") or ""),
                               final_article=str(raw.get("final_article") or ""))
        elif not isinstance(raw, OutcomeInput):
            raise Invalid(_("每项应为 {point_key, outcome, note, final_article}"), field=f"{prefix}point_key")
        checked.append(check_input(raw, prefix=prefix))
    keys = [c.point_key for c in checked]
    if len(set(keys)) != len(keys):
        repeated = next(k for k, n in Counter(keys).items() if n > 1)
        raise Invalid(_("意见编号 %(key)s 出现了不止一次") % {"key": repeated}, field="outcomes")
    version = await _packet_version(draft.id, packet_version)
    fields = ["point"] if single else [f"outcomes[{i}].point_key" for i in range(len(keys))]
    async with transaction():
        # Resolved inside the transaction, so the memberships written are the ones read.
        points = await _resolve(draft.id, keys, fields)
        await _write(draft.id, draft.slug, points, checked, actor=actor, source=source, packet_version=version,
                     now=_now())
    return sum(len(p.opinions) for p in points)


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


async def opinions_submitted(draft_id: int) -> int:
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
    return totals(collected, await opinions_submitted(draft_id),
                  [(p["outcome"], p["opinions"]) for p in outcomes if p["opinions"]])


async def adopted_received_between(start: datetime, end: datetime) -> int:
    """Opinions received in [start, end) whose point was adopted or partly adopted (the yearly figure)."""
    rows = await OpinionOutcome.select(OpinionOutcome.opinion.created_at).where(
        OpinionOutcome.point.outcome.is_in(sorted(ADOPTED_OUTCOMES))
        & (OpinionOutcome.opinion.created_at >= start - _DAY) & (OpinionOutcome.opinion.created_at < end + _DAY)
    ).run()
    # A generous margin in SQL, the exact bounds in Python (SQLite's timestamps may come back naive).
    return sum(1 for r in rows if start <= as_utc(r["opinion.created_at"]) < end)

