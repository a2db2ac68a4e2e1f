"""A generated corpus for checking that faster tagging code gives exactly the same tags.

``fuzz_texts`` glues random fragments — every stance cue and its negations, topic keywords,
article references in all their written forms (ranges, lists, paragraphs, items, chapters,
sections, bare numbers after cues), other laws' names, count nouns, punctuation and spaces — into
texts that hit the rules' corners far more often than real opinions do. ``bench_texts`` are the
opinions of ``bench/tagging.py``.

``python tests/analysis/tagging_corpus.py`` rewrites ``data/tagging_reference.json.gz`` with the
texts and the tags the *current* code gives them. It was written once with the implementation
before the speed-up (commit 8909574); ``test_analysis_tagging_fast.py`` checks the code
against it. Regenerate it only after a deliberate change of results.
"""

from __future__ import annotations

import gzip
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = Path(__file__).resolve().parent / "data" / "tagging_reference.json.gz"
DRAFT_TITLE = "某市电动自行车安全管理条例（草案）"

# Kept here (not read from the modules) so the corpus does not move when the code does.
_STANCE_CUES = """
反对 不同意 不赞成 不支持 坚决不 没必要 没有必要 毫无必要 不必要 删除本条 删去本条 取消本条 删除该条 删去该条
取消该条 删除这一条 删除这条 取消这一条 取消这条 删除此条 取消此条 废除 不能接受 无法接受 强烈不满
不同意见 反对意见 不反对 并不反对 没必要担心 没有必要担心 不同意见建议
建议 修改为 改为 改成 修改成 增加 增设 加上 删除 删去 补充 明确 细化 提高 降低 放宽 收紧 延长 缩短 区分 应予
可以考虑 是否可以 能否 替换 表述为 修订 规定为 加大 限定 限制为 增加一款 增加一项
应当 应该 最好 希望 完善 统一 调整 增加负担 增加了 加重负担 明确了 很明确 非常明确
不应 不合理 不能 不要 取消 不妥 太严 过严 过重 太重 太高 过高 一刀切 不切实际 行不通 不可行 多此一举 扰民 不公平 负担
请问 吗？ 吗? 吗 是否 如何 怎么 为什么 为何 可否 何时 哪些 哪个 多少 谁来 ？ ?
支持 赞成 同意 很好 拥护 点赞 非常必要 十分必要 很有必要 好事 赞同 非常好 很及时 叫好 满意 没有意见 无意见 没意见
不赞同 不满意 不 同 意 对 删 除 本 条 建 议 见
""".split()
_TOPIC_WORDS = """
充电 充电安全 集中充电设施 居民住宅区 楼道 电梯 火灾 消防 通行 驾驶 头盔 骑手 外卖 快递 停放 车棚 物业
销售 生产 改装 蓄电池 电池 回收 登记 号牌 执法 罚款 处罚 电动自行车 电动 自行车 安全 管理 飞线充电
""".split()
_LAWS = [
    "《民法典》", "民法典", "《中华人民共和国道路交通安全法》", "道路交通安全法", "刑法", "物业管理条例",
    "《物业管理条例》", "本条例", "本法", "本办法", "该条例", "草案", "征求意见稿", "《条例》", "条例",
    "《某市电动自行车安全管理条例（草案）》", "电动自行车安全管理条例", "《某市电动自行车安全管理条例》",
    "若干规定", "草案规定", "做法", "看法", "依法", "办法", "管理办法", "实施细则", "司法解释", "的",
    "关于", "对", "将", "把", "根据", "按照", "在", "中", "里", "即", "原", "现", "稿", "文本",
]
_AFTER = ["意见", "建议", "建议是", "建议：", "看法", "路", "狗", "措施", "信息", "规定", "中的", "的", "太严",
          "时间", "点", "条", "款", "项", "章", "节", "目"]
_JOIN = ["至", "到", "—", "——", "－", "-", "~", "～", "、", "和", "及", "与", "或者", "或", "以及", "、以及", "跟",
         "，", " ", "　", "的"]
_PUNCT = ["，", "。", "；", "：", "？", "！", "\n", " ", "　", "（", "）", "(", ")", "【", "】", "“", "”", ",", ".", ";"]
_FILLER = ["我", "认为", "这个", "规定", "小区", "居民", "老旧小区", "时间", "罚款五十元", "百分之三十", "一", "两",
           "三", "第一", "第一时间", "第一点", "一是", "二是", "13800000000", "2026年"]
_FW = str.maketrans("0123456789", "０１２３４５６７８９")


def _number(rng: random.Random) -> str:
    from liaison.drafts.numerals import int_to_chinese

    n = rng.choice([rng.randint(1, 12), rng.randint(1, 60), rng.randint(1, 200), rng.choice([0, 1165, 1260, 6000, 10000])])
    form = rng.randrange(6)
    if form == 0:
        return str(n)
    if form == 1:
        return str(n).translate(_FW)
    if form == 2 and n:
        return " ".join(str(n)) if rng.random() < 0.3 else str(n)
    return int_to_chinese(n) if n else "零"


