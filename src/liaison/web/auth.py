"""Who is calling: session cookie for pages, bearer token for the JSON API.

The middleware only identifies; guards decide. Pages never accept bearer
tokens and the API never accepts cookies, so the API needs no CSRF token and
a stolen cookie cannot drive it.
"""

from __future__ import annotations

from collections.abc import Callable

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.types import ASGIApp, Receive, Scope, Send

from liaison.accounts.roles import Role
from liaison.accounts.services import CurrentUser, resolve_session, resolve_token
from liaison.config import Settings
from liaison.i18n import _

__all__ = ["SESSION_COOKIE", "auth_middleware", "current_user", "requires"]

SESSION_COOKIE = "liaison_session"


def is_api_path(path: str) -> bool:
    return path.startswith("/api/")


def _authorization(scope: Scope) -> str:
    """The first Authorization header, read from the raw ASGI headers.

    Building litestar's ``Headers`` for it cost ~6 % of a public opinion post
    (py-spy), which carries no credentials at all.
    """
    for name, value in scope["headers"]:
        if name.lower() == b"authorization":
            return value.decode("latin-1")
    return ""


async def _identify(scope: Scope) -> CurrentUser | None:
    if is_api_path(scope["path"]):
        scheme, _space, token = _authorization(scope).partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            return await resolve_token(token.strip())
        return None
    connection: ASGIConnection = ASGIConnection(scope)
    cookie = connection.cookies.get(SESSION_COOKIE)
    if cookie:
        settings: Settings = scope["app"].state.settings
        return await resolve_session(cookie, settings.session_hours)
    return None


def auth_middleware(app: ASGIApp) -> ASGIApp:
    """Put the caller (or None) in ``scope["user"]`` for every HTTP request."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope["user"] = await _identify(scope)
            scope["auth"] = None
        await app(scope, receive, send)

    return middleware


def current_user(connection: ASGIConnection) -> CurrentUser | None:
    return connection.scope.get("user")


def requires(*roles: Role) -> Callable[[ASGIConnection, BaseRouteHandler], None]:
    """A guard admitting logged-in users with one of ``roles`` (all staff if none given)."""
    allowed = frozenset(roles) or frozenset(Role)

    def guard(connection: ASGIConnection, _handler: BaseRouteHandler) -> None:
        user = current_user(connection)
        if user is None:
            raise NotAuthorizedException(_("请先登录") if not is_api_path(connection.url.path) else _("需要 API 令牌：Authorization: Bearer <token>"))
        if user.role not in allowed:
            raise PermissionDeniedException(_("您的账号没有执行此操作的权限"))

    guard.roles = allowed  # type: ignore[attr-defined]  # read by the access-control matrix test
    return guard
