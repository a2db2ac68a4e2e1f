"""The draft parser: front matter, legislative layout, disambiguation, errors, samples."""

from __future__ import annotations

import datetime as dt
import json
import pickle
from pathlib import Path

import pytest

from liaison.drafts.parser import (
    Article,
    Block,
    DraftFormatError,
    ParsedDraft,
    parse_draft,
    slug_is_valid,
)

DRAFTS = Path(__file__).resolve().parents[2] / "drafts"

FM = "---\ntitle: 某市测试条例（草案）\nslug: test-draft\n---\n"


def parse(body: str, front_matter: str = FM, **kwargs: object) -> ParsedDraft:
    return parse_draft(front_matter + body, **kwargs)  # type: ignore[arg-type]


def numbers(draft: ParsedDraft) -> list[int]:
    return [a.number for a in draft.articles]


def error(text: str | bytes, **kwargs: object) -> DraftFormatError:
    with pytest.raises(DraftFormatError) as info:
        parse_draft(text, **kwargs)  # type: ignore[arg-type]
    return info.value


# --------------------------------------------------------------------------- articles


@pytest.mark.parametrize(
    "line",
    [
        "第一条　为了测试，制定本条例。",  # full-width space
        "第一条 为了测试，制定本条例。",  # half-width space
        "第一条   为了测试，制定本条例。",  # several spaces
        "第一条\t为了测试，制定本条例。",  # tab
        "第一条\u00a0为了测试，制定本条例。",  # NBSP
        "第一条为了测试，制定本条例。",  # no space at all (first article)
        "第1条 为了测试，制定本条例。",  # ASCII digits
        "第１条　为了测试，制定本条例。",  # full-width digits
        "第 1 条 为了测试，制定本条例。",  # spaces around digits
        "**第一条**　为了测试，制定本条例。",  # bold label
        "**第一条**为了测试，制定本条例。",  # bold label, no space
        "**第一条　为了测试，制定本条例。**",  # whole line bold
        "__第一条__ 为了测试，制定本条例。",
        "　　第一条　为了测试，制定本条例。",  # indented with full-width spaces
        "    第一条　为了测试，制定本条例。",  # indented with spaces (not a code block here)
        "### 第一条　为了测试，制定本条例。",  # Markdown heading
        "###第一条 为了测试，制定本条例。",  # heading without a space after #
        "#### **第一条** 为了测试，制定本条例。",
        "第一条　为了测试，制定本条例。   ",  # trailing spaces
    ],
)
def test_article_line_variants(line: str) -> None:
    draft = parse(line + "\n")
    assert len(draft.articles) == 1
    art = draft.articles[0]
    assert art.number == 1
    assert art.label == "第一条"
    assert art.paragraphs == ["为了测试，制定本条例。"]
    assert art.items == []
    assert art.chapter is None and art.section is None
    assert art.line == 5


def test_label_is_always_chinese() -> None:
    draft = parse("第1条 甲。\n第2条 乙。\n第10条 丙。\n", )
    assert [a.label for a in draft.articles] == ["第一条", "第二条", "第十条"]
    assert draft.articles[2].number == 10


def test_large_article_numbers() -> None:
    body = "".join(f"第{n}条 内容{n}。\n" for n in range(1, 1261))
    draft = parse(body)
    assert len(draft.articles) == 1260
    assert draft.article(101).label == "第一百零一条"  # type: ignore[union-attr]
    assert draft.article(110).label == "第一百一十条"  # type: ignore[union-attr]
    assert draft.article(1260).label == "第一千二百六十条"  # type: ignore[union-attr]
    assert draft.warnings == ()


def test_article_text_on_next_line_after_heading() -> None:
    draft = parse("### 第十条\n\n禁止在楼道内充电。\n\n违者予以劝阻。\n### 第十一条\n第二段。\n")
    first, second = draft.articles
    assert first.label == "第十条"
    assert first.paragraphs == ["禁止在楼道内充电。", "违者予以劝阻。"]
    assert second.paragraphs == ["第二段。"]


def test_bare_label_line_then_text() -> None:
    draft = parse("第一条\n为了测试。\n")
    assert draft.articles[0].paragraphs == ["为了测试。"]


def test_paragraphs_are_lines_and_blank_separated_blocks() -> None:
    draft = parse("第一条　第一款。\n第二款。\n\n\n第三款。\n　　第四款缩进。\n")
    assert draft.articles[0].paragraphs == ["第一款。", "第二款。", "第三款。", "第四款缩进。"]


