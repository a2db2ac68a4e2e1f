"""Staff pages for opinions: activities, the volunteers' quick entry form, own entries, screening."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

from litestar import Request, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from litestar.response import File, Redirect, Template

from liaison.accounts.roles import Role
from liaison.accounts.services import CurrentUser
from liaison.config import Settings
from liaison.core.errors import DomainError, Forbidden, Invalid
from liaison.drafts import service as drafts
from liaison.drafts.window import Phase
from liaison.i18n import _
from liaison.network import service as network
from liaison.opinions import activities, service
from liaison.opinions.tables import Opinion
from liaison.opinions.validation import CHANNEL_LABELS, SET_ASIDE_REASONS, STATUS_LABELS, OpinionInput, Status
from liaison.web.auth import current_user, requires
from liaison.web.htmx import VARY, is_htmx

__all__ = ["ROUTES"]

_ANY_STAFF = requires()
_SCREENERS = requires(Role.ADMIN, Role.OFFICER, Role.OFFICE_STAFF)
FORM = Body(media_type=RequestEncodingType.URL_ENCODED)
MULTIPART = Body(media_type=RequestEncodingType.MULTI_PART)


def _user(request: Request) -> CurrentUser:
    user = current_user(request)
    assert user is not None  # guarded
    return user


async def _active_drafts() -> list[drafts.DraftView]:
    """Drafts staff may record activities and entries for (published, not archived)."""
    return [d for d in await drafts.list_drafts(public=False) if d.phase in (Phase.OPEN, Phase.CLOSED)]


# ---------------------------------------------------------------- activities


@dataclass
class ActivityForm:
    draft: str = ""
    office: str = ""
    kind: str = "symposium"
    title: str = ""
    held_on: str = ""
    place: str = ""
    attendees: str = "0"
    notes: str = ""
    minutes: UploadFile | None = None


async def _activity_form(request: Request, form: ActivityForm, error: DomainError | None = None,
                         status_code: int = 200) -> Template:
    user = _user(request)
    offices = await network.list_offices()
    if user.role not in (Role.ADMIN, Role.OFFICER):
        own = await network.office_of(user)
        offices = [o for o in offices if o["id"] == own]
    return Template("opinions/activity_new.html", status_code=status_code, context={
        "form": form, "error": error, "offices": offices, "drafts": await _active_drafts(),
        "kinds": activities.ACTIVITY_KINDS,
    })


@get("/staff/activities/new", guards=[_ANY_STAFF], include_in_schema=False)
async def new_activity(request: Request, office: FromQuery[str | None] = None) -> Template:
    return await _activity_form(request, ActivityForm(office=office or ""))


@post("/staff/activities", guards=[_ANY_STAFF], include_in_schema=False, status_code=303)
async def create_activity(request: Request, data: Annotated[ActivityForm, MULTIPART]) -> Template | Redirect:
    settings: Settings = request.app.state.settings
    minutes = None
    try:
        if data.minutes is not None and data.minutes.filename:
            content = await data.minutes.read(activities.MAX_MINUTES_BYTES + 1)
            minutes = (data.minutes.filename, content)
        activity_id = await activities.create_activity(
            activities.ActivityInput(
                draft_slug=data.draft, office=int(data.office) if data.office.isdigit() else None, kind=data.kind,
                held_on=data.held_on, title=data.title, place=data.place, attendees=data.attendees, notes=data.notes,
            ),
            _user(request), data_dir=settings.data_dir, minutes=minutes,
        )
    except DomainError as exc:
        data.minutes = None
        return await _activity_form(request, data, exc, exc.status_code)
    return Redirect(f"/staff/activities/{activity_id}?saved=1", status_code=303)


async def _check_office_access(user: CurrentUser, office_id: int) -> None:
    if user.role not in (Role.ADMIN, Role.OFFICER) and await network.office_of(user) != office_id:
        raise Forbidden(_("只能查看本联络室的活动"))


@get("/staff/activities/{activity_id:int}", guards=[_ANY_STAFF], include_in_schema=False)
async def activity_page(request: Request, activity_id: FromPath[int]) -> Template:
    user = _user(request)
    activity = await activities.get_activity(activity_id)
    await _check_office_access(user, activity["office"])
    rows = await Opinion.select(Opinion.id, Opinion.article, Opinion.text, Opinion.status, Opinion.created_at).where(
        Opinion.activity == activity_id
    ).order_by(Opinion.id).run()
    return Template("opinions/activity.html", context={
        "a": activity, "opinions": rows, "status_labels": STATUS_LABELS, "saved": request.query_params.get("saved"),
    })


@get("/staff/activities/{activity_id:int}/minutes", guards=[_ANY_STAFF], include_in_schema=False)
async def activity_minutes(request: Request, activity_id: FromPath[int]) -> File:
    path, name = await activities.minutes_file(activity_id, _user(request))
    return File(path=path, filename=name, content_disposition_type="attachment")


# ---------------------------------------------------------------- volunteer entry


@dataclass
class EntryForm:
    activity: str = ""
    article: str = ""
    text: str = ""
    suggestion: str = ""
    reason: str = ""


async def _entry_activities(user: CurrentUser) -> list[dict[str, Any]]:
    office = None if user.role in (Role.ADMIN, Role.OFFICER) else await network.office_of(user)
    if user.role not in (Role.ADMIN, Role.OFFICER) and office is None:
        return []
    open_ids = {d.id for d in await _active_drafts()}
    return [a for a in await activities.list_activities(office=office) if a["draft"] in open_ids]


async def _entry_page(request: Request, form: EntryForm, *, error: DomainError | None = None,
                      saved: str | None = None, status_code: int = 200, fragment: bool = False) -> Template:
    """The entry page, or (``fragment``) only its panel: notice, form and recent entries, for htmx."""
    user = _user(request)
    mine = await Opinion.select(
        Opinion.id, Opinion.article, Opinion.text, Opinion.status, Opinion.activity, Opinion.created_at,
        Opinion.draft.title,
    ).where(Opinion.entered_by == user.id).order_by(Opinion.id, ascending=False).limit(20).run()
    template = "opinions/_entry_panel.html" if fragment else "opinions/entry.html"
    return Template(template, status_code=status_code, headers=VARY, context={
        "form": form, "error": error, "saved": saved, "activities": await _entry_activities(user),
        "mine": mine, "status_labels": STATUS_LABELS,
    })


@get("/staff/entry", guards=[_ANY_STAFF], include_in_schema=False)
async def entry_form(request: Request, activity: FromQuery[str | None] = None,
                     saved: FromQuery[str | None] = None) -> Template:
    """The quick phone form: pick the activity once, then enter opinions one after another."""
    return await _entry_page(request, EntryForm(activity=activity or ""), saved=saved)


def _article_number(value: str) -> int | None:
    value = value.strip()
    if not value:
        return None
    from liaison.drafts.numerals import parse_number

    digits = value.removeprefix("第").removesuffix("条")
    try:
        return parse_number(digits)
    except ValueError:
        return -1  # rejected by validation with a message naming the field


@post("/staff/entry", guards=[_ANY_STAFF], include_in_schema=False, status_code=303)
async def entry_submit(request: Request, data: Annotated[EntryForm, FORM]) -> Template | Redirect:
    """Save one entry; a plain post is redirected to a fresh form, an htmx post gets the fresh panel."""
    user = _user(request)
    htmx = is_htmx(request)
    try:
        if not data.activity.isdigit():
            raise Invalid(_("请先选择这条意见来自哪次征询活动"), field="activity")
        activity = await activities.get_activity(int(data.activity))
        channel = activities.KIND_CHANNEL.get(activity["kind"], "other")
        await service.submit_opinion(
            activity["draft.slug"],
            OpinionInput(text=data.text, article=_article_number(data.article), suggestion=data.suggestion,
                         reason=data.reason, channel=channel, activity=activity["id"]),
            staff=user,
        )
    except DomainError as exc:
        return await _entry_page(request, data, error=exc, status_code=exc.status_code, fragment=htmx)
    count = await Opinion.count().where((Opinion.entered_by == user.id) & (Opinion.activity == int(data.activity))).run()
    if htmx:
        return await _entry_page(request, EntryForm(activity=data.activity), saved=str(count), fragment=True)
    return Redirect(f"/staff/entry?activity={data.activity}&saved={count}", status_code=303, headers=VARY)


@get("/staff/entries/{opinion_id:int}/edit", guards=[_ANY_STAFF], include_in_schema=False)
async def edit_entry_form(request: Request, opinion_id: FromPath[int]) -> Template:
    row = await _own_entry(request, opinion_id)
    form = EntryForm(activity=str(row["activity"] or ""), article=str(row["article"] or ""), text=row["text"],
                     suggestion=row["suggestion"], reason=row["reason"])
    return Template("opinions/entry_edit.html", context={"form": form, "row": row, "error": None,
                                                          "status_labels": STATUS_LABELS})


async def _own_entry(request: Request, opinion_id: int) -> dict[str, Any]:
    user = _user(request)
    row = await Opinion.select().where(Opinion.id == opinion_id).first().run()
    if row is None or row["entered_by"] != user.id:
        raise Forbidden(_("只能修改自己录入的意见"))
    return row


@post("/staff/entries/{opinion_id:int}/edit", guards=[_ANY_STAFF], include_in_schema=False, status_code=303)
async def edit_entry_submit(request: Request, opinion_id: FromPath[int],
                            data: Annotated[EntryForm, FORM]) -> Template | Redirect:
    row = await _own_entry(request, opinion_id)
    try:
        await service.update_own_entry(
            opinion_id, _user(request),
            OpinionInput(text=data.text, article=_article_number(data.article), suggestion=data.suggestion,
                         reason=data.reason, channel=row["channel"]),
        )
    except DomainError as exc:
        return Template("opinions/entry_edit.html", status_code=exc.status_code,
                        context={"form": data, "row": row, "error": exc, "status_labels": STATUS_LABELS})
    return Redirect("/staff/entry?saved=edit", status_code=303)


# ---------------------------------------------------------------- screening


async def _screening_context(request: Request, slug: str, status: str, page: int) -> dict[str, Any]:
    draft = await drafts.get_draft(slug, public=False)
    listing = await service.list_opinions(slug, _user(request), status=status or None, page=max(page, 1), per_page=50)
    if page > 1 and not listing["items"] and listing["total"]:  # the page emptied (e.g. all kept): show the last one
        last = -(-listing["total"] // listing["per_page"])
        listing = await service.list_opinions(slug, _user(request), status=status or None, page=last, per_page=50)
    article_rows = {a["number"]: a for a in await drafts.get_articles(draft)}
    return {
        "draft": draft, "listing": listing, "status": status, "articles": article_rows,
        "reasons": SET_ASIDE_REASONS, "status_labels": STATUS_LABELS, "channel_labels": CHANNEL_LABELS,
        "done": None, "error": None,
    }


@get("/staff/drafts/{slug:str}/screening", guards=[_SCREENERS], include_in_schema=False)
async def screening_queue(request: Request, slug: FromPath[str], status: FromQuery[str] = "unscreened",
                          page: FromQuery[int] = 1) -> Template:
    context = await _screening_context(request, slug, status, page)
    context["done"] = request.query_params.get("done")
    return Template("opinions/screening.html", context=context)


@post("/staff/drafts/{slug:str}/screening", guards=[_SCREENERS], include_in_schema=False, status_code=303)
async def screening_submit(request: Request, slug: FromPath[str]) -> Redirect | Template:
    """Batch action on the checked opinions (a form may carry one ``ids`` or many).

    A plain form post is redirected back to the queue; an htmx post gets the queue fragment
    (the opinions still in this view, the count done, or the refusal) and nothing else.
    """
    form = await request.form()
    status = str(form.get("status", "unscreened"))
    status = status if status in set(Status) or status == "" else "unscreened"
    page_text = str(form.get("page", "1"))
    page = int(page_text) if page_text.isdigit() and len(page_text) < 7 else 1
    try:
        raw_ids = form.getall("ids") if "ids" in form else []
        ids = [int(value) for value in raw_ids if str(value).isdigit()]
        if len(ids) != len(raw_ids):
            raise Invalid(_("意见编号应为数字"), field="ids")
        changed = await service.screen_opinions(ids, str(form.get("action", "")), _user(request),
                                                reason=str(form.get("reason", "")))
    except DomainError as exc:
        if not is_htmx(request):
            raise
        context = await _screening_context(request, slug, status, page)
        context["error"] = exc
        return Template("opinions/_screening_queue.html", context=context, status_code=exc.status_code, headers=VARY)
    if is_htmx(request):
        context = await _screening_context(request, slug, status, page)
        context["done"] = changed
        return Template("opinions/_screening_queue.html", context=context, status_code=200, headers=VARY)
    return Redirect(f"/staff/drafts/{slug}/screening?status={quote(status)}&done={changed}", status_code=303,
                    headers=VARY)


ROUTES = [
    new_activity, create_activity, activity_page, activity_minutes,
    entry_form, entry_submit, edit_entry_form, edit_entry_submit,
    screening_queue, screening_submit,
]
