"""Verification of near-duplicate candidates, and the guard that keeps different proposals apart.

LSH only proposes candidates; two opinions are put in one cluster only when

1. their estimated Jaccard similarity over character 3-grams of the *masked*
   text (draft quotations removed) is at least :data:`THRESHOLD`, and
2. their **proposal fingerprints** are equal. The fingerprint is a 64-bit hash of
   - every number with its unit (1.5米, 2米, 500元, 第10条 …), Arabic or Chinese
     (一点五米 and 1.5米 are the same number; 两 is 2), as a multiset;
   - the count of negating words (不/不得/不应/不能 …, 禁止, 严禁, 取消, 反对, 删除,
     废除, 无需 …; 不断/不少/不仅 … are not negations) and the count of supporting
     words (支持, 同意, 赞成, 赞同, 拥护, 认可, 保留);
   - the set of draft articles the opinion quotes (from :class:`DraftMask`).

So "牵引绳不超过1.5米" and "牵引绳不超过2米", or "禁止大型犬" and "不应禁止大型犬",
never merge however similar the rest is, while reordered clauses, swapped
synonyms, greetings and signatures do not change the fingerprint.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from types import ModuleType

import numpy as np

from liaison.analysis.normalize import code_points
from liaison.analysis.trie import trie_pattern

__all__ = [
    "THRESHOLD",
    "Proposal",
    "compatible",
    "conflict",
    "fingerprint",
    "fingerprints",
    "load_conflict_kernel",
    "proposal",
    "proposals",
]

THRESHOLD = 0.4

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_UNITS = (
    "厘米|公分|毫米|公里|千米|平方米|平方|立方米|米|万元|元|块|角|岁|周岁|天|日|小时|分钟|个月|月|年|周|星期|次|只|条|头|"
    "公斤|千克|斤|克|吨|倍|成|层|楼|户|人|名|位|处|个|辆|座|台|分贝|度|瓦|千瓦|伏|安|%"
)
_CN_NUM = "[零〇一二两三四五六七八九十百千万]+(?:点[零〇一二三四五六七八九]+)?"
_UNIT = trie_pattern(_UNITS.split("|"))  # one branch per character, not fifty alternatives in turn
_NUMBER = rf"第(?:{_CN_NUM}|\d+)[条章节款项]|\d+(?:\.\d+)?(?:{_UNIT})?|{_CN_NUM}(?:{_UNIT})|半(?:{_UNIT})"
_NEG_WORDS = [
    "不应当", "不应该", "不应", "不得", "不能", "不要", "不宜", "不准", "不许", "不可以", "不可", "不必", "不用", "不该", "不予",
    "不再", "不需要", "不建议", "不同意", "不支持", "不赞成", "禁止", "严禁", "取消", "反对", "删除", "删去", "废除", "废止",
    "无需", "无须", "勿", "拒绝", "没必要", "没有必要",
]
_NEG = trie_pattern(_NEG_WORDS) + r"|不(?!断|少|仅|论|管|久|过|如|同|胜|但|然|止|外乎)"
_POS = r"支持|同意|赞成|赞同|拥护|认可|保留"
# groups: 1 record separator · 2 (empty) · 3 number · 4 negation, 5 what follows it · 6 support
_TOKEN = re.compile(
    # the leading class lets the regex engine skip most positions with one test
    rf"(?=[\n第\d零〇一二两三四五六七八九十百千万半不禁严取反删废无勿拒没支同赞拥认保])"
    rf"(?:(\n)|()({_NUMBER})|({_NEG})(?=([^\n]{{0,2}}))|({_POS}))"
)
_NEG_RE = re.compile(rf"(?:{_NEG})$")
_POS_RE = re.compile(rf"(?:{_POS})$")
_SPLIT = re.compile(rf"^(第?)((?:{_CN_NUM})|\d+(?:\.\d+)?|半)(.*)$")


def _cn_int(s: str) -> int:
    if not s:
        return 0
    if "万" in s:
        hi, _, lo = s.partition("万")
        return _cn_int(hi or "一") * 10000 + _cn_int(lo)
    if all(ch in _CN_DIGITS for ch in s):  # 一五 = 15
        v = 0
        for ch in s:
            v = v * 10 + _CN_DIGITS[ch]
        return v
    total, digit = 0, 0
    for ch in s:
        if ch in _CN_DIGITS:
            digit = _CN_DIGITS[ch]
        elif ch in _CN_UNITS:
            total += (digit or 1) * _CN_UNITS[ch]
            digit = 0
    return total + digit


def number_value(s: str) -> str:
    """'一点五' → '1.5', '两' → '2', '12' → '12' (canonical text of the value)."""
    if s == "半":
        return "0.5"
    if s and (s[0].isdigit()):
        v = float(s)
    else:
        whole, _, frac = s.partition("点")
        v = float(_cn_int(whole))
        if frac:
            v = float(f"{int(v)}." + "".join(str(_CN_DIGITS[c]) for c in frac))
    return f"{v:g}"


@lru_cache(maxsize=65536)
def _canon_number(tok: str) -> str:
    m = _SPLIT.match(tok)
    if not m:
        return tok
    pre, num, unit = m.groups()
    if unit == "周岁":
        unit = "岁"
    if unit in ("厘米", "公分"):
        unit = "cm"
    return f"{pre}{number_value(num)}{unit}"


@dataclass(frozen=True, slots=True)
class Proposal:
    """What the guard compares, extracted from a normalised, masked text.

    ``numbers``: (left context, value with unit) for each number, e.g. ("超过", "1.5米");
    ``negations``: (negating word, what it negates) — the next two characters, or
    ("#" + word) when the text ends right after it; ``supports``: count of 支持/同意 …;
    ``quoted``: draft articles quoted.
    """

    numbers: tuple[tuple[str, str], ...]
    negations: tuple[tuple[str, str], ...]
    supports: int
    quoted: tuple[int, ...] = ()
    text: str = ""
    _grams: frozenset[str] | None = field(default=None, compare=False, repr=False)
    _toks: tuple | None = field(default=None, compare=False, repr=False)
    _bag: tuple | None = field(default=None, compare=False, repr=False)
    _fp: int | None = field(default=None, compare=False, repr=False)
    _arr: tuple | None = field(default=None, compare=False, repr=False)

    def __reduce__(self) -> tuple:
        # to and from the forked worker as a plain tuple: the dataclass default pickles through
        # ``dataclasses.fields()`` for every object (a tenth of the worker's time at a million)
        return (Proposal, (self.numbers, self.negations, self.supports, self.quoted, self.text, None, None, self._bag, self._fp))

    def grams(self) -> frozenset[str]:
        """Character 3-grams of ``text`` (cached)."""
        g = self._grams
        if g is None:
            t = self.text
            g = frozenset([t[i : i + 3] for i in range(len(t) - 2)])
            object.__setattr__(self, "_grams", g)
        return g

    def tokens(self) -> tuple[tuple[int, int, str | None], ...]:
        """(start, end, canonical number or None for a negation/support word prefixed '-'/'+') in ``text``.

        Cached: :func:`conflict` looks at the same representative many times.
        """
        t = self._toks
        if t is None:
            out = []
            for m in _TOKEN.finditer(self.text):
                if m.group(1):
                    continue
                if m.group(3):
                    out.append((m.start(), m.end(), "#" + _canon_number(m.group(3))))
                else:
                    out.append((m.start(), m.end(), "-" if m.group(4) else "+"))
            t = tuple(out)
            object.__setattr__(self, "_toks", t)
        return t

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """(code points of ``text``, one row per token: start, end, is a number, ``hash`` of its
        kind) for the compiled :func:`conflict` (cached, like :meth:`tokens`)."""
        r = self._arr
        if r is None:
            flat: list[int] = []
            for st, en, kind in self.tokens():
                flat += (st, en, kind[0] == "#", hash(kind))
            r = (
                code_points(self.text),
                np.array(flat, dtype=np.int64).reshape(-1, 4),
            )
            object.__setattr__(self, "_arr", r)
        return r

    def bag(self) -> tuple[Counter[str], Counter[str]]:
        """(number values, negation words) as multisets (cached), for :func:`_tokens_within`."""
        b = self._bag
        if b is None:
            b = (Counter(v for _, v in self.numbers), Counter(w for w, _ in self.negations))
            object.__setattr__(self, "_bag", b)
        return b

    def fingerprint(self) -> int:
        """64-bit hash of numbers, negations, supports and quoted articles (cached)."""
        fp = self._fp
        if fp is None:
            fp = _fingerprint(self.numbers, self.negations, self.supports, self.quoted)
            object.__setattr__(self, "_fp", fp)
        return fp


def _fingerprint(
    numbers: tuple[tuple[str, str], ...], negations: tuple[tuple[str, str], ...], supports: int, quoted: tuple[int, ...]
) -> int:
    raw = (
        "|".join(f"{c}:{v}" for c, v in numbers)
        + "#N"
        + "|".join(f"{w}:{t}" for w, t in negations)
        + f"#P{supports}#Q"
        + ",".join(map(str, quoted))
    )
    return int.from_bytes(hashlib.blake2b(raw.encode("utf-8"), digest_size=8).digest(), "little")


def _proposal(tokens: list[tuple[str, ...]], quoted: frozenset[int] | set[int], text: str) -> Proposal:
    nums: list[tuple[str, str]] = []
    negs: list[tuple[str, str]] = []
    pos = 0
    for _, ctx, num, neg, tgt, sup in tokens:
        if num:
            nums.append((ctx, _canon_number(num)))
        elif neg:
            negs.append((neg, tgt) if len(tgt) == 2 else (neg, "#"))
        elif sup:
            pos += 1
    return Proposal(tuple(sorted(nums)), tuple(sorted(negs)), pos, tuple(sorted(quoted)), text)


def proposal(masked_text: str, quoted: frozenset[int] | set[int] = frozenset()) -> Proposal:
    """The guard features of one normalised, masked text."""
    text = masked_text.replace("\n", "")
    return _proposal(_TOKEN.findall(text.replace("|", "")), quoted, text)


def fingerprint(masked_text: str, quoted: frozenset[int] | set[int] = frozenset()) -> int:
    return proposal(masked_text, quoted).fingerprint()


def proposals(
    masked: Sequence[str], quoted: Sequence[frozenset[int]] | None = None, texts: Sequence[str] | None = None
) -> list[Proposal]:
    """``proposal`` of many texts, with one regex pass over the joined texts.

    ``texts``: the same texts normalised with clause breaks (``normalize_many(…, breaks=True)``),
    kept as ``Proposal.text`` for :func:`conflict`; default ``masked``.
    """
    src = texts if texts is not None else masked
    table, index = proposal_table(masked, quoted)
    return [from_table(table[k], src[j]) for j, k in enumerate(index)]


def proposal_table(
    masked: Sequence[str], quoted: Sequence[frozenset[int]] | None = None
) -> tuple[list[tuple], list[int]]:
    """What ``proposals`` computes, as (distinct rows, row index per text), without the texts.

    Campaign copies repeat the same tokens: numbers, negations and fingerprint are built once per
    token list. Rows are plain tuples of strings and ints (a row with ``Counter`` bags took longer to
    unpickle in the parent than to compute). The compact form is what the forked worker of ``cluster_texts`` sends back (the
    parent has the texts already); :func:`from_table` makes a ``Proposal`` of a row and a text.
    """
    n = len(masked)
    if n == 0:
        return [], []
    per: list[list[tuple[str, ...]]] = [[] for _ in range(n)]
    i = 0
    cur = per[0]
    for tok in _TOKEN.findall("\n".join(masked)):
        if tok[0]:
            i += 1
            cur = per[i]
        else:
            cur.append(tok)
    memo: dict[tuple, int] = {}
    table: list[tuple] = []
    index: list[int] = []
    empty: frozenset[int] = frozenset()
    for j in range(n):
        q = quoted[j] if quoted is not None else empty
        key = (tuple(per[j]), q)
        k = memo.get(key)
        if k is None:
            p = _proposal(per[j], q, "")
            k = memo[key] = len(table)
            table.append((p.numbers, p.negations, p.supports, p.quoted, p.fingerprint()))
        index.append(k)
    return table, index


def from_table(row: tuple, text: str, bag: tuple | None = None) -> Proposal:
    """The ``Proposal`` of a :func:`proposal_table` row and its text (``bag``: the row's
    :meth:`Proposal.bag`, when the caller keeps one per row)."""
    return Proposal(row[0], row[1], row[2], row[3], text, _bag=bag, _fp=row[4])


def fingerprints(masked: Sequence[str], quoted: Sequence[frozenset[int]] | None = None) -> list[int]:
    return [p.fingerprint() for p in proposals(masked, quoted)]


_LEFT = 4  # …and this close to shared text before it (else it ends an added remark)
_ATTACHED = 2  # a changed number/negation this close to shared text is an edit, not an added remark


@lru_cache(maxsize=1)
def _kernel() -> ModuleType:
    """The compiled kernel, loaded on first use (numba imports in ~0.3 s; the compiled code then
    loads from its disk cache, or compiles once on a new install)."""
    from liaison.analysis import edits_kernel

    p = proposal("不超过1.5米")
    q = proposal("不超过2米")
    edits_kernel.compare_edits(*p.arrays(), *q.arrays(), 3, _LEFT, _ATTACHED)  # the types conflict() passes
    return edits_kernel


def load_conflict_kernel() -> None:
    """Load :func:`conflict`'s compiled part now: before forking workers (each would load it
    again) or before timing a first call."""
    _kernel()


def conflict(a: Proposal, b: Proposal, min_shared: int = 3) -> bool:
    """True when two similar texts make different proposals.

    Where the texts differ in a short stretch, the numbers (with units) and the
    negating/supporting words in that stretch must match on both sides:
    不超过1.5米 / 不超过2米, 禁止 / 不应禁止, 支持 / 反对 conflict, while a changed
    synonym, a reordered clause, 一点五米 / 1.5米, or a remark added at length with its
    own numbers and negations does not. Different quoted articles conflict too.

    ``min_shared`` > 3 is the strict test for members other than a cluster's representative
    (see :mod:`liaison.analysis.edits_kernel`, which states the rules and runs the character
    work compiled: ~20× the Python loops it replaced).
    """
    if a.quoted and b.quoted and a.quoted != b.quoted:
        return True
    if a.numbers == b.numbers and a.negations == b.negations and a.supports == b.supports:
        return False
    kernel = _kernel()
    x, xt = a.arrays()
    y, yt = b.arrays()
    code = kernel.compare_edits(x, xt, y, yt, min_shared, _LEFT, _ATTACHED)
    if code & kernel.A_EMPTY and _tokens_within(b, a):
        return False  # nothing of a's edits, and b has no number/negation that a lacks
    return not code & kernel.SAME


def _tokens_within(b: Proposal, a: Proposal) -> bool:
    """Every number and negation of b also occurs in a (as values, ignoring position)."""
    if b.supports > a.supports:
        return False
    an, ag = a.bag()
    bn, bg = b.bag()
    return all(an.get(k, 0) >= v for k, v in bn.items()) and all(ag.get(k, 0) >= v for k, v in bg.items())


def compatible(a: Proposal, b: Proposal) -> bool:
    return not conflict(a, b)
