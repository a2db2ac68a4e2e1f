"""Hostile input, property by property.

Pure parts (the draft parser, opinion cleaning, receipt codes, the import reader) run under
hypothesis ``@given``. The HTTP properties run through the real app (``client`` over ASGI, on
SQLite and, with LIAISON_TEST_POSTGRES, PostgreSQL): hypothesis cannot drive an ``async def`` test
on the session loop the database pool is bound to, so each HTTP test draws a fixed batch of inputs
from a seeded generator (hand-picked hostile strings plus random unicode with controls, combining
marks, surrogates and zero-width characters) and checks every one.
"""

from __future__ import annotations

import os

import json
import random
import unicodedata
from pathlib import Path

import httpx
import pytest
from conftest import SECRET_KEY, bearer, csrf, login, published_draft, sample_draft
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from liaison.config import Settings
from liaison.core.errors import DomainError
from liaison.drafts.parser import DraftFormatError, parse_draft
from liaison.opinions.importing import read_table
from liaison.opinions.receipts import ALPHABET, LENGTH, normalize_receipt
from liaison.opinions.validation import ContributorInput, OpinionInput, clean_opinion

# Fixed examples in CI (CI=true), fresh ones locally.
PROPS = hsettings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow],
                  derandomize=bool(os.environ.get("CI")))
URL = "/api/v1/drafts/dog-rules/opinions"

XSS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(2)>",
    '"><svg onload=alert(3)>',
    "javascript:alert(4)",
    "[点我](javascript:alert(5))",
    "'><iframe src=javascript:alert(6)>",
    "<a href=\"javascript:alert(7)\">x</a>",
    "{{ 7*7 }}{% raw %}",
]
#: what must never appear unescaped in a page
DANGEROUS = ["<script>alert", "<img src=x", "<svg onload", "<iframe", 'href="javascript:', "href=javascript:",
             '<a href="javascript']
SQL = [
    "'; DROP TABLE opinions; --",
    "\" OR 1=1 --",
    "%_\\",
    "Robert'); DELETE FROM drafts;--",
    "100%_完成\\n",
    "`id` = 1; SELECT * FROM users",
    "''''\"\"\"\\\\",
    "$1 $$ :name ? %s {0}",
]


