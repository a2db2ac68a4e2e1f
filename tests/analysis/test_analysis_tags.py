"""Topic taxonomy, sector tags and keyword suggestions."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from liaison.analysis.tags import (
    SECTORS,
    TAG_KINDS,
    TAG_SOURCES,
    Tag,
    Taxonomy,
    Topic,
    _trie_pattern,
    sector_tag,
    suggest_keywords,
)
from liaison.drafts.parser import parse_draft

DRAFTS = Path(__file__).resolve().parents[2] / "drafts"


def _draft(name: str):
    return parse_draft((DRAFTS / name).read_text(encoding="utf-8"), source_name=name)


@pytest.fixture(scope="module")
def ebike_tax() -> Taxonomy:
    return Taxonomy.from_draft(_draft("ebike-safety.md"))


# --------------------------------------------------------------------------- Tag


def test_tag_record() -> None:
    t = Tag("充电安全", "topic", "rule", 0.8)
    assert t.to_dict() == {"name": "充电安全", "kind": "topic", "source": "rule", "confidence": 0.8}
    with pytest.raises(AttributeError):
        t.name = "x"  # type: ignore[misc]
    assert TAG_KINDS == ("topic", "stance", "sector", "article")
    assert TAG_SOURCES == ("rule", "suggestion", "person")


# --------------------------------------------------------------------------- trie regex


def test_trie_pattern_longest_first() -> None:
    import re

    pat = re.compile(_trie_pattern(["充电", "充电设施", "集中充电设施", "楼道", "a.b"]))
    assert pat.findall("楼道里充电，集中充电设施，充电设施") == ["楼道", "充电", "集中充电设施", "充电设施"]
    assert pat.findall("a.b axb") == ["a.b"]  # escaped


# --------------------------------------------------------------------------- taxonomy from a draft


def test_from_draft_one_topic_per_chapter(ebike_tax: Taxonomy) -> None:
    names = [t.name for t in ebike_tax.topics]
    assert names == ["生产销售", "充电安全", "通行管理", "停放管理", "法律责任"]  # 总则/附则 skipped
    charging = ebike_tax.topics[1]
    assert charging.keywords[0] == "充电安全"
    assert "集中充电设施" in charging.keywords  # a section title
    assert "充电" in charging.keywords  # a distinctive word of the title
    assert "应当" not in charging.keywords
    for t in ebike_tax.topics:
        assert 2 <= len(t.keywords) <= 1 + 3 + 2 + 8
        assert len(set(t.keywords)) == len(t.keywords)


def test_from_draft_keeps_general_chapters_on_request() -> None:
    tax = Taxonomy.from_draft(_draft("ebike-safety.md"), skip_general=False)
    assert [t.name for t in tax.topics][0] == "总则"
    assert [t.name for t in tax.topics][-1] == "附则"


def test_from_draft_without_chapters() -> None:
    assert Taxonomy.from_draft(_draft("rural-living-environment.md")).topics == []


def test_from_draft_dog(ebike_tax: Taxonomy) -> None:
    tax = Taxonomy.from_draft(_draft("dog-management.md"))
    by_name = {t.name: t for t in tax.topics}
    assert "养犬登记" in by_name and "流浪犬收容" in by_name
    # 养犬 is in most chapter titles: it says nothing about the topic
    assert "养犬" not in by_name["养犬登记"].keywords
    assert "领养" in by_name["流浪犬收容"].keywords or "收容" in by_name["流浪犬收容"].keywords


# --------------------------------------------------------------------------- tagging


def test_tag_by_keywords(ebike_tax: Taxonomy) -> None:
    tags = ebike_tax.tag("楼道里充电太危险了，建议小区多建集中充电设施")
    assert tags[0].name == "充电安全"
    assert tags[0].kind == "topic" and tags[0].source == "rule"
    assert tags[0].confidence == 0.8  # two different keywords
    assert ebike_tax.tag("今天天气很好") == []
    assert ebike_tax.tag("") == []


def test_tag_confidence_rules() -> None:
    tax = Taxonomy([Topic("牵引", ["牵引绳", "一点五米", "拴绳"]), Topic("粪便", ["粪便"]), Topic("空", [])])
    assert tax.tag("牵引绳") == [Tag("牵引", "topic", "rule", 0.6)]
    assert tax.tag("粪便") == [Tag("粪便", "topic", "rule", 0.5)]  # a two-character keyword is weaker
    assert tax.tag("牵引绳一点五米") == [Tag("牵引", "topic", "rule", 0.8)]
    assert tax.tag("牵引绳一点五米要拴绳") == [Tag("牵引", "topic", "rule", 0.9)]
    assert tax.tag("牵引绳，牵引绳，牵引绳")[0].confidence == 0.64  # repeats add a little
    both = tax.tag("牵引绳一点五米，粪便")
    assert [t.name for t in both] == ["牵引", "粪便"]  # best first


def test_shared_keyword_tags_both_topics() -> None:
    tax = Taxonomy([Topic("甲", ["电梯"]), Topic("乙", ["电梯", "楼道"])])
    assert {t.name for t in tax.tag("电梯")} == {"甲", "乙"}


def test_edits_take_effect(ebike_tax: Taxonomy) -> None:
    tax = Taxonomy.from_dict(ebike_tax.to_dict())
    assert not any(t.name == "通行管理" for t in tax.tag("头盔质量太差"))
    tax.topics[2].keywords.append("头盔")
    assert any(t.name == "通行管理" for t in tax.tag("头盔质量太差"))
    tax.topics.append(Topic("电梯", ["电梯"]))
    assert any(t.name == "电梯" for t in tax.tag("禁止进电梯"))
    tax.topics[-1].name = "电梯安全"  # a rename is seen at once, though the tags are reused
    assert [t.name for t in tax.tag("禁止进电梯")] == ["电梯安全"]
    tax.topics[-1].keywords[0] = "电瓶"  # so is a keyword changed in place
    assert tax.tag("禁止进电梯") == [] and [t.name for t in tax.tag("电瓶")] == ["电梯安全"]


def test_json_round_trip(ebike_tax: Taxonomy) -> None:
    data = json.loads(json.dumps(ebike_tax.to_dict(), ensure_ascii=False))
    again = Taxonomy.from_dict(data)
    assert again == ebike_tax
    assert again.to_dict() == ebike_tax.to_dict()
    assert set(data) == {"topics"} and set(data["topics"][0]) == {"name", "keywords"}


def test_from_dict_cleans_and_rejects() -> None:
    tax = Taxonomy.from_dict({"topics": [{"name": " 牵引 ", "keywords": [" 牵引绳 ", "", "牵引绳", "拴绳"]}]})
    assert tax.topics == [Topic("牵引", ["牵引绳", "拴绳"])]
    assert Taxonomy.from_dict({"topics": [{"name": "空"}]}).topics == [Topic("空", [])]
    for bad in [
        [],
        {},
        {"topics": "x"},
        {"topics": [{"keywords": []}]},
        {"topics": [{"name": ""}]},
        {"topics": [{"name": "a", "keywords": "牵引绳"}]},
        {"topics": [{"name": "a", "keywords": [1]}]},
        {"topics": [{"name": "a"}, {"name": "a"}]},
    ]:
        with pytest.raises(ValueError):
            Taxonomy.from_dict(bad)  # type: ignore[arg-type]


def test_tag_throughput(ebike_tax: Taxonomy) -> None:
    """≥ 20,000 texts per CPU-second (bench/tagging.py gives the full figure)."""
    texts = [
        "我是小区居民，第十二条规定禁止在楼道充电，我支持，但建议给老旧小区设置过渡期。谢谢！",
        "请问电动自行车停放在哪里？小区没有车棚怎么办？外卖骑手的头盔谁来买？",
        "罚款五十元以上二百元以下太轻了，应当提高",
        "非常好，拥护这个条例，希望尽快实施",
    ] * 2500
    best = float("inf")
    for _ in range(3):
        t0 = time.process_time()
        for t in texts:
            ebike_tax.tag(t)
        best = min(best, time.process_time() - t0)
    assert len(texts) / best >= 20_000


# --------------------------------------------------------------------------- sectors


@pytest.mark.parametrize(
    ("occupation", "sector", "confidence"),
    [
        ("教师", "教育", 0.95),
        ("某小学语文老师", "教育", 0.8),
        ("学生", "学生", 0.95),
        ("医生", "医疗卫生", 0.95),
        ("社区医院护士", "医疗卫生", 0.8),
        ("律师", "法律", 0.95),
        ("法学教师", "法律", 0.8),
        ("企业职员", "企业", 0.8),
        ("个体工商户", "个体工商户", 0.95),
        ("农民", "农业", 0.95),
        ("退休", "退休人员", 0.95),
        ("退休教师", "退休人员", 0.8),
        ("社区工作者", "社区基层", 0.95),
        ("外卖骑手", "新就业形态", 0.8),
        ("快递员", "新就业形态", 0.8),
        ("公务员", "机关事业单位", 0.95),
        ("物业公司保安", "物业", 0.8),
        ("市人大代表", "人大代表/政协委员", 0.8),
        (" 律 师 ", "法律", 0.95),
    ],
)
def test_sector(occupation: str, sector: str, confidence: float) -> None:
    assert sector_tag(occupation) == Tag(sector, "sector", "rule", confidence)


def test_sector_unknown() -> None:
    assert sector_tag(None) is None
    assert sector_tag("") is None
    assert sector_tag("   ") is None
    assert sector_tag("程序员") is None or sector_tag("程序员").kind == "sector"
    assert sector_tag("不愿透露") is None
    assert all(isinstance(words, tuple) and words for words in SECTORS.values())


# --------------------------------------------------------------------------- keyword suggestions


def test_suggest_keywords_counts_texts_and_drops_stop_words() -> None:
    texts = [
        "建议增加集中充电设施，集中充电设施太少",
        "集中充电设施收费太贵了",
        "电动自行车进电梯太危险",
        "我认为应当加强管理，谢谢",
        "",
    ]
    got = suggest_keywords(texts, draft_terms=["集中充电设施", "电动自行车"])
    words = dict(got)
    assert got[0] == ("集中充电设施", 2)  # counted once per text, not per occurrence
    assert words["电动自行车"] == 1
    for stop in ["建议", "增加", "应当", "我", "认为", "谢谢", "管理", "，"]:
        assert stop not in words
    assert all(len(w) >= 2 for w in words)
    assert got == sorted(got, key=lambda kv: (-kv[1], kv[0]))


def test_draft_terms_stay_whole_and_do_not_leak() -> None:
    import rjieba

    text = "个人信息处理者应当告知"
    assert ("个人信息处理者", 1) in suggest_keywords([text], draft_terms=["个人信息处理者"])
    # the module-level rjieba dictionary is left alone
    assert "个人信息处理者" not in rjieba.cut(text)
    assert ("个人信息处理者", 1) not in suggest_keywords([text])


def test_suggest_keywords_top() -> None:
    texts = [f"牵引绳{w}" for w in ["太短", "太长", "合适", "结实"]] * 3
    assert len(suggest_keywords(texts, top=2)) == 2
    assert suggest_keywords(texts, top=0) == []
    assert suggest_keywords([]) == []
    assert suggest_keywords(texts, top=1)[0] == ("牵引绳", 12)