def _ref(rng: random.Random) -> str:
    """One article/chapter reference-like fragment, well-formed or not."""
    parts: list[str] = []
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        di = rng.random() < 0.75
        unit = rng.choice(["条", "条", "条", "章", "节", "款", "项", "", ""])
        sp = rng.choice(["", "", "", " ", "　"])
        num = _number(rng)
        if rng.random() < 0.08:
            num = rng.choice(["（", "("]) + num + rng.choice(["）", ")"])
        parts.append(("第" if di else "") + sp + num + sp + unit)
        if rng.random() < 0.3:
            parts.append(rng.choice(["第二款", "第（三）项", "（三）项", "第三项", "第２款", "的第一款", "第二款第（一）项", "第三节"]))
        parts.append(rng.choice(_JOIN) if rng.random() < 0.6 else "")
    return "".join(parts)


def fuzz_texts(n: int, seed: int = 4) -> list[str]:
    rng = random.Random(seed)
    kinds = [
        (lambda: rng.choice(_STANCE_CUES), 6),
        (lambda: rng.choice(_TOPIC_WORDS), 3),
        (lambda: _ref(rng), 5),
        (lambda: rng.choice(_LAWS), 3),
        (lambda: rng.choice(_AFTER), 2),
        (lambda: rng.choice(_PUNCT), 4),
        (lambda: rng.choice(_FILLER), 3),
    ]
    makers = [f for f, w in kinds for _ in range(w)]
    out = []
    for _ in range(n):
        length = rng.choice([1, 2, 3, 5, 8, 12, 20])
        out.append("".join(rng.choice(makers)() for _ in range(length)))
    return out


def bench_texts(n: int, sentences: int, seed: int) -> list[str]:
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        from tagging import make_texts
    finally:
        sys.path.pop(0)
    return make_texts(n, 43, sentences, seed=seed)


def taxonomies() -> dict[str, dict]:
    """The ebike draft's seeded taxonomy and a hand-made one with shared and nested keywords."""
    from liaison.analysis.tags import Taxonomy
    from liaison.drafts.parser import parse_draft

    draft = parse_draft((ROOT / "drafts" / "ebike-safety.md").read_text(encoding="utf-8"), source_name="ebike-safety.md")
    nested = {"topics": [
        {"name": "充电", "keywords": ["充电", "充电安全", "飞线充电", "楼道", "电梯"]},
        {"name": "安全", "keywords": ["安全", "充电安全", "消防", "火灾", "头盔", "电"]},
        {"name": "车辆", "keywords": ["电动自行车", "电动", "自行车", "改装", "蓄电池", "电池", "号牌"]},
        {"name": "空", "keywords": []},
        {"name": "管理", "keywords": ["管理", "物业", "执法", "罚款", "处罚", "登记", "停放", "车棚"]},
    ]}
    return {"ebike": Taxonomy.from_draft(draft).to_dict(), "nested": nested}


def corpus() -> list[str]:
    return fuzz_texts(6000) + bench_texts(1000, 1, seed=11) + bench_texts(1000, 4, seed=12) + [
        "", " ", "条", "章", "第", "第条", "第十", "十二条", "第一条", "？", "不同意见", "不同意见建议",
    ]


def tags_of(texts: list[str], taxes: dict[str, dict]) -> list[list]:
    """What the current code says about each text (JSON-ready)."""
    from liaison.analysis.references import extract_references
    from liaison.analysis.stance import classify_stance
    from liaison.analysis.tags import Taxonomy

    built = {k: Taxonomy.from_dict(v) for k, v in taxes.items()}

    def refs(t: str, title: str | None) -> list:
        return [[r.article, r.article_end, r.chapter, r.section, r.paragraph, r.item, r.start, r.end, r.text]
                for r in extract_references(t, draft_title=title)]

    return [
        [list(classify_stance(t)),
         {k: [[g.name, g.kind, g.source, g.confidence] for g in tax.tag(t)] for k, tax in built.items()},
         refs(t, None), refs(t, DRAFT_TITLE)]
        for t in texts
    ]


def main() -> None:
    texts = corpus()
    taxes = taxonomies()
    data = {"texts": texts, "taxonomies": taxes, "draft_title": DRAFT_TITLE, "tags": tags_of(texts, taxes)}
    FIXTURE.parent.mkdir(exist_ok=True)
    with gzip.open(FIXTURE, "wt", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, separators=(",", ":"))
    print(f"{len(texts)} texts → {FIXTURE} ({FIXTURE.stat().st_size:,} bytes)")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    main()
