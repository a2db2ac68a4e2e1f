"""Pages: officers record outcomes per point; everyone sees a draft's outcomes and totals."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import quote

from litestar import Request, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from liaison.accounts.roles import Role
from liaison.adoption import service
from liaison.adoption.outcomes import OUTCOME_LABELS, OUTCOMES, OutcomeInput
from liaison.core.errors import Invalid
from liaison.core.privacy import mask_contacts
from liaison.drafts import service as drafts
from liaison.i18n import _
from liaison.web.auth import current_user, requires

__all__ = ["PAGE_SIZE", "ROUTES", "public_points"]

_OFFICERS = requires(Role.ADMIN, Role.OFFICER)
T = TypeVar("T")
#: Points per page of the officers' list (a large draft has thousands).
PAGE_SIZE = 100


def _actor(request: Request) -> str:
    user = current_user(request)
    assert user is not None
    return user.username


def public_points(outcomes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What a public page or API shows of each recorded point: no names, contact details masked,
    points that no longer cover any opinion (a later decision took them over) left out."""
    return [{
        "point_key": p["point_key"], "article": p["article"], "article_label": p["article_label"],
        "text": mask_contacts(p["point_text"]), "opinions": p["opinions"], "outcome": p["outcome"],
        "outcome_label": p["outcome_label"], "note": mask_contacts(p["note"]), "final_article": p["final_article"],
        "decided_at": p["decided_at"],
    } for p in outcomes if p["opinions"]]


def _by_article(points: list[T], label: Callable[[T], str]) -> list[tuple[str, list[T]]]:
    """Consecutive points under one article label (the points come sorted by article)."""
    sections: list[tuple[str, list[T]]] = []
    for point in points:
        if not sections or sections[-1][0] != label(point):
            sections.append((label(point), []))
        sections[-1][1].append(point)
    return sections


@get("/staff/drafts/{slug:str}/outcomes", guards=[_OFFICERS], include_in_schema=False)
async def outcomes_page(request: Request, slug: FromPath[str], page: FromQuery[int] = 1,
                        undecided: FromQuery[int | None] = None) -> Template:
    """Every point of the draft by article, with its outcome and a form to set it."""
    page = max(1, min(page, 10**6))
    draft, points, count = await service.list_points(slug, page=page, page_size=PAGE_SIZE, undecided=bool(undecided))
    pages = max(1, -(-count // PAGE_SIZE))
    if page > pages:  # past the end (e.g. the last page emptied by recording): show the last one
        page = pages
        draft, points, count = await service.list_points(slug, page=page, page_size=PAGE_SIZE,
                                                         undecided=bool(undecided))
    totals = await service.draft_totals(draft.id)
    return Template("adoption/staff.html", context={
        "draft": draft, "sections": _by_article(points, lambda p: p.article_label), "point_count": count,
        "page": page, "pages": pages, "undecided": bool(undecided), "totals": totals, "outcomes": OUTCOMES,
        "labels": OUTCOME_LABELS, "saved": request.query_params.get("saved"),
    })


def _back(slug: str, form: Any, saved: str, anchor: str = "") -> Redirect:
    page = str(form.get("page", "1"))
    query = f"?saved={quote(saved)}&page={page if page.isdigit() else 1}"
    if str(form.get("undecided", "")) == "1":
        query += "&undecided=1"
    return Redirect(f"/staff/drafts/{slug}/outcomes{query}{anchor}", status_code=303)


@post("/staff/drafts/{slug:str}/outcomes", guards=[_OFFICERS], include_in_schema=False, status_code=303)
async def record_one(request: Request, slug: FromPath[str]) -> Redirect:
    form = await request.form()
    key = str(form.get("point", ""))
    await service.record_outcome(slug, key, str(form.get("outcome", "")), note=str(form.get("note", "")),
                                 final_article=str(form.get("final_article", "")), actor=_actor(request))
    return _back(slug, form, key.strip().lower(), f"#point-{quote(key.strip().lower())}")


@post("/staff/drafts/{slug:str}/outcomes/batch", guards=[_OFFICERS], include_in_schema=False, status_code=303)
async def record_batch(request: Request, slug: FromPath[str]) -> Redirect:
    """One outcome (with note and final article) for every ticked point."""
    form = await request.form()
    keys = [str(v) for v in form.getall("point")] if "point" in form else []
    if not keys:
        raise Invalid(_("请勾选要记录采纳情况的意见"), field="point")
    outcome, note, final_article = (str(form.get(k, "")) for k in ("outcome", "note", "final_article"))
    await service.record_outcomes_batch(
        slug, [OutcomeInput(k, outcome, note, final_article) for k in keys], actor=_actor(request), source="person")
    return _back(slug, form, str(len(keys)))


@get("/drafts/{slug:str}/outcomes", include_in_schema=False)
async def public_outcomes(slug: FromPath[str]) -> Template:
    """The outcomes of a draft's points by article, with the totals; no personal data."""
    draft = await drafts.get_draft(slug, public=True)
    outcomes = await service.outcomes_for_draft(draft.id)
    points = public_points(outcomes)
    return Template("adoption/public.html", context={
        "draft": draft, "sections": _by_article(points, lambda p: p["article_label"]), "totals": await service.draft_totals(draft.id, outcomes),
        "labels": OUTCOME_LABELS, "outcomes": OUTCOMES,
    })


ROUTES = [outcomes_page, record_one, record_batch, public_outcomes]