def test_article_properties_and_to_dict() -> None:
    draft = parse("第一条　有下列情形之一的：\n（一）甲；\n（二）乙。\n前款规定。\n")
    art = draft.articles[0]
    assert art.blocks == (
        Block("paragraph", "有下列情形之一的："),
        Block("item", "（一）甲；"),
        Block("item", "（二）乙。"),
        Block("paragraph", "前款规定。"),
    )
    assert art.paragraphs == ["有下列情形之一的：", "前款规定。"]
    assert art.items == ["（一）甲；", "（二）乙。"]
    assert art.text == "第一条\u3000有下列情形之一的：\n（一）甲；\n（二）乙。\n前款规定。"
    assert art.to_dict() == {
        "number": 1,
        "label": "第一条",
        "chapter": None,
        "section": None,
        "paragraphs": ["有下列情形之一的：", "前款规定。"],
        "items": ["（一）甲；", "（二）乙。"],
    }
    assert art.blocks[1].to_dict() == {"kind": "item", "text": "（一）甲；"}


def test_article_is_frozen() -> None:
    art = parse("第一条 甲。\n").articles[0]
    with pytest.raises(AttributeError):
        art.number = 2  # type: ignore[misc]


# --------------------------------------------------------------------------- items


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("（一）甲；", "（一）甲；"),
        ("(一)甲；", "（一）甲；"),
        ("(一) 甲；", "（一）甲；"),
        ("（1）甲；", "（一）甲；"),
        ("(1)甲；", "（一）甲；"),
        ("(１)甲；", "（一）甲；"),
        ("（ 1 ）甲；", "（一）甲；"),
        ("（十二）甲；", "（十二）甲；"),
        ("(12) 甲；", "（十二）甲；"),
        ("- （一）甲；", "（一）甲；"),
        ("* (1) 甲；", "（一）甲；"),
        ("　　（一）甲；", "（一）甲；"),
    ],
)
def test_item_markers_are_normalised(line: str, expected: str) -> None:
    draft = parse("第一条　有下列行为之一的：\n" + line + "\n")
    assert draft.articles[0].items == [expected]


def test_parenthesised_text_is_not_an_item() -> None:
    draft = parse("第一条　甲。\n（注：本款为新增。）\n(a) 乙\n")
    assert draft.articles[0].items == []
    assert draft.articles[0].paragraphs == ["甲。", "（注：本款为新增。）", "(a) 乙"]


def test_bullets_are_stripped_but_numbering_is_kept() -> None:
    draft = parse("第一条　甲。\n- 乙。\n* 丙。\n（一）项：\n1. 目一；\n2．目二。\n")
    assert draft.articles[0].paragraphs == ["甲。", "乙。", "丙。", "1. 目一；", "2．目二。"]
    assert draft.articles[0].items == ["（一）项："]


@pytest.mark.parametrize("line", ["第一条：为了测试。", "第一条: 为了测试。", "**第一条**：为了测试。"])
def test_colon_after_label(line: str) -> None:
    draft = parse(line + "\n")
    assert draft.articles[0].paragraphs == ["为了测试。"]


def test_colon_after_chapter_label() -> None:
    assert parse("第一章：总则\n第一条 甲。\n").chapters[0].heading == "第一章 总则"


def test_toc_and_body_without_spaces() -> None:
    draft = parse("目录\n第一章总则\n第二章附则\n第一章总则\n第一条为了测试。\n第二章附则\n第二条施行。\n")
    assert [(a.number, a.chapter) for a in draft.articles] == [(1, "第一章 总则"), (2, "第二章 附则")]


def test_items_before_any_article_are_ignored() -> None:
    draft = parse("（一）序言项。\n第一条　甲。\n")
    assert draft.articles[0].blocks == (Block("paragraph", "甲。"),)


# --------------------------------------------------------------------------- chapters & sections


@pytest.mark.parametrize(
    "line",
    [
        "第一章　总则",
        "第一章 总则",
        "第一章  总则",
        "第一章总则",
        "第1章 总则",
        "第１章　总则",
        "## 第一章　总则",
        "# 第一章 总则",
        "**第一章 总则**",
        "**第一章**　总则",
        "## **第一章　总则**",
        "第一章　总　　则",
        "　　第一章　总则",
        "## 第一章 总则 ##",
    ],
)
def test_chapter_line_variants(line: str) -> None:
    draft = parse(line + "\n\n第一条　甲。\n")
    assert draft.articles[0].chapter == "第一章 总则"
    (chapter,) = draft.chapters
    assert (chapter.label, chapter.number, chapter.title, chapter.heading) == ("第一章", 1, "总则", "第一章 总则")


def test_chapter_title_keeps_one_space_between_latin_words() -> None:
    draft = parse("第一章  Wi-Fi   与　网络\n第一条 甲。\n")
    assert draft.chapters[0].title == "Wi-Fi 与网络"


