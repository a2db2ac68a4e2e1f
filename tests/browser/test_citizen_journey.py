"""Journey (a): a citizen on a phone opens a draft, jumps to an article, comments, gets a receipt, checks it."""

from __future__ import annotations

import pytest
from browser.support import PHONE, Site, receipt_code_pattern

expect = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed").expect

pytestmark = pytest.mark.browser

OPINION = "犬链一点五米偏短，大型犬难以控制，建议区分大型犬和小型犬分别规定。"
SUGGESTION = "大型犬犬链不得超过一点二米，小型犬不得超过一点五米。"


def test_citizen_comments_on_an_article_from_a_phone(site: Site, journey) -> None:
    j = journey("citizen", PHONE)
    page = j.page
    slug, title = site.citizen_draft

    # The home page lists the drafts open for comment.
    page.goto(site.url + "/")
    expect(page.get_by_role("heading", name="法律法规草案征求意见")).to_be_visible()
    expect(page.get_by_role("link", name=title)).to_be_visible()
    j.shot("home")

    # Open the draft.
    page.get_by_role("link", name=title).tap()
    expect(page).to_have_url(f"{site.url}/drafts/{slug}")
    expect(page.get_by_role("heading", name=title, level=1)).to_be_visible()
    expect(page.get_by_text("共 24 条")).to_be_visible()
    expect(page.get_by_text("正在征求意见").first).to_be_visible()
    j.shot("draft")

    # Jump to article 12 with the jump box (a plain GET form: works without JavaScript).
    article = page.locator("#art-12")
    expect(article).not_to_be_in_viewport()
    page.get_by_role("textbox", name="跳到第").fill("十二")
    page.get_by_role("button", name="跳转").tap()
    expect(page).to_have_url(f"{site.url}/drafts/{slug}#art-12")
    expect(article).to_be_in_viewport()
    expect(article).to_contain_text("犬链长度不得超过一点五米")
    j.shot("jumped-to-article-12")

    # Comment on that article.
    article.get_by_role("link", name="对第十二条提意见").tap()
    expect(page.get_by_role("heading", name="对第十二条提意见")).to_be_visible()
    expect(page.get_by_role("region", name="条文原文")).to_contain_text("犬链长度不得超过一点五米")
    expect(page.get_by_label("针对条文")).to_have_value("12")
    j.shot("comment-form")

    page.get_by_label("您的意见").fill(OPINION)
    page.get_by_label("修改建议").fill(SUGGESTION)
    page.get_by_text("留下联系方式（选填，可匿名提交）").tap()
    expect(page.get_by_text("个人信息处理说明", exact=True)).to_be_visible()
    page.get_by_label("姓名").fill("王小明")
    page.get_by_label("电话").fill("13912345678")
    page.get_by_label("我已阅读并同意上述个人信息处理说明").check()
    j.shot("comment-filled", full_page=True)
    page.get_by_role("button", name="提交意见").tap()

    # The receipt: a code to write down, the opinion, no personal data.
    expect(page.get_by_text("提交成功，谢谢您的意见！")).to_be_visible()
    code = page.get_by_label("回执码").inner_text().strip()
    assert receipt_code_pattern().match(code), code
    expect(page.locator(".opinion-text").first).to_have_text(OPINION)
    expect(page.get_by_text("王小明")).to_have_count(0)
    expect(page.get_by_role("button", name="删除我的个人信息")).to_be_visible()
    j.shot("receipt")

    # Later: look the receipt up by typing the code (lower case, as people do).
    page.get_by_role("link", name="查询回执").tap()
    expect(page.get_by_role("heading", name="查询意见办理情况")).to_be_visible()
    page.get_by_label("回执码").fill(code.lower())
    j.shot("lookup")
    page.get_by_role("button", name="查询").tap()
    expect(page).to_have_url(f"{site.url}/receipts/{code.replace('-', '')}")
    expect(page.get_by_role("heading", name="意见回执")).to_be_visible()
    expect(page.get_by_label("回执码")).to_have_text(code)
    receipt = page.locator("dl.receipt")
    expect(receipt).to_contain_text(title)
    expect(receipt).to_contain_text("第十二条")
    expect(receipt).to_contain_text("已收到，待整理")
    expect(page.get_by_text(OPINION)).to_be_visible()
    expect(page.get_by_text(SUGGESTION)).to_be_visible()
    expect(page.get_by_text("提交成功")).to_have_count(0)
    j.shot("receipt-looked-up")
