"""The public post's fast path (``fast_intake.py``) answers exactly as the litestar handler does.

A body sent without Content-Length (chunked) always goes through the handler, so each case is
posted both ways and the two answers compared: status, JSON, security headers, Retry-After.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncIterator, Callable
from types import SimpleNamespace

import httpx
import pytest
from conftest import published_draft

from liaison.opinions import fast_intake
from liaison.opinions.tables import Opinion

pytestmark = pytest.mark.db

URL = "/api/v1/drafts/dog-rules/opinions"


async def _chunked(body: bytes) -> AsyncIterator[bytes]:
    yield body  # an async stream: httpx sends it without Content-Length


async def _post_both(client: httpx.AsyncClient, body: dict | bytes, url: str = URL) -> tuple[httpx.Response, httpx.Response]:
    raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    headers = {"content-type": "application/json"}
    fast = await client.post(url, content=raw, headers=headers)
    handler = await client.post(url, content=_chunked(raw), headers=headers)
    return fast, handler


def _same(fast: httpx.Response, handler: httpx.Response, *, ignore: Callable[[dict], dict] = lambda b: b) -> None:
    assert fast.status_code == handler.status_code, (fast.text, handler.text)
    assert ignore(fast.json()) == ignore(handler.json())
    for name in ("content-type", "content-security-policy", "x-frame-options", "retry-after"):
        assert fast.headers.get(name) == handler.headers.get(name), name


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Which path answered: the fast path appends 'fast' each time it handles a post itself."""
    calls: list[str] = []
    original = fast_intake.service.submit_opinion

    async def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append("fast")
        return await original(*args, **kwargs)

    monkeypatch.setattr(fast_intake, "service", SimpleNamespace(submit_opinion=spy))  # the handler's stays
    return calls


async def test_refusals_and_repeats_match_the_handler(client: httpx.AsyncClient, counted: list[str]) -> None:
    await published_draft()
    await published_draft("old-rules", opens="2020-01-01", closes="2020-02-01")
    headers = {"content-type": "application/json"}
    a = json.dumps({"text": "支持本条", "article": "2"}, ensure_ascii=False).encode()  # "2": the handler is not strict
    b = json.dumps({"text": "反对本条", "article": 2}, ensure_ascii=False).encode()
    fast = await client.post(URL, content=a, headers=headers)
    handler = await client.post(URL, content=_chunked(b), headers=headers)
    _same(fast, handler, ignore=lambda body: {**body, "id": 0, "receipt": ""})
    assert fast.status_code == 201 and fast.json()["receipt"] != handler.json()["receipt"]
    # each text again, through the other path: both return the first receipt
    fast_again = await client.post(URL, content=b, headers=headers)
    handler_again = await client.post(URL, content=_chunked(a), headers=headers)
    _same(fast_again, handler_again, ignore=lambda body: {**body, "id": 0, "receipt": ""})
    assert fast_again.status_code == 200 and fast_again.json() == {**handler.json(), "duplicate": True}
    assert handler_again.json() == {**fast.json(), "duplicate": True}
    assert counted == ["fast", "fast"]
    for body, url in [({"text": "好", "article": 99}, URL), ({"text": "好", "contributor": {"name": "李四"}}, URL),
                      ({"text": "好", "channel": "symposium"}, URL), ({"text": "好"}, "/api/v1/drafts/old-rules/opinions"),
                      ({"text": "好"}, "/api/v1/drafts/nope/opinions")]:
        fast, handler = await _post_both(client, body, url)
        _same(fast, handler)
        assert fast.status_code in (403, 404, 409, 422)
    # undecodable bodies are handed to the handler by the fast path too
    for raw in [b'{"text": 5}', b"{not json", b'{"text": "x", "unknown": 1}', b""]:
        fast, handler = await _post_both(client, raw)
        _same(fast, handler)
        assert fast.status_code == 422 or fast.status_code == 400
    assert len(counted) == 2 + 5  # the refusals went through the fast path, undecodable bodies did not
    assert await Opinion.count().run() == 2


async def test_rate_limit_refusal_matches_the_handler(settings, database: str) -> None:
    from liaison.app import create_app

    await published_draft()
    app = create_app(dataclasses.replace(settings, public_posts_per_10min=2), manage_database=False)
    transport = httpx.ASGITransport(app=app, client=("10.1.2.3", 1234))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        fast, handler = await _post_both(c, {"text": "第一条意见"})
        assert fast.status_code == 201 and handler.status_code == 200  # the handler's is a repeat, counted
        fast, handler = await _post_both(c, {"text": "第二条意见"})  # the limit of 2 is reached
        _same(fast, handler)
        assert fast.status_code == 429 and 1 <= int(fast.headers["retry-after"]) <= 600
    assert await Opinion.count().run() == 1
