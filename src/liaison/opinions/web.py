"""Public pages for opinions: the comment form, receipts, withdrawing personal details."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Redirect, Template

from liaison.core.errors import DomainError, NotFound
from liaison.drafts import service as drafts
from liaison.i18n import _
from liaison.opinions import service
from liaison.config import Settings
from liaison.opinions.api import client_key
from liaison.opinions.receipts import format_receipt, normalize_receipt
from liaison.opinions.validation import MAX_TEXT, ContributorInput, OpinionInput

__all__ = ["ROUTES", "comment_form_context"]


@dataclass
class CommentForm:
    text: str = ""
    article: str = ""
    suggestion: str = ""
    reason: str = ""
    name: str = ""
    phone: str = ""
    region: str = ""
    occupation: str = ""
    consent: str = ""


async def comment_form_context(draft: drafts.DraftView, article: int | None) -> dict[str, Any]:
    return {
        "occupations": service.occupations_for(draft),
        "article_numbers": await service.article_numbers(draft),
        "selected_article": article,
        "max_text": MAX_TEXT,
    }


async def _article_row(draft: drafts.DraftView, number: int | None) -> dict[str, Any] | None:
    if number is None:
        return None
    for row in await drafts.get_articles(draft):
        if row["number"] == number:
            return row
    return None


@get("/drafts/{slug:str}/comment", include_in_schema=False)
async def comment_page(slug: FromPath[str], article: FromQuery[int | None] = None) -> Template:
    """The comment form (general, or on one article); also reachable from each article."""
    draft = await drafts.get_draft(slug, public=True)
    context = await comment_form_context(draft, article)
    return Template("opinions/comment.html", context={
        "draft": draft, "article": await _article_row(draft, article), "form": CommentForm(article=str(article or "")),
        "error": None, "now": datetime.now(UTC), **context,
    })


def _form_input(form: CommentForm) -> OpinionInput:
    article = int(form.article) if form.article.strip().isdigit() and int(form.article) > 0 else None
    contributor = ContributorInput(name=form.name, phone=form.phone, region=form.region,
                                   occupation=form.occupation, consent=form.consent in ("1", "on", "yes", "true"))
    return OpinionInput(text=form.text, article=article, suggestion=form.suggestion, reason=form.reason,
                        contributor=contributor)


@post("/drafts/{slug:str}/comment", include_in_schema=False, request_max_body_size=64 * 1024)
async def comment_submit(
    request: Request, slug: FromPath[str], data: Annotated[CommentForm, Body(media_type=RequestEncodingType.URL_ENCODED)]
) -> Template | Redirect:
    draft = await drafts.get_draft(slug, public=True)
    try:
        settings: Settings = request.app.state.settings
        result = await service.submit_opinion(slug, _form_input(data), client_key=client_key(request),
                                              rate_limit=settings.public_posts_per_10min)
    except DomainError as exc:
        article = int(data.article) if data.article.strip().isdigit() else None
        context = await comment_form_context(draft, article)
        return Template("opinions/comment.html", status_code=exc.status_code, headers=exc.headers or None, context={
            "draft": draft, "article": await _article_row(draft, article), "form": data, "error": exc,
            "now": datetime.now(UTC), **context,
        })
    suffix = "?new=1" if not result.duplicate else "?repeat=1"
    return Redirect(f"/receipts/{result.receipt}{suffix}", status_code=303)


@get("/receipts", include_in_schema=False)
async def receipt_lookup(code: FromQuery[str | None] = None) -> Template | Redirect:
    """Look a receipt up by typing its code (works without JavaScript)."""
    if code:
        normalized = normalize_receipt(code)
        if normalized:
            return Redirect(f"/receipts/{normalized}", status_code=303)
        return Template("opinions/lookup.html", context={"code": code, "error": _("回执码应为 8 位字母和数字，如 7KQ3-M9XD")},
                        status_code=422)
    return Template("opinions/lookup.html", context={"code": "", "error": None})


@get("/receipts/{code:str}", include_in_schema=False)
async def receipt_page(code: FromPath[str], new: FromQuery[int | None] = None, repeat: FromQuery[int | None] = None,
                       withdrawn: FromQuery[int | None] = None) -> Template:
    info = await service.get_receipt(code)
    return Template("opinions/receipt.html", context={
        "r": info, "code": format_receipt(info["receipt"]), "new": bool(new), "repeat": bool(repeat),
        "withdrawn": bool(withdrawn),
    })


@post("/receipts/{code:str}/withdraw", include_in_schema=False, status_code=303)
async def withdraw_contact(code: FromPath[str]) -> Redirect:
    """Delete the personal details given with an opinion, on the contributor's request."""
    normalized = normalize_receipt(code)
    if normalized is None:
        raise NotFound(_("回执码无效"), field="code")
    await service.withdraw_contact(normalized)
    return Redirect(f"/receipts/{normalized}?withdrawn=1", status_code=303)


ROUTES = [comment_page, comment_submit, receipt_lookup, receipt_page, withdraw_contact]
