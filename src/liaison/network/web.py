"""Staff pages for the network: offices, volunteers and volunteer role names."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from litestar import Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect, Template

from liaison.accounts.roles import Role
from liaison.core.errors import DomainError, Forbidden
from liaison.i18n import _
from liaison.network import service
from liaison.web.auth import current_user, requires

__all__ = ["ROUTES"]

_STAFF = requires(Role.ADMIN, Role.OFFICER, Role.OFFICE_STAFF)
_MANAGERS = requires(Role.ADMIN, Role.OFFICER)
FORM = Body(media_type=RequestEncodingType.URL_ENCODED)


@dataclass
class OfficeForm:
    name: str = ""
    area: str = ""
    address: str = ""
    contact: str = ""
    phone: str = ""


@dataclass
class VolunteerForm:
    name: str = ""
    role_name: str = ""
    phone: str = ""
    username: str = ""
    password: str = ""


@dataclass
class RoleNamesForm:
    role_names: str = ""


def _office_input(form: OfficeForm) -> service.OfficeInput:
    return service.OfficeInput(name=form.name, area=form.area, address=form.address, contact=form.contact,
                               phone=form.phone)


async def _network_page(request: Request, *, error: DomainError | None = None, form: OfficeForm | None = None,
                        status_code: int = 200) -> Template:
    return Template("network/index.html", status_code=status_code, context={
        "offices": await service.list_offices(), "role_names": await service.role_names(),
        "error": error, "form": form or OfficeForm(), "saved": request.query_params.get("saved"),
    })


@get("/staff/network", guards=[_STAFF], include_in_schema=False)
async def network_page(request: Request) -> Template | Redirect:
    """Officers see every office; office staff go straight to their own."""
    user = current_user(request)
    assert user is not None
    if user.role is Role.OFFICE_STAFF:
        office = await service.office_of(user)
        if office is None:
            raise Forbidden(_("您的账号还没有分配联络室，请联系联络站"))
        return Redirect(f"/staff/offices/{office}")
    return await _network_page(request)


@post("/staff/offices", guards=[_MANAGERS], include_in_schema=False, status_code=303)
async def create_office(request: Request, data: Annotated[OfficeForm, FORM]) -> Template | Redirect:
    user = current_user(request)
    assert user is not None
    try:
        office_id = await service.create_office(_office_input(data), user)
    except DomainError as exc:
        return await _network_page(request, error=exc, form=data, status_code=exc.status_code)
    return Redirect(f"/staff/offices/{office_id}?saved=1", status_code=303)


@post("/staff/network/role-names", guards=[_MANAGERS], include_in_schema=False, status_code=303)
async def update_role_names(request: Request, data: Annotated[RoleNamesForm, FORM]) -> Template | Redirect:
    user = current_user(request)
    assert user is not None
    names = data.role_names.replace("，", ",").replace("、", ",").replace("\n", ",").split(",")
    try:
        await service.set_role_names(names, user)
    except DomainError as exc:
        return await _network_page(request, error=exc, status_code=exc.status_code)
    return Redirect("/staff/network?saved=1", status_code=303)


async def _office_page(request: Request, office_id: int, *, error: DomainError | None = None,
                       volunteer_form: VolunteerForm | None = None, status_code: int = 200) -> Template:
    user = current_user(request)
    assert user is not None
    if user.role is Role.OFFICE_STAFF and await service.office_of(user) != office_id:
        raise Forbidden(_("只能查看本联络室"))
    from liaison.opinions.activities import list_activities

    return Template("network/office.html", status_code=status_code, context={
        "office": await service.get_office(office_id),
        "volunteers": await service.list_volunteers(office_id),
        "activities": await list_activities(office=office_id),
        "role_names": await service.role_names(),
        "error": error, "vform": volunteer_form or VolunteerForm(),
        "saved": request.query_params.get("saved"),
    })


@get("/staff/offices/{office_id:int}", guards=[_STAFF], include_in_schema=False)
async def office_page(request: Request, office_id: FromPath[int]) -> Template:
    return await _office_page(request, office_id)


@post("/staff/offices/{office_id:int}", guards=[_STAFF], include_in_schema=False, status_code=303)
async def update_office(request: Request, office_id: FromPath[int], data: Annotated[OfficeForm, FORM]) -> Template | Redirect:
    user = current_user(request)
    assert user is not None
    try:
        await service.update_office(office_id, _office_input(data), user)
    except DomainError as exc:
        return await _office_page(request, office_id, error=exc, status_code=exc.status_code)
    return Redirect(f"/staff/offices/{office_id}?saved=1", status_code=303)


@post("/staff/offices/{office_id:int}/volunteers", guards=[_STAFF], include_in_schema=False, status_code=303)
async def create_volunteer(request: Request, office_id: FromPath[int],
                           data: Annotated[VolunteerForm, FORM]) -> Template | Redirect:
    user = current_user(request)
    assert user is not None
    try:
        await service.create_volunteer(name=data.name, role_name=data.role_name, office_id=office_id,
                                       phone=data.phone, actor=user, username=data.username, password=data.password)
    except DomainError as exc:
        data.password = ""
        return await _office_page(request, office_id, error=exc, volunteer_form=data, status_code=exc.status_code)
    return Redirect(f"/staff/offices/{office_id}?saved=1", status_code=303)


ROUTES = [network_page, create_office, update_role_names, office_page, update_office, create_volunteer]
