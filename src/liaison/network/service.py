"""The network: offices, volunteers, their logins, and the station's volunteer role names.

Officers and admins manage everything; office staff manage their own office.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from liaison.accounts.roles import Role
from liaison.accounts.services import CurrentUser, create_user
from liaison.accounts.tables import User
from liaison.audit import service as audit
from liaison.core.errors import Conflict, Forbidden, Invalid, NotFound
from liaison.db import transaction
from liaison.i18n import _
from liaison.network.tables import Office, StaffOffice, StationSetting, Volunteer
from liaison.opinions.validation import normalize_phone

__all__ = [
    "DEFAULT_ROLE_NAMES",
    "OfficeInput",
    "assign_office",
    "create_office",
    "create_volunteer",
    "get_office",
    "list_offices",
    "list_volunteers",
    "office_of",
    "role_names",
    "set_role_names",
    "update_office",
]

DEFAULT_ROLE_NAMES = ["信息员", "联络员", "宣传员"]
ROLE_NAMES_KEY = "volunteer_role_names"
MANAGERS = (Role.ADMIN, Role.OFFICER)


@dataclass(frozen=True, slots=True)
class OfficeInput:
    name: str
    area: str = ""
    address: str = ""
    contact: str = ""
    phone: str = ""


async def role_names() -> list[str]:
    """The station's names for its volunteers (信息员、联络员、宣传员 unless changed)."""
    row = await StationSetting.select(StationSetting.value).where(StationSetting.key == ROLE_NAMES_KEY).output(
        load_json=True
    ).first().run()
    names = row["value"] if row else None
    return list(names) if isinstance(names, list) and names else list(DEFAULT_ROLE_NAMES)


async def set_role_names(names: list[str], actor: CurrentUser) -> list[str]:
    if actor.role not in MANAGERS:
        raise Forbidden(_("只有联络站工作人员可以修改人员类别名称"))
    cleaned = []
    for name in names:
        name = name.strip()
        if name and name not in cleaned:
            if len(name) > 20:
                raise Invalid(_("类别名称“%(name)s…”太长（最多 20 个字）") % {"name": name[:20]}, field="role_names")
            cleaned.append(name)
    if not cleaned:
        raise Invalid(_("至少需要一个人员类别名称，例如：信息员"), field="role_names")
    before = await role_names()
    async with transaction():
        if await StationSetting.exists().where(StationSetting.key == ROLE_NAMES_KEY).run():
            await StationSetting.update({StationSetting.value: cleaned}).where(StationSetting.key == ROLE_NAMES_KEY).run()
        else:
            await StationSetting.insert(StationSetting(key=ROLE_NAMES_KEY, value=cleaned)).run()
        await audit.record("station", ROLE_NAMES_KEY, "update", actor.username, before={"names": before},
                           after={"names": cleaned})
    return cleaned


def _clean_office(data: OfficeInput) -> dict[str, str]:
    name = data.name.strip()
    if not name:
        raise Invalid(_("请填写联络室名称"), field="name")
    if len(name) > 100:
        raise Invalid(_("联络室名称最多 100 个字"), field="name")
    phone = normalize_phone(data.phone.strip()) if data.phone.strip() else ""
    return {"name": name, "area": data.area.strip()[:100], "address": data.address.strip()[:200],
            "contact": data.contact.strip()[:50], "phone": phone[:30]}


async def office_of_user(user_id: int) -> int | None:
    """The office an office_staff or volunteer account belongs to."""
    row = await StaffOffice.select(StaffOffice.office).where(StaffOffice.user == user_id).first().run()
    if row:
        return row["office"]
    vol = await Volunteer.select(Volunteer.office).where(Volunteer.user == user_id).first().run()
    return vol["office"] if vol else None


async def office_of(user: CurrentUser) -> int | None:
    return await office_of_user(user.id)


async def _may_manage(actor: CurrentUser, office_id: int) -> None:
    if actor.role in MANAGERS:
        return
    if actor.role is Role.OFFICE_STAFF and await office_of(actor) == office_id:
        return
    raise Forbidden(_("只能管理本联络室"))


async def list_offices() -> list[dict[str, Any]]:
    offices = await Office.select().order_by(Office.name).run()
    counts: dict[int, int] = {}
    for row in await Volunteer.select(Volunteer.office).where(Volunteer.is_active == True).run():  # noqa: E712
        counts[row["office"]] = counts.get(row["office"], 0) + 1
    return [{**o, "volunteers": counts.get(o["id"], 0)} for o in offices]


