"""Article references in opinions: forms recognised, traps ignored, accuracy on a labeled set."""

from __future__ import annotations

import random

import pytest

from liaison.analysis.references import (
    RANGE_CAP,
    ArticleRef,
    extract_references,
    referenced_articles,
    referenced_chapter,
)
from liaison.drafts.numerals import int_to_chinese

FW = str.maketrans("0123456789", "０１２３４５６７８９")


def refs(text: str, **kw) -> list[tuple]:
    return [
        (r.article, r.article_end, r.chapter, r.section, r.paragraph, r.item)
        for r in extract_references(text, **kw)
    ]


# --------------------------------------------------------------------------- recognised forms


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("第十二条规定的牵引绳太短", [12]),
        ("第12条", [12]),
        ("第１２条", [12]),
        ("第 12 条", [12]),
        ("第　十二　条", [12]),
        ("第一百零一条", [101]),
        ("草案十二条", [12]),
        ("建议将十二条修改为：", [12]),
        ("对十二条有不同看法", [12]),
        ("关于十二条，建议删除", [12]),
        ("本条例第五条", [5]),
        ("本法第五条", [5]),
        ("本办法第五条", [5]),
        ("该条例第五条", [5]),
        ("草案第五条", [5]),
        ("征求意见稿第五条", [5]),
        ("条例草案第五条", [5]),
        ("《某市养犬管理条例（草案）》第五条", [5]),
        ("《条例》第五条", [5]),
        ("删除第十二条", [12]),
        ("在第十二条增加一款", [12]),
        ("关于第二十条的规定", [20]),
        ("第十二条建议修改为一点五米", [12]),
        ("第十二条问题很大", [12]),
        ("第十条至第十二条", [10, 11, 12]),
        ("第十条到十二条", [10, 11, 12]),
        ("第十条—第十二条", [10, 11, 12]),
        ("第十条－第十二条", [10, 11, 12]),
        ("第10-12条", [10, 11, 12]),
        ("第十条~第十二条", [10, 11, 12]),
        ("第十至十二条", [10, 11, 12]),
        ("对十至十二条", [10, 11, 12]),
        ("第十、十一条", [10, 11]),
        ("第十条、第十一条", [10, 11]),
        ("第十和第十一条", [10, 11]),
        ("第十条和十一条", [10, 11]),
        ("第10、11、12条", [10, 11, 12]),
        ("第十条及第十一条", [10, 11]),
        ("第十条或者第十一条", [10, 11]),
        ("第十条，第十一条", [10, 11]),
        ("第十条至第十五条，第二十条", [10, 11, 12, 13, 14, 15, 20]),
        ("第三章第十二条", [12]),
        ("十二条第二款", [12]),
        ("第五条和第八条，还有第二十条也要改", [5, 8, 20]),
        ("第十二条、第十二条", [12]),
        ("第一条", [1]),
    ],
)
def test_recognised(text: str, expected: list[int]) -> None:
    assert referenced_articles(text) == expected


def test_paragraph_and_item() -> None:
    assert refs("第十二条第二款第（三）项") == [(12, None, None, None, 2, 3)]
    assert refs("第十二条第二款第三项") == [(12, None, None, None, 2, 3)]
    assert refs("第十二条第二款第(三)项") == [(12, None, None, None, 2, 3)]
    assert refs("第十二条（三）项") == [(12, None, None, None, None, 3)]
    assert refs("第十二条第（三）项") == [(12, None, None, None, None, 3)]
    assert refs("第十二条的第二款") == [(12, None, None, None, 2, None)]
    assert refs("第12条第2款") == [(12, None, None, None, 2, None)]
    # a second 款 does not change the first
    assert refs("第十二条第二款和第三款") == [(12, None, None, None, 2, None)]


def test_span_and_text() -> None:
    text = "我认为第十二条第二款第（三）项不合理"
    (r,) = extract_references(text)
    assert isinstance(r, ArticleRef)
    assert text[r.start : r.end] == r.text == "第十二条第二款第（三）项"
    text = "建议第十条至第十二条合并"
    (r,) = extract_references(text)
    assert (r.article, r.article_end, r.text) == (10, 12, "第十条至第十二条")
    rs = extract_references("第十、十一条")
    assert [(x.article, x.text) for x in rs] == [(10, "第十"), (11, "十一条")]


