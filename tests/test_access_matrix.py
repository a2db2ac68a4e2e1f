"""Every route × every role: who gets in and who is turned away.

The table of public routes is explicit: a new route without a guard fails
this test until it is either guarded or listed here on purpose.
"""

import re

import httpx
import pytest
from conftest import csrf, login, service_user

from liaison.accounts.roles import Role
from liaison.network import service as network

pytestmark = pytest.mark.db

PUBLIC = {
    ("GET", "/"), ("GET", "/health"), ("GET", "/login"), ("POST", "/login"), ("POST", "/logout"),
    ("GET", "/drafts/{slug:str}"), ("GET", "/drafts/{slug:str}/articles/{number:int}"),
    ("GET", "/drafts/{slug:str}/comment"), ("POST", "/drafts/{slug:str}/comment"),
    ("GET", "/receipts"), ("GET", "/receipts/{code:str}"), ("POST", "/receipts/{code:str}/withdraw"),
    # Choosing the interface language only sets a cookie (CSRF-checked form).
    ("POST", "/language"),
    ("GET", "/api/v1/drafts"), ("GET", "/api/v1/drafts/{slug:str}"), ("POST", "/api/v1/drafts/{slug:str}/opinions"),
    ("GET", "/api/v1/receipts/{code:str}"), ("GET", "/drafts/{slug:str}/transparency"),
    # Lower stations authenticate with an HMAC signature, not a login (tests/submission).
    ("POST", "/api/v1/inbound/packets"), ("POST", "/api/v1/inbound/outcomes"),
    ("GET", "/drafts/{slug:str}/outcomes"), ("GET", "/api/v1/drafts/{slug:str}/outcomes"),
    ("GET", "/schema"), ("GET", "/schema/openapi.json"), ("GET", "/schema/{path:str}"),
    ("GET", "/static/{file_path:path}"), ("HEAD", "/static/{file_path:path}"),
}
ROLES = ["anonymous", "volunteer", "office_staff", "officer", "admin"]


def _routes(app) -> list[tuple[str, str, frozenset | None]]:
    found = []
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            for method in handler.http_methods:
                if method == "OPTIONS":
                    continue
                guards = [g for g in (handler.guards or []) if hasattr(g, "roles")]
                found.append((method, route.path, guards[0].roles if guards else None))
    return found


def _concrete(path: str) -> str:
    return re.sub(r"\{(\w+):(\w+)\}", lambda m: "1" if m.group(2) == "int" else "x", path)


def test_every_route_is_guarded_or_deliberately_public() -> None:
    from liaison.app import create_app
    from liaison.config import Settings

    app = create_app(Settings(database_url="sqlite:////tmp/unused.sqlite3", secret_key="k" * 40), manage_database=False)
    unguarded = {(m, p) for m, p, roles in _routes(app) if roles is None}
    assert unguarded == PUBLIC, f"unguarded routes not declared public: {sorted(unguarded - PUBLIC)}"


@pytest.mark.parametrize("role", ROLES)
async def test_matrix(client: httpx.AsyncClient, role: str) -> None:
    from liaison.app import create_app
    from liaison.config import Settings

    app = create_app(Settings(database_url="sqlite:////tmp/unused.sqlite3", secret_key="k" * 40), manage_database=False)
    headers = {}
    if role != "anonymous":
        await login(client, f"m_{role}", role)
        if role == "office_staff":
            boss = await service_user("m_boss", "officer")
            other = await network.create_office(network.OfficeInput(name="别的联络室"), boss)
            await network.assign_office(f"m_{role}", other, "t")
        from liaison.accounts.services import create_token

        headers = {"Authorization": f"Bearer {await create_token(f'm_{role}')}"}
    else:
        await client.get("/login")
    checked = 0
    for method, path, roles in _routes(app):
        if roles is None:
            continue
        url = _concrete(path)
        kwargs: dict = {"follow_redirects": False}
        if path.startswith("/api/"):
            kwargs["headers"] = headers
            if method == "POST":
                kwargs["json"] = {}
        elif method == "POST":
            kwargs["data"] = {"_csrf_token": csrf(client)}
        response = await client.request(method, url, **kwargs)
        status = response.status_code
        if role == "anonymous":
            expected = {401} if path.startswith("/api/") else {302, 303, 307}
            assert status in expected, (method, path, status)
            if status != 401:
                assert response.headers["location"].startswith("/login")
        elif Role(role) not in roles:
            assert status == 403, (role, method, path, status)
        else:
            # Allowed by role; a 403 may still come from ownership rules (another office's data,
            # someone else's entry), never from the role guard itself.
            assert status != 401, (role, method, path, status)
            assert status != 403 or "您的账号没有执行此操作的权限" not in response.text, (role, method, path)
        checked += 1
    assert checked >= 40


async def test_security_headers(client: httpx.AsyncClient) -> None:
    response = await client.get("/")
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert (await client.get("/login")).headers["cache-control"] == "no-store"


@pytest.mark.parametrize("role", ROLES)
async def test_workspace_pages_per_role(client: httpx.AsyncClient, role: str) -> None:
    """Office workspace and 我的意见: the exact answer for each role, office staff being of *another* office."""
    boss = await service_user("ws_boss", "officer")
    east = await network.create_office(network.OfficeInput(name="东街联络室"), boss)
    west = await network.create_office(network.OfficeInput(name="西街联络室"), boss)
    if role == "anonymous":
        await client.get("/login")
    else:
        await login(client, f"ws_{role}", role)
    if role == "office_staff":
        await network.assign_office(f"ws_{role}", west, "t")
    expected = {
        "anonymous": (302, 302, 302),
        "volunteer": (403, 403, 200),
        "office_staff": (302, 403, 200),  # /staff/workspace → their own (west) workspace; east refused
        "officer": (200, 200, 200),
        "admin": (200, 200, 200),
    }[role]
    urls = ("/staff/workspace", f"/staff/offices/{east}/workspace", "/staff/mine")
    got = tuple([(await client.get(url, follow_redirects=False)).status_code for url in urls])
    assert got == expected, (role, got)
    if role == "office_staff":
        own = await client.get("/staff/workspace", follow_redirects=False)
        assert own.headers["location"] == f"/staff/offices/{west}/workspace"
        assert (await client.get(own.headers["location"])).status_code == 200
