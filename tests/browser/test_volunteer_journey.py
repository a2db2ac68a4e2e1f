"""Journey (b): a volunteer logs in, records a symposium, enters three opinions from it, sees them listed."""

from __future__ import annotations

import pytest

from browser.support import PHONE, Site

expect = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed").expect

pytestmark = pytest.mark.browser

SYMPOSIUM = "东街社区养犬座谈会"
OPINIONS = [  # (what the volunteer types in 针对第几条, the opinion, how the list shows the article)
    ("12", "居民普遍认为犬链一点五米合适，但希望增加夜间遛犬的要求。", "第十二条："),
    ("", "总体支持出台条例，希望加强宣传。", "总体意见："),
    ("第二条", "建议明确本条例是否适用于农村地区。", "第二条："),
]


def test_volunteer_enters_three_opinions_from_a_symposium(site: Site, journey) -> None:
    j = journey("volunteer", PHONE)  # volunteers enter what they heard on their phones
    page = j.page
    _, draft_title = site.citizen_draft

    # Log in.
    page.goto(site.url + "/")
    page.get_by_role("link", name="工作人员登录").tap()
    page.get_by_label("用户名").fill(site.volunteer.username)
    page.get_by_label("密码").fill(site.volunteer.password)
    j.shot("login")
    page.get_by_role("button", name="登录").tap()
    expect(page.get_by_role("heading", name="工作台")).to_be_visible()
    expect(page.get_by_text(f"您好，{site.volunteer.name}（信息员/联络员）")).to_be_visible()
    j.shot("staff-home")

    # Record the symposium (征询活动) the opinions came from.
    page.get_by_role("link", name="登记征询活动").tap()
    expect(page.get_by_role("heading", name="登记征询活动")).to_be_visible()
    page.get_by_label("草案").select_option(label=draft_title)
    expect(page.get_by_label("联络室")).to_contain_text(site.office)  # only the volunteer's own office
    page.get_by_label("活动类型").select_option(label="座谈会")
    page.get_by_label("活动名称（选填）").fill(SYMPOSIUM)
    page.get_by_label("日期").fill("2026-11-20")
    page.get_by_label("地点").fill("东街社区活动室")
    page.get_by_label("参加人数").fill("18")
    j.shot("activity-form", full_page=True)
    page.get_by_role("button", name="保存").tap()
    expect(page.get_by_role("heading", name=f"座谈会：{SYMPOSIUM}")).to_be_visible()
    expect(page.get_by_role("heading", name="已录入的意见（0）")).to_be_visible()
    activity_url = page.url.split("?")[0]
    j.shot("activity-saved")

    # 工作台 → 录入收集到的意见, pick the activity once.
    page.get_by_role("link", name="工作台").tap()
    page.get_by_role("link", name="录入收集到的意见").tap()
    expect(page.get_by_role("heading", name="录入收集到的意见")).to_be_visible()
    activity = page.get_by_label("来自哪次活动")
    option = activity.locator("option", has_text=SYMPOSIUM)
    expect(option).to_have_count(1)
    activity.select_option(value=option.get_attribute("value"))
    j.shot("entry-form")

    # Three opinions, one after another; the activity stays chosen.
    for count, (article, text, _) in enumerate(OPINIONS, 1):
        page.get_by_label("针对第几条（不填为总体意见）").fill(article)
        page.get_by_label("意见内容（必填）").fill(text)
        page.get_by_role("button", name="保存并录入下一条").tap()
        expect(page.get_by_text(f"已保存。本次活动您已录入 {count} 条，可以继续录入下一条。")).to_be_visible()
        expect(activity.locator("option:checked")).to_contain_text(SYMPOSIUM)
        expect(page.get_by_label("意见内容（必填）")).to_have_value("")
        j.shot(f"entered-{count}")

    # All three under 我最近录入的意见, newest first.
    expect(page.get_by_role("heading", name="我最近录入的意见")).to_be_visible()
    entries = page.locator("ol.entries > li")
    expect(entries).to_have_count(3)
    for index, (_, text, shown_as) in enumerate(reversed(OPINIONS)):
        expect(entries.nth(index)).to_contain_text(shown_as + text)
        expect(entries.nth(index)).to_contain_text("已收到，待整理")
        expect(entries.nth(index).get_by_role("link", name="修改")).to_be_visible()
    entries.first.scroll_into_view_if_needed()
    j.shot("entries-listed", full_page=True)

    # The activity page counts them too. (Typed in: no page links a volunteer back to their activities.)
    page.goto(activity_url)
    expect(page.get_by_role("heading", name="已录入的意见（3）")).to_be_visible()
    j.shot("activity-with-opinions")
