"""Drafts: import (idempotent, versioned), life cycle, and reads for pages and the API."""

from __future__ import annotations

import asyncio
import hashlib
import time
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from liaison.core.dates import as_utc, day_end, day_start
from liaison.core.errors import Conflict, Invalid, NotFound, TooLarge
from liaison.core.jsonable import to_jsonable
from liaison.db import transaction
from liaison.drafts.parser import DraftFormatError, ParsedDraft, parse_draft
from liaison.drafts.render import render_article_html
from liaison.drafts.tables import Draft, DraftArticle, DraftVersion
from liaison.drafts.window import Phase, Status, phase_of
from liaison.i18n import _

__all__ = [
    "DraftView",
    "ImportResult",
    "archive_draft",
    "close_draft",
    "get_articles",
    "get_draft",
    "import_draft",
    "list_drafts",
    "publish_draft",
    "unpublish_draft",
    "update_draft",
]

_CHUNK = 500
_PUBLIC_STATUSES = (Status.PUBLISHED.value, Status.ARCHIVED.value)


@dataclass(frozen=True, slots=True)
class DraftView:
    """A draft as the pages and API show it."""

    id: int
    slug: str
    title: str
    issuer: str
    kind: str
    round: str
    summary: str
    key_questions: list[str]
    status: str
    phase: Phase
    comment_opens: datetime | None
    comment_closes: datetime | None
    current_version: int
    article_count: int
    chapters: list[dict[str, Any]] = field(default_factory=list)
    updated_at: datetime | None = None
    occupations: list[str] = field(default_factory=list)

    @property
    def is_open(self) -> bool:
        return self.phase is Phase.OPEN

    def days_left(self, now: datetime) -> int | None:
        if self.comment_closes is None or self.phase is not Phase.OPEN:
            return None
        return max(0, (self.comment_closes - now).days)


@dataclass(frozen=True, slots=True)
class ImportResult:
    slug: str
    version: int
    created_draft: bool
    created_version: bool
    article_count: int
    warnings: tuple[str, ...] = ()


def _now() -> datetime:
    return datetime.now(UTC)


def _window(meta: dict[str, Any], tz: ZoneInfo) -> tuple[datetime | None, datetime | None]:
    opens, closes = meta.get("comment_opens"), meta.get("comment_closes")
    return (
        day_start(opens, tz) if isinstance(opens, date) else None,
        day_end(closes, tz) if isinstance(closes, date) else None,
    )


def _text_of(source: str | bytes) -> str:
    return source.decode("utf-8-sig", errors="replace") if isinstance(source, bytes) else source