def test_chapter_without_title() -> None:
    draft = parse("## 第一章\n第一条 甲。\n")
    assert draft.articles[0].chapter == "第一章"
    assert draft.chapters[0].title == ""


def test_sections_belong_to_chapters_and_reset() -> None:
    body = (
        "## 第一章　总则\n第一条　甲。\n"
        "## 第二章　充电安全\n### 第一节　一般规定\n第二条　乙。\n"
        "### 第二节 居民住宅区\n第三条　丙。\n"
        "第三节集中充电设施\n第四条　丁。\n"
        "## 第三章　附则\n第五条　戊。\n"
    )
    draft = parse(body)
    got = [(a.number, a.chapter, a.section) for a in draft.articles]
    assert got == [
        (1, "第一章 总则", None),
        (2, "第二章 充电安全", "第一节 一般规定"),
        (3, "第二章 充电安全", "第二节 居民住宅区"),
        (4, "第二章 充电安全", "第三节 集中充电设施"),
        (5, "第三章 附则", None),
    ]
    assert draft.chapters[1].sections == ("第一节 一般规定", "第二节 居民住宅区", "第三节 集中充电设施")
    assert draft.chapters[0].sections == () and draft.chapters[2].sections == ()


def test_chapter_line_ends_previous_article() -> None:
    draft = parse("第一章 总则\n第一条 甲。\n第二章 管理\n第二条 乙。\n")
    assert draft.articles[0].paragraphs == ["甲。"]


def test_bian_is_structure_not_article_and_restarts_chapters() -> None:
    body = (
        "# 第一编　总则\n## 第一章　基本规定\n第一条　甲。\n## 第二章　自然人\n第二条　乙。\n"
        "# 第二编　物权\n## 第一分编　通则\n## 第一章　一般规定\n第三条　丙。\n"
    )
    draft = parse(body)
    assert numbers(draft) == [1, 2, 3]
    assert draft.articles[1].paragraphs == ["乙。"]
    assert draft.articles[2].chapter == "第一章 一般规定"
    assert [c.heading for c in draft.chapters] == ["第一章 基本规定", "第二章 自然人", "第一章 一般规定"]
    assert draft.warnings == ()


def test_chapter_number_skip_is_a_warning() -> None:
    draft = parse("第一章 总则\n第一条 甲。\n第三章 附则\n第二条 乙。\n")
    assert len(draft.warnings) == 1
    assert "第三章" in draft.warnings[0] and "不连续" in draft.warnings[0]


# --------------------------------------------------------------------------- 目录


TOC_BODY = """# 某市测试条例（草案）

目　　录

第一章　总　　则
第二章　充电安全
　　第一节　一般规定
　　第二节　集中充电
第三章　附　　则

## 第一章　总　　则

第一条　甲。

## 第二章　充电安全

### 第一节　一般规定

第二条　乙。

### 第二节　集中充电

第三条　丙。

## 第三章　附　　则

第四条　丁。
"""


def test_toc_is_skipped() -> None:
    draft = parse(TOC_BODY)
    assert numbers(draft) == [1, 2, 3, 4]
    assert [c.heading for c in draft.chapters] == ["第一章 总则", "第二章 充电安全", "第三章 附则"]
    assert draft.chapters[1].sections == ("第一节 一般规定", "第二节 集中充电")
    assert draft.articles[0].chapter == "第一章 总则"
    assert draft.warnings == ()


@pytest.mark.parametrize("toc", ["目录", "目　录", "目 录", "## 目录", "**目　　录**", "目录：", "目次"])
def test_toc_heading_variants(toc: str) -> None:
    draft = parse(TOC_BODY.replace("目　　录", toc))
    assert numbers(draft) == [1, 2, 3, 4]
    assert len(draft.chapters) == 3


def test_toc_ends_at_first_article_when_body_has_no_chapter_headings() -> None:
    draft = parse("目录\n第一章 总则\n第二章 附则\n\n第一条　甲。\n第二条　乙。\n")
    assert numbers(draft) == [1, 2]
    assert draft.chapters == ()


def test_toc_with_bian_does_not_end_at_repeated_chapter_labels() -> None:
    body = (
        "目录\n第一编　总则\n第一章　基本规定\n第二章　自然人\n第二编　物权\n第一章　一般规定\n\n"
        "第一编　总则\n第一章　基本规定\n第一条　甲。\n第二章　自然人\n第二条　乙。\n"
        "第二编　物权\n第一章　一般规定\n第三条　丙。\n"
    )
    draft = parse(body)
    assert [(a.number, a.chapter) for a in draft.articles] == [
        (1, "第一章 基本规定"),
        (2, "第二章 自然人"),
        (3, "第一章 一般规定"),
    ]


