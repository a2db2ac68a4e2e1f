"""The public opinion post without litestar's per-request handler machinery.

py-spy on the server under load: of the web process's CPU for a public post,
litestar's handler layer (``Request``, kwargs extraction, signature model,
``Response`` → ``ASGIResponse``, the CSRF and inner exception middlewares it
wraps) was about as much again as our own work. This route-level middleware
sits inside the app's middlewares (security headers, the auth middleware that
sets ``scope["user"]``) and answers the common case itself: a public caller,
a declared body within the route's limit, a body that decodes into
``OpinionIn`` exactly as the handler's ``JSONBody`` would (``strict=False``).
Everything else — staff tokens, chunked or oversized bodies (413), malformed
or invalid JSON (422 naming the field) — goes to the litestar handler
unchanged, with the body replayed, so those answers come from one place.

The service call and its refusals are the handler's own: a ``DomainError``
(409, 422, 429 with ``Retry-After``, …) is rendered by the app's exception
handlers, the same JSON the handler would have sent. Nothing about storage
changes: the response is sent only after the writer's commit.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from liaison.config import Settings
from liaison.opinions import service

__all__ = ["fast_public_intake"]

_JSON_HEADERS = (b"content-type", b"application/json")


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":  # ASGI servers hand header names over in lower case
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _replay(body: bytes) -> Receive:
    """A ``receive`` that hands the already-read body to the litestar handler."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


async def _read_body(receive: Receive) -> bytes | None:
    """The whole body, or None if the client went away."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks) if len(chunks) > 1 else chunks[0]


async def _render_error(exc: Exception, scope: Scope, receive: Receive, send: Send) -> None:
    """Answer with the app's exception handler for ``exc``, as litestar's own middleware would."""
    handlers = scope["route_handler"].resolve_exception_handlers()
    handler = next((handlers[cls] for cls in type(exc).__mro__ if cls in handlers), None)
    if handler is None:
        raise exc
    request: Request[Any, Any, Any] = Request(scope, receive, send)
    response = handler(request, exc)
    await response.to_asgi_response(app=None, request=request)(scope, receive, send)


def fast_public_intake(app: ASGIApp) -> ASGIApp:
    """Route middleware for ``POST /api/v1/drafts/{slug}/opinions`` (see the module docstring)."""
    from liaison.opinions.api import MAX_OPINION_BODY, OpinionCreated, OpinionIn, client_key_for, to_input

    decoder = msgspec.json.Decoder(OpinionIn, strict=False)
    encoder = msgspec.json.Encoder()

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        length = _content_length(scope)
        if scope.get("user") is not None or length is None or length > MAX_OPINION_BODY:
            await app(scope, receive, send)
            return
        body = await _read_body(receive)
        if body is None:
            return
        try:
            data = decoder.decode(body)
        except msgspec.MsgspecError:
            await app(scope, _replay(body), send)  # the handler names the field at fault
            return
        settings: Settings = scope["app"].state.settings
        client = scope.get("client")
        try:
            result = await service.submit_opinion(
                scope["path_params"]["slug"], to_input(data, staff=False), staff=None,
                client_key=client_key_for(settings.secret_key, client[0] if client else "unknown"),
                rate_limit=settings.public_posts_per_10min,
            )
        except Exception as exc:  # noqa: BLE001 - rendered by the app's handlers, as the handler's would be
            await _render_error(exc, scope, receive, send)
            return
        payload = encoder.encode(OpinionCreated(id=result.id, receipt=result.receipt, duplicate=result.duplicate))
        await send({"type": "http.response.start", "status": 200 if result.duplicate else 201,
                    "headers": [_JSON_HEADERS, (b"content-length", str(len(payload)).encode())]})
        await send({"type": "http.response.body", "body": payload})

    return middleware
