import dataclasses

import httpx
import pytest
from conftest import bearer, published_draft

from liaison.opinions.receipts import ALPHABET
from liaison.opinions.tables import Contributor, Opinion

pytestmark = pytest.mark.db

URL = "/api/v1/drafts/dog-rules/opinions"


async def test_public_post_gives_a_receipt_that_shows_the_opinion(client: httpx.AsyncClient) -> None:
    await published_draft()
    response = await client.post(URL, json={
        "text": "牵引绳长度建议不超过1.5米。", "article": 3, "suggestion": "改为“不超过一点五米”", "reason": "安全",
        "contributor": {"name": "张三", "phone": "138 1234 5678", "region": "某区", "occupation": "教师", "consent": True},
    })
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) >= {"id", "receipt"}
    receipt = body["receipt"]
    assert len(receipt) == 8 and set(receipt) <= set(ALPHABET) and not set(receipt) & set("01OI")

    public = await client.get(f"/api/v1/receipts/{receipt.lower()[:4]}-{receipt[4:]}")
    assert public.status_code == 200
    data = public.json()
    assert data["text"] == "牵引绳长度建议不超过1.5米。" and data["article"] == 3 and data["status"] == "unscreened"
    assert "张三" not in public.text and "13812345678" not in public.text and "教师" not in public.text

    stored = await Contributor.select().first().run()
    assert (stored["name"], stored["phone"], stored["occupation"]) == ("张三", "13812345678", "教师")
    page = await client.get(f"/receipts/{receipt}")
    assert page.status_code == 200 and "牵引绳长度" in page.text and "张三" not in page.text


async def test_same_text_from_same_client_within_ten_minutes_returns_first_receipt(client: httpx.AsyncClient) -> None:
    await published_draft()
    first = await client.post(URL, json={"text": "支持本条例", "article": 1})
    again = await client.post(URL, json={"text": " 支持本条例 ", "article": 1})
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["receipt"] == first.json()["receipt"] and again.json()["duplicate"] is True
    other_article = await client.post(URL, json={"text": "支持本条例", "article": 2})
    assert other_article.status_code == 201
    assert await Opinion.count().run() == 2


async def test_staff_entries_are_always_stored(client: httpx.AsyncClient) -> None:
    await published_draft()
    headers = await bearer("officer_api", "officer")
    for _ in range(2):
        response = await client.post(URL, json={"text": "同一句话", "channel": "symposium"}, headers=headers)
        assert response.status_code == 201
    rows = await Opinion.select(Opinion.channel, Opinion.entered_by).run()
    assert len(rows) == 2 and all(r["channel"] == "symposium" and r["entered_by"] for r in rows)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": ""}, "text"),
        ({"text": "   \n "}, "text"),
        ({"text": "长" * 5001}, "text"),
        ({"text": "好", "suggestion": "长" * 5001}, "suggestion"),
        ({"text": "好", "article": 99}, "article"),
        ({"text": "好", "contributor": {"phone": "12345", "consent": True}}, "contributor.phone"),
        ({"text": "好", "contributor": {"name": "李四"}}, "contributor.consent"),
        ({"text": "好", "contributor": {"occupation": "宇航员", "consent": True}}, "contributor.occupation"),
        ({"article": 1}, "text"),
        ({"text": 5}, "text"),
    ],
)
async def test_bad_opinions_get_422_naming_the_field(client: httpx.AsyncClient, body: dict, field: str) -> None:
    await published_draft()
    response = await client.post(URL, json=body)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["field"] == field or field in error["message"], error
    assert await Opinion.count().run() == 0


async def test_unknown_article_message_names_it(client: httpx.AsyncClient) -> None:
    await published_draft()
    response = await client.post(URL, json={"text": "好", "article": 99})
    assert "99" in response.json()["error"]["message"]


