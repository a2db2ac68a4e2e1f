"""The i18n layer: every interface string goes through the catalog, catalogs are current
and complete, and a visitor can switch the interface language (docs/i18n.md)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import pytest
from babel.messages.checkers import checkers
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from conftest import csrf, published_draft

from liaison.config import ConfigError, load_settings
from liaison.i18n import LOCALES_DIR, available_locales, format_date_for, gettext, use_locale
from liaison.i18n.audit import untranslated_in_source, untranslated_in_templates
from liaison.opinions.validation import CHANNEL_LABELS
from liaison.web.templating import TEMPLATES_DIR

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "liaison"


def _extracted() -> set[str]:
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    keywords = {**DEFAULT_KEYWORDS, "N_": None}
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(PACKAGE, method_map, options_map, keywords):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def _catalog(path: Path, locale: str | None = None):
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def test_templates_hold_no_untranslated_chinese() -> None:
    found = untranslated_in_templates(TEMPLATES_DIR)
    assert not found, "wrap these in _() or {% trans %} (docs/i18n.md):\n" + "\n".join(map(str, found[:40]))


def test_audit_sees_text_attributes_and_literals_but_not_translated_ones() -> None:
    assert untranslated_in_source("<p>征求意见</p>")
    assert untranslated_in_source('<input placeholder="例如">')
    assert untranslated_in_source('{{ x or "无" }}')
    assert not untranslated_in_source('<p>{{ _("征求意见") }}</p>{% trans %}共{{ n }}条{% endtrans %}')
    assert not untranslated_in_source('{{ ngettext("%(num)d 条", "%(num)d 条", n) }}<p>OK</p>')


def test_the_message_template_is_current() -> None:
    in_pot = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalog(LOCALES_DIR / "messages.pot") if m.id}
    in_code = _extracted()
    assert in_code - in_pot == set(), "run `make messages`: new messages are missing from messages.pot"
    assert in_pot - in_code == set(), "run `make messages`: messages.pot lists messages no longer used"


@pytest.mark.parametrize("locale", [code for code in available_locales()[1:]])
def test_every_catalog_is_complete_and_well_formed(locale: str) -> None:
    pot = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalog(LOCALES_DIR / "messages.pot") if m.id}
    catalog = _catalog(LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po", locale)
    translated = {}
    problems = []
    for message in catalog:
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            continue
        translated[key] = message
        for checker in checkers:
            try:
                checker(catalog, message)
            except Exception as error:  # babel's TranslationError
                problems.append(f"{key!r}: {error}")
    missing = sorted(pot - translated.keys())
    assert not missing, f"{len(missing)} messages untranslated in {locale}, e.g. {missing[:10]}"
    assert not problems, "\n".join(problems[:20])


def test_labels_and_dates_follow_the_locale() -> None:
    assert CHANNEL_LABELS["symposium"] == "座谈会"
    assert format_date_for(date(2026, 12, 31), "zh_CN") == "2026年12月31日"
    with use_locale("en"):
        assert CHANNEL_LABELS["symposium"] == "Symposium"
        assert gettext("征求意见") == "Comment on drafts"
        assert format_date_for(date(2026, 12, 31), "en") == "December 31, 2026"
    with use_locale("xx_YY") as chosen:
        assert chosen == "zh_CN"
        assert gettext("征求意见") == "征求意见"


def test_station_default_locale_is_checked() -> None:
    assert load_settings({"LIAISON_LOCALE": "en", "LIAISON_SECRET_KEY": "k" * 32}).locale == "en"
    with pytest.raises(ConfigError, match="LIAISON_LOCALE"):
        load_settings({"LIAISON_LOCALE": "fr", "LIAISON_SECRET_KEY": "k" * 32})


@pytest.mark.db
async def test_a_visitor_switches_the_interface_language(client: httpx.AsyncClient) -> None:
    slug = await published_draft()
    page = await client.get(f"/drafts/{slug}")
    assert '<html lang="zh-CN">' in page.text and "查询回执" in page.text
    assert 'name="locale"' in page.text  # the switcher is offered when a second locale exists

    switched = await client.post(
        "/language", data={"locale": "en", "next": f"/drafts/{slug}", "_csrf_token": csrf(client)},
        follow_redirects=False,
    )
    assert switched.status_code == 303 and switched.headers["location"] == f"/drafts/{slug}"
    page = await client.get(f"/drafts/{slug}")
    assert '<html lang="en">' in page.text
    assert "Check a receipt" in page.text and "查询回执" not in page.text

    # Unknown codes fall back to the station's default; `next` cannot leave the site.
    back = await client.post(
        "/language", data={"locale": "klingon", "next": "//evil.example/", "_csrf_token": csrf(client)},
        follow_redirects=False,
    )
    assert back.status_code == 303 and back.headers["location"] == "/"
    assert '<html lang="zh-CN">' in (await client.get("/")).text


@pytest.mark.db
async def test_switching_language_needs_the_csrf_token(client: httpx.AsyncClient) -> None:
    await client.get("/")
    refused = await client.post("/language", data={"locale": "en", "next": "/"}, follow_redirects=False)
    assert refused.status_code == 403


@pytest.mark.db
async def test_dates_on_pages_follow_the_locale(client: httpx.AsyncClient) -> None:
    slug = await published_draft(closes="2099-12-31")
    assert "2099年12月31日" in (await client.get(f"/drafts/{slug}")).text
    client.cookies.set("liaison_lang", "en")
    assert "December 31, 2099" in (await client.get(f"/drafts/{slug}")).text
    assert datetime.now(UTC).year < 2099


def test_no_module_shadows_gettext() -> None:
    from liaison.i18n.audit import gettext_shadowed_in

    found = [spot for path in sorted(PACKAGE.rglob("*.py"))
             for spot in gettext_shadowed_in(path.read_text(encoding="utf-8"), str(path.relative_to(PACKAGE)))]
    assert not found, f"these bind `_` in a module that uses `_` for gettext; rename them: {found}"
    assert gettext_shadowed_in("from liaison.i18n import _\nfor _, x in y: pass\n")
    assert gettext_shadowed_in("from liaison.i18n import _\ndef f(a, _): pass\n")


@pytest.mark.db
async def test_service_errors_follow_the_locale(client: httpx.AsyncClient) -> None:
    """Messages the services build (form errors, API error bodies) are translated when raised."""
    from conftest import login

    await login(client, "officer_i18n", "officer")
    empty = {"name": " ", "_csrf_token": csrf(client)}
    chinese = await client.post("/staff/offices", data=empty, follow_redirects=False)
    assert chinese.status_code == 422 and "请填写联络室名称" in chinese.text

    client.cookies.set("liaison_lang", "en")
    english = await client.post("/staff/offices", data=empty, follow_redirects=False)
    assert english.status_code == 422
    assert "Enter the liaison office" in english.text and "请填写联络室名称" not in english.text

    missing = await client.get("/api/v1/drafts/nope/outcomes")
    assert missing.status_code == 404
    assert missing.json()["error"]["message"] == "Draft nope not found"


@pytest.mark.db
async def test_staff_home_and_draft_dashboard_in_english(client: httpx.AsyncClient) -> None:
    """The staff pages of i18n-b, charts included (their text is built in Python), follow the locale."""
    from conftest import login

    slug = await published_draft()
    posted = await client.post(f"/api/v1/drafts/{slug}/opinions", json={"text": "支持第三条", "article": 3})
    assert posted.status_code == 201, posted.text
    await login(client, "officer_en", "officer")
    client.cookies.set("liaison_lang", "en")

    home = (await client.get("/staff")).text
    assert "Hello, " in home and "Import a new draft" in home and "Screen opinions" in home
    assert "Closes December 31, 2099" in home
    for chinese in ("您好", "导入新草案", "整理意见", "年度统计", "截止"):
        assert chinese not in home, chinese

    page = await client.get(f"/staff/drafts/{slug}/dashboard")
    assert page.status_code == 200, page.text
    dash = page.text
    assert "Dashboard: 某市养犬管理条例（草案）" in dash  # the draft's title is data and stays as written
    assert "Days left (closes December 31, 2099)" in dash and "Opinions over time" in dash
    assert 'aria-label="Opinions received per day: ' in dash  # a chart title translated in Python
    assert "第三条: 1 opinion, " in dash and "第一条: 0 opinions" in dash  # heat-strip tips, plural forms
    assert "No feedback packet compiled yet." in dash
    for chinese in ("数据看板", "剩余天数", "意见数量变化", "每日收到的意见", "条意见", "还没有生成意见汇总", "按状态"):
        assert chinese not in dash, chinese


@pytest.mark.db
async def test_public_draft_comment_and_receipt_pages_in_english(client: httpx.AsyncClient) -> None:
    """The citizen's path (draft → comment form → receipt) reads in English, data stays as written."""
    slug = await published_draft()
    assert "跳到第" in (await client.get(f"/drafts/{slug}")).text  # the draft's text is rendered once per locale
    client.cookies.set("liaison_lang", "en")
    draft = (await client.get(f"/drafts/{slug}")).text
    assert "Key questions for comment" in draft and "Comment on the whole draft" in draft
    assert "3 articles" in draft and 'placeholder="e.g. 12"' in draft and "Go to article" in draft
    assert "牵引绳长度应当规定为多少" in draft  # the draft's own text is not translated
    assert "重点征求意见的问题" not in draft and "提总体意见" not in draft and "跳到第" not in draft

    form = (await client.get(f"/drafts/{slug}/comment?article=3")).text
    assert "How your personal information is handled" in form and "Submit opinion" in form
    assert "Personal Information Protection Law" in form and "(required, up to" in form
    assert "个人信息处理说明" not in form and "提交意见" not in form and "选填" not in form

    sent = await client.post(f"/drafts/{slug}/comment", data={"article": "3", "text": "建议明确牵引绳长度",
                                                                "_csrf_token": csrf(client)}, follow_redirects=False)
    assert sent.status_code == 303
    receipt = (await client.get(sent.headers["location"])).text
    assert "Submitted. Thank you for your opinion!" in receipt and "Opinion receipt" in receipt
    assert "Suggested amendment" not in receipt  # none given: the heading is not shown
    assert "建议明确牵引绳长度" in receipt
    assert "提交成功" not in receipt and "意见回执" not in receipt and "收到时间" not in receipt