def test_ref_is_frozen() -> None:
    (r,) = extract_references("第五条")
    with pytest.raises(AttributeError):
        r.article = 6  # type: ignore[misc]


def test_chapters() -> None:
    assert refs("第三章") == [(None, None, 3, None, None, None)]
    assert referenced_chapter("第三章充电安全写得很好") == 3
    assert refs("第二章第三节") == [(None, None, 2, 3, None, None)]
    assert referenced_articles("第二章第三节") == []
    assert referenced_chapter("第二章第三节") == 2
    assert referenced_chapter("第3章") == 3
    assert refs("第三章第十二条") == [(12, None, 3, None, None, None)]
    assert referenced_chapter("第三章第十二条") == 3
    assert refs("第二章第一节第十条") == [(10, None, 2, 1, None, None)]
    assert [r.chapter for r in extract_references("第二、三章")] == [2, 3]
    assert [r.chapter for r in extract_references("第二章至第四章")] == [2, 3, 4]
    assert referenced_chapter("第十二条太严") is None
    assert referenced_chapter("没有章节") is None
    assert referenced_chapter("《民法典》第三章") is None
    assert referenced_chapter("第十条，以及第四章") == 4


def test_several_in_one_text() -> None:
    text = "第五条太宽，第十二条第二款太严；另外第三章应当增加集中充电设施的规定，草案二十条也要改"
    assert referenced_articles(text) == [5, 12, 20]
    assert referenced_chapter(text) == 3
    assert [r.text for r in extract_references(text)] == ["第五条", "第十二条第二款", "第三章", "二十条"]


# --------------------------------------------------------------------------- not fooled


@pytest.mark.parametrize(
    "text",
    [
        "我有三条建议",
        "提两条意见",
        "我的第一条意见是牵引绳太短",
        "第一条建议是延长过渡期",
        "第一条建议：延长过渡期",
        "第二条意见，罚款太高",
        "第一点，牵引绳太短",
        "以下三条措施很有必要",
        "我想说几点：一是，二是",
        "第一时间清理粪便",
        "第一次登记",
        "小区的第一条路",
        "《民法典》第1165条",
        "《民法典》第一千一百六十五条",
        "民法典第一千一百六十五条",
        "民法典的第1165条",
        "《中华人民共和国动物防疫法》第三十条",
        "根据刑法第二十条",
        "依照道路交通安全法第七十六条",
        "与《物业管理条例》第四十五条衔接",
        "物业管理条例第四十五条",
        "按照消防法实施细则第十条",
        "《民法典》第三章",
        "《民法典》第1165条、第1166条",
        "《民法典》第1165条至第1167条",
        "2026年3月1日",
        "牵引绳不超过1.5米",
        "十二条狗",
        "",
        "没有提到任何条文",
    ],
)
def test_not_fooled(text: str) -> None:
    assert extract_references(text) == []
    assert referenced_articles(text) == []


def test_other_law_then_draft() -> None:
    assert referenced_articles("《民法典》第1165条和草案第十条不一致") == [10]
    assert referenced_articles("草案第五条与《民法典》第1245条不一致") == [5]
    assert referenced_articles("与道路交通安全法第七十六条的规定不一致，建议修改第三十条") == [30]
    assert referenced_articles("我的第一条意见：第十二条牵引绳太短") == [12]
    assert referenced_articles("第一条建议：建议第十二条增加过渡期") == [12]
    assert referenced_articles("有三条建议：一是第五条，二是第八条") == [5, 8]


def test_non_law_words_ending_in_fa() -> None:
    # 做法, 看法, 依法 are not laws' names
    assert referenced_articles("这种做法第十条没有写清楚") == [10]
    assert referenced_articles("我的看法第十条应当删除") == [10]
    assert referenced_articles("草案规定第十条") == [10]


