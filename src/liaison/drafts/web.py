"""Draft pages: the public reading pages and the officers' import/preview/publish screens."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Redirect, Template

from liaison.accounts.roles import Role
from liaison.config import Settings
from liaison.core.dates import day_end, day_start
from liaison.core.errors import DomainError, Invalid, NotFound
from liaison.drafts import service
from liaison.drafts.window import Phase
from liaison.i18n import _, current_locale
from liaison.web.auth import current_user, requires

__all__ = ["ROUTES"]

_MANAGERS = requires(Role.ADMIN, Role.OFFICER)
_PHASE_ORDER = {Phase.OPEN: 0, Phase.UPCOMING: 1, Phase.CLOSED: 2, Phase.ARCHIVED: 3, Phase.UNPUBLISHED: 4}


def _settings(request: Request) -> Settings:
    return request.app.state.settings


def _group_by_chapter(articles: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Consecutive articles under the same chapter/section, for headings and the TOC."""
    groups: list[dict[str, Any]] = []
    chapter_index = 0
    for article in articles:
        key = (article["chapter"], article["section"])
        if not groups or (groups[-1]["chapter"], groups[-1]["section"]) != key:
            if not groups or groups[-1]["chapter"] != article["chapter"]:
                chapter_index += 1
            groups.append({"chapter": article["chapter"], "section": article["section"],
                           "anchor": f"ch-{chapter_index}", "articles": []})
        groups[-1]["articles"].append(article)
    return groups


# ---------------------------------------------------------------- public pages


@get("/", include_in_schema=False)
async def home(request: Request) -> Template:
    drafts = await service.list_drafts(public=True)
    drafts.sort(key=lambda d: _PHASE_ORDER[d.phase])
    return Template("drafts/index.html", context={"drafts": drafts, "now": datetime.now(UTC)})


_TEXT_CACHE: OrderedDict[tuple[int, int, str, bool, str], tuple[str, int]] = OrderedDict()
_TEXT_CACHE_SIZE = 32


async def _text_html(request: Request, draft: service.DraftView, version: int, preview: bool) -> tuple[str, int]:
    """The TOC and articles of a version, rendered once per locale: a version's text never changes,
    but the table of contents and links around it are interface text in the visitor's language."""
    key = (draft.id, version, draft.slug, preview, current_locale())
    cached = _TEXT_CACHE.get(key)
    if cached is not None:
        _TEXT_CACHE.move_to_end(key)
        return cached
    articles = await service.get_articles(draft, version)
    template = request.app.template_engine.get_template("drafts/_text.html")
    html = template.render(draft=draft, groups=_group_by_chapter(articles), preview=preview)
    _TEXT_CACHE[key] = (html, len(articles))
    while len(_TEXT_CACHE) > _TEXT_CACHE_SIZE:
        _TEXT_CACHE.popitem(last=False)
    return html, len(articles)


async def _draft_page(request: Request, slug: str, *, public: bool, version: int | None = None) -> Template:
    draft = await service.get_draft(slug, public=public)
    number = version or draft.current_version
    text_html, count = await _text_html(request, draft, number, preview=not public)
    return Template(
        "drafts/draft.html",
        context={
            "draft": draft,
            "text_html": text_html,
            "article_count": count,
            "now": datetime.now(UTC),
            "preview": not public,
            "version": number,
        },
    )


def _jump_target(n: str) -> int | None:
    """What a reader typed in the jump box: 12, １２, 十二, 第十二条."""
    from liaison.drafts.numerals import parse_number

    value = n.strip().removeprefix("第").removesuffix("条").strip()
    try:
        return parse_number(value) if value else None
    except ValueError:
        return None


async def _jump(request: Request, slug: str, n: str, *, public: bool, base: str) -> Template | Redirect:
    """``?n=…`` from the jump box (works without JavaScript): go to the article, or say it is not there."""
    number = _jump_target(n)
    draft = await service.get_draft(slug, public=public)
    numbers = [a["number"] for a in await service.get_articles(draft)]
    if number in numbers:
        return Redirect(f"{base}#art-{number}", status_code=303)
    page = await _draft_page(request, slug, public=public)
    asked = n.strip()[:20]
    page.context["jump_error"] = (
        _("没有找到“%(asked)s”：本草案为第%(first)s条至第%(last)s条。")
        % {"asked": asked, "first": numbers[0], "last": numbers[-1]}
        if numbers else _("没有找到“%(asked)s”：本草案为没有条文。") % {"asked": asked}
    )
    return page


@get("/drafts/{slug:str}", include_in_schema=False)
async def draft_page(request: Request, slug: FromPath[str], n: FromQuery[str | None] = None) -> Template | Redirect:
    """The whole draft; ``?n=12`` (the jump box, without JavaScript) goes to 第十二条."""
    if n is not None and n.strip():
        return await _jump(request, slug, n, public=True, base=f"/drafts/{slug}")
    return await _draft_page(request, slug, public=True)


@get("/drafts/{slug:str}/articles/{number:int}", include_in_schema=False)
async def article_page(request: Request, slug: FromPath[str], number: FromPath[int]) -> Template:
    draft = await service.get_draft(slug, public=True)
    articles = await service.get_articles(draft)
    for index, article in enumerate(articles):
        if article["number"] == number:
            return Template(
                "drafts/article.html",
                context={
                    "draft": draft,
                    "article": article,
                    "previous": articles[index - 1] if index > 0 else None,
                    "next": articles[index + 1] if index + 1 < len(articles) else None,
                    "now": datetime.now(UTC),
                },
            )
    raise NotFound(_("草案《%(title)s》没有第 %(number)s 条") % {"title": draft.title, "number": number}, field="article")


