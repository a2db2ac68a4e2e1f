import httpx
import pytest
from conftest import csrf, published_draft

from liaison.opinions.tables import Contributor, Opinion

pytestmark = pytest.mark.db


async def _form(client: httpx.AsyncClient, **fields: str) -> httpx.Response:
    await client.get("/drafts/dog-rules/comment")
    return await client.post("/drafts/dog-rules/comment", data={**fields, "_csrf_token": csrf(client)},
                             follow_redirects=False)


async def test_citizen_comments_on_an_article_and_checks_the_receipt(client: httpx.AsyncClient) -> None:
    await published_draft()
    page = await client.get("/drafts/dog-rules/comment?article=3")
    assert page.status_code == 200
    assert "对第三条提意见" in page.text and "携犬出户时" in page.text and "个人信息处理说明" in page.text
    assert '<option value="3" selected>' in page.text
    response = await _form(client, article="3", text="建议明确牵引绳长度", suggestion="", reason="",
                           name="", phone="", region="", occupation="")
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith("/receipts/") and location.endswith("?new=1")
    receipt_page = await client.get(location)
    assert "提交成功" in receipt_page.text and "建议明确牵引绳长度" in receipt_page.text and "第三条" in receipt_page.text
    lookup = await client.get("/receipts?code=" + location.split("/")[2][:8].lower(), follow_redirects=False)
    assert lookup.status_code == 303
    assert (await client.get("/receipts?code=nonsense")).status_code == 422
    assert await Contributor.count().run() == 0


async def test_form_errors_keep_what_was_typed(client: httpx.AsyncClient) -> None:
    await published_draft()
    response = await _form(client, article="2", text="我的意见很长很认真", name="李四", phone="12345", consent="1")
    assert response.status_code == 422
    assert "电话号码格式不对" in response.text and "我的意见很长很认真" in response.text and 'value="李四"' in response.text
    no_consent = await _form(client, text="有意见", name="李四")
    assert no_consent.status_code == 422 and "同意" in no_consent.text
    assert await Opinion.count().run() == 0


async def test_contact_details_only_with_consent_and_can_be_withdrawn(client: httpx.AsyncClient) -> None:
    await published_draft()
    response = await _form(client, text="有意见", name="李四", phone="13800001111", occupation="教师", consent="1")
    assert response.status_code == 303
    receipt = response.headers["location"].split("/")[2].split("?")[0]
    assert await Contributor.count().run() == 1
    page = await client.get(f"/receipts/{receipt}")
    assert "删除我的个人信息" in page.text and "李四" not in page.text
    withdrawn = await client.post(f"/receipts/{receipt}/withdraw", data={"_csrf_token": csrf(client)},
                                  follow_redirects=False)
    assert withdrawn.status_code == 303
    assert await Contributor.count().run() == 0 and await Opinion.count().run() == 1
    assert "个人信息已删除" in (await client.get(withdrawn.headers["location"])).text


async def test_public_form_requires_csrf(client: httpx.AsyncClient) -> None:
    await published_draft()
    await client.get("/drafts/dog-rules/comment")
    response = await client.post("/drafts/dog-rules/comment", data={"text": "好"})
    assert response.status_code == 403
    assert await Opinion.count().run() == 0


async def test_closed_draft_shows_no_form(client: httpx.AsyncClient) -> None:
    await published_draft(opens="2020-01-01", closes="2020-02-01")
    page = await client.get("/drafts/dog-rules/comment")
    assert page.status_code == 200 and "目前不能提交意见" in page.text and "<textarea" not in page.text
    response = await _form(client, text="迟到的意见")
    assert response.status_code == 409 and "截止" in response.text


async def test_opinion_text_is_escaped_on_the_receipt_page(client: httpx.AsyncClient) -> None:
    await published_draft()
    response = await _form(client, text="<script>alert(1)</script>", suggestion="<img src=x onerror=alert(1)>")
    page = await client.get(response.headers["location"])
    assert "<script>alert(1)" not in page.text and "&lt;script&gt;" in page.text and "<img src=x" not in page.text
