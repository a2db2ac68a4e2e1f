"""The machine's tags for one opinion and how people's decisions combine with them (pure)."""

from liaison.analysis.opinion_tags import DraftTagger, effective_tags
from liaison.analysis.tags import Tag, Taxonomy, Topic

ARTICLES = {
    1: [(1, "第一条　为了规范养犬行为，制定本条例。"), (2, "第二条　养犬人应当依法登记，按时免疫。"),
        (3, "第三条　携犬出户时，应当使用牵引绳，牵引绳长度不得超过一点五米。")],
    2: [(1, "第一条　为了规范养犬行为，制定本条例。"), (2, "第二条　携犬出户时，应当使用牵引绳。")],
}
TAXONOMY = Taxonomy([Topic("文明养犬", ["牵引绳", "携犬出户"]), Topic("登记免疫", ["登记", "免疫"])])


def _tagger() -> DraftTagger:
    return DraftTagger(TAXONOMY, ARTICLES, "某市养犬管理条例（草案）")


def test_all_kinds_with_source_and_confidence() -> None:
    tags = _tagger().tags("建议第三条牵引绳长度放宽到两米。", occupation="退休教师")
    by_kind = {t.kind: t for t in tags}
    assert by_kind["stance"] == Tag("amend", "stance", "rule", 0.9)
    assert by_kind["topic"].name == "文明养犬" and by_kind["topic"].source == "rule"
    assert by_kind["sector"].name == "退休人员"
    assert by_kind["article"] == Tag("3", "article", "rule", 0.95)


def test_article_is_read_against_the_opinions_version_and_suggested_when_unnamed() -> None:
    tagger = _tagger()
    assert tagger.article_tag("第三条太严了", 1) == Tag("3", "article", "rule", 0.95)
    in_v2 = tagger.article_tag("第三条太严了", 2)  # version 2 has no article 3
    assert in_v2 is None or in_v2.source == "suggestion"
    guess = tagger.article_tag("出门遛狗一定要用牵引绳", 2)
    assert guess is not None and guess.name == "2" and guess.source == "suggestion" and 0.3 <= guess.confidence <= 1
    assert tagger.article_tag("总体支持", 1) is None
    assert tagger.article_tag("出门遛狗一定要用牵引绳", 99) is None  # unknown version: no guess
    # filed under an article already: no article tag at all
    assert not [t for t in tagger.tags("出门遛狗一定要用牵引绳", version=2, article=2) if t.kind == "article"]


def test_people_win_and_machine_rows_stay_beside_them() -> None:
    machine = [Tag("oppose", "stance", "rule", 0.8), Tag("文明养犬", "topic", "rule", 0.6),
               Tag("登记免疫", "topic", "rule", 0.9), Tag("2", "article", "suggestion", 0.7)]
    assert effective_tags(machine).stance.name == "oppose"
    assert effective_tags(machine).topic_names() == ["登记免疫", "文明养犬"]
    decided = effective_tags([*machine, Tag("support", "stance", "person", 1.0),
                              Tag("登记免疫", "topic", "person", 0.0), Tag("新主题", "topic", "person", 1.0)])
    assert (decided.stance.name, decided.stance.source) == ("support", "person")
    assert decided.topic_names() == ["新主题", "文明养犬"]
    assert decided.article.name == "2" and decided.get("sector") is None
    assert effective_tags([]).stance is None and effective_tags([]).topics == []


def test_taxonomy_can_be_swapped_on_a_tagger() -> None:
    tagger = _tagger()
    assert [t.name for t in tagger.tags("登记要方便") if t.kind == "topic"] == ["登记免疫"]
    tagger.taxonomy = Taxonomy([Topic("办事便利", ["方便"])])
    assert [t.name for t in tagger.tags("登记要方便") if t.kind == "topic"] == ["办事便利"]
