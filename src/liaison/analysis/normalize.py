"""Normalisation of opinion text before deduplication.

``normalize`` turns an opinion into the canonical string that exact and
near-duplicate detection work on:

1. Unicode NFKC (full-width letters, digits and punctuation become half-width,
   compatibility forms such as ① or ㎡ are unfolded), lower case, every kind of
   whitespace becomes a space.
2. Boilerplate removed: leading greetings (尊敬的领导：, 您好, 各位代表好 …) and
   trailing sign-offs (此致敬礼, 谢谢, 望采纳, 以上建议仅供参考 …), plus what
   citizens append at the end: phone numbers, dates, ``联系人：…`` labels and a
   signed name (张先生, ——李明, 市民王芳, 王芳 13812345678 …). Trailing material
   is matched by one anchored regex on the *reversed* tail of the text, so
   ``……望采纳！谢谢！张三 13812345678`` loses all three in a single match.
3. Whitespace and punctuation removed (a ``.`` between digits is kept, so 1.5
   and 15 stay different): only letters, digits, Hanzi and ``%`` remain.

Speed: ``normalize_many`` does step 1 and 3 with numpy lookup tables over the code
points of all texts at once (CPython's NFKC runs ~200 ns per Chinese character,
because full-width punctuation defeats its quick check; the table is exact for
every BMP character whose NFKC form is one character, and texts with any other
character fall back to ``unicodedata``), and step 2 with two anchored regex
matches per text. ``normalize(t) == normalize_many([t])[0]`` always.

Pure domain code: standard library and numpy.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from liaison.analysis.trie import trie_pattern

__all__ = [
    "canonical",
    "canonical_many",
    "code_points",
    "exact_key",
    "key_of_normalized",
    "normalize",
    "normalize_many",
]

_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常"
)
_SEPCH = r" ,.;:!?，。；：！？、…~～\-—_()（）\[\]【】<>《》\"'“”‘’/|·*#"
_SEP = f"[{_SEPCH}]"

_SIGNOFFS = [
    "此致敬礼", "此致", "敬礼", "谢谢您", "谢谢你们", "谢谢领导", "谢谢大家", "谢谢", "多谢", "感谢您", "感谢你们", "感谢领导",
    "感谢", "非常感谢", "万分感谢", "不胜感激", "望采纳", "望予以采纳", "请采纳", "请予以采纳", "恳请采纳", "恳请予以采纳",
    "希望采纳", "希望被采纳", "希望能被采纳", "希望能够采纳", "敬请采纳", "敬请审阅", "以上意见", "以上建议", "以上是我的意见",
    "以上是我的建议", "以上为个人意见", "以上为个人建议", "以上意见仅供参考", "以上建议仅供参考", "仅供参考", "供参考",
    "特此建议", "特此反映", "辛苦了", "祝工作顺利", "顺祝商祺", "致礼", "敬上", "感谢您的倾听", "感谢您的关注",
]
_LABELS = [
    "联系人", "姓名", "提出人", "建议人", "反映人", "署名", "落款", "联系电话", "联系方式", "电话", "手机号码", "手机号", "手机",
    "tel", "phone", "微信", "邮箱", "email", "地址", "住址", "单位", "身份证号", "电话号码",
]
_ROLES = [
    "热心市民", "普通市民", "市民", "居民", "村民", "群众", "网友", "业主", "老党员", "党员", "退休职工", "退休教师",
    "人大代表", "志愿者", "养犬人", "犬主", "一位市民", "一名市民", "一个市民", "小区居民",
]


def _rev_alt(words: Sequence[str]) -> str:
    """The reversed words as one regex, factored as a trie (the longest first, as a longest-first
    alternation would, but one branch per character instead of trying every word)."""
    return trie_pattern(w[::-1] for w in set(words))


_R_SIGNOFF = f"(?:{_rev_alt(_SIGNOFFS)})"
_R_LABEL = f"(?:{_rev_alt(_LABELS)})"
_R_ROLE = f"(?:(?:{_rev_alt(_ROLES)})(?:通普)?(?:[名位个]一)?)"
_R_NAME = (
    rf"(?:(?:生先|士女|志同|师老|傅师|姨阿|爷大|妈大|某某|某)[{_SURNAMES}]|[\u4e00-\u9fff]{{1,2}}[{_SURNAMES}])"
)
_R_PHONE = r"(?:\d{4}[ -]?\d{4}[ -]?\d[3-9]1|\d{7,8}[ -]?\d{2,3}0|\d{4}[*x]{4}\d{3})(?:[ -]?68\+?)?"
_R_DATE = r"(?:日? *\d{1,2} *[月./-] *\d{1,2} *[年./-] *\d\d(?:91|02)|日 *\d{1,2} *月 *\d{1,2})"
_R_SEPS = f"{_SEP}*"
# Alternatives for the reversed tail, tried repeatedly from the end of the text.
_TAIL_REV = re.compile(
    "(?:"
    + "|".join(
        [
            _SEP,
            # 张三 13812345678 / 电话：138… / 市民王先生 0571-8888…
            rf"{_R_PHONE}(?:{_R_SEPS}{_R_LABEL})?(?:{_R_SEPS}{_R_NAME}{_R_ROLE}?)?(?:{_R_SEPS}{_R_LABEL})?",
            _R_DATE,
            _R_SIGNOFF,
            # 联系人：王芳 / 地址：某某小区3栋 (possessive: the class stops at the first colon anyway, and
            # not backtracking through up to 30 characters at every step of the loop is a quarter of
            # the tail's time)
            rf"[^\n:：]{{1,30}}+[:：]{_R_LABEL}",
            # ——李明 / 市民王芳 / 王先生
            rf"{_R_NAME}(?=[—\-~～ ]|{_R_ROLE}|{_SEP}*{_R_SIGNOFF})",
            rf"{_R_NAME}{_R_ROLE}",
            rf"(?:生先|士女|志同)[\u4e00-\u9fff]{{0,2}}?[{_SURNAMES}]",
            rf"{_R_ROLE}(?={_SEP}|$)",
            rf"(?:{_rev_alt(_ROLES)})(?:通普)?[名位个]一",
        ]
    )
    + ")+"
)
_GREETINGS = [
    "尊敬的各位领导", "尊敬的领导", "尊敬的人大代表", "尊敬的各位代表", "尊敬的工作人员", "尊敬的立法联络站", "尊敬的联络站",
    "各位领导好", "各位领导", "领导好", "领导们好", "领导你们好", "领导您好", "各位代表好", "代表们好", "工作人员好",
    "您好", "你好", "你们好", "大家好", "hello", "hi",
]
_HEAD = re.compile(
    rf"(?:{_SEP}|尊敬的[^\n,，:：!！。]{{0,16}}(?=[,，:：!！])|{trie_pattern(_GREETINGS)})+"
)
# the characters a match of ``_HEAD`` can start with: most opinions start with none of them, and a set
# lookup is a tenth of a failed match
_HEAD_FIRST = frozenset(re.sub(r"\\(.)", r"\1", _SEPCH) + "尊" + "".join(g[0] for g in _GREETINGS))
_TAIL_WINDOW = 96
# Texts per vectorised chunk: fresh multi-hundred-MB arrays cost more in page faults than the
# arithmetic on them (measured ~1 GB/s first touch here), so arrays stay under ~16 MB and get reused.
_CHUNK = 8192


@lru_cache(maxsize=1)
def _tables() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(map, slow, keep) over the BMP: NFKC+lower as one code point, 'needs real NFKC', 'kept by step 3'."""
    size = 0x10000
    mapping = np.arange(size, dtype=np.uint32)
    slow = np.zeros(size, dtype=bool)
    keep = np.zeros(size, dtype=bool)
    for c in range(size):
        ch = chr(c)
        if 0xD800 <= c <= 0xDFFF:
            slow[c] = True
            continue
        n = unicodedata.normalize("NFKC", ch).lower()
        if (
            len(n) != 1
            or unicodedata.combining(ch)
            or unicodedata.category(ch) in ("Mn", "Mc", "Me")
            or 0x1100 <= c <= 0x11FF
            or 0x3130 <= c <= 0x318F
            or 0xAC00 <= c <= 0xD7AF
        ):
            slow[c] = True
            continue
        if n.isspace() or unicodedata.category(n) in ("Cc", "Cf", "Zs", "Zl", "Zp"):
            n = " "
        mapping[c] = ord(n)
    mapping[0x0A] = 0x0A
    mapping[0x00] = 0x0A  # record separator in joined text
    for c in range(size):
        ch = chr(c)
        keep[c] = (ch.isalnum() or ch == "%") and ch != "_"
    keep[0x0A] = True
    return mapping, slow, keep