def test_draft_title_makes_short_names_own() -> None:
    title = "某市养犬管理条例（草案）"
    assert referenced_articles("养犬管理条例第十二条") == []  # another 条例, without the title
    assert referenced_articles("养犬管理条例第十二条", draft_title=title) == [12]
    assert referenced_articles("《某市养犬管理条例》第十二条", draft_title=title) == [12]
    assert referenced_articles("《养犬管理条例》第十二条", draft_title=title) == [12]
    assert referenced_articles("《物业管理条例》第十二条", draft_title=title) == []
    assert referenced_articles("物业管理条例第十二条", draft_title=title) == []
    assert referenced_chapter("《某市养犬管理条例》第三章", draft_title=title) == 3


# --------------------------------------------------------------------------- referenced_articles


def test_valid_filter_and_order() -> None:
    assert referenced_articles("第五十条和第三条", valid={3, 4, 5}) == [3]
    assert referenced_articles("第三条、第五条、第三条") == [5, 3][::-1]
    assert referenced_articles("第十条至第十二条", valid={10, 12}) == [10, 12]


def test_range_cap() -> None:
    assert RANGE_CAP == 50
    assert referenced_articles("第一条至第五十一条") == list(range(1, 52))
    assert referenced_articles("第一条至第三百条") == [1, 300]
    assert referenced_articles("第十二条至第十条") == [12, 10]  # backwards: both ends only


# --------------------------------------------------------------------------- labeled set


def _labeled_set() -> list[tuple[str, list[int]]]:
    """~400 texts with explicit references (and distractors), from templates, plus hand-written ones."""
    rng = random.Random(20260301)
    cn = int_to_chinese

    def form(n: int) -> str:
        return rng.choice(
            [f"第{cn(n)}条", f"第{n}条", f"第{str(n).translate(FW)}条", f"第 {n} 条", f"第{cn(n)}条"]
        )

    single = [
        ("{r}规定的时间太短，建议延长", lambda r: r),
        ("我认为{r}不合理。", lambda r: r),
        ("建议删除{r}中的“一律”二字", lambda r: r),
        ("{r}第二款应当明确责任主体", lambda r: r),
        ("对{r}第一款第（二）项有意见", lambda r: r),
        ("关于{r}：罚款数额偏高", lambda r: r),
        ("草案{r}写得很好，支持", lambda r: r),
        ("本条例{r}与实际不符", lambda r: r),
        ("在{r}增加一款：“……”", lambda r: r),
        ("我的第一条意见是{r}太严", lambda r: r),
        ("有三条建议，第一，{r}要细化", lambda r: r),
        ("与《民法典》第1165条不一致，应修改{r}", lambda r: r),
        ("根据刑法第二十条，{r}的表述欠妥", lambda r: r),
        ("{r}。另外，我有两条意见", lambda r: r),
    ]
    out: list[tuple[str, list[int]]] = []
    for _ in range(220):
        n = rng.randint(1, 120)
        tpl, _f = rng.choice(single)
        out.append((tpl.format(r=form(n)), [n]))
    # bare references after a cue
    for _ in range(30):
        n = rng.randint(1, 99)
        tpl = rng.choice(["草案{n}条太严", "建议将{n}条修改为", "对{n}条有不同看法", "关于{n}条，建议删除"])
        out.append((tpl.format(n=cn(n)), [n]))
    # ranges and lists
    for _ in range(60):
        a = rng.randint(1, 80)
        b = a + rng.randint(1, 6)
        kind = rng.randrange(6)
        if kind == 0:
            t, exp = f"第{cn(a)}条至第{cn(b)}条应当合并", list(range(a, b + 1))
        elif kind == 1:
            t, exp = f"建议第{cn(a)}条到{cn(b)}条统一表述", list(range(a, b + 1))
        elif kind == 2:
            t, exp = f"第{a}条—第{b}条", list(range(a, b + 1))
        elif kind == 3:
            t, exp = f"第{cn(a)}、{cn(b)}条重复", [a, b]
        elif kind == 4:
            t, exp = f"第{cn(a)}条、第{cn(b)}条都要改", [a, b]
        else:
            t, exp = f"第{cn(a)}和第{cn(b)}条的罚款不一致", [a, b]
        out.append((t, exp))
    # several references, with chapter and other-law distractors
    for _ in range(60):
        a, b = rng.sample(range(1, 90), 2)
        tpl = rng.choice(
            [
                "第{a}条太宽，第{b}条第二款太严",
                "第三章第{a}条和《民法典》第1245条冲突，另外第{b}条也要改",
                "我提两条意见：一是第{a}条，二是第{b}条",
                "第二章第三节第{a}条不清楚；草案{b}条也是",
            ]
        )
        out.append((tpl.format(a=cn(a), b=cn(b)), [a, b]))
    # hand-written tricky ones
    out += [
        ("第一条建议是：第十二条的牵引绳长度改为两米", [12]),
        ("我的第一条意见：第十二条太严；第二条意见：第十五条太宽", [12, 15]),
        ("《民法典》第1165条、第1166条和草案第十条", [10]),
        ("民法典第一千一百六十五条已有规定，本条例第三十条不必重复", [30]),
        ("《中华人民共和国动物防疫法》第三十条规定了免疫，第九条可删", [9]),
        ("依照道路交通安全法第七十六条，第四十条应当修改", [40]),
        ("第１２条第２款", [12]),
        ("第十条至第十二条、第十五条", [10, 11, 12, 15]),
        ("第十二条（三）项的范围太宽", [12]),
        ("对第三章有意见，尤其是第二十条", [20]),
        ("第一时间清理粪便的要求，见第二十二条", [22]),
        ("第二十条第一款第（一）项、第二十一条", [20, 21]),
        ("按照本法第二十条的规定", [20]),
        ("第一百零一条", [101]),
        ("第 8 条和第 9 条", [8, 9]),
        ("删去本条例第三十三条", [33]),
        ("十二条第二款", [12]),
        ("我有三条建议：第五条删除，第六条保留，第七条修改", [5, 6, 7]),
        ("第二条意见是关于第四十条的", [40]),
        ("第四十条，第四十一条", [40, 41]),
    ]
    return out


