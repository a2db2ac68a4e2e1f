"""Dashboard figures from the database (piccolo; the same queries on SQLite and PostgreSQL).

Counts use ``GROUP BY`` with ``COUNT``; anything that depends on the calendar
(opinions per day, the year of an opinion) is bucketed in Python in the
station's time zone, because SQL date functions differ between the engines and
would work in UTC.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from piccolo.query.functions.aggregate import Count, Sum

from liaison.adoption.service import adopted_received_between, opinions_submitted
from liaison.analysis.stance import classify_stance
from liaison.clusters.tables import Cluster
from liaison.core.dates import as_utc, day_start, to_local
from liaison.drafts.numerals import int_to_chinese
from liaison.drafts.service import DraftView
from liaison.drafts.tables import Draft, DraftArticle, DraftVersion
from liaison.i18n import N_, _
from liaison.network.tables import Office, Volunteer
from liaison.opinions.tables import Activity, Opinion
from liaison.opinions.validation import CHANNEL_LABELS

__all__ = [
    "STANCE_SAMPLE",
    "ArticleStat",
    "DraftStats",
    "YearOverview",
    "disagreement",
    "draft_stats",
    "year_overview",
]

#: Most recent opinions per draft whose stance is classified for the heat strip.
STANCE_SAMPLE = 2000
#: Longest run of days the timeline shows (the most recent ones).
MAX_DAYS = 366
NO_OFFICE = N_("未指定联络室（网上等）")
NO_VOLUNTEER = N_("非信息员录入")


@dataclass(frozen=True, slots=True)
class ArticleStat:
    number: int
    label: str
    count: int
    support: int = 0
    oppose: int = 0
    sampled: int = 0
    disagreement: float = 0.0


@dataclass(slots=True)
class DraftStats:
    total: int = 0
    general: int = 0  # 总体意见 (no article)
    by_status: dict[str, int] = field(default_factory=dict)
    by_day: list[tuple[date, int]] = field(default_factory=list)
    by_channel: list[tuple[str, int]] = field(default_factory=list)
    by_office: list[tuple[str, int]] = field(default_factory=list)
    by_volunteer: list[tuple[str, int]] = field(default_factory=list)
    articles: list[ArticleStat] = field(default_factory=list)
    stance_sampled: int = 0
    backlog: int = 0
    unreviewed_clusters: int = 0
    unreviewed_members: int = 0
    unreviewed_list: list[dict[str, Any]] = field(default_factory=list)
    activities: int = 0
    attendees: int = 0


def disagreement(support: int, oppose: int) -> float:
    """Share of the minority side among support and oppose opinions (0 = one-sided, 0.5 = even)."""
    both = support + oppose
    return min(support, oppose) / both if both else 0.0


def _count(row: dict[str, Any]) -> int:
    return int(row.get("count") or 0)


async def _grouped(column: Any, draft_id: int) -> dict[Any, int]:
    rows = await Opinion.select(column, Count()).where(Opinion.draft == draft_id).group_by(column).run()
    return {row[column._meta.name]: _count(row) for row in rows}


def _sorted(counts: dict[str, int]) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def _days(stamps: list[datetime], tz: ZoneInfo, until: date | None = None) -> list[tuple[date, int]]:
    """Counts per local day from the first opinion to the last (or ``until``), zero days included."""
    per_day = Counter(to_local(s, tz).date() for s in stamps if s is not None)
    if not per_day:
        return []
    first, last = min(per_day), max(per_day)
    if until is not None and until > last:
        last = until
    first = max(first, last - timedelta(days=MAX_DAYS - 1))
    return [(first + timedelta(days=i), per_day.get(first + timedelta(days=i), 0))
            for i in range((last - first).days + 1)]


async def _named(counts: dict[Any, int], table: Any, none_label: str) -> list[tuple[str, int]]:
    ids = [k for k in counts if k is not None]
    names: dict[int, str] = {}
    if ids:
        rows = await table.select(table.id, table.name).where(table.id.is_in(ids)).run()
        names = {r["id"]: r["name"] for r in rows}
    out: dict[str, int] = {}
    for key, n in counts.items():
        label = none_label if key is None else names.get(key, f"#{key}")
        if key is not None and label in out:  # two volunteers with one name: keep them apart
            label = f"{label}（#{key}）"
        out[label] = out.get(label, 0) + n
    return _sorted(out)


async def _articles(draft: DraftView, counts: dict[int | None, int]) -> tuple[list[ArticleStat], int]:
    version = await DraftVersion.select(DraftVersion.id).where(
        (DraftVersion.draft == draft.id) & (DraftVersion.number == draft.current_version)).first().run()
    numbers: list[tuple[int, str]] = []
    if version is not None:
        rows = await DraftArticle.select(DraftArticle.number, DraftArticle.label).where(
            DraftArticle.version == version["id"]).order_by(DraftArticle.position).run()
        numbers = [(r["number"], r["label"] or f"第{int_to_chinese(r['number'])}条") for r in rows]
    known = {n for n, _label in numbers}
    # Opinions on articles of an older version that the current text no longer has.
    numbers += [(n, f"第{int_to_chinese(n)}条") for n in sorted(k for k in counts if k is not None and k not in known)]
    sample = await Opinion.select(Opinion.article, Opinion.text).where(
        (Opinion.draft == draft.id) & Opinion.article.is_not_null()
    ).order_by(Opinion.id, ascending=False).limit(STANCE_SAMPLE).run()
    support: Counter[int] = Counter()
    oppose: Counter[int] = Counter()
    sampled: Counter[int] = Counter()
    for row in sample:
        stance, _cues = classify_stance(row["text"])
        sampled[row["article"]] += 1
        if stance == "support":
            support[row["article"]] += 1
        elif stance == "oppose":
            oppose[row["article"]] += 1
    stats = [
        ArticleStat(number=n, label=label, count=counts.get(n, 0), support=support[n], oppose=oppose[n],
                    sampled=sampled[n], disagreement=disagreement(support[n], oppose[n]))
        for n, label in numbers
    ]
    return stats, len(sample)


async def draft_stats(draft: DraftView, tz: ZoneInfo, now: datetime | None = None) -> DraftStats:
    now = now or datetime.now(UTC)
    s = DraftStats()
    s.by_status = {k: v for k, v in (await _grouped(Opinion.status, draft.id)).items()}
    s.total = sum(s.by_status.values())
    s.backlog = s.by_status.get("unscreened", 0)
    channels = await _grouped(Opinion.channel, draft.id)
    s.by_channel = _sorted({CHANNEL_LABELS.get(k, k): v for k, v in channels.items()})
    s.by_office = await _named(await _grouped(Opinion.office, draft.id), Office, _(NO_OFFICE))
    no_volunteer = _(NO_VOLUNTEER)
    s.by_volunteer = [kv for kv in await _named(await _grouped(Opinion.volunteer, draft.id), Volunteer, no_volunteer)
                      if kv[0] != no_volunteer]
    from liaison.clusters.tagging import recount_articles

    article_counts = await recount_articles(draft.id, await _grouped(Opinion.article, draft.id))
    s.general = article_counts.get(None, 0)
    s.articles, s.stance_sampled = await _articles(draft, article_counts)

    stamps = [r["created_at"] for r in await Opinion.select(Opinion.created_at).where(Opinion.draft == draft.id).run()]
    today = to_local(now, tz).date()
    until = today
    if draft.comment_closes is not None:
        until = min(today, to_local(draft.comment_closes, tz).date())
    s.by_day = _days(stamps, tz, until)

    open_clusters = (Cluster.draft == draft.id) & (Cluster.size >= 2) & (Cluster.reviewed_by == "")
    s.unreviewed_clusters = await Cluster.count().where(open_clusters).run()
    if s.unreviewed_clusters:
        total = await Cluster.select(Sum(Cluster.size)).where(open_clusters).first().run()
        s.unreviewed_members = int((total or {}).get("sum") or 0)
        s.unreviewed_list = await Cluster.select(Cluster.id, Cluster.size, Cluster.article, Cluster.summary).where(
            open_clusters).order_by(Cluster.size, ascending=False).order_by(Cluster.id).limit(10).run()

    s.activities = await Activity.count().where(Activity.draft == draft.id).run()
    if s.activities:
        row = await Activity.select(Sum(Activity.attendees)).where(Activity.draft == draft.id).first().run()
        s.attendees = int((row or {}).get("sum") or 0)
    return s


# ---------------------------------------------------------------- station overview


@dataclass(slots=True)
class YearOverview:
    year: int
    drafts: list[dict[str, Any]] = field(default_factory=list)  # id, slug, title, opinions (that year)
    opinions: int = 0
    activities: int = 0
    attendees: int = 0
    online_contributors: int = 0
    sent_up: int = 0  # 上报: opinions in the latest packet of each draft handled that year
    adopted: int = 0  # 采纳: opinions of the year whose point was adopted or partly adopted

    @property
    def drafts_handled(self) -> int:
        return len(self.drafts)

    @property
    def people_reached(self) -> int:
        return self.attendees + self.online_contributors


def year_bounds(year: int, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[1 January 00:00, next 1 January 00:00) in the station's zone, as UTC."""
    return day_start(date(year, 1, 1), tz), day_start(date(year + 1, 1, 1), tz)