def test_toc_that_never_ends_gives_a_helpful_error() -> None:
    err = error(FM + "目录\n第一章 总则\n第二章 附则\n正文没有条文。\n")
    assert "目录" in str(err)
    assert err.line == 5


def test_word_toc_inside_an_article_is_text() -> None:
    draft = parse("第一条　甲。\n目录\n")
    assert draft.articles[0].paragraphs == ["甲。", "目录"]


# --------------------------------------------------------------------------- disambiguation


def test_reference_at_line_start_is_a_paragraph() -> None:
    draft = parse("第十条　甲。\n第二十条规定的罚款，适用本条。\n第十一条　乙。\n")
    assert numbers(draft) == [10, 11]
    assert draft.articles[0].paragraphs == ["甲。", "第二十条规定的罚款，适用本条。"]


def test_next_number_without_space_is_an_article() -> None:
    draft = parse("第十条　甲。\n第十一条乙。\n")
    assert numbers(draft) == [10, 11]
    assert draft.articles[1].paragraphs == ["乙。"]


def test_chapter_reference_at_line_start_is_a_paragraph() -> None:
    draft = parse("第一章 总则\n第一条　甲。\n第三章规定的情形除外。\n")
    assert len(draft.chapters) == 1
    assert draft.articles[0].paragraphs == ["甲。", "第三章规定的情形除外。"]


def test_non_sequential_article_with_space_is_an_article_with_warning() -> None:
    draft = parse("第十二条　甲。\n第十四条　乙。\n", front_matter=FM)
    assert numbers(draft) == [12, 14]
    assert any("第十二条之后是第十四条" in w for w in draft.warnings)
    assert any("从第十二条开始" in w for w in draft.warnings)


def test_decreasing_numbers_warn() -> None:
    draft = parse("第一条 甲。\n第三条 乙。\n第二条 丙。\n")
    assert numbers(draft) == [1, 3, 2]
    assert any("倒退" in w for w in draft.warnings)


def test_empty_article_warns() -> None:
    draft = parse("第一条\n第二条 乙。\n")
    assert draft.articles[0].blocks == ()
    assert draft.articles[0].text == "第一条"
    assert any("第一条" in w and "没有内容" in w for w in draft.warnings)


def test_duplicate_article_number_is_an_error_naming_both_lines() -> None:
    err = error(FM + "第一条 甲。\n第二条 乙。\n第二条 丙。\n")
    assert err.line == 7
    assert "第 6 行" in str(err) and "第 7 行" in str(err) and "第二条" in str(err)
    assert err.field is None


# --------------------------------------------------------------------------- what is not an article


def test_title_preamble_quotes_rules_and_comments_are_ignored() -> None:
    body = (
        "# 某市测试条例（草案）\n"
        "（2026年11月1日公布征求意见）\n"
        "为了说明，先写一段序言。\n"
        "第一条　甲。\n"
        "> 编者按：此处不计入条文\n"
        "<!-- 内部备注：第二条待定 -->\n"
        "<!--\n第五条 注释里的条文\n-->\n"
        "乙<!-- 行内注释 -->。\n"
        "---\n"
        "***\n"
        "* * *\n"
        "第二条　丙。\n"
    )
    draft = parse(body)
    assert numbers(draft) == [1, 2]
    assert draft.articles[0].paragraphs == ["甲。", "乙。"]


def test_fenced_code_is_ignored() -> None:
    draft = parse("第一条　甲。\n```\n第二条 代码\n```\n第二条　乙。\n")
    assert numbers(draft) == [1, 2]
    assert draft.articles[0].paragraphs == ["甲。"]


def test_non_structural_heading_ends_the_article() -> None:
    draft = parse("第一条　甲。\n第二条　乙。\n\n## 起草说明\n\n本草案共二条。\n第一条的说明。\n（一）说明项。\n")
    assert numbers(draft) == [1, 2]
    assert draft.articles[1].paragraphs == ["乙。"]
    assert draft.articles[1].items == []


def test_articles_after_a_non_structural_heading_are_still_found() -> None:
    draft = parse("## 正文\n第一条　甲。\n## 附：说明\n说明文字。\n## 续\n第二条　乙。\n")
    assert numbers(draft) == [1, 2]
    assert draft.articles[0].paragraphs == ["甲。"]


def test_chapterless_draft() -> None:
    draft = parse("第一条　甲。\n第二条　乙。\n")
    assert draft.chapters == ()
    assert all(a.chapter is None and a.section is None for a in draft.articles)