def parse_upload(source: str | bytes, *, source_name: str | None, max_bytes: int) -> ParsedDraft:
    """Parse an uploaded or pasted draft, turning format errors into 4xx errors."""
    size = len(source if isinstance(source, bytes) else source.encode("utf-8"))
    if size > max_bytes:
        raise TooLarge(
            _("文件过大（%(size)s KiB），上限为 %(limit)s KiB；请拆分或压缩图片等非文本内容")
            % {"size": size // 1024, "limit": max_bytes // 1024},
            field="file",
        )
    try:
        return parse_draft(source, source_name=source_name)
    except DraftFormatError as exc:
        extra = {"line": exc.line} if exc.line else {}
        raise Invalid(str(exc), field=exc.field or "file", extra=extra) from None


async def import_draft(
    source: str | bytes,
    *,
    source_name: str | None,
    tz: ZoneInfo,
    max_bytes: int,
    actor: str = "",
) -> ImportResult:
    """Store a draft file: a new draft, a new version of one, or nothing if unchanged.

    The same text imported twice creates nothing new, so re-running an import
    is always safe. Everything is written in one transaction.
    """
    parsed = parse_upload(source, source_name=source_name, max_bytes=max_bytes)
    text = _text_of(source)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    meta = parsed.meta
    opens, closes = _window(meta, tz)
    key_questions = [str(q) for q in meta.get("key_questions") or []]
    fields = {
        Draft.title: parsed.title,
        Draft.issuer: str(meta.get("issuer") or ""),
        Draft.kind: str(meta.get("kind") or ""),
        Draft.round: str(meta.get("round") or ""),
        Draft.summary: str(meta.get("summary") or ""),
        Draft.key_questions: key_questions,
        Draft.comment_opens: opens,
        Draft.comment_closes: closes,
    }
    _DRAFT_CACHE.pop(parsed.slug, None)
    async with transaction():
        draft = await Draft.select(Draft.id).where(Draft.slug == parsed.slug).first().run()
        created_draft = draft is None
        if created_draft:
            rows = await Draft.insert(Draft(slug=parsed.slug, **{c._meta.name: v for c, v in fields.items()})).run()
            draft_id, number = rows[0]["id"], 1
        else:
            draft_id = draft["id"]
            same = (
                await DraftVersion.select(DraftVersion.number)
                .where((DraftVersion.draft == draft_id) & (DraftVersion.source_sha256 == digest))
                .first()
                .run()
            )
            if same is not None:
                return ImportResult(parsed.slug, same["number"], False, False, len(parsed.articles), parsed.warnings)
            latest = await DraftVersion.select(DraftVersion.number).where(DraftVersion.draft == draft_id).order_by(
                DraftVersion.number, ascending=False
            ).first().run()
            number = (latest["number"] if latest else 0) + 1
            await Draft.update({**fields, Draft.current_version: number, Draft.updated_at: _now()}).where(
                Draft.id == draft_id
            ).run()
        version_rows = await DraftVersion.insert(
            DraftVersion(
                draft=draft_id,
                number=number,
                round=str(meta.get("round") or ""),
                source_name=(source_name or "")[:255],
                source_sha256=digest,
                source_text=text,
                meta=to_jsonable(meta),
                chapters=[{"heading": c.heading, "sections": list(c.sections)} for c in parsed.chapters],
                article_count=len(parsed.articles),
                created_by=actor,
            )
        ).run()
        version_id = version_rows[0]["id"]
        articles = [
            DraftArticle(
                version=version_id,
                position=i,
                number=a.number,
                label=a.label,
                chapter=a.chapter,
                section=a.section,
                blocks=[{"kind": b.kind, "text": b.text} for b in a.blocks],
                text=a.text,
                html=render_article_html(a),
            )
            for i, a in enumerate(parsed.articles)
        ]
        for start in range(0, len(articles), _CHUNK):
            await DraftArticle.insert(*articles[start : start + _CHUNK]).run()
        from liaison.audit import service as audit

        await audit.record("draft", parsed.slug, "import", actor,
                           after={"version": number, "articles": len(parsed.articles), "sha256": digest,
                                  "source": source_name or ""})
    return ImportResult(parsed.slug, number, created_draft, True, len(parsed.articles), parsed.warnings)


def _view(row: dict[str, Any], version: dict[str, Any] | None, now: datetime) -> DraftView:
    opens, closes, updated = (as_utc(row[k]) if row[k] is not None else None
                              for k in ("comment_opens", "comment_closes", "updated_at"))
    return DraftView(
        id=row["id"],
        slug=row["slug"],
        title=row["title"],
        issuer=row["issuer"],
        kind=row["kind"],
        round=row["round"],
        summary=row["summary"],
        key_questions=list(row["key_questions"] or []),
        status=row["status"],
        phase=phase_of(row["status"], opens, closes, now),
        comment_opens=opens,
        comment_closes=closes,
        current_version=row["current_version"],
        article_count=version["article_count"] if version else 0,
        chapters=list(version["chapters"]) if version else [],
        updated_at=updated,
        occupations=list(row.get("occupations") or []),
    )


async def _version_row(draft_id: int, number: int) -> dict[str, Any] | None:
    return (
        await DraftVersion.select(
            DraftVersion.id, DraftVersion.number, DraftVersion.article_count, DraftVersion.chapters, DraftVersion.round
        )
        .where((DraftVersion.draft == draft_id) & (DraftVersion.number == number))
        .output(load_json=True)
        .first()
        .run()
    )


async def list_drafts(*, public: bool, now: datetime | None = None) -> list[DraftView]:
    """Drafts newest first; the public see only published (and archived) ones."""
    now = now or _now()
    query = Draft.select().order_by(Draft.updated_at, ascending=False).output(load_json=True)
    if public:
        query = query.where(Draft.status.is_in(list(_PUBLIC_STATUSES)))
    rows = await query.run()
    counts = {
        (r["draft"], r["number"]): r
        for r in await DraftVersion.select(
            DraftVersion.draft, DraftVersion.number, DraftVersion.article_count, DraftVersion.chapters
        ).output(load_json=True).run()
    }
    return [_view(row, counts.get((row["id"], row["current_version"])), now) for row in rows]


_DRAFT_CACHE: dict[str, tuple[float, DraftView]] = {}
_DRAFT_LOADS: dict[str, asyncio.Task[DraftView]] = {}
DRAFT_CACHE_SECONDS = 1.0


async def _load_cached(slug: str) -> DraftView:
    try:
        view = await get_draft(slug, public=False)
        _DRAFT_CACHE[slug] = (time.monotonic(), view)
        return view
    finally:
        _DRAFT_LOADS.pop(slug, None)


async def get_draft_cached(slug: str) -> DraftView:
    """``get_draft(public=False)`` remembered for about a second.

    The intake hot path reads a draft per opinion and a draft changes rarely.
    Concurrent misses share one load (no stampede when the entry expires), and
    changes made through this module clear the entry at once. The phase is
    recomputed from the clock on every call, so a window still closes on time.
    """
    hit = _DRAFT_CACHE.get(slug)
    if hit is None or time.monotonic() - hit[0] >= DRAFT_CACHE_SECONDS:
        task = _DRAFT_LOADS.get(slug)
        if task is None:
            task = _DRAFT_LOADS[slug] = asyncio.ensure_future(_load_cached(slug))
        view = await asyncio.shield(task)
    else:
        view = hit[1]
    phase = phase_of(view.status, view.comment_opens, view.comment_closes, _now())
    return view if phase is view.phase else replace(view, phase=phase)


async def get_draft(slug: str, *, public: bool, now: datetime | None = None) -> DraftView:
    """One draft by slug; unpublished drafts are invisible to the public (404, not 403)."""
    row = await Draft.select().where(Draft.slug == slug).output(load_json=True).first().run()
    if row is None or (public and row["status"] not in _PUBLIC_STATUSES):
        raise NotFound(_("没有找到草案 %(slug)s") % {"slug": slug}, field="slug")
    version = await _version_row(row["id"], row["current_version"])
    return _view(row, version, now or _now())


async def get_articles(draft: DraftView, version: int | None = None) -> list[dict[str, Any]]:
    """The articles of a version (default: the current one), in document order."""
    number = version or draft.current_version
    row = await _version_row(draft.id, number)
    if row is None:
        raise NotFound(_("草案 %(slug)s 没有第 %(number)s 版") % {"slug": draft.slug, "number": number}, field="version")
    return (
        await DraftArticle.select(
            DraftArticle.number,
            DraftArticle.label,
            DraftArticle.chapter,
            DraftArticle.section,
            DraftArticle.blocks,
            DraftArticle.html,
        )
        .where(DraftArticle.version == row["id"])
        .order_by(DraftArticle.position)
        .output(load_json=True)
        .run()
    )


async def list_versions(draft: DraftView) -> list[dict[str, Any]]:
    return (
        await DraftVersion.select(
            DraftVersion.number,
            DraftVersion.round,
            DraftVersion.source_name,
            DraftVersion.article_count,
            DraftVersion.created_at,
            DraftVersion.created_by,
        )
        .where(DraftVersion.draft == draft.id)
        .order_by(DraftVersion.number, ascending=False)
        .run()
    )


async def _set(slug: str, values: dict[Any, Any], *, action: str = "update", actor: str = "") -> None:
    """Change a draft and record the change (before/after) in the audit log, in one transaction."""
    from liaison.audit import service as audit

    _DRAFT_CACHE.pop(slug, None)
    columns = [c for c in values]
    async with transaction():
        before = await Draft.select(Draft.id, *columns).where(Draft.slug == slug).output(load_json=True).first().run()
        if before is None:
            raise NotFound(_("没有找到草案 %(slug)s") % {"slug": slug}, field="slug")
        await Draft.update({**values, Draft.updated_at: _now()}).where(Draft.slug == slug).run()
        await audit.record("draft", slug, action, actor,
                           before={c._meta.name: before[c._meta.name] for c in columns},
                           after={c._meta.name: v for c, v in values.items()})


async def publish_draft(slug: str, actor: str = "") -> None:
    """Make a draft public; its window then opens and closes by the clock."""
    draft = await get_draft(slug, public=False)
    if draft.status == Status.ARCHIVED:
        raise Conflict(_("已归档的草案不能重新发布"), field="status")
    await _set(slug, {Draft.status: Status.PUBLISHED.value, Draft.published_at: _now()}, action="publish", actor=actor)


async def unpublish_draft(slug: str, actor: str = "") -> None:
    await get_draft(slug, public=False)
    await _set(slug, {Draft.status: Status.UNPUBLISHED.value}, action="unpublish", actor=actor)


async def close_draft(slug: str, actor: str = "") -> None:
    """End the comment window now (the draft stays public)."""
    draft = await get_draft(slug, public=False)
    if draft.phase is not Phase.OPEN:
        raise Conflict(_("只有正在征求意见的草案才能结束征求意见"), field="status")
    await _set(slug, {Draft.comment_closes: _now()}, action="close", actor=actor)


async def archive_draft(slug: str, actor: str = "") -> None:
    await get_draft(slug, public=False)
    await _set(slug, {Draft.status: Status.ARCHIVED.value}, action="archive", actor=actor)


async def update_draft(
    slug: str,
    *,
    title: str,
    summary: str,
    issuer: str,
    key_questions: list[str],
    comment_opens: datetime | None,
    comment_closes: datetime | None,
    occupations: list[str] | None = None,
    actor: str = "",
) -> None:
    """Edit what an officer may change without re-importing the text."""
    title = title.strip()
    if not title:
        raise Invalid(_("标题不能为空"), field="title")
    if len(title) > 300:
        raise Invalid(_("标题不能超过 300 个字符"), field="title")
    if comment_opens and comment_closes and comment_closes <= comment_opens:
        raise Invalid(_("截止时间必须晚于开始时间"), field="comment_closes")
    questions = [q.strip() for q in key_questions if q.strip()]
    await _set(
        slug,
        {
            Draft.title: title,
            Draft.summary: summary.strip(),
            Draft.issuer: issuer.strip(),
            Draft.key_questions: questions,
            Draft.comment_opens: comment_opens,
            Draft.comment_closes: comment_closes,
            **({Draft.occupations: [o.strip() for o in occupations if o.strip()]} if occupations is not None else {}),
        },
        action="edit",
        actor=actor,
    )
