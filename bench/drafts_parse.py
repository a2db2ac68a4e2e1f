"""Time parsing and rendering of a Civil-Code-sized draft (1,260 articles by default).

Builds the draft in memory: 7 编, each with chapters and some 节, articles with
several 款 and 项, a 目录 and front matter, then times ``parse_draft`` and
``render_article_html`` over every article. Prints best and median of N runs.

    .venv/bin/python bench/drafts_parse.py [--articles 1300] [--runs 15]

Aim: parse + render under 200 ms.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

try:
    import liaison.drafts.parser  # noqa: F401
except ImportError:  # not installed: run from a checkout
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from liaison.drafts.numerals import int_to_chinese
from liaison.drafts.parser import parse_draft
from liaison.drafts.render import render_article_html

BOOKS = ["总则", "物权", "合同", "人格权", "婚姻家庭", "继承", "侵权责任"]
PHRASES = [
    "民事主体从事民事活动，应当遵循诚信原则，秉持诚实，恪守承诺",
    "当事人对其主张的事实负有举证责任，法律另有规定的除外",
    "有关部门应当依照法律、行政法规的规定履行监督管理职责",
    "前款规定的期限届满后，权利人可以向人民法院提起诉讼",
    "任何组织或者个人不得侵害他人的合法权益",
    "依照本法规定应当登记的，自登记之日起发生效力",
]


def build(articles: int, seed: int = 7) -> str:
    rng = random.Random(seed)
    per_book = articles // len(BOOKS)
    out = [
        "---",
        "title: 某国民事法典（草案）",
        "slug: civil-code-bench",
        "issuer: 某国人大常委会法制工作委员会",
        "kind: 法律",
        "round: 一审稿",
        "comment_opens: 2026-11-01",
        "comment_closes: 2027-01-31",
        "key_questions:",
        "  - 基准测试用问题？",
        "---",
        "",
        "# 某国民事法典（草案）",
        "",
        "目　　录",
        "",
    ]
    for b, name in enumerate(BOOKS, 1):
        out.append(f"第{int_to_chinese(b)}编　{name}")
    out.append("")
    n = 0
    for b, name in enumerate(BOOKS, 1):
        out += [f"# 第{int_to_chinese(b)}编　{name}", ""]
        count = per_book if b < len(BOOKS) else articles - n
        chapters = 8
        per_chapter = max(1, count // chapters)
        for c in range(1, chapters + 1):
            out += [f"## 第{int_to_chinese(c)}章　{name}第{c}部分", ""]
            in_chapter = per_chapter if c < chapters else count - per_chapter * (chapters - 1)
            sections = 3 if c % 2 == 0 else 0
            for i in range(in_chapter):
                if sections and i % max(1, in_chapter // sections) == 0 and i // max(1, in_chapter // sections) < sections:
                    s = i // max(1, in_chapter // sections) + 1
                    out += [f"### 第{int_to_chinese(s)}节　一般规定{s}", ""]
                n += 1
                first = rng.choice(PHRASES)
                if n % 23 == 0:
                    first = f"**{first}**，参见[说明](https://example.org/{n})"
                out.append(f"第{int_to_chinese(n)}条　{first}。")
                for _ in range(rng.randint(0, 3)):
                    out += ["", rng.choice(PHRASES) + "。"]
                if n % 4 == 0:
                    out += ["", "有下列情形之一的，适用前款规定："]
                    for k in range(1, rng.randint(2, 6)):
                        out.append(f"（{int_to_chinese(k)}）{rng.choice(PHRASES)}；")
                out.append("")
    return "\n".join(out) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=int, default=1300)
    ap.add_argument("--runs", type=int, default=15)
    args = ap.parse_args()

    text = build(args.articles)
    data = text.encode("utf-8")
    draft = parse_draft(data, source_name="civil-code-bench.md")  # warm-up, and check the shape
    assert len(draft.articles) == args.articles, len(draft.articles)
    assert draft.warnings == (), draft.warnings[:3]
    blocks = sum(len(a.blocks) for a in draft.articles)
    items = sum(len(a.items) for a in draft.articles)

    parse_ms: list[float] = []
    render_ms: list[float] = []
    html_len = 0
    for _ in range(args.runs):
        t0 = time.perf_counter()
        draft = parse_draft(data, source_name="civil-code-bench.md")
        t1 = time.perf_counter()
        html = [render_article_html(a) for a in draft.articles]
        t2 = time.perf_counter()
        parse_ms.append((t1 - t0) * 1000)
        render_ms.append((t2 - t1) * 1000)
        html_len = sum(map(len, html))
    total = [p + r for p, r in zip(parse_ms, render_ms)]

    print(f"draft: {len(data) / 1024:.0f} KiB, {text.count(chr(10))} lines, {len(draft.articles)} articles, "
          f"{len(draft.chapters)} chapters, {blocks} blocks ({items} items), HTML {html_len / 1024:.0f} KiB")
    print(f"runs: {args.runs} (Python {sys.version.split()[0]})")
    for name, values in (("parse", parse_ms), ("render", render_ms), ("parse+render", total)):
        print(f"{name:>13}: best {min(values):7.1f} ms   median {statistics.median(values):7.1f} ms")
    verdict = "OK" if statistics.median(total) < 200 else "SLOW"
    print(f"aim: parse+render < 200 ms (median) -> {verdict}")


if __name__ == "__main__":
    main()
