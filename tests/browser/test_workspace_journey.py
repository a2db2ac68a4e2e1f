"""Journey (d): on a 360 px phone, an officer opens an office's workspace and adds a volunteer; the
volunteer enters two opinions (htmx swaps only the form: the page is not reloaded) and reads 我的意见."""

from __future__ import annotations

import re

import pytest

from browser.support import PHONE, Site

expect = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed").expect

pytestmark = pytest.mark.browser

VISIT = "工作区走访"
USERNAME, PASSWORD = "wang_ws", "a long passphrase ok"
OPINIONS = ["建议在小区内划定遛犬区域。", "希望犬只登记可以在网上办理。"]


def _fits(page) -> None:
    """Nothing on the page is wider than the 360 px screen."""
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_office_workspace_and_my_opinions_on_a_phone(site: Site, journey) -> None:
    officer = journey("workspace-officer", PHONE)
    page = officer.page
    page.goto(site.url + "/login")
    page.get_by_label("用户名").fill(site.officer.username)
    page.get_by_label("密码").fill(site.officer.password)
    page.get_by_role("button", name="登录").tap()
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="联络室工作").tap()
    expect(page.get_by_role("heading", name="联络室工作情况")).to_be_visible()
    _fits(page)
    page.get_by_role("link", name=site.office).tap()
    expect(page.get_by_role("heading", name=f"{site.office}工作情况")).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("^整理情况："))).to_be_visible()  # other journeys may add data
    _fits(page)
    officer.shot("office-workspace", full_page=True)
    page.get_by_role("link", name="人员与联络室信息").tap()
    page.get_by_label("姓名").fill("王信息员")
    page.get_by_label("登录账号").fill(USERNAME)
    page.get_by_label("初始密码").fill(PASSWORD)
    page.get_by_role("button", name="新增").tap()
    expect(page.get_by_role("cell", name=USERNAME)).to_be_visible()

    volunteer = journey("workspace-volunteer", PHONE)
    page = volunteer.page
    _, draft_title = site.citizen_draft
    page.goto(site.url + "/login")
    page.get_by_label("用户名").fill(USERNAME)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").tap()
    page.get_by_role("link", name="登记征询活动").tap()
    page.get_by_label("草案").select_option(label=draft_title)
    page.get_by_label("活动类型").select_option(label="走访")
    page.get_by_label("活动名称（选填）").fill(VISIT)
    page.get_by_label("日期").fill("2026-11-21")
    page.get_by_role("button", name="保存").tap()
    expect(page.get_by_role("heading", name=f"走访：{VISIT}")).to_be_visible()

    page.goto(site.url + "/staff/entry")
    activity = page.get_by_label("来自哪次活动")
    activity.select_option(value=activity.locator("option", has_text=VISIT).get_attribute("value"))
    page.evaluate("window.__notReloaded = true")
    for count, text in enumerate(OPINIONS, 1):
        page.get_by_label("意见内容（必填）").fill(text)
        page.get_by_role("button", name="保存并录入下一条").tap()
        expect(page.get_by_text(f"已保存。本次活动您已录入 {count} 条，可以继续录入下一条。")).to_be_visible()
        expect(page.get_by_label("意见内容（必填）")).to_have_value("")
        expect(page.get_by_label("意见内容（必填）")).to_be_focused()
    assert page.evaluate("window.__notReloaded === true")  # htmx swapped the panel; no page load
    assert page.url == site.url + "/staff/entry"
    _fits(page)
    volunteer.shot("entered-two", full_page=True)

    page.get_by_role("navigation", name="主导航").get_by_role("link", name="我的意见").tap()
    expect(page.get_by_role("heading", name="我的意见")).to_be_visible()
    entries = page.locator("ol.entries > li")
    expect(entries).to_have_count(2)
    expect(entries.first).to_contain_text(OPINIONS[1])
    expect(entries.first).to_contain_text("待整理")
    _fits(page)
    volunteer.shot("my-opinions", full_page=True)
    entries.first.get_by_role("link", name="修改").tap()
    expect(page.get_by_role("heading", name="修改我录入的意见")).to_be_visible()