def test_windows_line_endings_tabs_nbsp_zero_width() -> None:
    text = (FM + "第一章\t总则\n第一条\u00a0甲。  \n\u200b第二条\u3000乙。\t\n").replace("\n", "\r\n")
    draft = parse_draft(text)
    assert numbers(draft) == [1, 2]
    assert draft.articles[0].chapter == "第一章 总则"
    assert draft.articles[1].line == 7
    assert draft.articles[1].paragraphs == ["乙。"]


def test_old_mac_line_endings() -> None:
    draft = parse_draft(FM.replace("\n", "\r") + "第一条 甲。\r第二条 乙。\r")
    assert numbers(draft) == [1, 2]


def test_line_numbers_count_front_matter() -> None:
    draft = parse("\n第一条 甲。\n\n\n第二条 乙。\n")
    assert [a.line for a in draft.articles] == [6, 9]


# --------------------------------------------------------------------------- input decoding


def test_bytes_utf8_with_bom() -> None:
    draft = parse_draft(("\ufeff" + FM + "第一条 甲。\n").encode("utf-8"))
    assert draft.title == "某市测试条例（草案）"
    assert numbers(draft) == [1]


def test_str_with_bom() -> None:
    assert numbers(parse_draft("\ufeff" + FM + "第一条 甲。\n")) == [1]


def test_gbk_bytes_are_rejected_with_advice() -> None:
    err = error((FM + "第一条 甲。\n").encode("gbk"))
    assert "UTF-8" in str(err)
    assert err.line == 2


@pytest.mark.parametrize("data", [b"\x00\x01\x02PK", b"PK\x03\x04\x00\x00", "第一条\x00"])
def test_binary_is_rejected(data: bytes | str) -> None:
    assert "二进制" in str(error(data))


@pytest.mark.parametrize("data", ["", "   \n\t\n", b"", b"\xef\xbb\xbf", "\ufeff\n"])
def test_empty_is_rejected(data: str | bytes) -> None:
    assert "文件为空" in str(error(data))


def test_no_articles_error() -> None:
    err = error(FM + "# 标题\n只有说明文字。\n")
    assert "没有找到任何条文" in str(err)
    assert "第一条" in str(err)


# --------------------------------------------------------------------------- front matter


def test_front_matter_values_and_to_dict() -> None:
    text = (
        "---\ntitle: 某市测试条例（草案）\nslug: test-draft\nissuer: 某市人大常委会法制工作委员会\n"
        "kind: 法规\nround: 征求意见稿\ncomment_opens: 2026-11-01\ncomment_closes: 2027-01-31\n"
        "summary: 简介。\nkey_questions:\n  - 问题一？\n  - 问题二？\nextra:\n  when: 2026-01-02\n---\n"
        "第一条 甲。\n"
    )
    draft = parse_draft(text)
    assert draft.meta["comment_opens"] == dt.date(2026, 11, 1)
    assert draft.meta["key_questions"] == ["问题一？", "问题二？"]
    data = draft.to_dict()
    assert list(data)[:2] == ["title", "slug"]
    assert list(data)[-1] == "articles"
    assert data["comment_opens"] == "2026-11-01" and data["comment_closes"] == "2027-01-31"
    assert data["extra"] == {"when": "2026-01-02"}
    assert data["issuer"] == "某市人大常委会法制工作委员会"
    json.dumps(data, ensure_ascii=False)  # JSON-ready


def test_iso_date_strings_are_accepted_and_converted() -> None:
    draft = parse("第一条 甲。\n", front_matter=FM.replace("---\n", "---\ncomment_opens: '2026-11-01'\ncomment_closes: '2026-12-31T18:00:00'\n", 1))
    assert draft.meta["comment_opens"] == dt.date(2026, 11, 1)
    assert draft.meta["comment_closes"] == dt.datetime(2026, 12, 31, 18, 0)


def test_datetime_values() -> None:
    fm = FM.replace("---\n", "---\ncomment_opens: 2026-11-01 09:00:00\ncomment_closes: 2026-11-30T18:00:00+08:00\n", 1)
    draft = parse("第一条 甲。\n", front_matter=fm)
    assert isinstance(draft.meta["comment_opens"], dt.datetime)
    assert draft.to_dict()["comment_opens"] == "2026-11-01T09:00:00"


