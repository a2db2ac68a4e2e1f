"""htmx is an enhancement: the same routes answer full pages to plain posts and fragments to htmx, CSRF intact."""

from __future__ import annotations

import html as htmllib
import json
import re
from pathlib import Path

import httpx
import pytest
from conftest import bearer, csrf, login, published_draft, service_user

from liaison.network import service as network
from liaison.opinions.activities import ActivityInput, create_activity
from liaison.opinions.tables import Opinion

pytestmark = pytest.mark.db

HX = {"HX-Request": "true"}
STATIC_JS = Path(__file__).resolve().parents[2] / "static" / "js"


async def _opinions(client: httpx.AsyncClient, *texts: str) -> list[int]:
    await published_draft()
    for text in texts:
        assert (await client.post("/api/v1/drafts/dog-rules/opinions", json={"text": text})).status_code == 201
    return [r["id"] for r in await Opinion.select(Opinion.id).order_by(Opinion.id).run()]


def test_vendored_htmx_is_the_recorded_version() -> None:
    script = (STATIC_JS / "htmx.min.js").read_text(encoding="utf-8")
    readme = (STATIC_JS / "README.md").read_text(encoding="utf-8")
    version = re.search(r'version:"([0-9.]+)"', script).group(1)
    assert version.startswith("2.") and f"**{version}**" in readme and "0BSD" in readme
    import hashlib

    assert hashlib.sha256(script.encode("utf-8")).hexdigest() in readme


async def test_staff_pages_load_htmx_deferred_within_the_csp(client: httpx.AsyncClient) -> None:
    public = await client.get("/")
    assert "htmx" not in public.text  # the public pages do not need it
    await login(client, "officer_js", "officer")
    page = await client.get("/staff")
    assert '<script src="/static/js/htmx.min.js" defer></script>' in page.text
    config = json.loads(htmllib.unescape(re.search(r'name="htmx-config" content=\'([^\']+)\'', page.text).group(1)))
    assert config["allowEval"] is False and config["includeIndicatorStyles"] is False
    assert config["selfRequestsOnly"] is True and config["historyCacheSize"] == 0
    csp = page.headers["content-security-policy"]
    assert "script-src 'self';" in csp and "unsafe" not in csp  # self-hosted, no eval, no inline
    served = await client.get("/static/js/htmx.min.js")
    assert served.status_code == 200 and "javascript" in served.headers["content-type"]


async def test_screening_answers_a_fragment_to_htmx_and_a_redirect_to_forms(client: httpx.AsyncClient) -> None:
    ids = await _opinions(client, "意见一", "广告！！", "意见三")
    await login(client, "officer_hx", "officer")
    url = "/staff/drafts/dog-rules/screening"
    full = await client.get(url)
    assert '<div id="screening-queue">' in full.text and 'hx-post="/staff/drafts/dog-rules/screening"' in full.text
    assert 'method="post" action="/staff/drafts/dog-rules/screening"' in full.text  # works without JS

    plain = await client.post(url, data={"ids": [str(ids[0])], "action": "keep", "status": "unscreened",
                                         "_csrf_token": csrf(client)}, follow_redirects=False)
    assert plain.status_code == 303 and plain.headers["location"] == f"{url}?status=unscreened&done=1"

    fragment = await client.post(url, headers=HX, data={"ids": [str(ids[1])], "action": "set_aside", "reason": "spam",
                                                        "status": "unscreened", "_csrf_token": csrf(client)})
    assert fragment.status_code == 200 and fragment.headers["vary"] == "HX-Request"
    body = fragment.text
    assert body.lstrip().startswith('<div id="screening-queue">') and "<html" not in body and "<header" not in body
    assert "已处理 1 条" in body and "共 1 条" in body and "意见三" in body and "广告！！" not in body
    assert 'name="_csrf_token"' in body  # the swapped-in form can be posted again

    refused = await client.post(url, headers=HX, data={"ids": [str(ids[2])], "action": "set_aside",
                                                       "status": "unscreened", "_csrf_token": csrf(client)})
    assert refused.status_code == 422 and refused.text.lstrip().startswith('<div id="screening-queue">')
    assert "没有处理" in refused.text and "不纳入汇总的原因" in refused.text
    assert "HX-Retarget" not in refused.headers  # the fragment itself shows the refusal

    for headers in (HX, {}):
        no_token = await client.post(url, headers=headers, data={"ids": [str(ids[2])], "action": "keep"})
        assert no_token.status_code == 403
    assert (await client.post(url, headers=HX, data={"ids": [str(ids[2])], "action": "keep"})).headers[
        "hx-retarget"] == "#main"  # the error page replaces <main>
    statuses = [r["status"] for r in await Opinion.select(Opinion.status).order_by(Opinion.id).run()]
    assert statuses == ["kept", "set_aside", "unscreened"]


