"""Throughput of the tagging steps on generated opinions (one core, pure Python).

Builds ~100k opinions from templates over the sample draft ``drafts/ebike-safety.md`` (article
references in several forms, stance cues, topic words, filler), then times, each on its own:
stance (``classify_stance``), topic tags (``Taxonomy.tag`` with the taxonomy seeded from the draft),
article references (``extract_references``) and article suggestions (``ArticleSuggester.suggest``,
on a 10k sample). Prints texts per CPU-second (``time.process_time``), best of ``--runs``.

    .venv/bin/python bench/tagging.py [--texts 100000] [--runs 3] [--sentences 1]

``--sentences 4`` makes opinions of ~150 characters, closer to a long comment.

Aim: stance, topic tags and references together ≥ 20,000 texts/s per core.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
try:
    import liaison.analysis.references  # noqa: F401
except ImportError:  # not installed: run from a checkout
    sys.path.insert(0, str(ROOT / "src"))

from liaison.analysis.references import extract_references
from liaison.analysis.stance import classify_stance
from liaison.analysis.suggest import ArticleSuggester
from liaison.analysis.tags import Taxonomy
from liaison.drafts.numerals import int_to_chinese
from liaison.drafts.parser import parse_draft

OPENERS = ["", "您好！", "我是一名外卖骑手，", "作为小区居民，", "本人意见如下：", "我的第一条意见是，"]
REFS = ["第{c}条", "第{d}条", "草案{c}条", "第{c}条第二款", "第{c}条至第{c2}条", "第{c}、{c2}条", "《民法典》第1165条", "", "", ""]
BODIES = [
    "规定禁止在楼道充电，我支持，但建议给老旧小区设置过渡期",
    "集中充电设施太少，收费也贵，建议按照不低于百分之三十的比例配建",
    "骑手佩戴头盔很有必要，搭载的人员是否也应一律佩戴？",
    "反对禁止电动自行车进电梯，没必要一刀切",
    "罚款五十元以上二百元以下太轻了，应当提高",
    "请问电动自行车停放在哪里？小区没有车棚怎么办？",
    "非常好，拥护这个条例，希望尽快实施",
    "建议明确物业服务人的责任，增加一款关于消防安全检查的规定",
]
CLOSERS = ["", "谢谢！", "以上意见供参考。", "联系电话13800000000"]


def make_texts(n: int, max_article: int, sentences: int = 1, seed: int = 1) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        parts = [rng.choice(OPENERS)]
        for _ in range(sentences):
            a = rng.randint(1, max_article - 1)
            ref = rng.choice(REFS).format(c=int_to_chinese(a), d=a, c2=int_to_chinese(a + 1))
            parts.append(ref + rng.choice(BODIES) + "。")
        parts.append(rng.choice(CLOSERS))
        out.append("".join(parts))
    return out


def rate(fn, texts: list[str], runs: int) -> float:
    """Texts per CPU-second of this process (``time.process_time``: other processes sharing the
    cores do not count), best of ``runs``."""
    best = float("inf")
    for _ in range(runs):
        t0 = time.process_time()
        for t in texts:
            fn(t)
        best = min(best, time.process_time() - t0)
    return len(texts) / best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--texts", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--sentences", type=int, default=1, help="points per opinion (1 ≈ 40 characters)")
    args = ap.parse_args()
    draft = parse_draft((ROOT / "drafts" / "ebike-safety.md").read_text(encoding="utf-8"), source_name="ebike-safety.md")
    texts = make_texts(args.texts, len(draft.articles), args.sentences)
    chars = sum(map(len, texts)) / len(texts)
    taxonomy = Taxonomy.from_draft(draft)
    suggester = ArticleSuggester([(a.number, a.text) for a in draft.articles])
    print(f"{len(texts):,} texts, {chars:.0f} characters on average; {len(taxonomy.topics)} topics, "
          f"{sum(len(t.keywords) for t in taxonomy.topics)} keywords; {len(draft.articles)} articles")
    results = {
        "stance (classify_stance)": rate(classify_stance, texts, args.runs),
        "topic tags (Taxonomy.tag)": rate(taxonomy.tag, texts, args.runs),
        "references (extract_references)": rate(extract_references, texts, args.runs),
        "suggestion (ArticleSuggester.suggest)": rate(suggester.suggest, texts[:10_000], args.runs),
    }
    both = rate(lambda t: (classify_stance(t), taxonomy.tag(t), extract_references(t)), texts, args.runs)
    for name, r in results.items():
        print(f"{name:40s} {r:12,.0f} texts/s")
    print(f"{'stance + topics + references together':40s} {both:12,.0f} texts/s")


if __name__ == "__main__":
    main()
