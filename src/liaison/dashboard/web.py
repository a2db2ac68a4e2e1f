"""Dashboard pages: per-draft officer dashboard, station overview by year, and its CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from urllib.parse import quote

from litestar import Request, Response, get
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from liaison.accounts.roles import Role
from liaison.config import Settings
from liaison.core.dates import to_local
from liaison.core.errors import Invalid
from liaison.core.cells import neutralize_formula
from liaison.dashboard import charts, stats
from liaison.drafts import service as drafts
from liaison.web.auth import requires
from liaison.i18n import N_, Labels, _

__all__ = ["ROUTES", "csv_safe", "overview_csv_text"]

_MANAGERS = requires(Role.ADMIN, Role.OFFICER)
_MIN_YEAR, _MAX_YEAR = 2000, 2100
_STATUS_LABELS = Labels({"unscreened": N_("待整理"), "kept": N_("已采集，进入汇总"), "set_aside": N_("未纳入汇总")})


def _settings(request: Request) -> Settings:
    return request.app.state.settings


def _year(request: Request, year: int | None) -> int:
    if year is None:
        return to_local(datetime.now(UTC), _settings(request).tz).year
    if not _MIN_YEAR <= year <= _MAX_YEAR:
        raise Invalid(_("年份应在 %(min)s–%(max)s 之间") % {"min": _MIN_YEAR, "max": _MAX_YEAR}, field="year")
    return year


@get("/staff/drafts/{slug:str}/dashboard", guards=[_MANAGERS], include_in_schema=False)
async def draft_dashboard(request: Request, slug: FromPath[str]) -> Template:
    tz = _settings(request).tz
    now = datetime.now(UTC)
    draft = await drafts.get_draft(slug, public=False, now=now)
    s = await stats.draft_stats(draft, tz, now)
    articles = s.articles
    strip = charts.heat_strip(
        [(a.label, a.count, a.disagreement) for a in articles], _("各条文意见热度"),
        hrefs=[f"/staff/drafts/{draft.slug}/preview#art-{a.number}" for a in articles],
    )
    top = sorted((a for a in articles if a.count), key=lambda a: (-a.count, a.number))[:15]
    split = sorted((a for a in articles if a.support + a.oppose >= 2 and a.disagreement > 0),
                   key=lambda a: (-a.disagreement, -(a.support + a.oppose), a.number))[:10]
    from liaison.packets.compile import list_packets
    from liaison.submission import outbox, peers

    return Template("dashboard/draft.html", context={
        "packets": (await list_packets(draft.slug))[:5],
        "submissions": await outbox.submission_state(draft.id),
        "upstream": await peers.get_upstream(),
        "draft": draft,
        "now": now,
        "days_left": draft.days_left(now),
        "s": s,
        "status_labels": _STATUS_LABELS,
        "timeline_svg": charts.line_chart(s.by_day, _("每日收到的意见")),
        "channel_svg": charts.bar_chart(s.by_channel, _("按渠道")),
        "office_svg": charts.bar_chart(s.by_office[:20], _("按联络室")),
        "volunteer_svg": charts.bar_chart(s.by_volunteer[:20], _("按信息员")),
        "strip_svg": strip,
        "top_articles": top,
        "split_articles": split,
        "stance_cap": stats.STANCE_SAMPLE,
    })


@get("/staff/overview", guards=[_MANAGERS], include_in_schema=False)
async def overview(request: Request, year: FromQuery[int | None] = None) -> Template:
    chosen = _year(request, year)
    data = await stats.year_overview(chosen, _settings(request).tz)
    this_year = to_local(datetime.now(UTC), _settings(request).tz).year
    return Template("dashboard/overview.html", context={
        "o": data,
        "years": list(range(this_year, this_year - 6, -1)),
        "drafts_svg": charts.bar_chart([(d["title"], d["opinions"]) for d in data.drafts][:20], _("各草案收集意见数")),
    })




def csv_safe(value: object) -> str:
    """A cell a spreadsheet will not run as a formula: text starting with = + - @ gets a leading '."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int | float):
        return str(value)
    return neutralize_formula(str(value))


def overview_csv_text(o: stats.YearOverview) -> str:
    buffer = io.StringIO()
    w = csv.writer(buffer, lineterminator="\r\n")
    rows: list[list[object]] = [
        ["年度", "办理草案数", "收集意见数", "上报意见数", "被采纳意见数", "开展活动次数", "活动参与人次",
         "网上参与人数", "覆盖人数"],
        [o.year, o.drafts_handled, o.opinions, o.sent_up, o.adopted, o.activities, o.attendees,
         o.online_contributors, o.people_reached],
        [],
        ["草案", "标识", "本年度收集意见数"],
        *[[d["title"], d["slug"], d["opinions"]] for d in o.drafts],
    ]
    for row in rows:
        w.writerow([csv_safe(c) for c in row])
    return "\ufeff" + buffer.getvalue()


@get("/staff/overview.csv", guards=[_MANAGERS], include_in_schema=False)
async def overview_csv(request: Request, year: FromQuery[int | None] = None) -> Response[bytes]:
    chosen = _year(request, year)
    data = await stats.year_overview(chosen, _settings(request).tz)
    name = f"联络站年度统计-{chosen}.csv"
    return Response(
        overview_csv_text(data).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f"attachment; filename=\"overview-{chosen}.csv\"; filename*=UTF-8''{quote(name)}",
            "Cache-Control": "no-store",
        },
    )


ROUTES = [draft_dashboard, overview, overview_csv]
