import json
import subprocess
from pathlib import Path

import httpx
import pytest
from conftest import LIAISON, ROOT, csrf, login, published_draft

from liaison.clusters import service as clusters
from liaison.clusters.tables import ClusterMember
from liaison.opinions.tables import Opinion

pytestmark = pytest.mark.db

SAME = "我建议第三条规定牵引绳长度不得超过1.5米，保障行人安全。{}"


def _main(html: str) -> str:
    """The page without the header (which names the logged-in officer)."""
    return html.split('<main', 1)[1]


async def _seed(client: httpx.AsyncClient, tmp_path: Path) -> dict:
    """Three opinions making one point (one with contact details), one lone opinion; clustered."""
    await published_draft()
    receipts = []
    for i, (text, article, contributor) in enumerate([
        (SAME.format(""), 3, {"name": "王秘密", "phone": "13911112222", "consent": True}),
        (SAME.format("谢谢！"), 3, None), (SAME.format("望采纳"), 3, None),
        ("总体支持，我的电话13800001111", None, None),
    ]):
        body = {"text": text, "article": article} if article else {"text": text}
        if contributor:
            body["contributor"] = contributor
        response = await client.post("/api/v1/drafts/dog-rules/opinions", json=body,
                                      headers={"X-Forwarded-For": f"10.0.0.{i}"})
        assert response.status_code == 201, response.text
        receipts.append(response.json()["receipt"])
    await clusters.assign_pending(clusters.Analyzer(tmp_path))
    first = await Opinion.select(Opinion.id).where(Opinion.receipt == receipts[0]).first().run()
    lone = await Opinion.select(Opinion.id).where(Opinion.receipt == receipts[3]).first().run()
    member_of = {m["opinion"]: m["cluster"] for m in await ClusterMember.select().run()}
    return {"receipts": receipts, "point": f"c{member_of[first['id']]}", "lone": f"c{member_of[lone['id']]}"}


async def test_officer_records_an_outcome_and_the_receipt_and_public_page_show_it(
        client: httpx.AsyncClient, tmp_path: Path) -> None:
    s = await _seed(client, tmp_path)
    await login(client, "adopt_officer", "officer")
    page = await client.get("/staff/drafts/dog-rules/outcomes")
    assert page.status_code == 200
    assert f'id="point-{s["point"]}"' in page.text and "3 条意见" in page.text and "第三条" in page.text
    assert page.text.count('name="_csrf_token"') >= 3  # batch form + one per point (+ logout)

    saved = await client.post("/staff/drafts/dog-rules/outcomes", data={
        "point": s["point"], "outcome": "adopted", "note": "已写入通过文本", "final_article": "第四条",
        "page": "1", "_csrf_token": csrf(client)}, follow_redirects=False)
    assert saved.status_code == 303
    assert saved.headers["location"] == f"/staff/drafts/dog-rules/outcomes?saved={s['point']}&page=1#point-{s['point']}"
    page = await client.get(saved.headers["location"])
    assert "现为<strong>采纳</strong>" in page.text and "adopt_officer" in page.text
    assert f"已保存 {s['point']} 的采纳情况" in page.text

    for receipt in s["receipts"][:3]:
        shown = await client.get(f"/receipts/{receipt}")
        assert 'id="outcome"><strong>采纳</strong>（见通过文本第四条）' in shown.text and "已写入通过文本" in shown.text
        assert "adopt_officer" not in _main(shown.text)
        api = (await client.get(f"/api/v1/receipts/{receipt}")).json()
        assert api["outcome"]["outcome"] == "adopted" and api["outcome"]["label"] == "采纳"
        assert api["outcome"]["final_article"] == "第四条" and "decided_by" not in api["outcome"]
    assert 'id="outcome"' not in (await client.get(f"/receipts/{s['receipts'][3]}")).text
    assert (await client.get(f"/api/v1/receipts/{s['receipts'][3]}")).json()["outcome"] is None

    await client.post("/staff/drafts/dog-rules/outcomes", data={
        "point": s["lone"], "outcome": "not_adopted", "note": "联系13800001111的市民", "_csrf_token": csrf(client)})
    public = await client.get("/drafts/dog-rules/outcomes")
    assert public.status_code == 200
    html = _main(public.text)
    assert 'id="t-collected">4 条' in html and 'id="t-submitted">0 条' in html and 'id="t-adopted">3 条' in html
    assert "第三条" in html and "总体意见" in html and "<strong>采纳</strong>" in html and "未采纳" in html
    assert "见通过文本第四条" in html and "已写入通过文本" in html
    for secret in ("王秘密", "13911112222", "13800001111", "adopt_officer"):
        assert secret not in html, secret
    assert "138****1111" in html  # contact details in an opinion's text or a note are masked

    data = (await client.get("/api/v1/drafts/dog-rules/outcomes")).json()
    assert data["totals"]["collected"] == 4 and data["totals"]["adopted"] == 3 and data["totals"]["submitted"] == 0
    assert data["totals"]["opinions_by_outcome"] == {"adopted": 3, "partly": 0, "not_adopted": 1, "pending": 0}
    assert [(p["point_key"], p["outcome"], p["opinions"]) for p in data["points"]] == [
        (s["lone"], "not_adopted", 1), (s["point"], "adopted", 3)]
    assert "13800001111" not in json.dumps(data, ensure_ascii=False)
    assert "decided_by" not in data["points"][0]

    # after a packet is compiled, "submitted" counts the opinions it holds
    await client.post("/staff/drafts/dog-rules/packets", data={"_csrf_token": csrf(client)})
    assert (await client.get("/api/v1/drafts/dog-rules/outcomes")).json()["totals"]["submitted"] == 4

    transparency = await client.get("/drafts/dog-rules/transparency")
    assert 'href="/drafts/dog-rules/outcomes"' in transparency.text and "被采纳 3 条" in transparency.text


