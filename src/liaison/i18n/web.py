"""Which language a request is answered in, and the switcher that changes it.

A visitor's choice lives in a cookie (no account needed: most visitors are
citizens); without one the station's ``LIAISON_LOCALE`` applies. The browser's
Accept-Language is deliberately not consulted: a station serves one community
and its default is a decision of the station, not of whatever phone a visitor has.
"""

from __future__ import annotations

from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie
from typing import Annotated

from litestar import Request, post
from litestar.datastructures import Cookie
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect
from litestar.types import ASGIApp, Receive, Scope, Send

from liaison.config import Settings
from liaison.i18n.catalogs import available_locales, set_locale
from liaison.web.paths import local_path

__all__ = ["LOCALE_COOKIE", "ROUTES", "locale_middleware"]

LOCALE_COOKIE = "liaison_lang"
_ONE_YEAR = 365 * 24 * 3600


def _cookie_locale(raw_headers: list[tuple[bytes, bytes]]) -> str | None:
    for name, value in raw_headers:
        if name == b"cookie" and LOCALE_COOKIE.encode() in value:
            jar = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except CookieError:
                return None
            morsel = jar.get(LOCALE_COOKIE)
            return morsel.value if morsel else None
    return None


def locale_middleware(app: ASGIApp) -> ASGIApp:
    """Set the request's locale before any handler or template runs."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            settings: Settings = scope["app"].state.settings
            chosen = _cookie_locale(scope.get("headers") or [])
            set_locale(chosen if chosen in available_locales() else settings.locale)
        await app(scope, receive, send)

    return middleware


@dataclass
class LanguageForm:
    locale: str = ""
    next: str = "/"


@post("/language", include_in_schema=False, status_code=303)
async def choose_language(
    request: Request, data: Annotated[LanguageForm, Body(media_type=RequestEncodingType.URL_ENCODED)]
) -> Redirect:
    """Remember the visitor's language; an unknown code falls back to the station's default."""
    settings: Settings = request.app.state.settings
    locale = data.locale if data.locale in available_locales() else settings.locale
    return Redirect(
        local_path(data.next, "/"),
        status_code=303,
        cookies=[
            Cookie(
                key=LOCALE_COOKIE, value=locale, max_age=_ONE_YEAR, path="/", httponly=True,
                samesite="lax", secure=settings.secure_cookies,
            )
        ],
    )


ROUTES = [choose_language]
