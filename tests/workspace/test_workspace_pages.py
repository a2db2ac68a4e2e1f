"""Office workspace and "我的意见" over real HTTP, on every engine: figures, outcomes and who may see what."""

from __future__ import annotations

from datetime import date

import httpx
import pytest
from conftest import bearer, csrf, login, published_draft, service_user

from liaison.clusters.tables import Cluster, ClusterMember
from liaison.network import service as network
from liaison.opinions.tables import Activity, Opinion
from liaison.packets.compile import compile_packet
from liaison.workspace import figures

pytestmark = pytest.mark.db

API = "/api/v1/drafts/dog-rules/opinions"


async def _login_as(client: httpx.AsyncClient, username: str) -> None:
    client.cookies.clear()
    await client.get("/login")
    r = await client.post("/login", data={"username": username, "password": "a long passphrase",
                                          "_csrf_token": csrf(client)}, follow_redirects=False)
    assert r.status_code == 303, r.text


async def _seed(client: httpx.AsyncClient) -> dict[str, int]:
    """East office: volunteer 陈阿姨 (login chen) enters 4 opinions at a symposium; west gets 1 by hotline."""
    await published_draft()
    boss = await service_user("boss", "officer")
    east = await network.create_office(network.OfficeInput(name="东街联络室"), boss)
    west = await network.create_office(network.OfficeInput(name="西街联络室"), boss)
    chen = await network.create_volunteer(name="陈阿姨", role_name="信息员", office_id=east, phone="", actor=boss,
                                          username="chen", password="a long passphrase")
    draft_id = (await Opinion.select(Opinion.id).first().run() or {}).get("id")  # none yet
    assert draft_id is None
    from liaison.drafts.tables import Draft

    draft_id = (await Draft.select(Draft.id).first().run())["id"]
    activity = (await Activity.insert(Activity(draft=draft_id, office=east, kind="symposium", title="社区座谈会",
                                               held_on=date(2026, 11, 20), attendees=18)).run())[0]["id"]
    await _login_as(client, "chen")
    for article, text in [("3", "牵引绳应不超过1.5米"), ("", "总体支持"), ("3", "牵引绳不宜超过一米五"), ("2", "广告！！")]:
        r = await client.post("/staff/entry", data={"activity": str(activity), "article": article, "text": text,
                                                    "_csrf_token": csrf(client)}, follow_redirects=False)
        assert r.status_code == 303, r.text
    officer = await bearer("api_officer", "officer")
    r = await client.post(API, json={"text": "西街热线意见", "channel": "hotline", "office": west}, headers=officer)
    assert r.status_code == 201, r.text
    ids = {row["text"]: row["id"] for row in await Opinion.select(Opinion.id, Opinion.text).run()}
    await Opinion.update({Opinion.status: "set_aside", Opinion.set_aside_reason: "spam"}).where(
        Opinion.id == ids["广告！！"]).run()
    await Opinion.update({Opinion.status: "kept"}).where(Opinion.id == ids["牵引绳应不超过1.5米"]).run()
    cluster = (await Cluster.insert(Cluster(draft=draft_id, representative=ids["牵引绳应不超过1.5米"], article=3,
                                            size=2)).run())[0]["id"]
    await ClusterMember.insert(ClusterMember(cluster=cluster, opinion=ids["牵引绳应不超过1.5米"]),
                               ClusterMember(cluster=cluster, opinion=ids["牵引绳不宜超过一米五"])).run()
    client.cookies.clear()
    return {"east": east, "west": west, "chen": chen, "activity": activity, **{f"o:{k}": v for k, v in ids.items()}}


async def test_office_figures_count_only_the_office_and_follow_packets(client: httpx.AsyncClient) -> None:
    seed = await _seed(client)
    f = await figures.office_figures(seed["east"])
    assert f.total == 4
    assert f.screening == [("待整理", 2), ("已保留", 1), ("未纳入汇总", 1)]
    assert f.by_channel == [("座谈会", 4)] and f.by_volunteer == [("陈阿姨", 4)]
    assert f.by_draft == [("某市养犬管理条例（草案）", 4)]
    assert (f.activities, f.attendees, f.in_packets, f.packets) == (1, 18, 0, [])
    await compile_packet("dog-rules", None)
    # an opinion arriving after the packet is not in it
    officer = await bearer("late_officer", "officer")
    r = await client.post(API, json={"text": "编制后才收到", "channel": "visit", "office": seed["east"]}, headers=officer)
    assert r.status_code == 201
    f = await figures.office_figures(seed["east"])
    assert f.total == 5 and f.in_packets == 3  # 4 entered before, minus the set-aside one
    assert [(p["number"], p["opinions"]) for p in f.packets] == [(1, 3)]
    assert f.by_volunteer == [("陈阿姨", 4), (figures.NO_VOLUNTEER, 1)]
    west = await figures.office_figures(seed["west"])
    assert (west.total, west.by_channel, west.in_packets) == (1, [("电话", 1)], 1)