def test_same_day_window_is_allowed_for_dates() -> None:
    fm = FM.replace("---\n", "---\ncomment_opens: 2026-11-01\ncomment_closes: 2026-11-01\n", 1)
    assert parse("第一条 甲。\n", front_matter=fm).meta["comment_closes"] == dt.date(2026, 11, 1)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ("comment_opens: 2026-12-01\ncomment_closes: 2026-11-01\n", "comment_closes"),
        ("comment_opens: 2026-12-01 10:00:00\ncomment_closes: 2026-12-01 09:00:00\n", "comment_closes"),
        ("comment_opens: 2026年11月1日\n", "comment_opens"),
        ("comment_opens: 2026-11-1\n", "comment_opens"),
        ("comment_closes: 明年\n", "comment_closes"),
        ("comment_closes: 20261231\n", "comment_closes"),
        ("key_questions: 只有一个问题\n", "key_questions"),
        ("key_questions:\n  - 问题一\n  - 3\n", "key_questions"),
        ("key_questions:\n  - 问题一\n  -\n", "key_questions"),
        ("key_questions:\n  a: b\n", "key_questions"),
        ("issuer: 123\n", "issuer"),
        ("summary:\n  - 不是列表\n", "summary"),
    ],
)
def test_front_matter_field_errors(fields: str, field: str) -> None:
    err = error(FM.replace("---\n", "---\n" + fields, 1) + "第一条 甲。\n")
    assert err.field == field
    assert field in str(err)


def test_null_optional_fields_are_fine() -> None:
    fm = FM.replace("---\n", "---\ncomment_opens:\nkey_questions:\nsummary:\n", 1)
    draft = parse("第一条 甲。\n", front_matter=fm)
    assert draft.meta["comment_opens"] is None


def test_title_is_required() -> None:
    err = error("---\nslug: x\n---\n第一条 甲。\n")
    assert err.field == "title"
    assert "title" in str(err)


@pytest.mark.parametrize("value", ["''", "123", "[a, b]"])
def test_title_must_be_text(value: str) -> None:
    err = error(f"---\ntitle: {value}\nslug: x\n---\n第一条 甲。\n")
    assert err.field == "title"


def test_title_from_first_h1_when_no_front_matter() -> None:
    draft = parse_draft("# 某县测试办法（草案）\n\n第一条　甲。\n", source_name="county-test.md")
    assert draft.title == "某县测试办法（草案）"
    assert draft.slug == "county-test"
    assert draft.meta == {}


def test_title_from_h1_with_front_matter_lacking_title() -> None:
    draft = parse_draft("---\nslug: x\n---\n## 第一章 总则\n# **某县测试办法（草案）**\n第一条　甲。\n")
    assert draft.title == "某县测试办法（草案）"


def test_front_matter_title_wins_over_heading() -> None:
    draft = parse("# 别的标题\n第一条 甲。\n")
    assert draft.title == "某市测试条例（草案）"


def test_no_front_matter_and_no_heading_is_a_title_error() -> None:
    err = error("第一条 甲。\n", source_name="x.md")
    assert err.field == "title"


@pytest.mark.parametrize(
    ("source_name", "slug"),
    [
        ("ebike-safety.md", "ebike-safety"),
        ("/srv/drafts/ebike-safety.md", "ebike-safety"),
        ("C:\\drafts\\Ebike_Safety.md", "ebike-safety"),
        ("dog2026.markdown", "dog2026"),
        ("noext", "noext"),
    ],
)
def test_slug_derived_from_source_name(source_name: str, slug: str) -> None:
    draft = parse_draft("---\ntitle: 标题\n---\n第一条 甲。\n", source_name=source_name)
    assert draft.slug == slug


def test_front_matter_slug_wins_over_file_name() -> None:
    assert parse("第一条 甲。\n", source_name="other.md").slug == "test-draft"


@pytest.mark.parametrize("slug", ["Ebike", "-ebike", "ebike safety", "电动车", "a" * 81, "ebike_safety", "''"])
def test_bad_front_matter_slug(slug: str) -> None:
    err = error(f"---\ntitle: 标题\nslug: {slug}\n---\n第一条 甲。\n")
    assert err.field == "slug"
    assert "小写" in str(err)


def test_numeric_slug_is_accepted() -> None:
    assert parse_draft("---\ntitle: 标题\nslug: 2026\n---\n第一条 甲。\n").slug == "2026"


def test_slug_not_derivable_from_chinese_file_name() -> None:
    err = error("---\ntitle: 标题\n---\n第一条 甲。\n", source_name="电动自行车条例.md")
    assert err.field == "slug"
    assert "电动自行车条例.md" in str(err)


def test_slug_missing_entirely() -> None:
    err = error("---\ntitle: 标题\n---\n第一条 甲。\n")
    assert err.field == "slug"


@pytest.mark.parametrize(
    ("slug", "ok"),
    [("ebike-safety", True), ("a", True), ("0-a", True), ("a" * 80, True), ("a" * 81, False), ("", False),
     ("-a", False), ("A", False), ("a_b", False), ("a b", False), ("ä", False)],
)
def test_slug_is_valid(slug: str, ok: bool) -> None:
    assert slug_is_valid(slug) is ok


