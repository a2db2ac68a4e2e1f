"""Opinion intake: accept from every channel, hand out receipts, screen, list.

Public posts are checked against the draft's window and de-duplicated per
client for ten minutes; staff entries (token or login) are deliberate and
always stored. Opinion and contributor are written in one transaction.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from liaison.accounts.roles import Role
from liaison.accounts.services import CurrentUser
from liaison.adoption.service import outcome_for_opinion
from liaison.audit import service as audit
from liaison.core.dates import as_utc
from liaison.core.errors import Conflict, Forbidden, Invalid, NotFound
from liaison.core.privacy import mask_name, mask_phone
from liaison.db import transaction
from liaison.drafts import service as drafts
from liaison.drafts.numerals import article_label
from liaison.drafts.tables import DraftArticle, DraftVersion
from liaison.drafts.window import PHASE_LABELS, Phase
from liaison.i18n import _
from liaison.network.service import office_of_user as user_office
from liaison.network.tables import Office, Volunteer
from liaison.opinions import writer
from liaison.opinions.receipts import normalize_receipt
from liaison.opinions.tables import Activity, Contributor, Opinion
from liaison.opinions.validation import (
    CHANNEL_LABELS,
    DEFAULT_OCCUPATIONS,
    SET_ASIDE_REASONS,
    STATUS_LABELS,
    Channel,
    OpinionInput,
    Status,
    clean_opinion,
    text_fingerprint,
)

__all__ = [
    "Submitted",
    "article_numbers",
    "get_receipt",
    "list_opinions",
    "occupations_for",
    "screen_opinions",
    "submit_opinion",
    "update_own_entry",
    "withdraw_contact",
]

STAFF_ROLES_ALL = (Role.ADMIN, Role.OFFICER)


@dataclass(frozen=True, slots=True)
class Submitted:
    id: int
    receipt: str
    duplicate: bool = False


@dataclass(frozen=True, slots=True)
class Attribution:
    office: int | None
    volunteer: int | None
    activity: int | None


def _now() -> datetime:
    return datetime.now(UTC)


def occupations_for(draft: drafts.DraftView) -> tuple[str, ...]:
    return tuple(draft.occupations) or DEFAULT_OCCUPATIONS


_ARTICLE_NUMBERS: dict[tuple[int, int], list[int]] = {}
_ARTICLE_LOADS: dict[tuple[int, int], asyncio.Task[list[int]]] = {}


async def _load_article_numbers(key: tuple[int, int]) -> list[int]:
    try:
        version = await DraftVersion.select(DraftVersion.id).where(
            (DraftVersion.draft == key[0]) & (DraftVersion.number == key[1])
        ).first().run()
        if version is None:
            return []
        rows = await DraftArticle.select(DraftArticle.number).where(DraftArticle.version == version["id"]).order_by(
            DraftArticle.position
        ).run()
        numbers = [row["number"] for row in rows]
        if len(_ARTICLE_NUMBERS) > 256:
            _ARTICLE_NUMBERS.clear()
        _ARTICLE_NUMBERS[key] = numbers
        return numbers
    finally:
        _ARTICLE_LOADS.pop(key, None)


async def article_numbers(draft: drafts.DraftView) -> list[int]:
    """Article numbers of the draft's current version, in document order (a version never changes).

    Concurrent first requests share one load: when a server starts under load,
    64 waiting posts had each run both queries (on SQLite a new connection and
    thread per query), which showed as 10 % of the web process in py-spy.
    """
    key = (draft.id, draft.current_version)
    cached = _ARTICLE_NUMBERS.get(key)
    if cached is not None:
        return cached
    task = _ARTICLE_LOADS.get(key)
    if task is None or task.get_loop() is not asyncio.get_running_loop():
        task = _ARTICLE_LOADS[key] = asyncio.ensure_future(_load_article_numbers(key))
    return await asyncio.shield(task)


def _window_refusal(draft: drafts.DraftView) -> Conflict:
    extra = {
        "phase": draft.phase.value,
        "comment_opens": draft.comment_opens.isoformat() if draft.comment_opens else None,
        "comment_closes": draft.comment_closes.isoformat() if draft.comment_closes else None,
    }
    if draft.phase is Phase.UPCOMING and draft.comment_opens:
        message = _("《%(title)s》当前即将开始征求意见，将于 %(opens)s 开始，不能提交意见") % {
            "title": draft.title, "opens": draft.comment_opens.isoformat()}
    elif draft.phase is Phase.CLOSED and draft.comment_closes:
        message = _("《%(title)s》当前征求意见已结束，已于 %(closes)s 截止，不能提交意见") % {
            "title": draft.title, "closes": draft.comment_closes.isoformat()}
    else:
        message = _("《%(title)s》当前%(phase)s，不能提交意见") % {
            "title": draft.title, "phase": PHASE_LABELS[draft.phase]}
    return Conflict(message, field="draft", extra=extra)


async def _attribution(draft: drafts.DraftView, data: OpinionInput, staff: CurrentUser) -> Attribution:
    """Work out and check office / volunteer / activity for a staff entry."""
    office, volunteer, activity = data.office, data.volunteer, data.activity
    if activity is not None:
        row = await Activity.select(Activity.draft, Activity.office).where(Activity.id == activity).first().run()
        if row is None:
            raise Invalid(_("征询活动 %(id)s 不存在") % {"id": activity}, field="activity")
        if row["draft"] != draft.id:
            raise Invalid(_("征询活动 %(id)s 不属于《%(title)s》") % {"id": activity, "title": draft.title},
                          field="activity")
        if office is not None and office != row["office"]:
            raise Invalid(_("征询活动与联络室不一致"), field="office")
        office = row["office"]
    if volunteer is not None:
        row = await Volunteer.select(Volunteer.office).where(Volunteer.id == volunteer).first().run()
        if row is None:
            raise Invalid(_("信息员 %(id)s 不存在") % {"id": volunteer}, field="volunteer")
        if office is not None and office != row["office"]:
            raise Invalid(_("信息员不属于该联络室"), field="volunteer")
        office = row["office"]
    if office is not None and not await Office.exists().where(Office.id == office).run():
        raise Invalid(_("联络室 %(id)s 不存在") % {"id": office}, field="office")
    if staff.role in STAFF_ROLES_ALL:
        return Attribution(office, volunteer, activity)
    own_office = await user_office(staff.id)
    if staff.role is Role.VOLUNTEER:
        own = await Volunteer.select(Volunteer.id, Volunteer.office).where(Volunteer.user == staff.id).first().run()
        if own is None:
            raise Forbidden(_("您的账号还没有登记为信息员，请联系联络站"))
        if volunteer not in (None, own["id"]):
            raise Forbidden(_("信息员只能录入自己收集的意见"), field="volunteer")
        volunteer, own_office = own["id"], own["office"]
    if own_office is None:
        raise Forbidden(_("您的账号还没有分配联络室，请联系联络站"))
    if office not in (None, own_office):
        raise Forbidden(_("只能录入本联络室的意见"), field="office")
    return Attribution(own_office, volunteer, activity)


async def submit_opinion(
    slug: str,
    raw: OpinionInput,
    *,
    client_key: str = "",
    staff: CurrentUser | None = None,
    rate_limit: int | None = None,
) -> Submitted:
    """Accept one opinion; returns its id and receipt (the earlier one for a public repeat).

    Validation happens here; the write goes through the group-commit writer and
    this returns only once the opinion is committed.
    """
    draft = await drafts.get_draft_cached(slug)
    if draft.phase is Phase.UNPUBLISHED or draft.phase is Phase.ARCHIVED:
        raise _window_refusal(draft)
    if staff is None and draft.phase is not Phase.OPEN:
        raise _window_refusal(draft)
    if staff is not None and draft.phase is Phase.UPCOMING:
        raise _window_refusal(draft)
    if staff is None and (raw.channel != Channel.ONLINE or raw.office or raw.volunteer or raw.activity):
        raise Forbidden(_("只有工作人员（使用令牌或登录）才能指定渠道、联络室、信息员或征询活动"), field="channel")
    data = clean_opinion(raw, occupations_for(draft))
    if data.article is not None:
        numbers = await article_numbers(draft)
        if data.article not in numbers:
            if numbers:
                message = _("本草案没有第 %(article)s 条（现行文本为第%(first)s–%(last)s条）；总体意见请不选条文") % {
                    "article": data.article, "first": numbers[0], "last": numbers[-1]}
            else:
                message = _("本草案没有第 %(article)s 条（现行文本为没有条文）；总体意见请不选条文") % {
                    "article": data.article}
            raise Invalid(message, field="article")
    who = Attribution(None, None, None) if staff is None else await _attribution(draft, data, staff)
    stored = await writer.submit(writer.PendingOpinion(
        draft=draft.id, version=draft.current_version, article=data.article, text=data.text,
        suggestion=data.suggestion, reason=data.reason,
        channel=data.channel if staff else Channel.ONLINE.value,
        text_hash=text_fingerprint(data.text, data.article), client_key=client_key,
        office=who.office, volunteer=who.volunteer, activity=who.activity,
        entered_by=staff.id if staff else None, contributor=data.contributor,
        rate_limit=rate_limit if staff is None else None,
        dedupe=staff is None, actor=staff.username if staff else "",
    ))
    return Submitted(stored.id, stored.receipt, duplicate=stored.duplicate)


async def get_receipt(code: str) -> dict[str, Any]:
    """What the receipt page and API show: the opinion and its status, never personal data."""
    normalized = normalize_receipt(code)
    if normalized is None:
        raise NotFound(_("回执码应为 8 位字母和数字（如 7KQ3-M9XD），请核对后重试"), field="code")
    row = (
        await Opinion.select(
            Opinion.id, Opinion.receipt, Opinion.article, Opinion.text, Opinion.suggestion, Opinion.reason,
            Opinion.channel, Opinion.status, Opinion.created_at, Opinion.draft.slug, Opinion.draft.title,
        )
        .where(Opinion.receipt == normalized)
        .first()
        .run()
    )
    if row is None:
        raise NotFound(_("没有找到这个回执码，请核对后重试"), field="code")
    has_contact = await Contributor.exists().where(Contributor.opinion == row["id"]).run()
    return {
        "receipt": row["receipt"],
        "draft": {"slug": row["draft.slug"], "title": row["draft.title"]},
        "article": row["article"],
        "article_label": article_label(row["article"]),
        "text": row["text"],
        "suggestion": row["suggestion"],
        "reason": row["reason"],
        "channel": row["channel"],
        "channel_label": CHANNEL_LABELS.get(row["channel"], row["channel"]),
        "status": row["status"],
        "status_label": STATUS_LABELS.get(row["status"], row["status"]),
        "received_at": as_utc(row["created_at"]),
        "has_contact": has_contact,
        "outcome": await outcome_for_opinion(row["id"]),
    }


async def withdraw_contact(code: str) -> bool:
    """Delete the personal details given with an opinion (the opinion text stays)."""
    normalized = normalize_receipt(code)
    if normalized is None:
        raise NotFound(_("回执码无效"), field="code")
    async with transaction():
        row = await Opinion.select(Opinion.id).where(Opinion.receipt == normalized).first().run()
        if row is None:
            raise NotFound(_("没有找到这个回执码"), field="code")
        from liaison.privacy.service import delete_contact_details

        deleted = await delete_contact_details(Contributor.opinion == row["id"])
        if deleted:
            await audit.record("opinion", row["id"], "withdraw_contact", "contributor")
    return bool(deleted)


def _visible_to(staff: CurrentUser, office: int | None) -> Any:
    """The WHERE clause limiting a staff member to the opinions they may see."""
    if staff.role in STAFF_ROLES_ALL:
        return None
    if staff.role is Role.VOLUNTEER:
        return Opinion.entered_by == staff.id
    return Opinion.office == (office if office is not None else -1)


async def list_opinions(
    slug: str,
    staff: CurrentUser,
    *,
    article: int | None = None,
    channel: str | None = None,
    office: int | None = None,
    status: str | None = None,
    page: int = 1,
    per_page: int = 50,
    full_personal: bool = False,
) -> dict[str, Any]:
    """A page of a draft's opinions for staff, newest first, personal data masked unless allowed."""
    draft = await drafts.get_draft(slug, public=False)
    if full_personal and staff.role not in STAFF_ROLES_ALL:
        raise Forbidden(_("只有联络站工作人员可以查看完整的个人信息"), field="personal")
    conditions = [Opinion.draft == draft.id]
    scope = _visible_to(staff, await user_office(staff.id) if staff.role is Role.OFFICE_STAFF else None)
    if scope is not None:
        conditions.append(scope)
    if article is not None:
        conditions.append(Opinion.article == article if article > 0 else Opinion.article.is_null())
    if channel:
        conditions.append(Opinion.channel == channel)
    if office is not None:
        conditions.append(Opinion.office == office)
    if status:
        if status not in set(Status):
            raise Invalid(_("状态 %(status)s 无效，可选：%(choices)s") % {"status": repr(status), "choices": ", ".join(Status)},
                          field="status")
        conditions.append(Opinion.status == status)
    where = conditions[0]
    for condition in conditions[1:]:
        where = where & condition
    total = await Opinion.count().where(where).run()
    rows = (
        await Opinion.select(
            Opinion.id, Opinion.receipt, Opinion.article, Opinion.text, Opinion.suggestion, Opinion.reason,
            Opinion.channel, Opinion.office, Opinion.volunteer, Opinion.activity, Opinion.status,
            Opinion.set_aside_reason, Opinion.entered_by, Opinion.created_at,
        )
        .where(where)
        .order_by(Opinion.id, ascending=False)
        .limit(per_page)
        .offset((page - 1) * per_page)
        .run()
    )
    ids = [row["id"] for row in rows]
    contributors = {}
    if ids:
        for c in await Contributor.select().where(Contributor.opinion.is_in(ids)).run():
            contributors[c["opinion"]] = c
    items = []
    for row in rows:
        c = contributors.get(row["id"])
        person = None
        if c:
            person = {
                "name": c["name"] if full_personal else mask_name(c["name"]),
                "phone": c["phone"] if full_personal else mask_phone(c["phone"]),
                "region": c["region"],
                "occupation": c["occupation"],
            }
        items.append({**row, "created_at": as_utc(row["created_at"]), "contributor": person})
    return {"total": total, "page": page, "per_page": per_page, "items": items}


