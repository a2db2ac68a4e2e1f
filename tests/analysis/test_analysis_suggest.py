"""Article suggestions for opinions that name no article."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from liaison.analysis.suggest import ArticleSuggester
from liaison.drafts.parser import parse_draft

DRAFTS = Path(__file__).resolve().parents[2] / "drafts"


def _draft(name: str):
    return parse_draft((DRAFTS / name).read_text(encoding="utf-8"), source_name=name)


@pytest.fixture(scope="module")
def dog() -> ArticleSuggester:
    d = _draft("dog-management.md")
    return ArticleSuggester([(a.number, a.text) for a in d.articles])


@pytest.fixture(scope="module")
def ebike() -> ArticleSuggester:
    d = _draft("ebike-safety.md")
    return ArticleSuggester([(a.number, a.text) for a in d.articles])


SMALL = [
    (1, "第一条　为了规范养犬行为，制定本条例。"),
    (2, "第二条　携犬出户时，应当为犬只束牵引绳，牵引绳长度不得超过一点五米。"),
    (3, "第三条　养犬人应当即时清理犬只在户外排泄的粪便。"),
    (4, "第四条　重点管理区内每户限养一只犬。"),
]


def test_small_draft() -> None:
    s = ArticleSuggester(SMALL)
    assert len(s) == 4
    num, conf = s.suggest("牵引绳一点五米太短了，大型犬根本遛不开")
    assert num == 2 and conf >= 0.5
    num, conf = s.suggest("狗的粪便没人清理，小区里到处都是")
    assert num == 3
    num, conf = s.suggest("每户只能养一只犬太少了")
    assert num == 4


def test_nothing_matches() -> None:
    s = ArticleSuggester(SMALL)
    assert s.suggest("") is None
    assert s.suggest("今天天气很好。") is None
    assert s.suggest("！？。，") is None
    assert ArticleSuggester([]).suggest("牵引绳") is None


def test_confidence_range_and_ordering() -> None:
    s = ArticleSuggester(SMALL)
    strong = s.suggest("牵引绳长度不得超过一点五米")
    weak = s.suggest("我觉得这个事情应当再研究一下，犬的问题很复杂，大家意见不一")
    assert strong is not None and 0.0 <= strong[1] <= 1.0
    assert weak is None or weak[1] < strong[1]
    # the label 第X条 in the opinion does not itself match articles
    assert s.scores("第二条") == []


def test_scores_ranked(dog: ArticleSuggester) -> None:
    ranked = dog.scores("流浪犬收容后无人认领，应当允许社会组织领养")
    assert ranked == sorted(ranked, key=lambda kv: -kv[1])
    assert all(0.0 <= sc <= 1.0 + 1e-9 for _, sc in ranked)


@pytest.mark.parametrize(
    ("text", "topic_words"),
    [
        ("牵引绳一点五米太短，建议区分大型犬和小型犬", "牵引绳"),
        ("流浪犬收容后无人认领的，应当允许社会组织参与领养", "领养"),
        ("狂犬病免疫应当每年一次，费用由谁承担？", "狂犬病"),
    ],
)
def test_dog_draft_points_to_the_right_article(dog: ArticleSuggester, text: str, topic_words: str) -> None:
    d = _draft("dog-management.md")
    num, conf = dog.suggest(text)
    assert topic_words in d.article(num).text
    assert conf > 0.3


def test_ebike_draft(ebike: ArticleSuggester) -> None:
    d = _draft("ebike-safety.md")
    num, conf = ebike.suggest("外卖骑手的第三者责任保险应该由平台企业购买")
    assert "第三者责任保险" in d.article(num).text
    num, conf = ebike.suggest("新建小区集中充电场所的配建比例太低")
    assert num == 20  # 新建住宅小区 … 百分之二十的比例，配建 … 集中停放和充电场所


def _generated(name: str, seed: int) -> list[tuple[str, int]]:
    """Opinions built from article snippets wrapped in everyday wording."""
    rng = random.Random(seed)
    wraps = [
        "我认为{s}的规定不太合理，建议修改。",
        "关于{s}，希望再考虑一下。",
        "{s}这一条很好，支持。",
        "对于{s}，我有不同看法，执行起来很难",
        "{s}？这个怎么落实？",
    ]
    d = _draft(name)
    out = []
    for a in d.articles:
        body = re.sub(r"^第\S+?条\u3000", "", a.text)
        for _ in range(6):
            n = rng.randint(6, 14)
            if len(body) <= n:
                continue
            i = rng.randrange(len(body) - n)
            out.append((rng.choice(wraps).format(s=body[i : i + n]), a.number))
    return out


@pytest.mark.parametrize("name", ["dog-management.md", "ebike-safety.md", "rural-living-environment.md"])
def test_generated_accuracy_and_calibration(name: str) -> None:
    d = _draft(name)
    s = ArticleSuggester([(a.number, a.text) for a in d.articles])
    data = _generated(name, 5)
    results = [(s.suggest(t), exp) for t, exp in data]
    right = sum(1 for r, exp in results if r and r[0] == exp)
    assert right / len(data) >= 0.8
    sure = [(r, exp) for r, exp in results if r and r[1] >= 0.5]
    assert len(sure) >= len(data) // 2
    precision = sum(1 for r, exp in sure if r[0] == exp) / len(sure)
    assert precision >= 0.9, precision


def test_other_drafts_text_is_not_confident(dog: ArticleSuggester) -> None:
    """Snippets of another draft mostly get low confidence (or none) against the dog draft."""
    data = _generated("rural-living-environment.md", 9)
    confident = [t for t, _ in data if (r := dog.suggest(t)) and r[1] >= 0.5]
    assert len(confident) <= len(data) * 0.1
