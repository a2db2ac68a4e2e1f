import pytest
from conftest import csrf, login, make_user
import httpx

pytestmark = pytest.mark.db


async def test_staff_page_redirects_anonymous_to_login(client: httpx.AsyncClient) -> None:
    response = await client.get("/staff", follow_redirects=False)
    assert response.status_code in (302, 303, 307)
    assert response.headers["location"] == "/login?next=/staff"


async def test_login_logout_round_trip(client: httpx.AsyncClient) -> None:
    await login(client, "officer1", "officer")
    page = await client.get("/staff")
    assert page.status_code == 200 and "工作台" in page.text and "导入新草案" in page.text
    cookie = client.cookies.get("liaison_session")
    assert cookie
    response = await client.post("/logout", data={"_csrf_token": csrf(client)}, follow_redirects=False)
    assert response.status_code == 303
    # The old cookie is dead on the server, not only deleted in the browser.
    client.cookies.set("liaison_session", cookie)
    assert (await client.get("/staff", follow_redirects=False)).status_code in (302, 303, 307)


async def test_wrong_password_is_refused_without_saying_which_part(client: httpx.AsyncClient) -> None:
    await make_user("officer2", "officer")
    await client.get("/login")
    response = await client.post(
        "/login", data={"username": "officer2", "password": "not the password", "_csrf_token": csrf(client)}
    )
    assert response.status_code == 401
    assert "用户名或密码不正确" in response.text
    assert "liaison_session" not in response.cookies


async def test_login_form_requires_csrf_token(client: httpx.AsyncClient) -> None:
    password = await make_user("officer3", "officer")
    await client.get("/login")
    response = await client.post("/login", data={"username": "officer3", "password": password})
    assert response.status_code == 403


async def test_login_next_cannot_redirect_off_site(client: httpx.AsyncClient) -> None:
    password = await make_user("officer4", "officer")
    await client.get("/login")
    response = await client.post(
        "/login",
        data={"username": "officer4", "password": password, "next": "//evil.example/x", "_csrf_token": csrf(client)},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/staff"


@pytest.mark.parametrize("role", ["volunteer", "office_staff"])
async def test_draft_management_is_for_officers_only(client: httpx.AsyncClient, role: str) -> None:
    await login(client, f"user_{role}", role)
    assert (await client.get("/staff")).status_code == 200
    assert (await client.get("/staff/drafts/new")).status_code == 403


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/staff"),
        ("GET", "/staff/drafts/new"),
        ("POST", "/staff/drafts/new"),
        ("GET", "/staff/drafts/x"),
        ("GET", "/staff/drafts/x/preview"),
        ("POST", "/staff/drafts/x/meta"),
        ("POST", "/staff/drafts/x/status/publish"),
    ],
)
async def test_every_staff_route_is_guarded(client: httpx.AsyncClient, method: str, path: str) -> None:
    await client.get("/login")
    response = await client.request(method, path, data={"_csrf_token": csrf(client)}, follow_redirects=False)
    assert response.status_code in (302, 303, 307), (path, response.status_code)
    assert response.headers["location"].startswith("/login")


async def test_api_rejects_session_cookies_and_bad_tokens(client: httpx.AsyncClient) -> None:
    await login(client, "officer5", "officer")
    response = await client.post("/api/v1/drafts", json={"markdown": "x"})
    assert response.status_code == 401
    response = await client.post("/api/v1/drafts", json={"markdown": "x"}, headers={"Authorization": "Bearer lsn_nope"})
    assert response.status_code == 401
    assert response.json()["error"]["message"]


async def test_login_is_throttled_after_repeated_failures(settings, database: str) -> None:
    import dataclasses

    from liaison.app import create_app

    password = await make_user("target", "officer")
    app = create_app(dataclasses.replace(settings, login_attempts_per_15min=3), manage_database=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=("10.0.0.7", 1)),
                                 base_url="http://t") as c:
        await c.get("/login")
        for _ in range(3):
            bad = await c.post("/login", data={"username": "target", "password": "wrong guess!!", "_csrf_token": csrf(c)})
            assert bad.status_code == 401
        blocked = await c.post("/login", data={"username": "target", "password": password, "_csrf_token": csrf(c)})
        assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) > 0
        assert "liaison_session" not in blocked.cookies