async def get_office(office_id: int) -> dict[str, Any]:
    row = await Office.select().where(Office.id == office_id).first().run()
    if row is None:
        raise NotFound(_("联络室 %(id)s 不存在") % {"id": office_id}, field="office")
    return row


async def create_office(data: OfficeInput, actor: CurrentUser) -> int:
    if actor.role not in MANAGERS:
        raise Forbidden(_("只有联络站工作人员可以新增联络室"))
    values = _clean_office(data)
    async with transaction():
        if await Office.exists().where(Office.name == values["name"]).run():
            raise Conflict(_("已有名为“%(name)s”的联络室") % {"name": values["name"]}, field="name")
        rows = await Office.insert(Office(**values)).run()
        await audit.record("office", rows[0]["id"], "create", actor.username, after=values)
    return rows[0]["id"]


async def update_office(office_id: int, data: OfficeInput, actor: CurrentUser) -> None:
    await _may_manage(actor, office_id)
    before = await get_office(office_id)
    values = _clean_office(data)
    async with transaction():
        clash = await Office.select(Office.id).where((Office.name == values["name"]) & (Office.id != office_id)).first().run()
        if clash:
            raise Conflict(_("已有名为“%(name)s”的联络室") % {"name": values["name"]}, field="name")
        await Office.update({getattr(Office, k): v for k, v in values.items()}).where(Office.id == office_id).run()
        await audit.record("office", office_id, "update", actor.username,
                           before={k: before[k] for k in values}, after=values)


async def list_volunteers(office_id: int | None = None) -> list[dict[str, Any]]:
    query = Volunteer.select(
        Volunteer.id, Volunteer.name, Volunteer.role_name, Volunteer.office, Volunteer.office.name,
        Volunteer.phone, Volunteer.user.username, Volunteer.is_active,
    ).order_by(Volunteer.name)
    if office_id is not None:
        query = query.where(Volunteer.office == office_id)
    return await query.run()


async def create_volunteer(
    *, name: str, role_name: str, office_id: int, phone: str, actor: CurrentUser,
    username: str = "", password: str = "",
) -> int:
    """Add a volunteer; with a username and password they also get a login (role volunteer)."""
    await _may_manage(actor, office_id)
    await get_office(office_id)
    name = name.strip()
    if not name or len(name) > 50:
        raise Invalid(_("请填写姓名（最多 50 个字）"), field="name")
    names = await role_names()
    if role_name not in names:
        raise Invalid(_("人员类别请从以下选择：%(names)s") % {"names": "、".join(names)}, field="role_name")
    phone = normalize_phone(phone.strip()) if phone.strip() else ""
    user_id = None
    if username.strip():
        user_id = await create_user(username, password, Role.VOLUNTEER, display_name=name)
    async with transaction():
        rows = await Volunteer.insert(
            Volunteer(name=name, role_name=role_name, office=office_id, phone=phone[:30], user=user_id)
        ).run()
        await audit.record("volunteer", rows[0]["id"], "create", actor.username,
                           after={"name": name, "role_name": role_name, "office": office_id,
                                  "login": username.strip() or None})
    return rows[0]["id"]


async def assign_office(username: str, office_id: int, actor: str) -> None:
    """Attach an office_staff account to its office (one office per account)."""
    user = await User.select(User.id, User.role).where(User.username == username).first().run()
    if user is None:
        raise NotFound(_("没有用户 %(username)s") % {"username": username}, field="username")
    await get_office(office_id)
    async with transaction():
        await StaffOffice.delete().where(StaffOffice.user == user["id"]).run()
        await StaffOffice.insert(StaffOffice(user=user["id"], office=office_id)).run()
        await audit.record("user", user["id"], "assign_office", actor, after={"office": office_id})


async def find_office(name_or_id: str) -> int:
    """An office by exact name or numeric id (for the CLI and imports)."""
    value = name_or_id.strip()
    if value.isdigit():
        row = await Office.select(Office.id).where(Office.id == int(value)).first().run()
    else:
        row = await Office.select(Office.id).where(Office.name == value).first().run()
    if row is None:
        raise NotFound(_("没有联络室“%(name)s”") % {"name": value}, field="office")
    return row["id"]