def test_malformed_yaml_names_problem_and_line() -> None:
    err = error("---\ntitle: 标题\nslug: [unclosed\nissuer: x\n---\n第一条 甲。\n")
    assert "YAML" in str(err)
    assert err.line is not None and 3 <= err.line <= 5
    assert f"第 {err.line} 行" in str(err)


def test_yaml_tab_indentation_hint() -> None:
    err = error("---\ntitle: 标题\nkey_questions:\n\t- 问题\n---\n第一条 甲。\n")
    assert "Tab" in str(err)
    assert err.line == 4


def test_front_matter_must_be_a_mapping() -> None:
    err = error("---\n- a\n- b\n---\n第一条 甲。\n")
    assert "字段" in str(err)
    assert err.line == 2


def test_full_width_colon_hint() -> None:
    err = error("---\ntitle：某市测试条例\n---\n第一条 甲。\n")
    assert "半角冒号" in str(err)


def test_unclosed_front_matter() -> None:
    err = error("---\ntitle: 标题\n第一条 甲。\n")
    assert err.line == 1
    assert "---" in str(err)


def test_empty_front_matter_is_allowed_with_heading() -> None:
    draft = parse_draft("---\n---\n# 标题\n第一条 甲。\n", source_name="t.md")
    assert draft.title == "标题" and draft.meta == {}


def test_leading_blank_lines_before_front_matter() -> None:
    draft = parse_draft("\n\n" + FM + "第一条 甲。\n")
    assert draft.slug == "test-draft"
    assert draft.articles[0].line == 7


def test_error_is_a_value_error_and_pickles() -> None:
    err = DraftFormatError("消息", line=3, field="title")
    assert isinstance(err, ValueError)
    assert str(err) == "消息"
    copy = pickle.loads(pickle.dumps(err))
    assert (str(copy), copy.line, copy.field) == ("消息", 3, "title")
    plain = DraftFormatError("x")
    assert plain.line is None and plain.field is None


def test_parsed_draft_article_lookup() -> None:
    draft = parse("第一条 甲。\n第二条 乙。\n")
    assert draft.article(2) is draft.articles[1]
    assert draft.article(3) is None


# --------------------------------------------------------------------------- samples


def sample(name: str) -> ParsedDraft:
    path = DRAFTS / name
    return parse_draft(path.read_bytes(), source_name=path.name)


def test_sample_ebike_safety() -> None:
    draft = sample("ebike-safety.md")
    assert draft.title == "某市电动自行车安全管理条例（草案征求意见稿）"
    assert draft.slug == "ebike-safety"
    assert draft.meta["kind"] == "法规" and draft.meta["round"] == "征求意见稿"
    assert draft.meta["comment_opens"] == dt.date(2026, 11, 1)
    assert draft.meta["comment_closes"] == dt.date(2027, 1, 31)
    assert len(draft.meta["key_questions"]) == 5
    assert draft.warnings == ()
    assert numbers(draft) == list(range(1, 44))
    assert [c.heading for c in draft.chapters] == [
        "第一章 总则", "第二章 生产销售", "第三章 充电安全", "第四章 通行管理",
        "第五章 停放管理", "第六章 法律责任", "第七章 附则",
    ]
    assert draft.chapters[2].sections == ("第一节 一般规定", "第二节 居民住宅区充电", "第三节 集中充电设施")
    assert sum(1 for a in draft.articles if a.chapter == "第三章 充电安全") == 12
    assert draft.article(16).section == "第二节 居民住宅区充电"  # type: ignore[union-attr]
    assert draft.article(25).section is None  # type: ignore[union-attr]
    assert sum(len(a.items) for a in draft.articles) == 29
    assert sum(len(a.paragraphs) for a in draft.articles) == 55
    art14 = draft.article(14)
    assert art14 is not None
    assert len(art14.items) == 4 and len(art14.paragraphs) == 2
    assert art14.paragraphs[1] == "禁止携带电动自行车或者其蓄电池进入电梯轿厢。"
    # The 起草说明 after the last article is not part of it.
    assert draft.articles[-1].paragraphs == ["本条例自\u3000\u3000年\u3000\u3000月\u3000\u3000日起施行。"]


def test_sample_dog_management() -> None:
    draft = sample("dog-management.md")
    assert draft.title == "某市养犬管理条例（草案）"
    assert draft.meta["round"] == "二审稿"
    assert numbers(draft) == list(range(1, 34))
    assert len(draft.chapters) == 6
    assert all(c.sections == () for c in draft.chapters)
    assert sum(len(a.items) for a in draft.articles) == 17
    assert sum(len(a.paragraphs) for a in draft.articles) == 43
    assert draft.article(15).items[1].startswith("（二）使用长度不超过一点五米的牵引绳")  # type: ignore[union-attr]
    assert draft.warnings == ()


