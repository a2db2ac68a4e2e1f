"""JSON API for drafts: ``/api/v1/drafts`` (public reads, officer writes)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec
from litestar import Request, get, post
from litestar.params import FromPath, JSONBody, QueryParameter

from liaison.accounts.roles import DRAFT_MANAGERS, Role
from liaison.config import Settings
from liaison.core.errors import MAX_INT
from liaison.drafts import service
from liaison.drafts.service import DraftView
from liaison.web.auth import current_user, requires
from liaison.web.openapi import refusals

__all__ = ["ROUTES"]


class DraftSummary(msgspec.Struct):
    slug: str
    title: str
    issuer: str
    kind: str
    round: str
    status: str
    phase: str
    comment_opens: datetime | None
    comment_closes: datetime | None
    version: int
    article_count: int
    url: str


class ArticleOut(msgspec.Struct):
    number: int
    label: str
    chapter: str | None
    section: str | None
    paragraphs: list[str]
    items: list[str]


class DraftDetail(msgspec.Struct):
    slug: str
    title: str
    issuer: str
    kind: str
    round: str
    summary: str
    key_questions: list[str]
    status: str
    phase: str
    comment_opens: datetime | None
    comment_closes: datetime | None
    version: int
    articles: list[ArticleOut]


class DraftImport(msgspec.Struct):
    markdown: Annotated[str, msgspec.Meta(min_length=1, description="the draft file's text (Markdown with front matter)")]
    filename: str | None = None


class DraftImported(msgspec.Struct):
    slug: str
    version: int
    created_draft: bool
    created_version: bool
    article_count: int
    warnings: list[str]


class StatusOut(msgspec.Struct):
    slug: str
    status: str
    phase: str


def _summary(d: DraftView) -> DraftSummary:
    return DraftSummary(
        slug=d.slug, title=d.title, issuer=d.issuer, kind=d.kind, round=d.round, status=d.status,
        phase=d.phase.value, comment_opens=d.comment_opens, comment_closes=d.comment_closes,
        version=d.current_version, article_count=d.article_count, url=f"/drafts/{d.slug}",
    )


def _is_manager(request: Request) -> bool:
    user = current_user(request)
    return user is not None and user.role in DRAFT_MANAGERS


@get("/api/v1/drafts", tags=["drafts"], summary="List drafts (public: published ones; officers: all)", **refusals())
async def list_drafts_api(request: Request) -> list[DraftSummary]:
    return [_summary(d) for d in await service.list_drafts(public=not _is_manager(request))]


@get("/api/v1/drafts/{slug:str}", tags=["drafts"], summary="A draft's metadata and articles", **refusals(404, 422))
async def get_draft_api(
    request: Request,
    slug: FromPath[str],
    version: Annotated[int | None, QueryParameter(ge=1, le=MAX_INT, description="version number (default: current)")] = None,
) -> DraftDetail:
    draft = await service.get_draft(slug, public=not _is_manager(request))
    rows = await service.get_articles(draft, version)
    articles = [
        ArticleOut(
            number=r["number"], label=r["label"], chapter=r["chapter"], section=r["section"],
            paragraphs=[b["text"] for b in r["blocks"] if b["kind"] == "paragraph"],
            items=[b["text"] for b in r["blocks"] if b["kind"] == "item"],
        )
        for r in rows
    ]
    return DraftDetail(
        slug=draft.slug, title=draft.title, issuer=draft.issuer, kind=draft.kind, round=draft.round,
        summary=draft.summary, key_questions=draft.key_questions, status=draft.status, phase=draft.phase.value,
        comment_opens=draft.comment_opens, comment_closes=draft.comment_closes,
        version=version or draft.current_version, articles=articles,
    )


@post("/api/v1/drafts", tags=["drafts"], summary="Import a draft (idempotent)", guards=[requires(Role.ADMIN, Role.OFFICER)],
      **refusals(400, 401, 403, 413, 422))
async def import_draft_api(request: Request, data: JSONBody[DraftImport]) -> DraftImported:
    settings: Settings = request.app.state.settings
    user = current_user(request)
    result = await service.import_draft(
        data.markdown, source_name=data.filename, tz=settings.tz,
        max_bytes=settings.max_upload_bytes, actor=user.username if user else "",
    )
    return DraftImported(
        slug=result.slug, version=result.version, created_draft=result.created_draft,
        created_version=result.created_version, article_count=result.article_count, warnings=list(result.warnings),
    )


async def _status(slug: FromPath[str]) -> StatusOut:
    draft = await service.get_draft(slug, public=False)
    return StatusOut(slug=draft.slug, status=draft.status, phase=draft.phase.value)


@post("/api/v1/drafts/{slug:str}/publish", tags=["drafts"], status_code=200, guards=[requires(Role.ADMIN, Role.OFFICER)],
      **refusals(401, 403, 404, 409))
async def publish_api(request: Request, slug: FromPath[str]) -> StatusOut:
    user = current_user(request)
    await service.publish_draft(slug, user.username if user else "")
    return await _status(slug)


@post("/api/v1/drafts/{slug:str}/close", tags=["drafts"], status_code=200, guards=[requires(Role.ADMIN, Role.OFFICER)],
      **refusals(401, 403, 404, 409))
async def close_api(request: Request, slug: FromPath[str]) -> StatusOut:
    user = current_user(request)
    await service.close_draft(slug, user.username if user else "")
    return await _status(slug)


ROUTES = [list_drafts_api, get_draft_api, import_draft_api, publish_api, close_api]
