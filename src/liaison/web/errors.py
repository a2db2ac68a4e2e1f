"""One place that turns errors into responses: JSON for the API, pages for people.

No stack trace ever reaches a client; 5xx are logged server-side.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from litestar import Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException, ValidationException
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_422_UNPROCESSABLE_ENTITY, HTTP_500_INTERNAL_SERVER_ERROR

from liaison.core.errors import DomainError
from liaison.i18n import N_, Labels, _
from liaison.web.auth import is_api_path
from liaison.web.htmx import ERROR_SWAP_HEADERS, is_htmx

__all__ = ["exception_handlers"]

log = logging.getLogger("liaison")

_TITLES: Labels[int] = Labels({
    400: N_("请求有误"),
    401: N_("请先登录"),
    403: N_("没有权限"),
    404: N_("页面不存在"),
    405: N_("不支持的请求方式"),
    409: N_("当前状态不允许此操作"),
    413: N_("内容过大"),
    422: N_("填写的内容有误"),
    429: N_("请求过于频繁"),
    500: N_("服务器出错"),
})


def _respond(request: Request, status: int, message: str, *, code: str, field: str | None = None,
             extra: dict[str, Any] | None = None, headers: dict[str, str] | None = None) -> Response:
    if is_api_path(request.url.path) or request.url.path.startswith("/schema"):
        body: dict[str, Any] = {"error": {"code": code, "message": message}}
        if field:
            body["error"]["field"] = field
        if extra:
            body["error"].update(extra)
        return Response(body, status_code=status, headers=headers)
    if is_htmx(request):  # the error page replaces <main>, not the small fragment htmx asked for
        headers = {**(headers or {}), **ERROR_SWAP_HEADERS}
    return Template(
        "error.html",
        context={"status": status, "title": _TITLES[status] if status in _TITLES else _("出错了"), "message": message, "field": field},
        status_code=status,
        headers=headers,
    )


def _domain(request: Request, exc: DomainError) -> Response:
    return _respond(request, exc.status_code, exc.message, code=exc.code, field=exc.field, extra=exc.extra,
                    headers=exc.headers or None)


def _validation(request: Request, exc: ValidationException) -> Response:
    field = None
    details = exc.extra if isinstance(exc.extra, list) else []
    parts = []
    for item in details:
        if isinstance(item, dict):
            key = item.get("key")
            field = field or key
            parts.append(f"{key}: {item.get('message')}" if key else str(item.get("message")))
    message = "；".join(parts) or exc.detail
    return _respond(request, HTTP_422_UNPROCESSABLE_ENTITY, _("请求内容无效：%(message)s") % {"message": message}, code="invalid", field=field)


def _http(request: Request, exc: HTTPException) -> Response:
    if isinstance(exc, NotAuthorizedException) and not is_api_path(request.url.path):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        if is_htmx(request):  # a whole-page visit to the login form, not the form inside a fragment
            return Response(b"", status_code=401, headers={"HX-Redirect": f"/login?next={quote(target)}"})
        return Redirect(f"/login?next={quote(target)}")
    if exc.status_code >= 500:
        log.error("HTTP %s on %s: %s", exc.status_code, request.url.path, exc.detail)
    headers = dict(exc.headers or {})
    message = exc.detail if exc.status_code < 500 else _("服务器暂时无法处理请求，请稍后再试")
    return _respond(request, exc.status_code, message, code=f"http_{exc.status_code}", headers=headers or None)


def _out_of_range(request: Request, exc: Exception) -> Response:
    """A number too large for the database (an id or page from a URL): the request is at fault."""
    return _respond(request, HTTP_422_UNPROCESSABLE_ENTITY, _("数值超出允许范围，请检查链接或参数中的编号"), code="out_of_range")


def _internal(request: Request, exc: Exception) -> Response:
    if isinstance(exc, OverflowError) or type(exc).__name__ in {"DataError", "NumericValueOutOfRangeError"}:
        return _out_of_range(request, exc)
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return _respond(request, HTTP_500_INTERNAL_SERVER_ERROR, _("服务器暂时无法处理请求，请稍后再试"), code="internal")


exception_handlers: dict[Any, Any] = {
    DomainError: _domain,
    ValidationException: _validation,
    OverflowError: _out_of_range,
    HTTPException: _http,
    Exception: _internal,
}