def expected_clean(value: str) -> str:
    """The documented cleaning, written out independently: NFC, CRLF/CR → LF, controls dropped, trimmed."""
    value = unicodedata.normalize("NFC", value).replace("\r\n", "\n").replace("\r", "\n")
    value = "".join(ch for ch in value if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    return value.strip()


@pytest.fixture
def settings(database: str, tmp_path: Path) -> Settings:
    """As conftest's, with the public rate limit out of the way (it has its own tests)."""
    return Settings(database_url=database, secret_key=SECRET_KEY, data_dir=tmp_path, public_posts_per_10min=1_000_000)


# ---------------------------------------------------------------- generated inputs

_ALPHABETS = [
    "abcXYZ 019",
    "建议牵引绳长度不超过两米。，；：“”（）【】",
    "\u0301\u0308\u0327e\u0065\u00e9\u1100\u1161\uac00",  # combining marks, decomposed/composed
    "\x00\x01\x07\x1b\x7f\x85\u200b\u200d\u202e\u2028\u2029\ufeff\ufff9",  # controls, bidi, format chars
    "\r\n\t   \u3000",
    "<>\"'&`;%_\\/{}$#",
    "😀🇨🇳𠀀\U0010fffd",
]


def random_text(rng: random.Random, max_len: int = 80) -> str:
    pick = rng.random()
    if pick < 0.25:
        return rng.choice(XSS + SQL)
    chars = []
    for _ in range(rng.randint(0, max_len)):
        if rng.random() < 0.05:
            chars.append(chr(rng.randint(0x20, 0x2FFFF)))
        else:
            chars.append(rng.choice(rng.choice(_ALPHABETS)))
    text = "".join(chars)
    if pick > 0.9:
        text = rng.choice(XSS + SQL) + text
    return text


def _json_body(payload: dict) -> bytes:
    # ensure_ascii escapes lone surrogates as \udxxx, which the server must refuse cleanly
    return json.dumps(payload, ensure_ascii=True).encode()


def _no_trace(response: httpx.Response) -> None:
    assert response.status_code < 500, f"{response.request.method} {response.request.url} -> {response.status_code}"
    for marker in ("Traceback (most recent call last)", 'File "/', "site-packages"):
        assert marker not in response.text, response.text[:2000]


def _escaped(html: str, where: str) -> None:
    for bad in DANGEROUS:
        assert bad not in html, f"{bad!r} unescaped on {where}"


# ---------------------------------------------------------------- pure parts (hypothesis)

FRONT = "---\ntitle: 某条例\nslug: some-rules\n---\n"


@PROPS
@given(st.one_of(st.text(), st.binary(), st.text().map(lambda s: FRONT + s),
                 st.text().map(lambda s: sample_draft() + s), st.binary().map(lambda b: FRONT.encode() + b),
                 st.lists(st.sampled_from(["---", "title: x", "slug: a-b", "# 标题", "第一章　总则", "第一条　内容",
                                           "第二条", "（一）项", "key_questions:", "  - q", "comment_opens: 2020-13-40",
                                           "<!--", "-->", "&a [*a]", ": :", "\t", "\x00", "第九千九百九十九条　x"]),
                          max_size=30).map("\n".join)))
def test_parser_returns_or_refuses_with_draft_format_error(source: str | bytes) -> None:
    try:
        parsed = parse_draft(source, source_name="fuzz.md")
    except DraftFormatError as exc:
        assert str(exc)
    else:
        assert parsed.articles


@PROPS
@given(text=st.text(), suggestion=st.text(), reason=st.text(), name=st.text(max_size=60), consent=st.booleans())
def test_clean_opinion_keeps_what_was_said_minus_invisible_junk(text: str, suggestion: str, reason: str, name: str,
                                                                 consent: bool) -> None:
    raw = OpinionInput(text=text, suggestion=suggestion, reason=reason,
                       contributor=ContributorInput(name=name, consent=consent))
    try:
        cleaned = clean_opinion(raw)
    except DomainError as exc:
        assert exc.status_code == 422 and exc.field
        return
    assert cleaned.text == expected_clean(text) and cleaned.text
    assert cleaned.suggestion == expected_clean(suggestion) and cleaned.reason == expected_clean(reason)
    assert clean_opinion(cleaned).text == cleaned.text  # idempotent
    if cleaned.contributor:
        assert cleaned.contributor.name == expected_clean(name)


@PROPS
@given(st.one_of(st.text(), st.text(alphabet=ALPHABET + " -—\u3000abc", max_size=14)))
def test_receipt_codes_normalise_or_are_refused(code: str) -> None:
    normal = normalize_receipt(code)
    if normal is not None:
        assert len(normal) == LENGTH and set(normal) <= set(ALPHABET)
        assert normalize_receipt(normal) == normal


@PROPS
@given(st.one_of(st.binary(max_size=2000),
                 st.text(max_size=500).map(lambda s: ("意见内容,条文,姓名\n" + s).encode("utf-8")),
                 st.text(max_size=200).map(lambda s: ("意见内容,条文\n" + s).encode("gb18030", "replace")),
                 st.binary(max_size=500).map(lambda b: b"PK\x03\x04" + b)),
       st.sampled_from(["x.csv", "x.xlsx", "", "<script>.csv"]))
def test_import_reader_reads_or_refuses_with_a_message(content: bytes, filename: str) -> None:
    try:
        rows, fmt, _ = read_table(content, filename)
        for _row in rows:
            pass
    except DomainError as exc:
        assert exc.message and exc.status_code in (413, 422)
    else:
        assert fmt in ("csv", "xlsx")


# ---------------------------------------------------------------- HTTP (seeded batches)

@pytest.mark.db
async def test_api_opinions_survive_arbitrary_unicode(client: httpx.AsyncClient) -> None:
    await published_draft()
    rng = random.Random(20240601)
    created = 0
    for _ in range(50):
        payload: dict = {"text": random_text(rng, 120)}
        for key in ("suggestion", "reason"):
            if rng.random() < 0.5:
                payload[key] = random_text(rng)
        if rng.random() < 0.3:
            payload["article"] = rng.choice([1, 2, 3, 0, -1, 99, 2**31, 2**63, 10**30])
        if rng.random() < 0.3:
            payload["contributor"] = {"name": random_text(rng, 40), "consent": rng.random() < 0.8}
        response = await client.post(URL, content=_json_body(payload), headers={"content-type": "application/json"})
        _no_trace(response)
        assert response.status_code in (200, 201, 400, 404, 413, 422), (payload, response.status_code, response.text)
        if response.status_code >= 400:
            assert response.json()["error"]["message"]
            continue
        created += response.status_code == 201
        receipt = (await client.get(f"/api/v1/receipts/{response.json()['receipt']}")).json()
        assert receipt["text"] == expected_clean(payload["text"]), payload
        assert receipt["suggestion"] == expected_clean(payload.get("suggestion", ""))
        assert receipt["reason"] == expected_clean(payload.get("reason", ""))
        assert "name" not in json.dumps(receipt, ensure_ascii=False).lower() or "contributor" not in receipt
    assert created >= 10  # the batch is not all refusals


@pytest.mark.db
async def test_sql_metacharacters_are_stored_verbatim(client: httpx.AsyncClient) -> None:
    await published_draft()
    officer = await bearer("fuzz_sql_officer", "officer")
    for n, text in enumerate(SQL):
        suggestion, reason = SQL[(n + 1) % len(SQL)], SQL[(n + 2) % len(SQL)]
        response = await client.post(URL, json={"text": text, "suggestion": suggestion, "reason": reason,
                                                "article": 1 + n % 3})
        assert response.status_code == 201, response.text
        receipt = (await client.get(f"/api/v1/receipts/{response.json()['receipt']}")).json()
        assert (receipt["text"], receipt["suggestion"], receipt["reason"]) == (text.strip(), suggestion, reason)
    listing = (await client.get(URL, params={"per_page": 100}, headers=officer)).json()
    assert sorted(item["text"] for item in listing["items"]) == sorted(t.strip() for t in SQL)
    # metacharacters in filters are values, not syntax
    for value in SQL:
        _no_trace(await client.get(URL, params={"channel": value, "status": value, "personal": value},
                                   headers=officer))
        _no_trace(await client.get(f"/api/v1/drafts/{value}", headers=officer))
        _no_trace(await client.get(f"/api/v1/receipts/{value}"))
    assert (await client.get(URL, headers=officer)).json()["total"] == len(SQL)


@pytest.mark.db
async def test_xss_in_opinions_is_escaped_on_every_page(client: httpx.AsyncClient) -> None:
    await published_draft()
    receipts = []
    for n, payload in enumerate(XSS):
        response = await client.post(URL, json={
            "text": f"意见{n} {payload}", "suggestion": payload, "reason": payload, "article": 1 + n % 3,
            "contributor": {"name": payload[:50], "region": payload, "consent": True},
        })
        assert response.status_code == 201, response.text
        receipts.append(response.json()["receipt"])
    # the public comment form (CSRF: read the cookie set by the form page)
    for n, payload in enumerate(XSS):
        await client.get("/drafts/dog-rules/comment?article=2")
        response = await client.post("/drafts/dog-rules/comment", follow_redirects=False, data={
            "_csrf_token": csrf(client), "article": "2", "text": f"表单{n} {payload}", "suggestion": payload,
            "reason": payload, "name": payload[:50], "region": payload, "consent": "1",
        })
        assert response.status_code == 303, response.text
        receipts.append(response.headers["location"].split("/")[2].split("?")[0])
        # an error page echoes what was typed: escaped too
        refused = await client.post("/drafts/dog-rules/comment", data={
            "_csrf_token": csrf(client), "text": payload, "name": payload[:50], "phone": payload})
        assert refused.status_code == 422
        _escaped(refused.text, "the refused comment form")
    for code in receipts:
        page = await client.get(f"/receipts/{code}")
        assert page.status_code == 200
        _escaped(page.text, f"/receipts/{code}")
        assert "&lt;" in page.text or "javascript:alert" in page.text or "{{ 7*7 }}" in page.text
        assert "49" not in page.text.split("意见")[-1][:40]  # no template evaluation of "{{ 7*7 }}"
    await login(client, "fuzz_xss_officer", "officer")
    for path in ("/staff/drafts/dog-rules/screening", "/staff/drafts/dog-rules/screening?personal=full",
                 "/staff/drafts/dog-rules", "/drafts/dog-rules", "/drafts/dog-rules/articles/2",
                 "/drafts/dog-rules/comment?article=2", "/staff"):
        page = await client.get(path)
        _no_trace(page)
        _escaped(page.text, path)
    screening = (await client.get("/staff/drafts/dog-rules/screening")).text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in screening


def _hostile_draft(payload: str, slug: str) -> str:
    text = sample_draft(slug, extra_article=f"\n\n第四条　{payload}正文{payload}")
    quoted = json.dumps(f"条例{payload}", ensure_ascii=False)
    text = text.replace("title: 某市养犬管理条例（草案）", f"title: {quoted}", 1)
    text = text.replace("summary: 规范养犬行为。", f"summary: {json.dumps('简介' + payload, ensure_ascii=False)}")
    text = text.replace("  - 牵引绳长度应当规定为多少？", f"  - {json.dumps('问题' + payload, ensure_ascii=False)}")
    return text.replace("第二章　养犬管理", f"第二章　养犬管理{payload}")


@pytest.mark.db
async def test_xss_in_draft_markdown_and_file_names_is_escaped_on_every_page(client: httpx.AsyncClient) -> None:
    await login(client, "fuzz_draft_officer", "officer")
    for n, payload in enumerate(XSS):
        slug = f"hostile-{n}"
        response = await client.post(
            "/staff/drafts/new", data={"_csrf_token": csrf(client)}, follow_redirects=False,
            files={"file": (f"{payload}.md", _hostile_draft(payload, slug).encode("utf-8"), "text/markdown")},
        )
        assert response.status_code == 303, (payload, response.status_code, response.text[:3000])
        assert response.headers["location"].startswith(f"/staff/drafts/{slug}")
        published = await client.post(f"/staff/drafts/{slug}/status/publish", data={"_csrf_token": csrf(client)},
                                      follow_redirects=False)
        assert published.status_code == 303
        await client.post(f"/api/v1/drafts/{slug}/opinions", json={"text": payload, "article": 4})
        for path in (f"/drafts/{slug}", f"/drafts/{slug}/articles/4", f"/drafts/{slug}/comment?article=4",
                     f"/staff/drafts/{slug}", f"/staff/drafts/{slug}/preview", f"/staff/drafts/{slug}/screening",
                     "/", "/staff"):
            page = await client.get(path)
            assert page.status_code == 200, (path, page.status_code)
            _escaped(page.text, f"{path} (payload {payload!r})")
        if "<" in payload:
            for path in (f"/drafts/{slug}", f"/staff/drafts/{slug}"):  # shown, escaped (not dropped)
                assert "&lt;" in (await client.get(path)).text, path
        else:
            assert "{{ 7*7 }}" not in payload or "{{ 7*7 }}" in (await client.get(f"/drafts/{slug}")).text
    # the API gives the text back as data, unchanged
    detail = (await client.get("/api/v1/drafts/hostile-0")).json()
    assert XSS[0] in detail["title"] and XSS[0] in detail["summary"] and XSS[0] in detail["key_questions"][0]


@pytest.mark.db
async def test_huge_and_odd_numbers_in_pages_and_queries_are_refused_cleanly(client: httpx.AsyncClient) -> None:
    await published_draft()
    officer = await bearer("fuzz_num_officer", "officer")
    failures: list[str] = []

    def check(response: httpx.Response) -> None:
        if response.status_code >= 500 or "Traceback" in response.text:
            body = response.request.content.decode()[:80] if response.request.method == "POST" else ""
            staff = " (staff token)" if "authorization" in response.request.headers else ""
            failures.append(f"{response.request.method} {response.request.url}{staff} {body} -> {response.status_code}")

    for number in ("0", "-1", "99", str(2**31), str(2**63 - 1), str(2**63), str(10**30), "1e3", "0x10", "１", "三"):
        for path in (f"/drafts/dog-rules/articles/{number}", f"/drafts/dog-rules/comment?article={number}",
                     f"/drafts/dog-rules?n={number}", f"/api/v1/drafts/dog-rules?version={number}"):
            check(await client.get(path, follow_redirects=False))
        for query in ("article", "office", "page", "per_page"):
            check(await client.get(URL, params={query: number}, headers=officer))
        for field in ("article", "office", "volunteer", "activity"):
            body = {"text": f"数字{field}{number}", field: int(number) if number.lstrip("-").isascii()
                    and number.lstrip("-").isdigit() else number}
            check(await client.post(URL, content=_json_body(body), headers={"content-type": "application/json",
                                                                              **officer}))
        check(await client.post(URL, content=_json_body({"text": f"公众{number}", "article": number}),
                                headers={"content-type": "application/json"}))
    assert not failures, "\n".join(failures)


@pytest.mark.db
async def test_oversized_bodies_are_refused(client: httpx.AsyncClient, settings: Settings) -> None:
    await published_draft()
    big_json = b'{"text": "' + b"a" * (65 * 1024) + b'"}'
    response = await client.post(URL, content=big_json, headers={"content-type": "application/json"})
    assert response.status_code == 413 and response.json()["error"]["message"]
    # the public form has the same 64 KiB limit
    await client.get("/drafts/dog-rules/comment")
    form = await client.post("/drafts/dog-rules/comment",
                             data={"_csrf_token": csrf(client), "text": "长" * (70 * 1024)})
    assert form.status_code == 413
    # draft files over LIAISON_MAX_UPLOAD_MB, as a page upload and through the API
    await login(client, "fuzz_big_officer", "officer")
    big = sample_draft("big-rules") + "\n" + "说明" * (settings.max_upload_bytes // 3)
    upload = await client.post("/staff/drafts/new", data={"_csrf_token": csrf(client)},
                               files={"file": ("big.md", big.encode("utf-8"), "text/markdown")})
    assert upload.status_code == 413
    token = await bearer("fuzz_big_api", "officer")
    api = await client.post("/api/v1/drafts", json={"markdown": big, "filename": "big.md"}, headers=token)
    assert api.status_code == 413, api.text
    huge = await client.post("/api/v1/drafts", headers={**token, "content-type": "application/json"},
                             content=b'{"markdown": "' + b"x" * (settings.max_upload_bytes + 128 * 1024) + b'"}')
    assert huge.status_code == 413
    assert (await client.get("/api/v1/drafts/big-rules", headers=token)).status_code == 404
