"""Stance of opinions by cue words."""

from __future__ import annotations

import random
import time

import pytest

from liaison.analysis.stance import _ALL_CUES, STANCES, _present, classify_stance


@pytest.mark.parametrize(
    ("text", "stance"),
    [
        # support
        ("坚决支持！", "support"),
        ("非常好，拥护这个条例", "support"),
        ("赞成草案的规定", "support"),
        ("同意。", "support"),
        ("这是好事，点赞", "support"),
        ("支持，希望尽快实施", "support"),
        ("第十二条规定养犬人应当拴绳，我非常支持", "support"),
        ("对本条没有意见", "support"),
        # oppose
        ("我反对这一条", "oppose"),
        ("不同意限养一只的规定", "oppose"),
        ("没必要规定这么细", "oppose"),
        ("我反对这一条，建议删除本条", "oppose"),
        ("建议删去本条", "oppose"),
        ("限养一只不合理", "oppose"),
        ("取消限养规定", "oppose"),
        ("不应该禁止电动车进电梯", "oppose"),
        ("这会增加负担", "oppose"),
        ("为什么要禁止？完全没必要", "oppose"),
        ("不赞成，但是可以理解", "oppose"),
        # amend
        ("建议将罚款修改为一百元", "amend"),
        ("支持，但建议牵引绳长度改为两米", "amend"),
        ("不应一刀切，建议区分大型犬和小型犬", "amend"),
        ("增加一款：老旧小区设置过渡期", "amend"),
        ("牵引绳长度改为两米", "amend"),
        ("第十二条补充“夜间”二字", "amend"),
        ("建议明确物业的责任", "amend"),
        ("能否延长过渡期？", "amend"),
        ("我有不同意见：建议增加过渡期", "amend"),
        ("物业应当承担更多责任", "amend"),
        # question
        ("请问老旧小区没有车棚怎么办？", "question"),
        ("牵引绳长度是否合适？", "question"),
        ("为什么要禁止电动车进电梯？", "question"),
        ("罚款由哪个部门执行", "question"),
        ("这个规定什么时候实施吗", "question"),
    ],
)
def test_stance(text: str, stance: str) -> None:
    got, conf = classify_stance(text)
    assert got == stance, (text, got, conf)
    assert 0.0 < conf <= 1.0


def test_confidence_levels() -> None:
    assert classify_stance("坚决支持")[1] >= 0.8  # one kind of cue alone
    assert classify_stance("支持，但建议修改为两米")[1] < classify_stance("建议修改为两米")[1]
    assert classify_stance("今天天气不错") == ("amend", 0.3)  # nothing matched: low-confidence default
    assert classify_stance("") == ("amend", 0.3)


def test_stances_tuple() -> None:
    assert set(STANCES) == {"support", "oppose", "amend", "question"}
    for text in ["支持", "反对", "建议修改", "请问？", "", "x"]:
        assert classify_stance(text)[0] in STANCES


def test_throughput() -> None:
    """≥ 20,000 texts per CPU-second (bench/tagging.py gives the full figure)."""
    texts = [
        "我是小区居民，第十二条规定禁止在楼道充电，我支持，但建议给老旧小区设置过渡期。谢谢！",
        "请问电动自行车停放在哪里？小区没有车棚怎么办？",
        "反对禁止电动自行车进电梯，没必要一刀切",
        "非常好，拥护这个条例，希望尽快实施",
    ] * 2500
    best = float("inf")
    for _ in range(3):
        t0 = time.process_time()
        for t in texts:
            classify_stance(t)
        best = min(best, time.process_time() - t0)
    assert len(texts) / best >= 20_000


def test_one_scan_finds_exactly_the_cues_in_the_text() -> None:
    """The trie-regex scan (with the cues inside and straddling its matches) finds the same cues
    as testing each cue with ``in`` — on texts made to overlap cues in every way."""
    rng = random.Random(3)
    cues = sorted(_ALL_CUES)
    glue = ["", "", "，", "我", "认为", "否认", "加", "为", "行", "意见", "担心", "了", "一刀切"]
    texts = ["".join(rng.choice(cues + glue) for _ in range(rng.randint(1, 12))) for _ in range(3000)]
    texts += ["不能否认", "坚决不同意见建议", "增加负担", "非常明确了", "强烈不满意", "点赞同", "为何时", "统一刀切"]
    for text in texts:
        assert _present(text) == {c for c in _ALL_CUES if c in text}, text