async def test_office_workspace_page_and_who_may_open_it(client: httpx.AsyncClient) -> None:
    seed = await _seed(client)
    east, west = seed["east"], seed["west"]
    url = f"/staff/offices/{east}/workspace"
    assert (await client.get(url, follow_redirects=False)).headers["location"].startswith("/login")

    await login(client, "east_staff", "office_staff")
    await network.assign_office("east_staff", east, "t")
    entry = await client.get("/staff/workspace", follow_redirects=False)
    assert entry.status_code == 302 and entry.headers["location"] == url
    page = await client.get(url)
    assert page.status_code == 200, page.text
    html = page.text
    assert 'id="kpi-total">4<' in html and 'id="kpi-unscreened">2<' in html and 'id="kpi-activities">1<' in html
    assert "社区座谈会" in html and "牵引绳不宜超过一米五" in html and "西街热线意见" not in html
    assert "座谈会 4" in html and "陈阿姨 4" in html and 'role="img"' in html
    assert 'href="/staff/workspace">本联络室</a>' in html and 'href="/staff/mine">我的意见</a>' in html
    other = await client.get(f"/staff/offices/{west}/workspace")
    assert other.status_code == 403 and "本联络室" in other.text

    await _login_as(client, "chen")  # a volunteer: role refused
    assert (await client.get(url)).status_code == 403
    assert (await client.get("/staff/workspace")).status_code == 403

    await login(client, "officer_w", "officer")
    listing = await client.get("/staff/workspace")
    assert listing.status_code == 200 and f'href="/staff/offices/{west}/workspace"' in listing.text
    assert "联络室工作</a>" in listing.text
    west_page = await client.get(f"/staff/offices/{west}/workspace")
    assert west_page.status_code == 200 and "西街热线意见" in west_page.text and "电话 1" in west_page.text
    assert (await client.get("/staff/offices/999999/workspace")).status_code == 404


async def test_unassigned_office_staff_is_told_why(client: httpx.AsyncClient) -> None:
    await login(client, "lost_staff", "office_staff")
    r = await client.get("/staff/workspace")
    assert r.status_code == 403 and "还没有分配联络室" in r.text


async def test_my_opinions_say_what_became_of_each_entry(client: httpx.AsyncClient) -> None:
    seed = await _seed(client)
    await compile_packet("dog-rules", None)
    await _login_as(client, "chen")
    page = await client.get("/staff/mine")
    assert page.status_code == 200, page.text
    html = page.text
    assert 'id="mine-total">4<' in html and "待整理 2 条，已保留 1 条，未纳入汇总 1 条" in html
    assert "西街热线意见" not in html  # not theirs

    def item(text_key: str) -> str:
        return html.split(f'id="entry-{seed["o:" + text_key]}"')[1].split("</li>")[0]

    assert "已保留；与其他 1 条意见归并为一条；已纳入第 1 版意见汇总" in item("牵引绳应不超过1.5米")
    assert "待整理；与其他 1 条意见归并为一条；已纳入第 1 版意见汇总" in item("牵引绳不宜超过一米五")
    assert "/edit" in item("牵引绳不宜超过一米五") and "/edit" not in item("牵引绳应不超过1.5米")
    assert "未纳入汇总（广告或无意义内容）" in item("广告！！") and "汇总；" not in item("广告！！")
    assert "已纳入第 1 版" in item("总体支持")
    # the edit link works (still unscreened) and a later entry is not yet in a packet
    edit = await client.get(f"/staff/entries/{seed['o:总体支持']}/edit")
    assert edit.status_code == 200
    r = await client.post("/staff/entry", data={"activity": str(seed["activity"]), "text": "新的一条",
                                                "_csrf_token": csrf(client)}, follow_redirects=False)
    assert r.status_code == 303
    html = (await client.get("/staff/mine")).text
    newest = html.split('<ol class="entries mine">')[1].split("</li>")[0]
    assert "新的一条" in newest and "意见汇总" not in newest and "待整理" in newest
    assert (await client.get("/staff/mine?page=0")).status_code == 422


async def test_my_opinions_for_someone_who_entered_nothing(client: httpx.AsyncClient) -> None:
    await login(client, "fresh_officer", "officer")
    page = await client.get("/staff/mine")
    assert page.status_code == 200 and "您还没有录入意见" in page.text and 'id="mine-total">0<' in page.text