async def test_batch_form_and_bad_input(client: httpx.AsyncClient, tmp_path: Path) -> None:
    s = await _seed(client, tmp_path)
    await login(client, "adopt_admin", "admin")
    response = await client.post("/staff/drafts/dog-rules/outcomes/batch", data={
        "point": [s["point"], s["lone"]], "outcome": "pending", "note": "等待常委会审议", "page": "1",
        "_csrf_token": csrf(client)}, follow_redirects=False)
    assert response.status_code == 303 and "saved=2" in response.headers["location"]
    page = await client.get(response.headers["location"])
    assert "已为 2 项意见记录采纳情况" in page.text and page.text.count("现为<strong>待定</strong>") == 2
    undecided = await client.get("/staff/drafts/dog-rules/outcomes?undecided=1")
    assert "每项意见都已记录采纳情况" in undecided.text

    bad = await client.post("/staff/drafts/dog-rules/outcomes", data={
        "point": s["point"], "outcome": "maybe", "_csrf_token": csrf(client)})
    assert bad.status_code == 422 and "采纳情况“maybe”无效" in bad.text
    unknown = await client.post("/staff/drafts/dog-rules/outcomes", data={
        "point": "c999999", "outcome": "adopted", "_csrf_token": csrf(client)})
    assert unknown.status_code == 422 and "c999999" in unknown.text
    none = await client.post("/staff/drafts/dog-rules/outcomes/batch", data={
        "outcome": "adopted", "_csrf_token": csrf(client)})
    assert none.status_code == 422 and "请勾选" in none.text
    no_csrf = await client.post("/staff/drafts/dog-rules/outcomes", data={"point": s["point"], "outcome": "adopted"})
    assert no_csrf.status_code == 403
    assert (await client.get("/staff/drafts/nope/outcomes")).status_code == 404


async def test_only_officers_and_admins_record(client: httpx.AsyncClient, tmp_path: Path) -> None:
    s = await _seed(client, tmp_path)
    await login(client, "adopt_office", "office_staff")
    assert (await client.get("/staff/drafts/dog-rules/outcomes")).status_code == 403
    refused = await client.post("/staff/drafts/dog-rules/outcomes", data={
        "point": s["point"], "outcome": "adopted", "_csrf_token": csrf(client)})
    assert refused.status_code == 403
    assert 'id="outcome"' not in (await client.get(f"/receipts/{s['receipts'][0]}")).text