async def update_own_entry(opinion_id: int, staff: CurrentUser, data: OpinionInput) -> None:
    """A volunteer (or staff member) corrects their own entry until it has been screened."""
    row = await Opinion.select().where(Opinion.id == opinion_id).first().run()
    if row is None:
        raise NotFound(_("意见 %(id)s 不存在") % {"id": opinion_id}, field="id")
    if row["entered_by"] != staff.id:
        raise Forbidden(_("只能修改自己录入的意见"))
    if row["status"] != Status.UNSCREENED:
        raise Conflict(_("这条意见已经过工作人员整理，不能再修改；如需更正请联系联络站"), field="status")
    slug = (await drafts_slug(row["draft"]))
    draft = await drafts.get_draft(slug, public=False)
    data = clean_opinion(data, occupations_for(draft))
    if data.article is not None and data.article not in await article_numbers(draft):
        raise Invalid(_("本草案没有第 %(article)s 条") % {"article": data.article}, field="article")
    before = {k: row[k] for k in ("article", "text", "suggestion", "reason")}
    after = {"article": data.article, "text": data.text, "suggestion": data.suggestion, "reason": data.reason}
    async with transaction():
        await Opinion.update(
            {Opinion.article: data.article, Opinion.text: data.text, Opinion.suggestion: data.suggestion,
             Opinion.reason: data.reason, Opinion.text_hash: text_fingerprint(data.text, data.article),
             Opinion.updated_at: _now()}
        ).where(Opinion.id == opinion_id).run()
        await audit.record("opinion", opinion_id, "edit", staff.username, before=before, after=after)