@pytest.mark.db
async def test_packets_and_my_entries_pages_in_english(client: httpx.AsyncClient) -> None:
    """Packets list/view and 我的意见 in English, including the outcome steps the workspace builds in Python."""
    from conftest import service_user

    from liaison.clusters.tables import Cluster, ClusterMember
    from liaison.drafts.tables import Draft
    from liaison.opinions.service import submit_opinion
    from liaison.opinions.validation import OpinionInput

    await published_draft()
    me = await service_user("en_officer", "officer")
    ids = [(await submit_opinion("dog-rules", OpinionInput(text=text, article=3), client_key=f"en{i}", staff=me)).id
           for i, text in enumerate(["牵引绳应不超过1.5米", "牵引绳不宜超过一米五"])]
    draft_id = (await Draft.select(Draft.id).first().run())["id"]
    cluster = (await Cluster.insert(Cluster(draft=draft_id, representative=ids[0], article=3, size=2)).run())[0]["id"]
    await ClusterMember.insert(*(ClusterMember(cluster=cluster, opinion=i) for i in ids)).run()
    client.cookies.set("liaison_lang", "en")
    await client.get("/login")
    assert (await client.post("/login", data={"username": "en_officer", "password": "a long passphrase",
                                              "_csrf_token": csrf(client)}, follow_redirects=False)).status_code == 303

    listing = (await client.get("/staff/drafts/dog-rules/packets")).text
    assert "Compile a new version" in listing and "None compiled yet." in listing
    assert "生成新版本" not in listing and "还没有生成过" not in listing
    made = await client.post("/staff/drafts/dog-rules/packets", data={"personal_data": "masked", "_csrf_token": csrf(client)})
    assert made.status_code == 303 and made.headers["location"].startswith("/staff/drafts/dog-rules/packets/1")
    view = (await client.get(made.headers["location"])).text
    assert "v1 compiled." in view and "2. Opinions by article" in view and "(2 opinions, contributors:" in view
    assert "已生成" not in view and "分条意见" not in view and "条意见，" not in view and "统计情况" not in view
    listing = (await client.get("/staff/drafts/dog-rules/packets")).text
    assert "No upper station configured" in listing and "未配置上级站" not in listing

    mine = (await client.get("/staff/mine")).text
    assert 'You have entered <strong id="mine-total">2</strong> opinions: Awaiting screening: 2' in mine
    assert "Awaiting screening; merged with 1 other opinion into one point; included in version 1 of the feedback packet" in mine
    assert "您录入的意见共" not in mine and "归并为一条" not in mine and "版意见汇总" not in mine and "回执码" not in mine


