"""Login and logout pages (session cookie)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from litestar import Request, get, post
from litestar.datastructures import Cookie
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromQuery
from litestar.response import Redirect, Template

from liaison.accounts import services
from liaison.config import Settings
from liaison.core.ratelimit import RateLimit, hit, peek
from liaison.i18n import _
from liaison.web.auth import SESSION_COOKIE, current_user
from liaison.web.paths import local_path

__all__ = ["ROUTES"]


def _safe_next(target: str | None) -> str:
    return local_path(target, "/staff")


@dataclass
class LoginForm:
    username: str = ""
    password: str = ""
    next: str = ""


@get("/login", include_in_schema=False)
async def login_form(request: Request, next: FromQuery[str | None] = None) -> Template | Redirect:
    if current_user(request) is not None:
        return Redirect(_safe_next(next))
    return Template("accounts/login.html", context={"next": _safe_next(next), "error": None, "username": ""})


@post("/login", include_in_schema=False, status_code=303)
async def login_submit(
    request: Request, data: Annotated[LoginForm, Body(media_type=RequestEncodingType.URL_ENCODED)]
) -> Template | Redirect:
    settings: Settings = request.app.state.settings
    rule = RateLimit(settings.login_attempts_per_15min, 900)
    host = request.client.host if request.client else "unknown"
    keys = [("login-user", data.username.strip().lower()[:64]), ("login-client", host)]
    for scope, key in keys:
        state = await peek(scope, key, rule)
        if not state.allowed:
            minutes = max(1, state.retry_after // 60)
            return Template(
                "accounts/login.html",
                context={"next": _safe_next(data.next), "username": data.username,
                         "error": _("登录失败次数过多，请约 %(minutes)s 分钟后再试") % {"minutes": minutes}},
                status_code=429, headers={"Retry-After": str(state.retry_after)},
            )
    user = await services.authenticate(data.username, data.password)
    if user is None:
        for scope, key in keys:
            await hit(scope, key, rule)
        return Template(
            "accounts/login.html",
            context={"next": _safe_next(data.next), "error": _("用户名或密码不正确"), "username": data.username},
            status_code=401,
        )
    token = await services.start_session(user.id, settings.session_hours)
    return Redirect(
        _safe_next(data.next),
        status_code=303,
        cookies=[
            Cookie(
                key=SESSION_COOKIE,
                value=token,
                httponly=True,
                samesite="lax",
                secure=settings.secure_cookies,
                max_age=settings.session_hours * 3600,
                path="/",
            )
        ],
    )


@post("/logout", include_in_schema=False, status_code=303)
async def logout(request: Request) -> Redirect:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        await services.end_session(token)
    response = Redirect("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


ROUTES = [login_form, login_submit, logout]
