import pytest
from conftest import csrf, login, sample_draft
import httpx

pytestmark = pytest.mark.db

XSS = "<script>alert(1)</script>"


async def _officer_imports(client: httpx.AsyncClient, text: str) -> None:
    await login(client, "officer_pages", "officer")
    response = await client.post(
        "/staff/drafts/new",
        files={"file": ("dog-rules.md", text.encode("utf-8"), "text/markdown")},
        data={"_csrf_token": csrf(client)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"].startswith("/staff/drafts/dog-rules")


async def test_officer_imports_previews_and_publishes(client: httpx.AsyncClient) -> None:
    await _officer_imports(client, sample_draft())
    manage = await client.get("/staff/drafts/dog-rules?imported=1")
    assert manage.status_code == 200
    assert "已导入第 1 版" in manage.text and "第二章 养犬管理" in manage.text and "2 项" in manage.text
    preview = await client.get("/staff/drafts/dog-rules/preview")
    assert preview.status_code == 200 and 'id="art-3"' in preview.text
    assert (await client.get("/drafts/dog-rules")).status_code == 404  # not public yet

    published = await client.post("/staff/drafts/dog-rules/status/publish", data={"_csrf_token": csrf(client)},
                                  follow_redirects=False)
    assert published.status_code == 303
    home = await client.get("/")
    assert "某市养犬管理条例（草案）" in home.text and "正在征求意见" in home.text


async def test_public_draft_page_has_toc_anchors_and_comment_links(client: httpx.AsyncClient) -> None:
    await _officer_imports(client, sample_draft())
    await client.post("/staff/drafts/dog-rules/status/publish", data={"_csrf_token": csrf(client)})
    page = await client.get("/drafts/dog-rules")
    assert page.status_code == 200
    html = page.text
    for n in (1, 2, 3):
        assert f'id="art-{n}"' in html and f'href="#art-{n}"' in html
        assert f'href="/drafts/dog-rules/comment?article={n}"' in html
    assert 'id="ch-1"' in html and 'href="#ch-2"' in html and "重点征求意见的问题" in html and "还剩" in html
    assert '<meta name="viewport"' in html
    jump = await client.get("/drafts/dog-rules?n=3", follow_redirects=False)
    assert jump.status_code == 303 and jump.headers["location"] == "/drafts/dog-rules#art-3"
    article = await client.get("/drafts/dog-rules/articles/2")
    assert article.status_code == 200 and "（二）按时免疫。" in article.text and "第三条" in article.text
    assert (await client.get("/drafts/dog-rules/articles/99")).status_code == 404
    assert (await client.get("/drafts/nope")).status_code == 404


async def test_markup_in_drafts_is_escaped_everywhere(client: httpx.AsyncClient) -> None:
    text = sample_draft(extra_article=f"\n\n第四条　{XSS}<img src=x onerror=alert(2)>[点我](javascript:alert(3))")
    text = text.replace("summary: 规范养犬行为。", f"summary: 规范{XSS}")
    await _officer_imports(client, text)
    await client.post("/staff/drafts/dog-rules/status/publish", data={"_csrf_token": csrf(client)})
    for path in ("/drafts/dog-rules", "/drafts/dog-rules/articles/4", "/staff/drafts/dog-rules", "/"):
        html = (await client.get(path)).text
        assert "<script>alert" not in html, path
        assert "<img src=x" not in html, path
        assert 'href="javascript:' not in html, path
    assert "&lt;script&gt;" in (await client.get("/drafts/dog-rules")).text


async def test_bad_upload_shows_the_error_and_keeps_the_text(client: httpx.AsyncClient) -> None:
    await login(client, "officer_bad", "officer")
    pasted = "---\ntitle: 某条例\nslug: some-rules\n---\n这里没有条文"
    response = await client.post("/staff/drafts/new", data={"markdown": pasted, "_csrf_token": csrf(client)},
                                 files={"file": ("", b"", "application/octet-stream")})
    assert response.status_code == 422
    assert "没有导入" in response.text and "这里没有条文" in response.text
    empty = await client.post("/staff/drafts/new", data={"markdown": "", "_csrf_token": csrf(client)},
                              files={"file": ("", b"", "application/octet-stream")})
    assert empty.status_code == 422 and "请选择" in empty.text
    binary = await client.post("/staff/drafts/new", data={"_csrf_token": csrf(client)},
                               files={"file": ("x.md", b"\x89PNG\x00\x00\x01", "image/png")})
    assert binary.status_code == 422
    assert "没有草案" in (await client.get("/staff")).text


async def test_oversized_upload_is_refused(client: httpx.AsyncClient, settings) -> None:
    await login(client, "officer_big", "officer")
    big = sample_draft() + "\n" + ("说明" * (settings.max_upload_bytes // 3))
    response = await client.post("/staff/drafts/new", data={"_csrf_token": csrf(client)},
                                 files={"file": ("big.md", big.encode("utf-8"), "text/markdown")})
    assert response.status_code == 413


async def test_officer_edits_metadata_and_window(client: httpx.AsyncClient) -> None:
    await _officer_imports(client, sample_draft())
    response = await client.post(
        "/staff/drafts/dog-rules/meta",
        data={"title": "某市养犬管理条例（草案二次征求意见稿）", "issuer": "法工委", "summary": "新的简介",
              "key_questions": "问题甲\n问题乙", "comment_opens": "2026-12-01", "comment_closes": "2026-12-31",
              "_csrf_token": csrf(client)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    page = (await client.get("/staff/drafts/dog-rules")).text
    assert "二次征求意见稿" in page and 'value="2026-12-31"' in page and "问题乙" in page
    bad = await client.post("/staff/drafts/dog-rules/meta",
                            data={"title": "T", "comment_closes": "31/12/2026", "_csrf_token": csrf(client)})
    assert bad.status_code == 422 and "comment_closes" in bad.text
