
import httpx
import pytest
from conftest import login, published_draft, service_user

from liaison.network import service as network

pytestmark = pytest.mark.db


async def test_poster_has_the_qr_code_to_the_comment_page_and_the_office(client: httpx.AsyncClient) -> None:
    await published_draft()
    boss = await service_user("poster_boss", "officer")
    office = await network.create_office(network.OfficeInput(name="东街联络室", address="东街8号", phone="0571-12345678"), boss)
    await login(client, "poster_officer", "officer")
    page = await client.get(f"/staff/drafts/dog-rules/poster?office={office}")
    assert page.status_code == 200
    assert "某市养犬管理条例（草案）" in page.text and "2099年12月31日" in page.text and "规范养犬行为" in page.text
    assert "东街8号" in page.text and "data:image/svg+xml;base64," in page.text
    assert "http://testserver.local/drafts/dog-rules/comment" in page.text
    png = await client.get("/staff/drafts/dog-rules/qr/qr.png")
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    svg = await client.get("/staff/drafts/dog-rules/qr/qr.svg")
    assert svg.status_code == 200 and b"<svg" in svg.content
    assert (await client.get("/staff/drafts/dog-rules/qr/qr.gif")).status_code == 404
    # No QR reader is installed; segno's encoding is deterministic, so the file must be exactly the
    # code of the comment page's address (and not, say, of the staff page).
    from liaison.outreach.qr import qr_svg

    assert svg.content == qr_svg("http://testserver.local/drafts/dog-rules/comment")
    assert svg.content != qr_svg("http://testserver.local/staff/drafts/dog-rules")


async def test_transparency_page_shows_counts_and_no_personal_data(client: httpx.AsyncClient) -> None:
    await published_draft()
    await client.post("/api/v1/drafts/dog-rules/opinions", json={
        "text": "建议第三条明确绳长", "article": 3,
        "contributor": {"name": "王秘密", "phone": "13911112222", "consent": True}})
    await client.post("/api/v1/drafts/dog-rules/opinions", json={"text": "总体支持"})
    page = await client.get("/drafts/dog-rules/transparency")
    assert page.status_code == 200
    assert "收到意见</dt><dd>2 条" in page.text and "第三条" in page.text and "总体意见" in page.text
    assert "王秘密" not in page.text and "13911112222" not in page.text and "建议第三条明确绳长" not in page.text
    assert (await client.get("/drafts/nope/transparency")).status_code == 404