async def test_closed_upcoming_and_unpublished_windows_are_409_with_dates(client: httpx.AsyncClient) -> None:
    await published_draft("old-rules", opens="2020-01-01", closes="2020-02-01")
    closed = await client.post("/api/v1/drafts/old-rules/opinions", json={"text": "好"})
    assert closed.status_code == 409
    assert closed.json()["error"]["comment_closes"].startswith("2020-02-01")
    await published_draft("future-rules", opens="2099-01-01", closes="2099-02-01")
    upcoming = await client.post("/api/v1/drafts/future-rules/opinions", json={"text": "好"})
    assert upcoming.status_code == 409 and upcoming.json()["error"]["comment_opens"].startswith("2098-12-31T16:00")
    from zoneinfo import ZoneInfo

    from conftest import sample_draft
    from liaison.drafts.service import import_draft
    await import_draft(sample_draft("hidden-rules"), source_name="h.md", tz=ZoneInfo("Asia/Shanghai"), max_bytes=1 << 20)
    hidden = await client.post("/api/v1/drafts/hidden-rules/opinions", json={"text": "好"})
    assert hidden.status_code == 409
    assert (await client.post("/api/v1/drafts/nope/opinions", json={"text": "好"})).status_code == 404
    assert await Opinion.count().run() == 0


async def test_body_over_64_kib_is_413(client: httpx.AsyncClient) -> None:
    await published_draft()
    response = await client.post(URL, content=b'{"text": "' + b"a" * (65 * 1024) + b'"}',
                                 headers={"content-type": "application/json"})
    assert response.status_code == 413


async def test_public_cannot_attribute_channel_or_office(client: httpx.AsyncClient) -> None:
    await published_draft()
    response = await client.post(URL, json={"text": "好", "channel": "symposium"})
    assert response.status_code == 403 and response.json()["error"]["field"] == "channel"


async def test_too_many_posts_get_429_with_retry_after(settings, database: str) -> None:
    from liaison.app import create_app

    await published_draft()
    app = create_app(dataclasses.replace(settings, public_posts_per_10min=3), manage_database=False)
    transport = httpx.ASGITransport(app=app, client=("10.1.2.3", 1234))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        for i in range(3):
            assert (await c.post(URL, json={"text": f"意见{i}"})).status_code == 201
        refused = await c.post(URL, json={"text": "第四条意见"})
        assert refused.status_code == 429
        assert 1 <= int(refused.headers["retry-after"]) <= 600
    other = httpx.ASGITransport(app=app, client=("10.9.9.9", 1234))
    async with httpx.AsyncClient(transport=other, base_url="http://t") as c:
        assert (await c.post(URL, json={"text": "别人的意见"})).status_code == 201
    assert await Opinion.count().run() == 4


async def test_staff_listing_masks_personal_data_unless_allowed(client: httpx.AsyncClient) -> None:
    await published_draft()
    await client.post(URL, json={"text": "意见甲", "article": 2,
                                 "contributor": {"name": "王小明", "phone": "13912345678", "consent": True}})
    await client.post(URL, json={"text": "总体意见乙"})
    assert (await client.get(URL)).status_code == 401
    officer = await bearer("officer_list", "officer")
    page = (await client.get(URL, headers=officer)).json()
    assert page["total"] == 2 and len(page["items"]) == 2
    person = next(i["contributor"] for i in page["items"] if i["contributor"])
    assert person["name"] == "王**" and person["phone"] == "139****5678"
    full = (await client.get(URL + "?personal=full", headers=officer)).json()
    assert any(i["contributor"] and i["contributor"]["phone"] == "13912345678" for i in full["items"])
    only_general = (await client.get(URL + "?article=0", headers=officer)).json()
    assert [i["text"] for i in only_general["items"]] == ["总体意见乙"]
    paged = (await client.get(URL + "?per_page=1&page=2", headers=officer)).json()
    assert paged["total"] == 2 and len(paged["items"]) == 1
    volunteer = await bearer("vol_list", "volunteer")
    assert (await client.get(URL + "?personal=full", headers=volunteer)).status_code == 403
    assert (await client.get(URL, headers=volunteer)).json()["total"] == 0  # sees only their own entries
    assert (await client.get(URL + "?status=bogus", headers=officer)).status_code == 422


async def test_unknown_receipt_is_404(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/v1/receipts/ABCD-EFGH")).status_code == 404
    assert (await client.get("/api/v1/receipts/0000")).status_code == 404
