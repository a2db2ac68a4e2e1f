"""Pages the three journeys do not reach, visited and photographed for the user guide (docs/guide/).

Two stations of their own, so that 上报 really goes somewhere: a county station (``county``, with
its worker: clusters and the outbox) and the city station above it (``city``). Both start from the
same published draft; the county has an admin, an officer, office staff of one office, and five
opinions (three of them the same point). The test then goes role by role:

* the county officer: cluster review (a member's tags, a split undone, the topics page), draft
  dashboard, keeps the five opinions, QR poster, 意见汇总 → 生成新版本 → 上报, 上报与接收 until the
  city has it (已送达), 采纳情况 recorded for the three-opinion point;
* the public, on a phone: the transparency page, the outcomes page, a receipt showing its outcome;
* the county admin: staff home, 上报与接收 with the admin's forms, offices, an office, 操作记录;
* office staff: staff home and 批量导入;
* the city admin: 上报与接收 with the county's packet received and folded in.

Each step asserts what the page shows before the screenshot is taken (``bin/guide-screenshots``
copies the chosen ones into docs/guide/img/).
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from browser.support import ARTIFACTS, CITIZEN_DRAFT, DESKTOP, PHONE, ROOT, Account, citizen_draft_file
from liaison.devtools.server import LiaisonServer, start_together

expect = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed").expect

pytestmark = pytest.mark.browser

SLUG, TITLE = CITIZEN_DRAFT
OFFICE = "西街基层立法联络室"
COUNTY_NAME = "某县基层立法联络站"
CITY_NAME = "某市基层立法联络站"
SAME_POINT = "建议把犬链长度放宽到两米，一点五米在郊区遛大型犬不够用。"
OPINIONS: list[tuple[str, int | None]] = [
    (SAME_POINT, 12),
    (SAME_POINT + "谢谢！", 12),
    (SAME_POINT + "望采纳。", 12),
    ("建议明确养犬登记可以在网上办理，不必跑窗口。", 5),
    ("总体支持出台本条例，希望加强执法。", None),
]


@dataclass
class Stations:
    county: LiaisonServer
    city: LiaisonServer
    admin: Account
    officer: Account
    office_staff: Account
    city_admin: Account
    receipt: str          # a receipt of the three-opinion point


def _password(who: str) -> str:
    return f"{who} passphrase {secrets.token_hex(4)}"


def _user(server: LiaisonServer, account: Account, role: str, *extra: str) -> None:
    server.cli("users", "create", "--username", account.username, "--role", role, "--display-name", account.name,
               *extra, stdin=account.password + "\n")


@pytest.fixture(scope="module")
def stations(browser: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stations]:
    """A county station linked to a city station, both serving, with the county's opinions in."""
    work = tmp_path_factory.mktemp("guide-stations")
    drafts = work / "drafts"
    drafts.mkdir()
    (drafts / f"{SLUG}.md").write_text(citizen_draft_file(), encoding="utf-8")

    def station(name: str, label: str, worker: bool) -> LiaisonServer:
        server = LiaisonServer(f"sqlite:///{work / f'{name}.sqlite3'}", work / name, worker=worker, cwd=ROOT,
                               log_path=ARTIFACTS / f"guide-{name}-server.log",
                               env={"LIAISON_STATION_NAME": label, "LIAISON_PUBLIC_POSTS_PER_10MIN": "1000"})
        server.migrate()
        server.cli("drafts", "import", "--publish", str(drafts))
        return server

    admin = Account("zhao-admin", _password("admin"), "赵管理员")
    officer = Account("sun-officer", _password("officer"), "孙干事")
    office_staff = Account("zhou-office", _password("office"), "周主任")
    city_admin = Account("qian-admin", _password("city admin"), "钱管理员")

    def county_station() -> LiaisonServer:
        county = station("county", COUNTY_NAME, worker=True)
        county.cli("offices", "create", "--name", OFFICE, "--area", "西街街道", "--address", "西街 18 号",
                   "--phone", "0571-12345678")
        _user(county, admin, "admin")
        _user(county, officer, "officer")
        _user(county, office_staff, "office_staff", "--office", OFFICE)
        return county

    def city_station() -> tuple[LiaisonServer, str]:
        city = station("city", CITY_NAME, worker=False)
        _user(city, city_admin, "admin")
        return city, city.cli("stations", "add", "--id", "county-a", "--name", COUNTY_NAME).strip().splitlines()[-1]

    with ThreadPoolExecutor() as pool:  # the two stations' set-ups are independent: side by side
        county_setup, city_setup = pool.submit(county_station), pool.submit(city_station)
        county, (city, key) = county_setup.result(), city_setup.result()
    county.cli("upstream", "set", "--url", city.url, "--station-id", "county-a", "--name", "某市联络站",
               stdin=key + "\n")

    start_together(county, city)
    with county, city:
        receipts = []
        for text, article in OPINIONS:
            body = {"text": text, **({"article": article} if article else {})}
            response = httpx.post(f"{county.url}/api/v1/drafts/{SLUG}/opinions", json=body, timeout=10)
            assert response.status_code == 201, response.text
            receipts.append(response.json()["receipt"])
        yield Stations(county=county, city=city, admin=admin, officer=officer, office_staff=office_staff,
                       city_admin=city_admin, receipt=receipts[0])