async def test_entry_form_answers_a_fragment_to_htmx(client: httpx.AsyncClient) -> None:
    await published_draft()
    boss = await service_user("boss_hx", "officer")
    east = await network.create_office(network.OfficeInput(name="东街联络室"), boss)
    activity = await create_activity(ActivityInput("dog-rules", east, "visit", "2026-11-21"), boss,
                                     data_dir=Path("/tmp"))
    await login(client, "staff_hx", "office_staff")
    await network.assign_office("staff_hx", east, "t")
    page = await client.get("/staff/entry")
    assert '<div id="entry-panel">' in page.text and 'hx-target="#entry-panel"' in page.text

    plain = await client.post("/staff/entry", data={"activity": str(activity), "text": "第一条意见",
                                                    "_csrf_token": csrf(client)}, follow_redirects=False)
    assert plain.status_code == 303 and plain.headers["location"] == f"/staff/entry?activity={activity}&saved=1"

    fragment = await client.post("/staff/entry", headers=HX, data={"activity": str(activity), "article": "3",
                                                                   "text": "第二条意见", "_csrf_token": csrf(client)})
    assert fragment.status_code == 200 and fragment.headers["vary"] == "HX-Request"
    body = fragment.text
    assert body.lstrip().startswith('<div id="entry-panel">') and "<html" not in body
    assert "本次活动您已录入 2 条" in body and "第二条意见" in body  # in the recent list
    assert f'<option value="{activity}" selected' in body  # the activity stays chosen
    assert re.search(r'<textarea id="text"[^>]*></textarea>', body)  # the text box is empty again

    bad = await client.post("/staff/entry", headers=HX, data={"activity": str(activity), "article": "99",
                                                              "text": "不存在的条文", "_csrf_token": csrf(client)})
    assert bad.status_code == 422 and bad.text.lstrip().startswith('<div id="entry-panel">')
    assert "没有保存" in bad.text and "不存在的条文" in bad.text  # what was typed is kept

    no_token = await client.post("/staff/entry", headers=HX, data={"activity": str(activity), "text": "无令牌"})
    assert no_token.status_code == 403
    assert await Opinion.count().run() == 2


async def test_expired_session_sends_htmx_to_the_login_page(client: httpx.AsyncClient) -> None:
    await client.get("/login")
    r = await client.post("/staff/entry", headers=HX, data={"text": "x", "_csrf_token": csrf(client)},
                          follow_redirects=False)
    assert r.status_code == 401 and r.headers["hx-redirect"] == "/login?next=/staff/entry"
    plain = await client.post("/staff/entry", data={"text": "x", "_csrf_token": csrf(client)}, follow_redirects=False)
    assert plain.status_code in (302, 303) and plain.headers["location"].startswith("/login")


async def test_emptied_last_page_falls_back_to_the_previous_one(client: httpx.AsyncClient) -> None:
    await published_draft()
    staff = await bearer("api_pages", "officer")  # staff posts are not rate-limited
    for i in range(51):
        r = await client.post("/api/v1/drafts/dog-rules/opinions", json={"text": f"意见{i}"}, headers=staff)
        assert r.status_code == 201, r.text
    ids = [r["id"] for r in await Opinion.select(Opinion.id).order_by(Opinion.id).run()]
    await login(client, "officer_pages", "officer")
    url = "/staff/drafts/dog-rules/screening"
    second = await client.get(f"{url}?status=unscreened&page=2")
    assert second.text.count("data-review-item") == 1  # the oldest one, alone on page 2
    fragment = await client.post(url, headers=HX, data={"ids": [str(ids[0])], "action": "keep", "status": "unscreened",
                                                        "page": "2", "_csrf_token": csrf(client)})
    assert fragment.status_code == 200 and "共 50 条" in fragment.text
    assert fragment.text.count("data-review-item") == 50 and 'name="page" value="1"' in fragment.text