def test_labeled_set_accuracy() -> None:
    data = _labeled_set()
    assert len(data) >= 200
    wrong = [(t, exp, referenced_articles(t)) for t, exp in data if referenced_articles(t) != exp]
    accuracy = 1 - len(wrong) / len(data)
    assert accuracy >= 0.98, f"accuracy {accuracy:.3f}; first misses: {wrong[:10]}"


def test_labeled_set_is_exact_on_hand_written_cases() -> None:
    data = _labeled_set()[-20:]
    for text, expected in data:
        assert referenced_articles(text) == expected, text


# --------------------------------------------------------------------------- fast path


def test_fast_path_reads_as_the_general_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    """第N条, 第N条第M款, ranges, 第N、M条 and cue+N条 are read by one regex when nothing continues
    them; with that regex switched off, the general parser must give exactly the same references."""
    import re

    from liaison.analysis import references
    from tagging_corpus import DRAFT_TITLE, fuzz_texts

    rng = random.Random(9)
    follow = list("的第条款项章、和及与或以至到—－-~～ 　（。，；？一十0１") + ["", "", "建议", "意见", "以及", "规定"]
    shapes = ["第{a}条", "第{a}条第{b}款", "第{a}条至第{b}条", "第{a}条——第{b}条", "第{a}、{b}条", "草案{a}条", "第{a}条-第{b}条"]

    def num() -> str:
        n = rng.choice([rng.randint(1, 60), 0, 5000, 5001, 12345])
        return rng.choice([str(n), str(n).translate(FW), int_to_chinese(n) if n else "零"])

    texts = fuzz_texts(1500, seed=21) + [
        rng.choice(["", "《民法典》", "本条例", "我的", "，第一、", "三条建议"])
        + rng.choice(shapes).format(a=num(), b=num()) + rng.choice(follow) + rng.choice(follow)
        for _ in range(3000)
    ]
    fast = [(t, extract_references(t), extract_references(t, draft_title=DRAFT_TITLE)) for t in texts]
    assert sum(1 for _, refs, _ in fast if refs) > 1500
    never = re.compile(r"(?!)")
    monkeypatch.setattr(references, "_SIMPLE_ARTICLE_RE", never)
    monkeypatch.setattr(references, "_SIMPLE_BARE_RE", never)
    for text, refs, titled in fast:
        assert extract_references(text) == refs, text
        assert extract_references(text, draft_title=DRAFT_TITLE) == titled, text
