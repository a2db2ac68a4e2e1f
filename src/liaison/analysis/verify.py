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
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["THRESHOLD", "Proposal", "fingerprint", "fingerprints", "proposal"]

THRESHOLD = 0.5

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_UNITS = (
    "厘米|公分|毫米|公里|千米|平方米|平方|立方米|米|万元|元|块|角|岁|周岁|天|日|小时|分钟|个月|月|年|周|星期|次|只|条|头|"
    "公斤|千克|斤|克|吨|倍|成|层|楼|户|人|名|位|处|个|辆|座|台|分贝|度|瓦|千瓦|伏|安|%"
)
_CN_NUM = "[零〇一二两三四五六七八九十百千万]+(?:点[零〇一二三四五六七八九]+)?"
_NUMBER = rf"第(?:{_CN_NUM}|\d+)[条章节款项]|\d+(?:\.\d+)?(?:{_UNITS})?|{_CN_NUM}(?:{_UNITS})|半(?:{_UNITS})"
_NEG = r"不(?!断|少|仅|论|管|久|过|如|同|胜|但|然|止|外乎)|禁止|严禁|取消|反对|删除|删去|废除|废止|无需|无须|勿|拒绝|没必要|没有必要"
_POS = r"支持|同意|赞成|赞同|拥护|认可|保留"
_TOKEN = re.compile(rf"\n|{_NUMBER}|{_NEG}|{_POS}")
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
    """What the guard compares: numbers with units (sorted), negation and support counts, quoted articles."""

    numbers: tuple[str, ...]
    negations: int
    supports: int
    quoted: tuple[int, ...] = ()

    def fingerprint(self) -> int:
        raw = "|".join(self.numbers) + f"#N{self.negations}#P{self.supports}#Q" + ",".join(map(str, self.quoted))
        return int.from_bytes(hashlib.blake2b(raw.encode("utf-8"), digest_size=8).digest(), "little")


def _proposal(tokens: list[str], quoted: frozenset[int] | set[int] = frozenset()) -> Proposal:
    nums: list[str] = []
    neg = pos = 0
    for t in tokens:
        if _NEG_RE.match(t):
            neg += 1
        elif _POS_RE.match(t):
            pos += 1
        else:
            nums.append(_canon_number(t))
    return Proposal(tuple(sorted(nums)), neg, pos, tuple(sorted(quoted)))


def proposal(masked_text: str, quoted: frozenset[int] | set[int] = frozenset()) -> Proposal:
    """The guard features of one normalised, masked text."""
    return _proposal(_TOKEN.findall(masked_text.replace("\n", "")), quoted)


def fingerprint(masked_text: str, quoted: frozenset[int] | set[int] = frozenset()) -> int:
    return proposal(masked_text, quoted).fingerprint()


def fingerprints(masked: Sequence[str], quoted: Sequence[frozenset[int]] | None = None) -> list[int]:
    """``fingerprint`` of many texts, with one regex pass over the joined texts."""
    n = len(masked)
    if n == 0:
        return []
    per: list[list[str]] = [[] for _ in range(n)]
    i = 0
    cur = per[0]
    for tok in _TOKEN.findall("\n".join(masked)):
        if tok == "\n":
            i += 1
            cur = per[i]
        else:
            cur.append(tok)
    empty = _proposal([]).fingerprint()
    out: list[int] = []
    for j, toks in enumerate(per):
        q = quoted[j] if quoted is not None else frozenset()
        out.append(_proposal(toks, q).fingerprint() if (toks or q) else empty)
    return out
