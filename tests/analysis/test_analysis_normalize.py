"""Normalisation, exact keys and draft masking (liaison.analysis)."""

from __future__ import annotations

import random

from liaison.analysis.draftmask import DraftMask
from liaison.analysis.normalize import canonical, exact_key, normalize, normalize_many


def test_width_whitespace_punctuation() -> None:
    assert normalize("ＡＢＣ　１２３，建议 增加\t充电桩！") == "abc123建议增加充电桩"
    assert normalize("牵引绳１．５米") == "牵引绳1.5米"
    assert normalize("牵引绳1. 5米") == "牵引绳1.5米"  # a stray space does not turn 1.5 into 15
    assert normalize("1.5米") != normalize("15米")


def test_greetings_signoffs_names_phones() -> None:
    base = normalize("建议牵引绳不超过两米")
    variants = [
        "尊敬的领导：您好！建议牵引绳不超过两米。谢谢！望采纳。张三 13812345678",
        "各位领导好，建议牵引绳不超过两米！此致\n敬礼！市民王先生 2024年5月3日",
        "建议牵引绳不超过两米。联系人：王芳，联系电话：139-0000-1111",
        "建议牵引绳不超过两米——李明",
        "您好！建议牵引绳不超过两米！以上建议仅供参考。一名普通市民",
        "建议牵引绳不超过两米，此致敬礼韩建女士",
        "尊敬的人大代表：建议牵引绳不超过两米(0571-88886666)",
    ]
    for v in variants:
        assert normalize(v) == base, v
        assert exact_key(v) == exact_key("建议牵引绳不超过两米")


def test_content_is_kept() -> None:
    assert normalize("小区应该统一规划充电区域，方便群众") == "小区应该统一规划充电区域方便群众"
    assert normalize("电动车不能进楼道充电") == "电动车不能进楼道充电"
    assert normalize("谢谢") == ""


def test_exact_key_is_stable_hex() -> None:
    k = exact_key("建议增加充电桩")
    assert len(k) == 32 and int(k, 16) >= 0
    assert k == exact_key("建议增加充电桩！！")
    assert k != exact_key("建议减少充电桩")


def test_batch_equals_single_on_random_text() -> None:
    rng = random.Random(7)
    alphabet = "尊敬的领导您好谢谢采纳王先生张李 13812345678,.，。！\n\t\u3000１２ab—-年月日①é\u0301가😀\x00"
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 50))) for _ in range(3000)]
    assert normalize_many(texts) == [normalize(t) for t in texts]
    broken = normalize_many(texts, breaks=True)
    assert [b.replace("|", "") for b in broken] == normalize_many(texts)


def test_breaks_mark_clauses() -> None:
    assert normalize_many(["我建议，，牵引绳不超过1.5米。。再见"], breaks=True) == ["我建议|牵引绳不超过1.5米|再见"]


def test_draft_mask_removes_quotes_and_names_articles() -> None:
    mask = DraftMask.from_texts(
        ["携带犬只出户的，应当为犬只束牵引绳，牵引绳长度不得超过一点五米。", "重点管理区内禁止饲养烈性犬、大型犬。"]
    )
    a = normalize("第十条规定“牵引绳长度不得超过一点五米”，建议改为两米。")
    assert mask.mask(a) == "第十条规定建议改为两米"
    assert mask.quoted(a) == {0}
    masked, quoted = mask.mask_many([a, "我支持", normalize("建议删除“重点管理区内禁止饲养烈性犬”")])
    assert masked == ["第十条规定建议改为两米", "我支持", "建议删除"]
    assert quoted == [frozenset({0}), frozenset(), frozenset({1})]
    assert canonical("重点管理区内禁止饲养烈性犬、大型犬。") == "重点管理区内禁止饲养烈性犬大型犬"
    assert DraftMask.from_texts([]).mask("abc") == "abc"