async def year_overview(year: int, tz: ZoneInfo) -> YearOverview:
    start, end = year_bounds(year, tz)
    out = YearOverview(year=year)
    rows = await Draft.select(Draft.id, Draft.slug, Draft.title, Draft.comment_opens, Draft.comment_closes,
                              Draft.published_at).where(Draft.status.is_in(["published", "archived"])).run()
    for row in rows:
        opens = as_utc(row["comment_opens"]) if row["comment_opens"] else None
        closes = as_utc(row["comment_closes"]) if row["comment_closes"] else None
        if opens is None and closes is None and row["published_at"] is not None:
            opens = as_utc(row["published_at"])  # no window: the year it was published
        if (opens is None or opens < end) and (closes is None or closes >= start):
            out.drafts.append({"id": row["id"], "slug": row["slug"], "title": row["title"],
                               "comment_opens": opens, "comment_closes": closes, "opinions": 0})
    # Opinions of the year: fetched with a generous UTC margin, then filtered exactly in Python
    # (SQLite may hand back naive or differently formatted timestamps).
    opinion_rows = await Opinion.select(Opinion.draft, Opinion.channel, Opinion.client_key, Opinion.created_at).where(
        (Opinion.created_at >= start - timedelta(days=1)) & (Opinion.created_at < end + timedelta(days=1))).run()
    per_draft: Counter[int] = Counter()
    online: set[str] = set()
    anonymous_online = 0
    for row in opinion_rows:
        at = as_utc(row["created_at"])
        if not (start <= at < end):
            continue
        out.opinions += 1
        per_draft[row["draft"]] += 1
        if row["channel"] == "online":
            if row["client_key"]:
                online.add(row["client_key"])
            else:
                anonymous_online += 1
    out.online_contributors = len(online) + anonymous_online
    for d in out.drafts:
        d["opinions"] = per_draft.get(d["id"], 0)
    out.adopted = await adopted_received_between(start, end)
    out.sent_up = sum([await opinions_submitted(d["id"]) for d in out.drafts])
    activity_filter = (Activity.held_on >= date(year, 1, 1)) & (Activity.held_on <= date(year, 12, 31))
    out.activities = await Activity.count().where(activity_filter).run()
    if out.activities:
        row = await Activity.select(Sum(Activity.attendees)).where(activity_filter).first().run()
        out.attendees = int((row or {}).get("sum") or 0)
    return out