# ---------------------------------------------------------------- staff pages


@get("/staff", guards=[requires()], include_in_schema=False)
async def staff_home(request: Request) -> Template:
    user = current_user(request)
    drafts = await service.list_drafts(public=False) if user and user.role is not Role.VOLUNTEER else []
    if user and user.role is Role.OFFICE_STAFF:
        drafts = [d for d in drafts if d.phase in (Phase.OPEN, Phase.CLOSED)]
    return Template("staff/home.html", context={"drafts": drafts, "now": datetime.now(UTC)})


@get("/staff/drafts/new", guards=[_MANAGERS], include_in_schema=False)
async def new_draft_form() -> Template:
    return Template("staff/draft_new.html", context={"error": None, "markdown": ""})


@dataclass
class DraftUploadForm:
    markdown: str = ""
    file: UploadFile | None = None


async def _read_upload(form: DraftUploadForm, max_bytes: int) -> tuple[str | bytes, str | None]:
    if form.file is not None and form.file.filename:
        content = await form.file.read(max_bytes + 1)
        return content, form.file.filename
    if form.markdown.strip():
        return form.markdown.replace("\r\n", "\n"), None
    raise Invalid(_("请选择一个 Markdown 文件，或把草案全文粘贴到文本框中"), field="file")


@post("/staff/drafts/new", guards=[_MANAGERS], include_in_schema=False, status_code=303)
async def new_draft_submit(
    request: Request, data: Annotated[DraftUploadForm, Body(media_type=RequestEncodingType.MULTI_PART)]
) -> Template | Redirect:
    settings = _settings(request)
    user = current_user(request)
    try:
        source, name = await _read_upload(data, settings.max_upload_bytes)
        result = await service.import_draft(
            source, source_name=name, tz=settings.tz, max_bytes=settings.max_upload_bytes,
            actor=user.username if user else "",
        )
    except DomainError as exc:
        return Template(
            "staff/draft_new.html",
            context={"error": exc, "markdown": data.markdown},
            status_code=exc.status_code,
        )
    return Redirect(f"/staff/drafts/{result.slug}?imported={result.version if result.created_version else 0}", status_code=303)


@get("/staff/drafts/{slug:str}", guards=[_MANAGERS], include_in_schema=False)
async def manage_draft(request: Request, slug: FromPath[str], imported: FromQuery[int | None] = None) -> Template:
    draft = await service.get_draft(slug, public=False)
    articles = await service.get_articles(draft)
    return Template(
        "staff/draft_manage.html",
        context={
            "draft": draft,
            "groups": _group_by_chapter(articles),
            "article_count": len(articles),
            "versions": await service.list_versions(draft),
            "imported": imported,
            "now": datetime.now(UTC),
            "error": None,
            "tz": _settings(request).tz,
        },
    )


@get("/staff/drafts/{slug:str}/preview", guards=[_MANAGERS], include_in_schema=False)
async def preview_draft(request: Request, slug: FromPath[str], version: FromQuery[int | None] = None,
                        n: FromQuery[str | None] = None) -> Template | Redirect:
    if n is not None and n.strip() and version is None:
        return await _jump(request, slug, n, public=False, base=f"/staff/drafts/{slug}/preview")
    return await _draft_page(request, slug, public=False, version=version)


@dataclass
class DraftMetaForm:
    title: str = ""
    issuer: str = ""
    summary: str = ""
    key_questions: str = ""
    comment_opens: str = ""
    comment_closes: str = ""


def _form_date(value: str, field: str) -> date | None:
    value = value.strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Invalid(_("日期格式应为 2026-12-31，收到“%(value)s”") % {"value": value}, field=field) from None


@post("/staff/drafts/{slug:str}/meta", guards=[_MANAGERS], include_in_schema=False, status_code=303)
async def update_meta(
    request: Request, slug: FromPath[str], data: Annotated[DraftMetaForm, Body(media_type=RequestEncodingType.URL_ENCODED)]
) -> Redirect:
    tz = _settings(request).tz
    opens = _form_date(data.comment_opens, "comment_opens")
    closes = _form_date(data.comment_closes, "comment_closes")
    await service.update_draft(
        slug,
        title=data.title,
        summary=data.summary,
        issuer=data.issuer,
        key_questions=data.key_questions.splitlines(),
        comment_opens=day_start(opens, tz) if opens else None,
        comment_closes=day_end(closes, tz) if closes else None,
        actor=current_user(request).username if current_user(request) else "",
    )
    return Redirect(f"/staff/drafts/{slug}?saved=1", status_code=303)


_ACTIONS = {
    "publish": service.publish_draft,
    "unpublish": service.unpublish_draft,
    "close": service.close_draft,
    "archive": service.archive_draft,
}


@post("/staff/drafts/{slug:str}/status/{action:str}", guards=[_MANAGERS], include_in_schema=False, status_code=303)
async def change_status(request: Request, slug: FromPath[str], action: FromPath[str]) -> Redirect:
    handler = _ACTIONS.get(action)
    if handler is None:
        raise NotFound(_("未知操作 %(action)s") % {"action": action}, field="action")
    user = current_user(request)
    await handler(slug, user.username if user else "")
    return Redirect(f"/staff/drafts/{slug}?done={action}", status_code=303)


ROUTES = [
    home,
    draft_page,
    article_page,
    staff_home,
    new_draft_form,
    new_draft_submit,
    manage_draft,
    preview_draft,
    update_meta,
    change_status,
]