def test_sample_rural_living_environment() -> None:
    draft = sample("rural-living-environment.md")
    assert draft.slug == "rural-living-environment"
    assert numbers(draft) == list(range(1, 23))
    assert draft.chapters == ()
    assert all(a.chapter is None for a in draft.articles)
    assert sum(len(a.items) for a in draft.articles) == 6
    assert sum(len(a.paragraphs) for a in draft.articles) == 30
    assert draft.articles[0].paragraphs[0].startswith("为了改善农村人居环境")
    assert draft.warnings == ()


@pytest.mark.parametrize("path", sorted(DRAFTS.glob("*.md")), ids=lambda p: p.name)
def test_every_sample_is_complete(path: Path) -> None:
    draft = parse_draft(path.read_text(encoding="utf-8"), source_name=path.name)
    assert draft.slug == path.stem
    assert 20 <= len(draft.articles) <= 60
    for field in ("title", "slug", "issuer", "kind", "round", "comment_opens", "comment_closes", "summary", "key_questions"):
        assert field in draft.meta, field
    assert draft.meta["comment_closes"] > draft.meta["comment_opens"]
    assert all(isinstance(a, Article) and a.blocks for a in draft.articles)
    json.dumps(draft.to_dict(), ensure_ascii=False)


def test_at_least_one_sample_is_open_on_2026_12_01() -> None:
    day = dt.date(2026, 12, 1)
    drafts = [parse_draft(p.read_bytes(), source_name=p.name) for p in DRAFTS.glob("*.md")]
    assert any(d.meta["comment_opens"] <= day <= d.meta["comment_closes"] for d in drafts)


# --------------------------------------------------------------------------- hostile input


def test_yaml_aliases_are_refused() -> None:
    err = error("---\ntitle: t\nslug: t\na: &a [x, x]\nb: [*a, *a]\n---\n第一条 甲。\n")
    assert "别名" in str(err)
    assert err.line == 5


def test_quoted_star_values_are_fine() -> None:
    draft = parse("第一条 甲。\n", front_matter=FM.replace("---\n", '---\nsummary: "*重点* 见下文"\n', 1))
    assert draft.meta["summary"] == "*重点* 见下文"


@pytest.mark.parametrize(
    "line",
    [
        "# a" + " " * 50_000 + "b",  # a backtracking heading pattern went quadratic here
        "<!--" * 50_000,
        "-->" * 50_000,
        "（" * 50_000,
        "**" * 50_000,
        "第" * 50_000,
        "第" + "一" * 50_000 + "条",
        "第九十九条" + " " * 50_000 + "乙",
        "- " * 50_000,
    ],
    ids=["heading-spaces", "comment-opens", "comment-closes", "parens", "bold", "di", "long-numeral", "spaces", "list"],
)
def test_pathological_lines_stay_linear(line: str) -> None:
    import time

    start = time.perf_counter()
    parse_draft(FM + "第一条 甲。\n" + line + "\n第二条 乙。\n")
    assert time.perf_counter() - start < 0.5


def test_several_inline_comments_on_one_line() -> None:
    draft = parse("第一条　甲<!-- a -->乙<!-- b -->丙<!-- 未闭合\n第二条 注释里\n--> 丁。\n第二条 戊。\n")
    assert numbers(draft) == [1, 2]
    assert draft.articles[0].paragraphs == ["甲乙丙", "丁。"]


@pytest.mark.parametrize(
    ("line", "title"),
    [("# 某市测试条例 #", "某市测试条例"), ("# C#语言条例", "C#语言条例"), ("#   **某市测试条例**  ", "某市测试条例")],
)
def test_h1_title_forms(line: str, title: str) -> None:
    draft = parse_draft(line + "\n第一条 甲。\n", source_name="t.md")
    assert draft.title == title


def test_seven_hashes_is_not_a_heading() -> None:
    draft = parse("第一条　甲。\n####### 乙\n")
    assert draft.articles[0].paragraphs == ["甲。", "####### 乙"]


def test_minimal_example_in_docs_parses_as_described() -> None:
    doc = (DRAFTS.parent / "docs" / "draft-format.md").read_text(encoding="utf-8")
    example = doc.split("```markdown\n", 1)[1].split("\n```", 1)[0]
    draft = parse_draft(example)
    assert draft.slug == "rural-living-environment"
    assert numbers(draft) == [1, 2, 3, 4]
    assert len(draft.article(2).paragraphs) == 2  # type: ignore[union-attr]
    assert len(draft.article(3).paragraphs) == 1 and len(draft.article(3).items) == 2  # type: ignore[union-attr]
