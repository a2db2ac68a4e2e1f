"""Dashboard pages over real HTTP, on every engine."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import date

import httpx
import pytest
import pytest_asyncio
from conftest import bearer, login, published_draft, service_user

from liaison.clusters.tables import Cluster
from liaison.config import Settings
from liaison.dashboard.web import ROUTES
from liaison.network import service as network
from liaison.opinions.tables import Activity, Opinion

pytestmark = pytest.mark.db

URL = "/api/v1/drafts/dog-rules/opinions"


@pytest_asyncio.fixture
async def dash(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The app with the dashboard routes (registered here until app.py includes them)."""
    from liaison.app import create_app

    app = create_app(settings, manage_database=False)
    present = {route.path for route in app.routes}
    for handler in ROUTES:
        if not set(handler.paths) & present:
            app.register(handler)
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as client:
        yield client


async def _seed(client: httpx.AsyncClient) -> dict[str, int]:
    await published_draft()
    boss = await service_user("boss", "officer")
    east = await network.create_office(network.OfficeInput(name="东街联络室"), boss)
    chen = await network.create_volunteer(name="陈阿姨", role_name="信息员", office_id=east, phone="", actor=boss)
    staff = await bearer("clerk", "officer")
    for text in ("支持第三条", "反对，牵引绳不必规定", "总体支持"):
        article = None if text == "总体支持" else 3
        r = await client.post(URL, json={"text": text, "article": article})
        assert r.status_code == 201, r.text
    for i in range(2):
        r = await client.post(URL, json={"text": f"座谈会意见{i}", "article": 2, "channel": "symposium",
                                         "volunteer": chen}, headers=staff)
        assert r.status_code == 201, r.text
    r = await client.post(URL, json={"text": "<script>alert(1)</script>", "channel": "hotline", "office": east},
                          headers=staff)
    assert r.status_code == 201, r.text
    ids = [row["id"] for row in await Opinion.select(Opinion.id).order_by(Opinion.id).run()]
    await Opinion.update({Opinion.status: "kept"}).where(Opinion.id == ids[0]).run()
    draft_id = (await Opinion.select(Opinion.draft).first().run())["draft"]
    await Cluster.insert(
        Cluster(draft=draft_id, representative=ids[3], article=2, size=2, summary="座谈会归并"),
        Cluster(draft=draft_id, representative=ids[1], article=3, size=3, reviewed_by="boss"),
        Cluster(draft=draft_id, representative=ids[0], article=3, size=1),
    ).run()
    await Activity.insert(
        Activity(draft=draft_id, office=east, kind="symposium", held_on=date.today(), attendees=18),
        Activity(draft=draft_id, office=east, kind="visit", held_on=date(2019, 5, 1), attendees=7),
    ).run()
    return {"east": east, "chen": chen}


async def test_dashboard_shows_the_figures(dash: httpx.AsyncClient) -> None:
    await _seed(dash)
    await login(dash, "officer1", "officer")
    page = await dash.get("/staff/drafts/dog-rules/dashboard")
    assert page.status_code == 200, page.text
    html = page.text
    assert '<span class="kpi-n" id="kpi-total">6</span>' in html
    assert '<span class="kpi-n" id="kpi-backlog">5</span>' in html
    assert '<span class="kpi-n" id="kpi-clusters">1</span>' in html  # size ≥ 2 and not reviewed
    assert '<span class="kpi-n" id="kpi-activities">2</span>' in html and "参与 25 人次" in html
    days = html.split('id="kpi-days">')[1].split("<")[0]
    assert days.isdigit() and int(days) > 1000  # the sample draft closes in 2099
    for label in ("网上征求意见 3", "座谈会 2", "电话 1", "东街联络室 3", "未指定联络室（网上等） 3", "陈阿姨 2"):
        assert label in html, label
    assert "第三条：2 条意见，分歧 50%" in html  # one support, one oppose
    assert "第二条：2 条意见" in html and "第一条：0 条意见" in html
    assert "座谈会归并" in html and "还没有生成意见汇总" in html
    assert "<script>alert" not in html
    assert '/static/css/dashboard.css' in html
    assert (await dash.get("/staff/drafts/nope/dashboard")).status_code == 404


async def test_overview_and_csv(dash: httpx.AsyncClient) -> None:
    await _seed(dash)
    await login(dash, "officer2", "admin")
    year = date.today().year
    page = await dash.get(f"/staff/overview?year={year}")
    assert page.status_code == 200, page.text
    html = page.text
    assert 'id="ov-drafts">1<' in html and 'id="ov-opinions">6<' in html and 'id="ov-activities">1<' in html
    # people reached: 18 attendees this year + 1 online contributor (one client address)
    assert 'id="ov-reached">19<' in html and 'id="ov-sent">0<' in html and 'id="ov-adopted">0<' in html
    response = await dash.get(f"/staff/overview.csv?year={year}")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:6] == ["年度", "办理草案数", "收集意见数", "上报意见数", "被采纳意见数", "开展活动次数"]
    assert rows[1] == [str(year), "1", "6", "0", "0", "1", "18", "1", "19"]  # nothing sent up or adopted yet
    assert rows[4] == ["某市养犬管理条例（草案）", "dog-rules", "6"]
    old = list(csv.reader(io.StringIO((await dash.get("/staff/overview.csv?year=2019")).content.decode("utf-8-sig"))))
    assert old[1] == ["2019", "0", "0", "0", "0", "1", "7", "0", "7"]
    assert (await dash.get("/staff/overview?year=1800")).status_code in (400, 422)


@pytest.mark.parametrize("role", ["volunteer", "office_staff"])
async def test_only_officers_and_admins(dash: httpx.AsyncClient, role: str) -> None:
    await published_draft()
    for path in ("/staff/drafts/dog-rules/dashboard", "/staff/overview", "/staff/overview.csv"):
        assert (await dash.get(path, follow_redirects=False)).status_code in (302, 303, 401)
    await login(dash, f"user_{role}", role)
    for path in ("/staff/drafts/dog-rules/dashboard", "/staff/overview", "/staff/overview.csv"):
        assert (await dash.get(path)).status_code == 403, path


async def test_packets_sent_up_show_on_the_dashboard_and_the_overview(dash: httpx.AsyncClient) -> None:
    from liaison.packets.compile import compile_packet
    from liaison.submission import outbox, peers

    await _seed(dash)
    await login(dash, "officer3", "officer")
    packet = await compile_packet("dog-rules", None)
    sent = packet.statistics.kept + packet.statistics.unscreened
    html = (await dash.get("/staff/drafts/dog-rules/dashboard")).text
    assert 'id="dash-sub-1"' in html and "未配置上级站" in html
    await peers.set_upstream("http://upper.test", "county-a", "k" * 20, name="某市联络站", actor="t")
    await outbox.submit_packet("dog-rules", 1, actor="officer3")
    html = (await dash.get("/staff/drafts/dog-rules/dashboard")).text
    assert "上报某市联络站" in html and "待发送" in html.split('id="dash-sub-1"')[1].split("</td>")[0]
    overview = (await dash.get(f"/staff/overview?year={date.today().year}")).text
    assert f'id="ov-sent">{sent}<' in overview and sent > 0
