"""Workspace pages: an office's own activities, entries and figures; a person's own entries ("我的意见")."""

from __future__ import annotations

from litestar import Request, get
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from liaison.accounts.roles import Role
from liaison.accounts.services import CurrentUser
from liaison.core.errors import MAX_INT, Forbidden, Invalid
from liaison.dashboard import charts
from liaison.i18n import _
from liaison.network import service as network
from liaison.opinions.activities import list_activities
from liaison.opinions.validation import CHANNEL_LABELS, STATUS_LABELS
from liaison.web.auth import current_user, requires
from liaison.workspace import figures

__all__ = ["ROUTES"]

_OFFICE_PAGES = requires(Role.ADMIN, Role.OFFICER, Role.OFFICE_STAFF)
_ANY_STAFF = requires()
PER_PAGE = 50
MANAGERS = (Role.ADMIN, Role.OFFICER)


def _user(request: Request) -> CurrentUser:
    user = current_user(request)
    assert user is not None  # guarded
    return user


async def _own_office(user: CurrentUser) -> int:
    office = await network.office_of(user)
    if office is None:
        raise Forbidden(_("您的账号还没有分配联络室，请联系联络站"))
    return office


@get("/staff/workspace", guards=[_OFFICE_PAGES], include_in_schema=False)
async def workspaces(request: Request) -> Template | Redirect:
    """Office staff go straight to their own office; officers pick one from the list."""
    user = _user(request)
    if user.role not in MANAGERS:
        return Redirect(f"/staff/offices/{await _own_office(user)}/workspace")
    return Template("workspace/index.html", context={"offices": await figures.office_summaries()})


@get("/staff/offices/{office_id:int}/workspace", guards=[_OFFICE_PAGES], include_in_schema=False)
async def office_workspace(request: Request, office_id: FromPath[int]) -> Template:
    user = _user(request)
    if user.role not in MANAGERS and await _own_office(user) != office_id:
        raise Forbidden(_("只能查看本联络室的工作情况"))
    office = await network.get_office(office_id)
    f = await figures.office_figures(office_id)
    return Template("workspace/office.html", context={
        "office": office,
        "f": f,
        "activities": await list_activities(office=office_id),
        "recent": await figures.recent_entries(office_id),
        "status_labels": STATUS_LABELS,
        "channel_labels": CHANNEL_LABELS,
        "is_manager": user.role in MANAGERS,
        "screening_svg": charts.bar_chart(f.screening if f.total else [], _("整理情况")),
        "draft_svg": charts.bar_chart(f.by_draft[:20], _("按草案")),
        "channel_svg": charts.bar_chart(f.by_channel, _("按渠道")),
        "volunteer_svg": charts.bar_chart(f.by_volunteer[:20], _("按信息员")),
    })


@get("/staff/mine", guards=[_ANY_STAFF], include_in_schema=False)
async def my_opinions(request: Request, page: FromQuery[int] = 1) -> Template:
    """What the signed-in person entered and what became of each entry."""
    if not 1 <= page <= MAX_INT // PER_PAGE:
        raise Invalid(_("页码应为正整数"), field="page")
    mine = await figures.my_entries(_user(request).id, page=page, per_page=PER_PAGE)
    return Template("workspace/mine.html", context={
        "mine": mine, "page": page, "per_page": PER_PAGE,
        "screening_svg": charts.bar_chart(mine.screening, _("我录入的意见整理情况")) if mine.total else "",
    })


ROUTES = [workspaces, office_workspace, my_opinions]