@pytest.mark.db
async def test_cluster_review_pages_follow_the_locale(client: httpx.AsyncClient, tmp_path: Path) -> None:
    """The cluster list, a cluster's page and the errors the cluster services build, in English."""
    from conftest import login

    from liaison.clusters import service
    from liaison.clusters.tables import ClusterMember
    from liaison.opinions.service import submit_opinion
    from liaison.opinions.validation import OpinionInput

    await published_draft()
    text = "反对！携犬出户不应该强制使用牵引绳。"
    first = (await submit_opinion("dog-rules", OpinionInput(text=text), client_key="i18n-c1")).id
    await submit_opinion("dog-rules", OpinionInput(text=text + "真的。"), client_key="i18n-c2")
    await service.assign_pending(service.Analyzer(tmp_path))
    cluster = (await ClusterMember.select(ClusterMember.cluster).where(ClusterMember.opinion == first)
               .first().run())["cluster"]
    await login(client, "officer_i18n_c", "officer")
    client.cookies.set("liaison_lang", "en")

    listing = await client.get("/staff/drafts/dog-rules/clusters", params={"stance": "oppose"})
    assert listing.status_code == 200
    assert "Merged points" in listing.text and "with stance “Oppose”" in listing.text
    assert "2 opinions" in listing.text and "2 match the filters" in listing.text
    assert "归并意见" not in listing.text and "立场为" not in listing.text and "人次" not in listing.text

    page = await client.get(f"/staff/clusters/{cluster}")
    assert f"Group #{cluster} (2 opinions)" in page.text and "Stance: Oppose" in page.text
    assert "grouped by the system" in page.text and "General comments" in page.text
    assert "代表性意见" not in page.text and "系统归并" not in page.text and "总体意见" not in page.text
    # The tag form as offered ("General comments", no sector) saves: its "none" values reach the service.
    assert '<option value="none">General comments</option>' in page.text
    tags = await client.post(f"/staff/clusters/{cluster}/members/{first}/tags", headers={"HX-Request": "true"},
                             data={"stance": "oppose", "sector": "none", "article": "none", "_csrf_token": csrf(client)})
    assert tags.status_code == 200 and "Tags saved." in tags.text and "Not saved" not in tags.text

    bad = await client.post(f"/staff/clusters/{cluster}/members/{first}/move",
                            data={"target": "abc", "_csrf_token": csrf(client)})
    assert bad.status_code == 422 and "Enter the target group number" in bad.text and "目标归并组" not in bad.text


@pytest.mark.db
async def test_opinion_refusals_follow_the_locale(client: httpx.AsyncClient) -> None:
    """An empty public comment is refused in the visitor's language, naming the field (form and API)."""
    slug = await published_draft()
    await client.get(f"/drafts/{slug}/comment")  # sets the CSRF cookie
    empty = {"text": "  ", "_csrf_token": csrf(client)}
    chinese = await client.post(f"/drafts/{slug}/comment", data=empty)
    assert chinese.status_code == 422 and "意见内容不能为空，请写下您的意见" in chinese.text

    client.cookies.set("liaison_lang", "en")
    english = await client.post(f"/drafts/{slug}/comment", data=empty)
    assert english.status_code == 422
    assert "The opinion text cannot be empty; please write down your opinion" in english.text
    assert 'id="text" name="text"' in english.text and 'aria-invalid="true"' in english.text
    assert "意见内容不能为空" not in english.text

    api = await client.post(f"/api/v1/drafts/{slug}/opinions", json={"text": " "})
    assert api.status_code == 422
    error = api.json()["error"]
    assert error["field"] == "text"
    assert error["message"] == "The opinion text cannot be empty; please write down your opinion"
