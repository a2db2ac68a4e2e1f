"""Suggest the article an opinion is about when it names none.

Each article is a TF-IDF vector of its character bigrams (Hanzi, letters and digits; punctuation and
the ``第X条`` label removed); an opinion is scored against every article by cosine similarity through
an inverted index. Bigrams that occur in most articles (应当, 规定, 本条例 …) get little weight by IDF,
so the words that decide are the article's own (牵引绳, 充电设施, 粪便).

The confidence combines how much of the opinion the best article explains (its cosine) with how
clearly it beats the runner-up, through a logistic curve fitted on opinions built from the sample
drafts, so it reads as a probability of being right: on that set suggestions at ≥ 0.5 were right
about 85% of the time, at ≥ 0.8 about 93%, below 0.3 about one time in six. Pure Python; build one
suggester per draft version and reuse it.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

__all__ = ["ArticleSuggester"]

_LABEL_RE = re.compile(r"第[ \u3000]*[0-9０-９零〇一二两三四五六七八九十百千]+[ \u3000]*[条款项章节]")
# Runs of characters that make bigrams: CJK ideographs, ASCII/full-width letters and digits.
_RUN_RE = re.compile(r"[\u4e00-\u9fff]+|[A-Za-z0-9Ａ-Ｚａ-ｚ０-９]+")
# Bigrams that carry no topic in an opinion (its own wording, not the draft's).
_STOP_BIGRAMS = frozenset(
    """建议 认为 我认 觉得 希望 意见 应该 可以 是否 这个 这样 一个 我们 没有 不是 如果 因为 所以 但是
    条例 草案 规定 本条 修改 增加 删除 明确 支持 反对 同意 非常 很多 问题 目前 现在 进一 一步
    """.split()
)
_MIN_SCORE = 0.04
# Confidence = logistic(_W0 + _W_COS·cos + _W_SQRT·√cos + _W_MARGIN·margin), fitted on 2,318 opinions
# built from the three sample drafts (verbatim snippets, two of the article's words in free text,
# and snippets of other drafts as negatives).
_W0, _W_COS, _W_SQRT, _W_MARGIN = -3.54, 2.81, 8.05, 1.68


def _bigrams(text: str) -> list[str]:
    text = _LABEL_RE.sub(" ", text)
    out: list[str] = []
    for run in _RUN_RE.findall(text):
        if len(run) == 1:
            continue
        out.extend(run[i : i + 2] for i in range(len(run) - 1))
    return out


class ArticleSuggester:
    """Most likely article for a text, from the draft's article texts.

    Args:
        articles: ``(number, text)`` pairs, one per article of the draft version.
    """

    __slots__ = ("_idf", "_index", "_numbers", "_norms")

    def __init__(self, articles: Sequence[tuple[int, str]]):
        self._numbers: list[int] = [int(n) for n, _ in articles]
        counts = [Counter(b for b in _bigrams(t) if b not in _STOP_BIGRAMS) for _, t in articles]
        n_docs = max(len(counts), 1)
        df: Counter[str] = Counter()
        for c in counts:
            df.update(c.keys())
        self._idf: dict[str, float] = {b: math.log((n_docs + 1) / (d + 0.5)) for b, d in df.items()}
        self._index: dict[str, list[tuple[int, float]]] = {}
        self._norms: list[float] = []
        for i, c in enumerate(counts):
            weights = {b: (1.0 + math.log(tf)) * self._idf[b] for b, tf in c.items()}
            norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
            self._norms.append(norm)
            for b, w in weights.items():
                self._index.setdefault(b, []).append((i, w / norm))

    def __len__(self) -> int:
        return len(self._numbers)

    def scores(self, text: str) -> list[tuple[int, float]]:
        """Cosine similarity of ``text`` with every article that shares a bigram, best first."""
        q = Counter(b for b in _bigrams(text) if b in self._index)
        if not q:
            return []
        idf = self._idf
        qw = {b: (1.0 + math.log(tf)) * idf[b] for b, tf in q.items()}
        # the query norm counts unknown bigrams too (with the largest idf): a long opinion that
        # shares a few words with an article is weaker evidence than a short one made of them
        unknown = sum(1 for b in _bigrams(text) if b not in self._index and b not in _STOP_BIGRAMS)
        max_idf = max(idf.values()) if idf else 1.0
        qnorm = math.sqrt(sum(w * w for w in qw.values()) + 0.25 * unknown * max_idf * max_idf) or 1.0
        acc: dict[int, float] = {}
        index = self._index
        for b, w in qw.items():
            for i, aw in index[b]:
                acc[i] = acc.get(i, 0.0) + w * aw
        ranked = sorted(acc.items(), key=lambda kv: kv[1], reverse=True)
        return [(self._numbers[i], s / qnorm) for i, s in ranked]

    def suggest(self, text: str) -> tuple[int, float] | None:
        """``(article number, confidence 0..1)`` or None when no article shares enough words.

        Confidence reads as the chance the suggestion is right: ≥ 0.5 "fairly sure", below 0.3 a
        guess to show, not to file by.
        """
        ranked = self.scores(text)
        if not ranked or ranked[0][1] < _MIN_SCORE:
            return None
        best, s1 = ranked[0]
        s2 = ranked[1][1] if len(ranked) > 1 else 0.0
        margin = (s1 - s2) / s1
        # logistic fit on (cosine, margin over the runner-up); see the module docstring
        z = _W0 + _W_COS * s1 + _W_SQRT * math.sqrt(s1) + _W_MARGIN * margin
        conf = 1.0 / (1.0 + math.exp(-z))
        return best, round(conf, 3)
