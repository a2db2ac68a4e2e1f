"""Journey (c): an officer imports a draft, previews it, publishes it, screens the opinions on it.

The rest of the officer's journey — review a cluster of similar opinions, compile the feedback
packet and download it as DOCX — is not built yet, so it is not tested here (docs/browser-tests.md).
"""

from __future__ import annotations

import httpx
import pytest

from browser.support import DESKTOP, Site

expect = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed").expect

pytestmark = pytest.mark.browser

KEEP = "建议在小区出入口附近增设集中充电桩，方便居民就近充电。"
SPAM = "低价出售二手电瓶，联系微信 abc123。"


def test_officer_imports_previews_publishes_and_screens(site: Site, journey) -> None:
    j = journey("officer", DESKTOP)
    page = j.page
    slug, title = site.import_draft

    # Log in; the login form returns to the page that asked for it.
    page.goto(site.url + "/staff")
    expect(page.get_by_role("heading", name="工作人员登录")).to_be_visible()
    page.get_by_label("用户名").fill(site.officer.username)
    page.get_by_label("密码").fill(site.officer.password)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_text(f"您好，{site.officer.name}（联络站工作人员）")).to_be_visible()
    j.shot("staff-home")

    # Import the draft file through the upload form.
    page.get_by_role("link", name="导入新草案").click()
    expect(page.get_by_role("heading", name="导入草案")).to_be_visible()
    page.get_by_label("草案文件（.md）").set_input_files(site.import_file)
    j.shot("import-form")
    page.get_by_role("button", name="导入并预览").click()

    # The parsed structure, to check before publishing.
    expect(page).to_have_url(f"{site.url}/staff/drafts/{slug}?imported=1")
    expect(page.get_by_role("heading", name=title, level=1)).to_be_visible()
    expect(page.get_by_text("已导入第 1 版，请检查下面解析出的结构。")).to_be_visible()
    expect(page.get_by_text("未发布").first).to_be_visible()
    expect(page.get_by_role("heading", name="解析结果（第 1 版，共 6 条）")).to_be_visible()
    structure = page.locator("ol.structure")
    for heading in ("第一章　总则", "第二章　停放与充电", "第一节　停放", "第二节　充电", "第三章　附则"):
        expect(structure.get_by_text(heading, exact=True)).to_be_visible()
    expect(structure.locator("li", has_text="第三条")).to_contain_text("（1 款，2 项）")
    expect(structure.locator("li", has_text="第五条")).to_contain_text("（2 款）")
    j.shot("parsed-structure", full_page=True)

    # Preview the public page, then go back.
    page.get_by_role("link", name="预览公众页面").click()
    expect(page.get_by_text("预览（第 1 版）：公众看到的页面如下。")).to_be_visible()
    expect(page.get_by_role("heading", name=title, level=1)).to_be_visible()
    expect(page.locator("#art-5")).to_contain_text("禁止私拉电线为电动自行车充电")
    expect(page.get_by_role("link", name="提总体意见")).to_have_count(0)  # not open to the public yet
    j.shot("preview")
    page.get_by_role("link", name="返回管理页").click()
    expect(page.get_by_role("heading", name="发布与征求意见")).to_be_visible()

    # Publish.
    page.get_by_role("button", name="发布", exact=True).click()
    expect(page.get_by_text("正在征求意见").first).to_be_visible()
    expect(page.get_by_role("button", name="发布", exact=True)).to_have_count(0)
    expect(page.get_by_role("link", name=f"/drafts/{slug}")).to_be_visible()
    j.shot("published")

    # The public home page lists it now.
    page.get_by_role("link", name="征求意见", exact=True).click()
    expect(page.get_by_role("link", name=title)).to_be_visible()
    j.shot("public-home")

    # Two opinions arrive through the JSON API.
    receipts = {}
    for article, text in ((4, KEEP), (None, SPAM)):
        response = httpx.post(f"{site.url}/api/v1/drafts/{slug}/opinions", json={"text": text, "article": article},
                              timeout=10)
        assert response.status_code == 201, response.text
        receipts[text] = response.json()["receipt"]

    # Screen them: 工作台 → 整理意见.
    page.get_by_role("link", name="工作台").click()
    page.get_by_role("row", name=title).get_by_role("link", name="整理意见").click()
    expect(page.get_by_role("heading", name="整理意见")).to_be_visible()
    expect(page.get_by_text("共 2 条。")).to_be_visible()
    queue = page.locator("ol.screening > li")
    expect(queue).to_have_count(2)
    j.shot("screening-queue", full_page=True)

    # Keep the first.
    # With the keyboard: j j moves to the second (the newest is first), x ticks it, g keeps it.
    page.locator("h1").click()
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("x")
    expect(queue.filter(has_text=KEEP).get_by_role("checkbox")).to_be_checked()
    expect(queue.filter(has_text=SPAM).get_by_role("checkbox")).not_to_be_checked()
    page.keyboard.press("g")
    expect(page.get_by_text("已处理 1 条。")).to_be_visible()
    expect(page.get_by_text("共 1 条。")).to_be_visible()
    expect(queue).to_have_count(1)
    expect(queue).to_contain_text(SPAM)
    j.shot("kept-one", full_page=True)

    # Set the other aside, with a reason.
    queue.filter(has_text=SPAM).get_by_role("checkbox").check()
    page.get_by_label("不纳入原因").select_option(label="广告或无意义内容")
    page.get_by_role("button", name="不纳入汇总").click()
    expect(page.get_by_text("已处理 1 条。")).to_be_visible()
    expect(page.get_by_text("共 0 条。")).to_be_visible()
    expect(page.get_by_text("没有这种状态的意见。")).to_be_visible()
    j.shot("set-aside-one", full_page=True)

    # Each is under its own tab.
    tabs = page.get_by_role("navigation", name="按状态筛选")
    tabs.get_by_role("link", name="已采集，进入汇总").click()
    expect(page.get_by_text("共 1 条。")).to_be_visible()
    expect(queue).to_have_count(1)
    expect(queue).to_contain_text(KEEP)
    expect(queue).to_contain_text("第四条")
    j.shot("kept-tab", full_page=True)
    tabs.get_by_role("link", name="未纳入汇总").click()
    expect(page.get_by_text("共 1 条。")).to_be_visible()
    expect(queue).to_contain_text(SPAM)
    expect(queue).to_contain_text("广告或无意义内容")
    j.shot("set-aside-tab", full_page=True)

    # The citizen who sent the kept one sees its status on the receipt page.
    page.goto(f"{site.url}/receipts/{receipts[KEEP]}")
    expect(page.locator("dl.receipt")).to_contain_text("已采集，进入汇总")
    j.shot("receipt-status")

    # Two more people say the same as the kept opinion; the analysis worker groups them.
    for tail in ("谢谢！", "望采纳。"):
        response = httpx.post(f"{site.url}/api/v1/drafts/{slug}/opinions",
                              json={"text": KEEP + tail, "article": 4}, timeout=10)
        assert response.status_code == 201, response.text
    page.goto(f"{site.url}/staff/drafts/{slug}/clusters")
    for _ in range(30):  # the worker runs about once a second
        if page.get_by_text("3 人次").count():
            break
        page.wait_for_timeout(500)
        page.reload()
    expect(page.get_by_text("3 人次")).to_be_visible()
    j.shot("clusters", full_page=True)

    # Review the cluster: the differences are highlighted; write the point's summary.
    page.get_by_role("link", name="查看本组 3 条意见").click()
    expect(page.locator("mark").first).to_be_visible()
    page.get_by_label("归并意见摘要（写入意见汇总）").fill("建议在小区出入口增设集中充电桩（3 人提出）")
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.get_by_text("已保存。")).to_be_visible()
    j.shot("cluster-reviewed", full_page=True)

    # Compile the packet and download the Word file.
    page.goto(f"{site.url}/staff/drafts/{slug}/packets")
    page.get_by_role("button", name="生成新版本").click()
    expect(page.get_by_role("heading", name=f"关于《{title}》的意见汇总")).to_be_visible()
    expect(page.get_by_text("建议在小区出入口增设集中充电桩（3 人提出）")).to_be_visible()
    j.shot("packet", full_page=True)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Word").first.click()
    download = download_info.value
    target = j.dir / download.suggested_filename
    download.save_as(target)
    import docx as python_docx

    document = python_docx.Document(str(target))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "二、分条意见" in text and "建议在小区出入口增设集中充电桩" in text