async def test_public_pages_of_an_unpublished_draft_are_404(client: httpx.AsyncClient) -> None:
    from zoneinfo import ZoneInfo

    from conftest import sample_draft

    from liaison.drafts.service import import_draft

    await import_draft(sample_draft("hidden"), source_name="hidden.md", tz=ZoneInfo("Asia/Shanghai"), max_bytes=1 << 20)
    assert (await client.get("/drafts/hidden/outcomes")).status_code == 404
    assert (await client.get("/api/v1/drafts/hidden/outcomes")).status_code == 404
    empty = await client.get("/drafts/nope/outcomes")
    assert empty.status_code == 404


async def test_public_page_before_any_outcome(client: httpx.AsyncClient) -> None:
    await published_draft()
    page = await client.get("/drafts/dog-rules/outcomes")
    assert page.status_code == 200 and "法规通过后，联络站在这里公布" in page.text
    assert 'id="t-adopted">0 条' in page.text
    transparency = await client.get("/drafts/dog-rules/transparency")
    assert "法规通过后在此公布" in transparency.text


async def test_overview_reports_adopted(client: httpx.AsyncClient, tmp_path: Path) -> None:
    s = await _seed(client, tmp_path)
    await login(client, "adopt_boss", "admin")
    await client.post("/staff/drafts/dog-rules/outcomes", data={
        "point": s["point"], "outcome": "partly", "_csrf_token": csrf(client)})
    page = await client.get("/staff/overview")
    assert 'id="ov-adopted">3<' in page.text
    csv_text = (await client.get("/staff/overview.csv")).content.decode("utf-8-sig")
    assert csv_text.splitlines()[1].split(",")[4] == "3"
    dashboard = await client.get("/staff/drafts/dog-rules/dashboard")
    assert 'href="/staff/drafts/dog-rules/outcomes"' in dashboard.text
    manage = await client.get("/staff/drafts/dog-rules")
    assert 'href="/staff/drafts/dog-rules/outcomes"' in manage.text


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*LIAISON, *args], env=env, capture_output=True, text=True, timeout=60, cwd=ROOT)


async def test_cli_records_and_lists(cli_env: dict[str, str], client: httpx.AsyncClient, tmp_path: Path) -> None:
    s = await _seed(client, tmp_path)
    done = _cli(cli_env, "outcomes", "record", "--draft", "dog-rules", "--point", s["point"], "--outcome", "采纳",
                "--note", "已采纳", "--final-article", "第四条")
    assert done.returncode == 0, done.stderr
    assert f"dog-rules: {s['point']} recorded for 3 opinion(s)" in done.stdout
    bad = _cli(cli_env, "outcomes", "record", "--draft", "dog-rules", "--point", "c999999", "--outcome", "adopted")
    assert bad.returncode != 0 and "c999999" in bad.stderr and "(point)" in bad.stderr
    wrong = _cli(cli_env, "outcomes", "record", "--draft", "dog-rules", "--point", s["point"], "--outcome", "yes")
    assert wrong.returncode != 0 and "(outcome)" in wrong.stderr
    listed = _cli(cli_env, "outcomes", "list", "--draft", "dog-rules")
    assert listed.returncode == 0
    assert f"{s['point']}\t采纳\t3 opinion(s)\t第四条 · 已采纳" in listed.stdout
    assert "collected 4 · submitted 0 · adopted 3" in listed.stdout
    as_json = json.loads(_cli(cli_env, "outcomes", "list", "--draft", "dog-rules", "--format", "json").stdout)
    assert as_json["totals"]["adopted"] == 3
    assert [(o["point_key"], o["outcome"], o["source"]) for o in as_json["outcomes"]] == [(s["point"], "adopted", "person")]
    missing = _cli(cli_env, "outcomes", "list", "--draft", "nope")
    assert missing.returncode != 0 and "nope" in missing.stderr