def _log_in(page: Any, url: str, account: Account) -> None:
    page.goto(url + "/staff")
    page.get_by_label("用户名").fill(account.username)
    page.get_by_label("密码").fill(account.password)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="工作台", level=1)).to_be_visible()


def _reload_until(page: Any, text: str, seconds: float = 30) -> None:
    """The worker acts within about a second: reload until ``text`` shows (expect() then reports a miss)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not page.get_by_text(text).count():
        page.wait_for_timeout(500)
        page.reload()
    expect(page.get_by_text(text).first).to_be_visible()


def _review_screens(page: Any, j: Any, county: str) -> None:
    """Cluster review with htmx: a member's tags saved in place, a split (by keyboard) and its undo, the topics page.

    Everything is put back (the split undone), so the packet that follows still has the 3-opinion point.
    """
    page.get_by_role("link", name="查看本组 3 条意见").click()
    expect(page.get_by_role("heading", name=re.compile(r"归并组 #\d+（3 人次）"))).to_be_visible()
    cluster_url = page.url
    members = page.locator("li[data-review-item]")
    page.keyboard.press("j")
    page.keyboard.press("j")  # the keyboard cursor is on the second member
    expect(members.nth(1)).to_have_class(re.compile("review-current"))
    members.nth(1).locator("summary", has_text="调整标注或移动").click()
    members.nth(1).get_by_label("立场").select_option(label="修改")
    members.nth(1).get_by_label("群体").select_option(label="退休人员")
    members.nth(1).get_by_role("button", name="保存标注").click()
    # htmx swapped this member alone (a plain post would have reloaded the page with 已保存。)
    expect(members.nth(1).get_by_text("标注已保存。")).to_be_visible()
    expect(members.nth(1)).to_contain_text("群体：退休人员（人工）")
    expect(page).to_have_url(cluster_url)
    members.nth(1).locator("summary", has_text="调整标注或移动").click()
    expect(members.nth(1).get_by_role("button", name="保存标注")).to_be_visible()
    j.shot("cluster-tags", element=members.nth(1))

    # The shortcuts still work on the swapped member: x ticks it, m moves the ticked out as a new group.
    page.keyboard.press("x")
    expect(members.nth(1).locator("input[name=opinion]")).to_be_checked()
    page.keyboard.press("m")
    # htmx answered this cluster's panel, now without the member, and pushed its address
    expect(page.get_by_role("heading", name=re.compile(r"归并组 #\d+（2 人次）"))).to_be_visible()
    expect(page).to_have_url(re.compile(r"/staff/clusters/\d+\?saved=1$"))
    undo = page.get_by_role("button", name="撤销我上一步的移出")
    expect(undo).to_be_visible()
    j.shot("cluster-undo", element=page.locator("#cluster-panel"))
    undo.click()
    expect(page.get_by_text("已撤销上一步操作。")).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile(r"归并组 #\d+（3 人次）"))).to_be_visible()

    page.goto(f"{county}/staff/drafts/{SLUG}/topics")
    expect(page.get_by_role("heading", name="主题分类", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="添加主题")).to_be_visible()
    j.shot("topics", element=page.locator("main"), upto=page.locator("section.topic").first)


def test_guide_screens(stations: Stations, journey) -> None:
    county, city = stations.county.url, stations.city.url

    # ------------------------------------------------------------ the county officer
    j = journey("guide-officer", DESKTOP)
    page = j.page
    _log_in(page, county, stations.officer)
    expect(page.get_by_text(f"您好，{stations.officer.name}（联络站工作人员）")).to_be_visible()
    page.get_by_role("row", name=TITLE).get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", name="发布与征求意见")).to_be_visible()
    expect(page.get_by_text("正在征求意见").first).to_be_visible()
    j.shot("draft-manage")

    # The clusters first (the worker groups the three alike opinions), so the packet has the point.
    page.goto(f"{county}/staff/drafts/{SLUG}/clusters")
    _reload_until(page, "3 人次")
    _review_screens(page, j, county)

    page.goto(f"{county}/staff/drafts/{SLUG}")
    page.get_by_role("link", name="数据看板").first.click()
    expect(page.get_by_role("heading", name=f"数据看板：{TITLE}")).to_be_visible()
    expect(page.locator("#kpi-total")).to_have_text("5")
    expect(page.locator("#kpi-backlog")).to_have_text("5")  # nothing screened yet
    expect(page.get_by_role("heading", name="各条文意见热度")).to_be_visible()
    j.shot("dashboard")

    # Keep all five (the journeys show screening itself), so the receipts say 已采集，进入汇总.
    page.goto(f"{county}/staff/drafts/{SLUG}/screening")
    boxes = page.locator("ol.screening").get_by_role("checkbox")
    expect(boxes).to_have_count(5)
    for index in range(5):
        boxes.nth(index).check()
    page.get_by_role("button", name="保留（纳入汇总）").click()
    expect(page.get_by_text("已处理 5 条。")).to_be_visible()

    page.goto(f"{county}/staff/drafts/{SLUG}")
    page.get_by_role("link", name="二维码海报").click()
    expect(page.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
    expect(page.get_by_text("截止日期：2099")).to_be_visible()
    expect(page.locator(".poster-qr img")).to_have_attribute("alt", f"二维码：{county}/drafts/{SLUG}/comment")
    j.shot("poster")

    page.goto(f"{county}/staff/drafts/{SLUG}")
    page.get_by_role("link", name="意见汇总").click()
    expect(page.get_by_role("heading", name="意见汇总（反馈报告）")).to_be_visible()
    expect(page.get_by_text("还没有生成过。")).to_be_visible()
    page.get_by_role("button", name="生成新版本").click()
    expect(page.get_by_role("heading", name=f"关于《{TITLE}》的意见汇总")).to_be_visible()
    j.shot("packet-view")
    page.goto(f"{county}/staff/drafts/{SLUG}/packets")
    row = page.get_by_role("row", name=re.compile(r"^v1 "))
    expect(row.get_by_role("link", name="Word")).to_be_visible()
    expect(row.get_by_role("button", name="上报某市联络站")).to_be_visible()
    # Link-style buttons once rendered white on white: visible to Playwright, invisible to people.
    expect(row.get_by_role("button", name="上报某市联络站")).not_to_have_css("color", "rgb(255, 255, 255)")
    j.shot("packets-before-submit")
    row.get_by_role("button", name="上报某市联络站").click()
    expect(page.get_by_text("v1 已放入待发队列")).to_be_visible()
    j.shot("packets-submitted")

    page.get_by_role("link", name="上报与接收").click()
    expect(page.get_by_role("heading", name="上报与接收", level=1)).to_be_visible()
    expect(page.locator("dl.facts")).to_contain_text("county-a")
    _reload_until(page, "已送达")
    expect(page.get_by_role("row", name=re.compile(f"{SLUG} v1"))).to_contain_text("已送达")
    j.shot("submission")

    page.goto(f"{county}/staff/drafts/{SLUG}/outcomes")
    expect(page.get_by_role("heading", name="采纳情况", level=1)).to_be_visible()
    point = page.locator("ul.points > li").filter(has_text="3 条意见")
    expect(point).to_contain_text("尚未记录")
    j.shot("outcomes-before")
    point.get_by_label("采纳情况").select_option(label="部分采纳")
    point.get_by_label("通过文本条文").fill("第十二条")
    point.get_by_label("说明").fill("通过文本规定犬链长度不超过两米。")
    point.get_by_role("button", name="保存").click()
    expect(page.get_by_text(re.compile(r"已保存 c\d+ 的采纳情况。"))).to_be_visible()
    expect(page.locator("ul.points > li").filter(has_text="3 条意见")).to_contain_text("现为部分采纳")
    expect(page.locator("#t-adopted")).to_contain_text("3 条")
    j.shot("outcomes-recorded")

    # ------------------------------------------------------------ the public, on a phone
    j = journey("guide-public", PHONE)
    page = j.page
    page.goto(f"{county}/drafts/{SLUG}")
    page.get_by_role("link", name="意见办理情况").click()
    expect(page.get_by_role("heading", name="意见办理情况")).to_be_visible()
    facts = page.locator("dl.receipt")
    expect(facts).to_contain_text("收到意见5 条")
    expect(facts).to_contain_text("纳入汇总5 条")
    expect(facts).to_contain_text("已整理形成意见汇总 1 版")
    expect(page.locator("#t-adoption")).to_contain_text("被采纳 3 条")
    j.shot("transparency")
    page.get_by_role("link", name="查看各条意见的采纳情况").click()
    expect(page.get_by_role("heading", name="意见采纳情况")).to_be_visible()
    expect(page.locator("#t-adopted")).to_contain_text("3 条")
    expect(page.get_by_role("row", name=re.compile("部分采纳"))).to_contain_text("见通过文本第十二条")
    j.shot("outcomes-public")
    page.goto(f"{county}/receipts")
    page.get_by_label("回执码").fill(stations.receipt)
    page.get_by_role("button", name="查询").click()
    expect(page.locator("dl.receipt")).to_contain_text("已采集，进入汇总")
    expect(page.locator("#outcome")).to_contain_text("部分采纳（见通过文本第十二条）")
    expect(page.locator("#outcome")).to_contain_text("通过文本规定犬链长度不超过两米。")
    page.locator("#outcome").scroll_into_view_if_needed()
    j.shot("receipt-outcome")

    # ------------------------------------------------------------ the county admin
    j = journey("guide-admin", DESKTOP)
    page = j.page
    _log_in(page, county, stations.admin)
    expect(page.get_by_text(f"您好，{stations.admin.name}（系统管理员）")).to_be_visible()
    expect(page.get_by_role("link", name="操作记录")).to_be_visible()
    j.shot("staff-home")
    page.get_by_role("link", name="上报与接收").click()
    page.locator("summary", has_text="修改上级站").click()
    expect(page.get_by_label("共享密钥（上级站登记时给出）")).to_be_visible()
    page.locator("summary", has_text="登记下级站").click()
    expect(page.get_by_role("button", name="登记并生成密钥")).to_be_visible()
    page.evaluate("window.scrollTo(0, 0)")
    j.shot("submission-admin")
    page.goto(f"{county}/staff/network")
    expect(page.get_by_role("heading", name="联络室与信息员")).to_be_visible()
    expect(page.get_by_role("link", name=OFFICE)).to_be_visible()
    j.shot("network")
    page.get_by_role("link", name=OFFICE).click()
    expect(page.get_by_role("heading", name="新增人员")).to_be_visible()
    j.shot("office")
    page.goto(f"{county}/staff")
    page.get_by_role("link", name="操作记录").click()
    expect(page.get_by_role("heading", name="操作记录")).to_be_visible()
    recorded = page.locator("tbody tr").filter(has_text=re.compile(f"outcome {SLUG}/c\\d+"))
    expect(recorded).to_have_count(1)
    expect(recorded).to_contain_text(stations.officer.username)
    expect(recorded).to_contain_text("partly")
    j.shot("audit")

    # ------------------------------------------------------------ office staff
    j = journey("guide-office", DESKTOP)
    page = j.page
    _log_in(page, county, stations.office_staff)
    expect(page.get_by_text(f"您好，{stations.office_staff.name}（联络室工作人员）")).to_be_visible()
    expect(page.get_by_role("link", name="导入新草案")).to_have_count(0)
    j.shot("staff-home")
    page.get_by_role("row", name=TITLE).get_by_role("link", name="批量导入").click()
    expect(page.get_by_role("heading", name="批量导入意见")).to_be_visible()
    expect(page.get_by_role("link", name="Excel 模板（.xlsx）")).to_be_visible()
    page.locator("summary", has_text="各列怎么填").click()
    j.shot("import-form")

    # ------------------------------------------------------------ the city admin: the packet arrived
    j = journey("guide-city", DESKTOP)
    page = j.page
    _log_in(page, city, stations.city_admin)
    page.get_by_role("link", name="上报与接收").click()
    received = page.locator("section[aria-labelledby=h-in] tbody tr").filter(has_text=COUNTY_NAME)
    expect(received).to_have_count(1)
    expect(received).to_contain_text("county-a")
    expect(received).to_contain_text("v1")
    expect(received).to_contain_text("已并入")
    expect(received.get_by_role("button", name="回传采纳情况")).to_be_visible()
    received.scroll_into_view_if_needed()
    j.shot("received")