async def drafts_slug(draft_id: int) -> str:
    from liaison.drafts.tables import Draft

    row = await Draft.select(Draft.slug).where(Draft.id == draft_id).first().run()
    if row is None:
        raise NotFound(_("草案不存在"), field="draft")
    return row["slug"]


async def screen_opinions(ids: list[int], action: str, staff: CurrentUser, *, reason: str = "") -> int:
    """Keep or set aside opinions (never delete); every change goes to the audit log."""
    if staff.role not in (Role.ADMIN, Role.OFFICER, Role.OFFICE_STAFF):
        raise Forbidden(_("只有工作人员可以整理意见"))
    if action not in ("keep", "set_aside", "reset"):
        raise Invalid(_("操作应为 keep、set_aside 或 reset"), field="action")
    if action == "set_aside" and reason not in SET_ASIDE_REASONS:
        raise Invalid(_("请选择不纳入汇总的原因：%(choices)s") % {"choices": _("、").join(SET_ASIDE_REASONS.values())},
                      field="reason")
    if not ids:
        raise Invalid(_("请至少选择一条意见"), field="ids")
    new_status = {"keep": Status.KEPT, "set_aside": Status.SET_ASIDE, "reset": Status.UNSCREENED}[action].value
    new_reason = reason if action == "set_aside" else ""
    office = await user_office(staff.id) if staff.role is Role.OFFICE_STAFF else None
    changed = 0
    async with transaction():
        rows = await Opinion.select(Opinion.id, Opinion.status, Opinion.set_aside_reason, Opinion.office).where(
            Opinion.id.is_in(ids)
        ).run()
        if len(rows) != len(set(ids)):
            raise NotFound(_("有的意见不存在"), field="ids")
        for row in rows:
            if staff.role is Role.OFFICE_STAFF and row["office"] != office:
                raise Forbidden(_("只能整理本联络室的意见"), field="ids")
        for row in rows:
            if row["status"] == new_status and row["set_aside_reason"] == new_reason:
                continue
            await Opinion.update(
                {Opinion.status: new_status, Opinion.set_aside_reason: new_reason, Opinion.updated_at: _now()}
            ).where(Opinion.id == row["id"]).run()
            await audit.record("opinion", row["id"], f"screen:{action}", staff.username,
                               before={"status": row["status"], "reason": row["set_aside_reason"]},
                               after={"status": new_status, "reason": new_reason})
            changed += 1
    return changed
