"""Consultation activities (征询活动): symposia, visit rounds, questionnaires, hotlines, letters.

Minutes files are stored under the data dir with a random name; the original
name is kept only for display and download.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from liaison.accounts.roles import Role
from liaison.accounts.services import CurrentUser
from liaison.audit import service as audit
from liaison.core.errors import Forbidden, Invalid, NotFound, TooLarge
from liaison.db import transaction
from liaison.i18n import N_, Labels, _
from liaison.drafts import service as drafts
from liaison.network.service import office_of_user
from liaison.network.tables import Office
from liaison.opinions.tables import Activity, Opinion

__all__ = ["ACTIVITY_KINDS", "ActivityInput", "create_activity", "get_activity", "list_activities", "minutes_file"]

ACTIVITY_KINDS: Labels[str] = Labels({
    "symposium": N_("座谈会"),
    "visit": N_("走访"),
    "questionnaire": N_("问卷调查"),
    "hotline": N_("电话热线"),
    "letter": N_("来信"),
})
#: The opinion channel an activity's entries get by default.
KIND_CHANNEL = {"symposium": "symposium", "visit": "visit", "questionnaire": "questionnaire",
                "hotline": "hotline", "letter": "letter"}
MINUTES_SUFFIXES = {".pdf", ".doc", ".docx", ".txt", ".jpg", ".jpeg", ".png", ".wps", ".odt"}
MAX_MINUTES_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class ActivityInput:
    draft_slug: str
    office: int | None
    kind: str
    held_on: str
    title: str = ""
    place: str = ""
    attendees: str = "0"
    notes: str = ""


def _safe_display_name(name: str) -> str:
    """Keep a file name for display only: no path parts, no control characters."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(ch for ch in base if ch.isprintable())[:200] or "minutes"


async def create_activity(
    data: ActivityInput, actor: CurrentUser, *, data_dir: Path,
    minutes: tuple[str, bytes] | None = None,
) -> int:
    """Record an activity; office staff and volunteers only for their own office."""
    draft = await drafts.get_draft(data.draft_slug, public=False)
    office = data.office
    if actor.role not in (Role.ADMIN, Role.OFFICER):
        own = await office_of_user(actor.id)
        if own is None:
            raise Forbidden(_("您的账号还没有分配联络室，请联系联络站"))
        if office not in (None, own):
            raise Forbidden(_("只能登记本联络室的活动"), field="office")
        office = own
    if office is None:
        raise Invalid(_("请选择举办活动的联络室"), field="office")
    if not await Office.exists().where(Office.id == office).run():
        raise Invalid(_("联络室 %(id)s 不存在") % {"id": office}, field="office")
    if data.kind not in ACTIVITY_KINDS:
        raise Invalid(_("活动类型请从以下选择：%(choices)s") % {"choices": _("、").join(ACTIVITY_KINDS.values())},
                      field="kind")
    try:
        held_on = date.fromisoformat(data.held_on.strip())
    except ValueError:
        raise Invalid(_("活动日期格式应为 2026-12-31"), field="held_on") from None
    attendees_text = (data.attendees or "0").strip()
    if not attendees_text.isdigit() or int(attendees_text) > 1_000_000:
        raise Invalid(_("参加人数应为 0 或正整数"), field="attendees")
    stored_name, stored_path = "", ""
    if minutes is not None and minutes[0]:
        name, content = minutes
        suffix = Path(name).suffix.lower()
        if suffix not in MINUTES_SUFFIXES:
            raise Invalid(_("纪要文件类型不支持（%(suffix)s）；可上传 %(choices)s")
                          % {"suffix": suffix or _("无扩展名"), "choices": _("、").join(sorted(MINUTES_SUFFIXES))},
                          field="minutes")
        if len(content) > MAX_MINUTES_BYTES:
            raise TooLarge(_("纪要文件不能超过 %(size)s MiB") % {"size": MAX_MINUTES_BYTES // 1024 // 1024},
                           field="minutes")
        folder = data_dir / "minutes"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{secrets.token_hex(16)}{suffix}"
        path.write_bytes(content)
        stored_name, stored_path = _safe_display_name(name), str(path)
    values = {
        "draft": draft.id, "office": office, "kind": data.kind, "title": data.title.strip()[:200],
        "held_on": held_on, "place": data.place.strip()[:200], "attendees": int(attendees_text),
        "notes": data.notes.strip()[:5000], "minutes_name": stored_name, "minutes_path": stored_path,
        "created_by": actor.id,
    }
    async with transaction():
        rows = await Activity.insert(Activity(**values)).run()
        await audit.record("activity", rows[0]["id"], "create", actor.username,
                           after={k: v for k, v in values.items() if k != "minutes_path"})
    return rows[0]["id"]


async def list_activities(*, office: int | None = None, draft_id: int | None = None) -> list[dict[str, Any]]:
    query = Activity.select(
        Activity.id, Activity.kind, Activity.title, Activity.held_on, Activity.place, Activity.attendees,
        Activity.notes, Activity.minutes_name, Activity.office, Activity.office.name, Activity.draft,
        Activity.draft.slug, Activity.draft.title,
    ).order_by(Activity.held_on, ascending=False)
    conditions = []
    if office is not None:
        conditions.append(Activity.office == office)
    if draft_id is not None:
        conditions.append(Activity.draft == draft_id)
    for condition in conditions:
        query = query.where(condition)
    rows = await query.run()
    counts: dict[int, int] = {}
    if rows:
        for row in await Opinion.select(Opinion.activity).where(Opinion.activity.is_in([r["id"] for r in rows])).run():
            counts[row["activity"]] = counts.get(row["activity"], 0) + 1
    return [{**r, "kind_label": ACTIVITY_KINDS.get(r["kind"], r["kind"]), "opinions": counts.get(r["id"], 0)}
            for r in rows]


async def get_activity(activity_id: int) -> dict[str, Any]:
    row = await Activity.select(
        *Activity.all_columns(), Activity.office.name, Activity.draft.slug, Activity.draft.title
    ).where(Activity.id == activity_id).first().run()
    if row is None:
        raise NotFound(_("征询活动 %(id)s 不存在") % {"id": activity_id}, field="activity")
    return {**row, "kind_label": ACTIVITY_KINDS.get(row["kind"], row["kind"])}


async def minutes_file(activity_id: int, actor: CurrentUser) -> tuple[Path, str]:
    """The stored minutes of an activity, for staff of that office or the station."""
    row = await get_activity(activity_id)
    if actor.role not in (Role.ADMIN, Role.OFFICER) and await office_of_user(actor.id) != row["office"]:
        raise Forbidden(_("只能查看本联络室的活动纪要"))
    if not row["minutes_path"]:
        raise NotFound(_("这次活动没有上传纪要"), field="minutes")
    path = Path(row["minutes_path"])
    if not path.is_file():
        raise NotFound(_("纪要文件已不存在"), field="minutes")
    return path, row["minutes_name"]
