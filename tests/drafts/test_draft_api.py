import pytest
from conftest import bearer, sample_draft
import httpx

pytestmark = pytest.mark.db


async def _officer(client: httpx.AsyncClient) -> dict[str, str]:
    return await bearer("api_officer", "officer")


async def test_import_publish_and_read_through_the_api(client: httpx.AsyncClient) -> None:
    headers = await _officer(client)
    response = await client.post("/api/v1/drafts", json={"markdown": sample_draft(), "filename": "dog.md"}, headers=headers)
    assert response.status_code == 201, response.text
    assert response.json() == {"slug": "dog-rules", "version": 1, "created_draft": True, "created_version": True,
                               "article_count": 3, "warnings": []}
    again = await client.post("/api/v1/drafts", json={"markdown": sample_draft()}, headers=headers)
    assert again.json()["created_version"] is False

    assert (await client.get("/api/v1/drafts")).json() == []
    assert (await client.get("/api/v1/drafts/dog-rules")).status_code == 404
    assert (await client.get("/api/v1/drafts", headers=headers)).json()[0]["phase"] == "unpublished"

    published = await client.post("/api/v1/drafts/dog-rules/publish", headers=headers)
    assert published.status_code == 200 and published.json()["phase"] == "open"
    listing = (await client.get("/api/v1/drafts")).json()
    assert [(d["slug"], d["phase"], d["article_count"]) for d in listing] == [("dog-rules", "open", 3)]

    detail = (await client.get("/api/v1/drafts/dog-rules")).json()
    assert detail["title"] == "某市养犬管理条例（草案）"
    assert detail["key_questions"] == ["牵引绳长度应当规定为多少？"]
    assert detail["articles"][1] == {
        "number": 2,
        "label": "第二条",
        "chapter": "第一章 总则",
        "section": None,
        "paragraphs": ["本条例适用于本市行政区域内的养犬活动。", "养犬人应当遵守下列规定："],
        "items": ["（一）依法登记；", "（二）按时免疫。"],
    }


async def test_write_endpoints_need_an_officer_token(client: httpx.AsyncClient) -> None:
    assert (await client.post("/api/v1/drafts", json={"markdown": sample_draft()})).status_code == 401
    volunteer = await bearer("vol", "volunteer")
    assert (await client.post("/api/v1/drafts", json={"markdown": sample_draft()}, headers=volunteer)).status_code == 403
    assert (await client.post("/api/v1/drafts/dog-rules/publish", headers=volunteer)).status_code == 403


async def test_bad_imports_get_4xx_naming_the_problem(client: httpx.AsyncClient) -> None:
    headers = await _officer(client)
    bad_yaml = await client.post("/api/v1/drafts", json={"markdown": "---\ntitle: [x\n---\n第一条　x"}, headers=headers)
    assert bad_yaml.status_code == 422
    no_articles = await client.post("/api/v1/drafts", json={"markdown": "---\ntitle: T\nslug: t\n---\n只有说明"}, headers=headers)
    assert no_articles.status_code == 422 and "第一条" in no_articles.json()["error"]["message"]
    bad_slug = await client.post("/api/v1/drafts", json={"markdown": "---\ntitle: T\nslug: 中文\n---\n第一条　x"}, headers=headers)
    assert bad_slug.status_code == 422 and bad_slug.json()["error"]["field"] == "slug"
    missing = await client.post("/api/v1/drafts", json={"filename": "x.md"}, headers=headers)
    assert missing.status_code == 422 and "markdown" in missing.json()["error"]["message"]
    not_json = await client.post("/api/v1/drafts", content=b"{nope", headers={**headers, "content-type": "application/json"})
    assert 400 <= not_json.status_code < 500
    unknown = await client.post("/api/v1/drafts/nope/publish", headers=headers)
    assert unknown.status_code == 404 and unknown.json()["error"]["field"] == "slug"
    assert (await client.get("/api/v1/drafts")).json() == []


async def test_unknown_version_is_404(client: httpx.AsyncClient) -> None:
    headers = await _officer(client)
    await client.post("/api/v1/drafts", json={"markdown": sample_draft()}, headers=headers)
    await client.post("/api/v1/drafts/dog-rules/publish", headers=headers)
    assert (await client.get("/api/v1/drafts/dog-rules?version=9")).status_code == 404
    assert (await client.get("/api/v1/drafts/dog-rules?version=1")).status_code == 200


async def test_openapi_schema_and_health(client: httpx.AsyncClient) -> None:
    schema = await client.get("/schema")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/drafts" in paths and "/api/v1/drafts/{slug}" in paths
    health = await client.get("/health")
    assert health.status_code == 200
    assert health.json()["database"]["reachable"] is True