def code_points(s: str) -> np.ndarray:
    """The code points of ``s``, one uint32 per ``str`` index (a read-only view of its UTF-32 form;
    lone surrogates pass through): what the numpy and compiled steps of the analysis work on."""
    return np.frombuffer(s.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def _text(codes: np.ndarray) -> str:
    return codes.astype(np.uint32, copy=False).tobytes().decode("utf-32-le", "surrogatepass")


def _fold(texts: list[str]) -> list[str]:
    """Step 1 for many texts: NFKC, lower case, whitespace to spaces."""
    mapping, slow, _ = _tables()
    big = "\x00".join(texts)
    if "\n" in big:
        big = big.replace("\n", " ")
    codes = code_points(big)
    if len(codes) == 0:
        return [""] * len(texts)
    if int(codes.max()) < 0x10000:
        flag = slow[codes]
        out = mapping[codes]
    else:
        bmp = codes < 0x10000
        cb = np.where(bmp, codes, 0)
        flag = slow[cb] | ~bmp
        out = np.where(bmp, mapping[cb], codes)
    folded = _text(out).split("\n")
    if len(folded) != len(texts):  # a text contained NUL
        return [_fold_one(t) for t in texts]
    if flag.any():
        ends = np.flatnonzero(codes == 0)
        bad = np.unique(np.searchsorted(ends, np.flatnonzero(flag)))
        for i in bad.tolist():
            folded[i] = _fold_one(texts[i])
    return folded


def _fold_one(text: str) -> str:
    s = unicodedata.normalize("NFKC", text.replace("\x00", " ")).lower()
    return "".join(" " if (ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf", "Zs", "Zl", "Zp")) else ch for ch in s)


def _strip(line: str) -> str:
    if line[:1] in _HEAD_FIRST:
        m = _HEAD.match(line)
        if m:
            line = line[m.end() :]
    while line:
        tail = line[-_TAIL_WINDOW:][::-1]
        m = _TAIL_REV.match(tail)
        if not m:
            break
        line = line[: len(line) - m.end()]
        if m.end() < len(tail):
            break
    return line


_BREAK_CHARS = np.array([ord(c) for c in ",.;!?:、。;！？：…"], dtype=np.uint32)


@lru_cache(maxsize=1)
def _break_table() -> np.ndarray:
    """Clause punctuation over the BMP, as a lookup table (``np.isin`` sorted for every chunk)."""
    table = np.zeros(0x10000, dtype=bool)
    table[_BREAK_CHARS] = True
    return table
_BREAKS_RE = re.compile(r"\|{2,}")
_EDGE_BREAKS_RE = re.compile(r"^\||\|$", re.M)


def _drop(lines: list[str], breaks: bool = False) -> list[str]:
    """Step 3: keep letters, digits, Hanzi, '%', and '.' between two digits.

    With ``breaks``, clause punctuation becomes one ``|`` (never at either end).
    """
    _, _, keep = _tables()
    big = "\n".join(lines)
    if not big:
        return list(lines)
    codes = code_points(big)
    codes = codes[codes != 0x20]  # spaces first, so that "1. 5" keeps its decimal point
    if int(codes.max()) < 0x10000:
        bmp_codes = codes
        k = keep[codes]
    else:
        bmp = codes < 0x10000
        bmp_codes = np.where(bmp, codes, 0)  # astral characters are never clause breaks
        k = np.where(bmp, keep[bmp_codes], False)
        for i in np.flatnonzero(~bmp).tolist():  # astral: keep letters (CJK ext. B …), drop emoji
            k[i] = chr(int(codes[i])).isalnum()
    dots = np.flatnonzero(codes == 0x2E)
    if len(dots):
        isdig = (codes >= 0x30) & (codes <= 0x39)
        ok = (dots > 0) & (dots < len(codes) - 1)
        d = dots[ok]
        k[d[isdig[d - 1] & isdig[d + 1]]] = True
    if breaks:
        br = ~k & _break_table()[bmp_codes]
        codes = codes.copy()
        codes[br] = 0x7C
        k |= br
        c = codes[k]
        # runs of breaks become one, and a break at either end of a text goes (numpy, not two
        # regex passes over the joined text: ``_BREAKS_RE`` then ``_EDGE_BREAKS_RE``)
        bar = c == 0x7C
        keep2 = ~bar
        keep2[1:] |= bar[1:] & ~bar[:-1]
        c = c[keep2]
        bar = c == 0x7C
        edge = np.zeros(len(c), dtype=bool)
        if len(c):
            nl = c == 0x0A
            edge[0] = True
            edge[-1] = True
            edge[1:] |= nl[:-1]
            edge[:-1] |= nl[1:]
        return _text(c[~(bar & edge)]).split("\n")
    return _text(codes[k]).split("\n")


def normalize_many(texts: Sequence[str], *, breaks: bool = False) -> list[str]:
    """``[normalize(t) for t in texts]``, vectorised.

    With ``breaks=True`` clause punctuation is kept as ``|`` (``t.replace("|", "")``
    gives the plain form): the verifier uses it to tell an edited clause from an
    added one.
    """
    texts = list(texts)
    out: list[str] = []
    for i in range(0, len(texts), _CHUNK):  # chunks keep arrays small enough to reuse memory
        folded = _fold(texts[i : i + _CHUNK])
        out.extend(_drop([_strip(t) for t in folded], breaks))
    return out


def normalize(text: str) -> str:
    """The canonical form of one opinion (see the module docstring)."""
    return normalize_many([text])[0]


def canonical_many(texts: Sequence[str]) -> list[str]:
    """Steps 1 and 3 only (no boilerplate stripping): for the draft's own text."""
    texts = list(texts)
    out: list[str] = []
    for i in range(0, len(texts), _CHUNK):
        out.extend(_drop(_fold(texts[i : i + _CHUNK])))
    return out


def canonical(text: str) -> str:
    return canonical_many([text])[0]


def key_of_normalized(normalized: str) -> str:
    """``exact_key`` for a text that is already normalised."""
    return hashlib.blake2b(normalized.encode("utf-8"), digest_size=16).hexdigest()


def exact_key(text: str) -> str:
    """A stable hex digest of ``normalize(text)``: equal keys mean exact duplicates."""
    return key_of_normalized(normalize(text))
