"""Find references to the draft's articles (条), chapters (章) and sections (节) in an opinion.

Recognised (numbers in Chinese numerals, ASCII or full-width digits, spaces tolerated)::

    第十二条 / 第12条 / 第１２条 / 第 12 条
    十二条                       only after a cue (草案十二条, 建议将十二条…, 对十二条…)
    第十二条第二款第（三）项      also 第三项, (三)项, （三）项
    第十条至第十二条             also 到, —, －, -, ~, ～ and 第十至十二条
    第十、十一条                 also 第十条、第十一条, 第十和第十一条, 第十条和十一条
    第三章 / 第二章第三节 / 第三章第十二条

Not taken as references to the draft:

* counts and the writer's own numbering: 三条建议, 两条意见, 我的第一条意见, 第一条建议是…, 第一点;
* articles of other laws: a reference group directly preceded (optionally by 的) by a 《…》 title or
  by a law name ending in 法/法典/条例/规定/办法/决定/细则/规则 — 《民法典》第1165条,
  民法典第一千一百六十五条, 根据刑法第二十条 — except the draft's own names (本条例, 本法, 本办法,
  该条例, 草案, 征求意见稿, 《…（草案）》, and the draft's title when ``draft_title`` is given).

The module is pure: the standard library and :mod:`liaison.drafts.numerals` only.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from liaison.drafts.numerals import parse_number

__all__ = [
    "ArticleRef",
    "RANGE_CAP",
    "extract_references",
    "referenced_articles",
    "referenced_chapter",
]

#: Ranges longer than this are not expanded by :func:`referenced_articles` (only their ends are kept).
RANGE_CAP = 50
#: Numbers above this are not article/chapter numbers (the Civil Code has 1,260 articles).
_MAX_NUMBER = 5000


class ArticleRef(NamedTuple):
    """One reference found in a text (immutable).

    ``article`` is None for a chapter (第三章) or chapter-and-section (第二章第三节) reference;
    ``article_end`` is set for a range (第十条至第十二条 → 10, 12). ``start``/``end`` are the span in
    the text and ``text`` is ``text[start:end]``.

    A named tuple rather than a frozen dataclass: a long opinion holds several references, and a
    frozen dataclass took ~2 µs to make where this takes ~0.4 µs.
    """

    article: int | None
    article_end: int | None
    chapter: int | None
    section: int | None
    paragraph: int | None
    item: int | None
    start: int
    end: int
    text: str


_new_ref = tuple.__new__  # ArticleRef(...) without the named tuple's Python-level __new__

# --------------------------------------------------------------------------- patterns

_SP = "[ \u3000\t\xa0]*"
_CN = "零〇一二两三四五六七八九十百千"
_DIG = "0-9０-９"
# One numbered element: [第] number-or-(number) [unit].
_ELEM_RE = re.compile(
    r"(?P<di>第)?" + _SP
    + r"(?:(?P<num>[" + _DIG + r"]{1,4}|[" + _CN + r"]{1,8})"
    + r"|[（(]" + _SP + r"(?P<pnum>[" + _DIG + r"]{1,3}|[" + _CN + r"]{1,5})" + _SP + r"[）)])"
    + _SP + r"(?P<unit>条|章|节|款|项|目)?"
)
_RANGE_RE = re.compile(_SP + r"(?:至|到|——|—|－|–|-|~|～|〜)" + _SP)
# List connectors. Not "，": a comma ends a clause (根据刑法第二十条，第四十二条… ; 第一，第七条…),
# and a 第X条 after it is read on its own anyway.
_LIST_RE = re.compile(_SP + r"(?:、以及|以及|、|和|及|与|或者|或|跟)" + _SP)
# Where a sentence or clause starts: a unit-less 第N there followed by "、第…" is the writer's
# own enumerator (第一、第十二条太严 → 12), not part of a list.
_CLAUSE_START = frozenset("。；;！!？?\n：:，,（(【[ \u3000\t")
_ADJ_RE = re.compile(_SP + r"的?" + _SP)
# Where a candidate can begin: 第 + number, or a numeral run not inside a longer one.
_START_RE = re.compile(
    r"第" + _SP + r"[" + _DIG + _CN + r"（(]"
    + r"|(?<![第" + _DIG + _CN + r"．.])[" + _DIG + _CN + r"]{1,8}" + _SP
    + r"(?=条|(?:至|到|、|和|及|与|—|－|-|~|～)" + _SP + r"第?" + _SP + r"[" + _DIG + _CN + r"]{1,8}" + _SP + r"条)"
)

# After "第N条": the writer numbering their own points, or 条 as a count word (第一条狗).
_ORDINAL_AFTER_RE = re.compile(
    _SP + r"(?:意见|看法|想法|理由|心得|感受|路|街|河|狗|犬|短信|消息|新闻"
    r"|建议(?=[是为：:，,。；;！!？?\s]|$))"
)
# After a bare "N条": the count noun it measures (三条建议, 两条意见).
_COUNT_AFTER_RE = re.compile(
    _SP + r"(?:建议|意见|看法|想法|理由|措施|办法|要求|原则|内容|条件|途径|渠道|做法|经验|措施"
    r"|路|街|河|狗|犬|线|人命|命|信息|消息|短信|新闻|标准|举措|思路|规矩|底线|红线|心得|感受)"
)
# Before a bare "N条": words that make it a reference (草案十二条, 对十二条, 将十二条…).
_BARE_CUE_RE = re.compile(
    r"(?:草案|草稿|征求意见稿|审稿|条例|本法|办法|规定|决定|细则|规则|文本|稿|原|现"
    r"|对|将|把|关于|就|在|按|按照|依照|根据|依据|删除|删去|修改|取消|其中|中|里|即)"
    + _SP + r"的?" + _SP + r"$"
)

_SELF_END_RE = re.compile(
    r"(?:草案|草稿|草案稿|征求意见稿|送审稿|修订稿|审稿|修改稿|意见稿|文本"
    r"|(?:本|该|此|这个|这部|这一|这|新|上述)(?:条例|法律|法|办法|规定|决定|细则|规则|规程|章程|草案))"
    r"[ \u3000]*(?:中|里|之中)?[ \u3000]*的?[ \u3000]*$"
)
_LAW_END_RE = re.compile(
    r"(?P<name>[\u4e00-\u9fff]{0,30}?"
    r"(?P<suffix>法典|法律|法|条例|规定|办法|决定|细则|规则|规程|章程|公约|解释))"
    r"[ \u3000]*的?[ \u3000]*$"
)
# A 法 that is not a law's name: 做法, 看法, 依法 …
_NOT_LAW_FA = frozenset("做看想说写提方用依违合非执守无设立算手语疗玩打养遛管办司章")
# Before 条例/办法/细则…: a word that makes the name the draft's own (handled by _SELF_END_RE) or no name.
_NOT_LAW_BEFORE = frozenset("本该此这那个一新部的有没好种按照据依关")
# 规定 / 决定 / 解释 name another act only after words such as these.
_ACT_QUALIFIER_RE = re.compile(r"(?:若干|暂行|管理|实施|试行|补充|具体|司法|关于.{1,30}的|施行)(?:规定|决定|解释)$")
# The last character of anything _LAW_END_RE or a 《title》 can end with: a quick way out.
_LAW_LAST_CHARS = frozenset("法典律例定法则程约释》")
_TITLE_SELF_RE = re.compile(r"草案|征求意见稿|送审稿|修订稿|审稿")
_SHORT_SELF_TITLES = frozenset({"条例", "办法", "规定", "决定", "细则", "规则", "法", "草案", "本条例", "本法", "本办法"})
_PLACE_PREFIX_RE = re.compile(r"^(?:中华人民共和国|.{1,8}?(?:自治区|自治州|自治县|特别行政区|省|市|县|区|州|旗))")
_PAREN_RE = re.compile(r"[（(][^）)]*[）)]")

# The common cases — 第十二条, 第十二条第二款, 第十条至第十二条, 第十、十一条, and 十二条 after a cue —
# followed by nothing that could continue the reference (a space, 的, another number, an item, a
# range or list connector): the group is read here exactly as _parse_group reads it, without its
# general machinery. Anything else — or a number out of range — takes the general path.
_NUM = r"(?:([" + _DIG + r"]{1,4})|([" + _CN + r"]{1,8}))"
_NOT_CONTINUED = r"(?![ \u3000\t\xa0的第" + _DIG + _CN + r"（(至到—－–\-~～〜、以和及与或跟])"
_SIMPLE_ARTICLE_RE = re.compile(
    r"第" + _NUM + r"条(?:第" + _NUM + r"款|(?:至|到|——|—|－|–|-|~|～|〜)第" + _NUM + r"条)?" + _NOT_CONTINUED
    + r"|第" + _NUM + r"、" + _NUM + r"条" + _NOT_CONTINUED
)
_SIMPLE_BARE_RE = re.compile(_NUM + r"条" + _NOT_CONTINUED)
# _other_law_before is False unless the character before the group is one of these.
_LAW_NEAR_CHARS = frozenset(" \u3000\t的") | _LAW_LAST_CHARS
# What _ELEM_RE can start with (第, a space, a digit or numeral, a bracket).
_ELEM_FIRST = frozenset("第 \u3000\t\xa0（(" + "0123456789０１２３４５６７８９" + _CN)
# What _RANGE_RE or _LIST_RE can start with.
_CONNECTOR_FIRST = frozenset(" \u3000\t\xa0至到—－–-~～〜、以和及与或跟")
# What can follow an article and begin its paragraph or item (_ADJ_RE, then an element).
_AFTER_ARTICLE_FIRST = _ELEM_FIRST | {"的"}


# --------------------------------------------------------------------------- parsing


class _Elem:
    __slots__ = ("di", "n", "paren", "unit", "start", "num_end", "end")

    def __init__(self, di: bool, n: int, paren: bool, unit: str | None, start: int, num_end: int, end: int):
        self.di = di
        self.n = n
        self.paren = paren
        self.unit = unit
        self.start = start
        self.num_end = num_end  # end of the number (before the unit)
        self.end = end


@lru_cache(maxsize=8192)
def _number(raw: str) -> int:
    """parse_number, remembered (the same few hundred numerals recur in every opinion); -1 if invalid."""
    try:
        return parse_number(raw)
    except ValueError:
        return -1


def _elem(text: str, pos: int) -> _Elem | None:
    # most positions tried hold no number at all: skip the regex there
    if pos >= len(text) or text[pos] not in _ELEM_FIRST:
        return None
    m = _ELEM_RE.match(text, pos)
    if m is None:
        return None
    di, num, pnum, unit = m.groups()
    n = _number(num or pnum)
    if n <= 0 or n > _MAX_NUMBER:
        return None
    end = m.end()
    num_end = m.end(2) if num else end - (len(unit) if unit else 0)
    return _Elem(di is not None, n, pnum is not None, unit, pos, num_end, end)


class _Entry:
    """An article or chapter number (or range) inside a group, before the unit is known."""

    __slots__ = ("n", "n_end", "start", "end", "para", "item", "di")

    def __init__(self, n: int, start: int, end: int, di: bool):
        self.n = n
        self.n_end: int | None = None
        self.start = start
        self.end = end
        self.para: int | None = None
        self.item: int | None = None
        self.di = di


class _Group:
    __slots__ = ("start", "end", "refs")

    def __init__(self, start: int, end: int, refs: list[tuple[int | None, int | None, int | None, int | None, int | None, int | None, int, int]]):
        self.start = start
        self.end = end
        self.refs = refs


def _series(text: str, first: _Elem, allowed_units: tuple[str, ...]) -> tuple[list[_Entry], str | None, int]:
    """Read 第十、十一条 / 第十条至第十二条 / 第十条第二款、第十一条 … starting at ``first``.

    Returns the entries that received a unit, the unit, and the position after the series.
    """
    done: list[_Entry] = []
    pending: list[_Entry] = []
    unit: str | None = None
    cur = first
    joined_by_range = False
    pos = first.end
    while True:
        if cur.paren or (cur.unit is not None and cur.unit not in allowed_units) or (unit and cur.unit and cur.unit != unit):
            break
        if joined_by_range and (pending or done):
            prev = pending[-1] if pending else done[-1]
            prev.n_end = cur.n
            prev.end = cur.end if cur.unit else cur.num_end
            entry = prev
        else:
            entry = _Entry(cur.n, cur.start, cur.end if cur.unit else cur.num_end, cur.di)
            pending.append(entry)
        if cur.unit is not None:
            unit = cur.unit
            if entry in pending:
                pending.remove(entry)
            # pending numbers before this one share its unit: 第十、十一条
            done.extend(pending)
            pending.clear()
            if entry not in done:
                done.append(entry)
            pos = cur.end
            if unit == "条":
                pos = _para_item(text, pos, entry)
        else:
            pos = cur.num_end
        # connector
        if pos >= len(text) or text[pos] not in _CONNECTOR_FIRST:
            break
        m = _RANGE_RE.match(text, pos)
        joined_by_range = m is not None
        if m is None:
            m = _LIST_RE.match(text, pos)
            if m is None:
                break
            if (
                cur is first
                and cur.unit is None
                and cur.di
                and text.startswith("第", m.end())
                and text[m.start():m.end()].strip(" \u3000\t") == "、"
                and (cur.start == 0 or text[cur.start - 1] in _CLAUSE_START)
            ):
                break
        nxt = _elem(text, m.end())
        if nxt is None or nxt.paren:
            break
        if nxt.unit is None:
            # a unit-less number must be followed by more of the series (第十、十一、十二条)
            if not (_RANGE_RE.match(text, nxt.num_end) or _LIST_RE.match(text, nxt.num_end)):
                break
        elif nxt.unit not in allowed_units or (unit is not None and nxt.unit != unit):
            break
        if not nxt.di and nxt.unit is not None and _COUNT_AFTER_RE.match(text, nxt.end):
            break
        cur = nxt
    if not done:
        return [], None, first.end
    # unit-less numbers left at the end (第十条、十一) are not references
    return done, unit, max(e.end for e in done) if pos < max(e.end for e in done) else pos


def _para_item(text: str, pos: int, entry: _Entry) -> int:
    """Attach 第二款 / 第（三）项 / （三）项 right after an article; return the new position."""
    if pos >= len(text) or text[pos] not in _AFTER_ARTICLE_FIRST:
        return pos
    m = _ADJ_RE.match(text, pos)
    e = _elem(text, m.end() if m else pos)
    if e is not None and e.unit == "款" and not e.paren:
        entry.para = e.n
        entry.end = e.end
        pos = e.end
        m = _ADJ_RE.match(text, pos)
        e = _elem(text, m.end() if m else pos)
    if e is not None and e.unit == "项":
        entry.item = e.n
        entry.end = e.end
        pos = e.end
    return pos


def _parse_group(text: str, start: int) -> _Group | None:
    first = _elem(text, start)
    if first is None or first.paren:
        return None
    chapter: int | None = None
    section: int | None = None
    refs: list[tuple[int | None, int | None, int | None, int | None, int | None, int | None, int, int]] = []
    if first.unit == "章":
        chapter = first.n
        end = first.end
        pos = first.end
        m = _ADJ_RE.match(text, pos)
        nxt = _elem(text, m.end() if m else pos)
        if nxt is not None and nxt.di and nxt.unit == "节":
            section = nxt.n
            end = pos = nxt.end
            m = _ADJ_RE.match(text, pos)
            nxt = _elem(text, m.end() if m else pos)
        if nxt is not None and nxt.di and nxt.unit in ("条", None):
            entries, unit, after = _series(text, nxt, ("条",))
            if unit == "条" and entries:
                for e in entries:
                    refs.append((e.n, e.n_end, chapter, section, e.para, e.item, start if e is entries[0] else e.start, e.end))
                return _Group(start, after, refs)
        # 第二章至第三章 / 第二、三章 start with a chapter alone: read them as a series
        if section is None:
            entries, unit, after = _series(text, first, ("章",))
            if unit == "章" and (len(entries) > 1 or entries[0].n_end is not None):
                for e in entries:
                    last = e.n_end if e.n_end is not None and e.n_end >= e.n and e.n_end - e.n <= RANGE_CAP else e.n
                    for c in range(e.n, last + 1):
                        refs.append((None, None, c, None, None, None, e.start, e.end))
                return _Group(start, after, refs)
        refs.append((None, None, chapter, section, None, None, start, end))
        return _Group(start, end, refs)
    if first.unit in ("条", None):
        entries, unit, after = _series(text, first, ("条", "章"))
        if not entries:
            return None
        if unit == "章":
            for e in entries:
                last = e.n_end if e.n_end is not None and e.n_end >= e.n and e.n_end - e.n <= RANGE_CAP else e.n
                for c in range(e.n, last + 1):
                    refs.append((None, None, c, None, None, None, e.start, e.end))
            return _Group(start, after, refs)
        for e in entries:
            refs.append((e.n, e.n_end, None, None, e.para, e.item, e.start, e.end))
        return _Group(start, after, refs)
    return None


# --------------------------------------------------------------------------- owner of a group


def _core_title(title: str) -> str:
    core = _PAREN_RE.sub("", title).strip().strip("《》").strip()
    short = _PLACE_PREFIX_RE.sub("", core)
    return short if len(short) >= 4 else core


def _is_own_title(name: str, draft_core: str | None) -> bool:
    name = name.strip()
    if _TITLE_SELF_RE.search(name) or _PAREN_RE.sub("", name).strip() in _SHORT_SELF_TITLES:
        return True
    if draft_core:
        bare = _PAREN_RE.sub("", name).strip()
        if bare.endswith(draft_core) or (len(bare) >= 4 and draft_core.endswith(bare)):
            return True
    return False


def _other_law_before(text: str, start: int, draft_core: str | None) -> bool:
    """True when the group at ``start`` is introduced by another law's name."""
    before = text[max(0, start - 40):start].rstrip(" \u3000\t")
    if before.endswith("的"):
        before = before[:-1].rstrip(" \u3000\t")
    if not before or before[-1] not in _LAW_LAST_CHARS:
        return False
    if before.endswith("》"):
        open_at = before.rfind("《")
        if open_at < 0:
            return False
        return not _is_own_title(before[open_at + 1:-1], draft_core)
    if _SELF_END_RE.search(before):
        return False
    m = _LAW_END_RE.search(before)
    if m is None:
        return False
    name, suffix = m.group("name"), m.group("suffix")
    stem = name[: -len(suffix)]
    if not stem:
        return False
    prev = stem[-1]
    if suffix == "法":
        if prev in _NOT_LAW_FA:
            return False
    elif suffix in ("规定", "决定", "解释"):
        if not _ACT_QUALIFIER_RE.search(name):
            return False
    elif prev in _NOT_LAW_BEFORE:
        return False
    if draft_core and _is_own_title(name, draft_core):
        return False
    return True


# --------------------------------------------------------------------------- public API


def extract_references(text: str, *, draft_title: str | None = None) -> list[ArticleRef]:
    """All references to the draft's articles and chapters in ``text``, in order of appearance.

    Args:
        text: an opinion, verbatim.
        draft_title: the draft's title (e.g. ``某市养犬管理条例（草案）``); when given, references
            such as ``《某市养犬管理条例》第十条`` or ``养犬管理条例第十条`` count as the draft's own
            instead of being taken for another law's.
    """
    if not text or ("条" not in text and "章" not in text):
        return []
    draft_core = _core_title(draft_title) if draft_title else None
    out: list[ArticleRef] = []
    pos = 0
    n = len(text)
    for m in _START_RE.finditer(text):
        s = m.start()
        if s < pos:
            continue
        bare = text[s] != "第"
        if bare:
            # a bare number counts only after a cue, or with 第N款 after it (十二条第二款)
            cue = _BARE_CUE_RE.search(text, max(0, s - 12), s) is not None
            if not cue:
                e = _elem(text, s)
                if e is None or e.unit != "条":
                    continue
                k = _elem(text, e.end)
                if k is None or not k.di or k.unit != "款":
                    continue
        refs: list[tuple[int | None, int | None, int | None, int | None, int | None, int | None, int, int]] | None
        refs = None
        if bare:
            if (simple := _SIMPLE_BARE_RE.match(text, s)) is not None:
                num = _number(simple.group(1) or simple.group(2))
                if 0 < num <= _MAX_NUMBER:
                    pos = simple.end()
                    refs = [(num, None, None, None, None, None, s, pos)]
        elif (simple := _SIMPLE_ARTICLE_RE.match(text, s)) is not None:
            d1, c1, d2, c2, d3, c3, d4, c4, d5, c5 = simple.groups()
            end = simple.end()
            if d1 or c1:  # 第十二条, 第十二条第二款, 第十条至第十二条
                num = _number(d1 or c1)
                para = _number(d2 or c2) if (d2 or c2) else None
                last = _number(d3 or c3) if (d3 or c3) else None
                if 0 < num <= _MAX_NUMBER and (para is None or 0 < para <= _MAX_NUMBER) and (
                        last is None or 0 < last <= _MAX_NUMBER):
                    pos = end
                    refs = [(num, last, None, None, para, None, s, end)]
            else:  # 第十、十一条 (not 第一、二条建议: a count)
                num, num2 = _number(d4 or c4), _number(d5 or c5)
                if 0 < num <= _MAX_NUMBER and 0 < num2 <= _MAX_NUMBER and not _COUNT_AFTER_RE.match(text, end):
                    pos = end
                    refs = [(num, None, None, None, None, None, s, simple.end(7) if d4 else simple.end(8)),
                            (num2, None, None, None, None, None, simple.start(9) if d5 else simple.start(10), end)]
        if refs is None:
            group = _parse_group(text, s)
            if group is None:
                continue
            pos = group.end
            refs = group.refs
        if s and text[s - 1] in _LAW_NEAR_CHARS and _other_law_before(text, s, draft_core):
            continue
        for art, art_end, chap, sec, para, item, rs, re_ in refs:
            if art is not None and art_end is None:
                # the writer's own numbering (第一条意见) or a count (三条建议)
                after = re_ if para is None and item is None else None
                if after is not None:
                    if rs < n and text[rs] == "第":
                        if _ORDINAL_AFTER_RE.match(text, after):
                            continue
                    elif _COUNT_AFTER_RE.match(text, after):
                        continue
            out.append(_new_ref(ArticleRef, (art, art_end, chap, sec, para, item, rs, re_, text[rs:re_])))
    return out


def referenced_articles(text: str, valid: set[int] | None = None, *, draft_title: str | None = None) -> list[int]:
    """Article numbers referenced in ``text``: unique, in order of appearance, ranges expanded.

    A range longer than :data:`RANGE_CAP` articles (or written backwards) contributes its two ends
    only. When ``valid`` is given (the draft version's article numbers), other numbers are dropped.
    """
    seen: set[int] = set()
    out: list[int] = []
    for ref in extract_references(text, draft_title=draft_title):
        if ref.article is None:
            continue
        if ref.article_end is None:
            numbers: range | tuple[int, ...] = (ref.article,)
        elif 0 <= ref.article_end - ref.article <= RANGE_CAP:
            numbers = range(ref.article, ref.article_end + 1)
        else:
            numbers = (ref.article, ref.article_end)
        for num in numbers:
            if num not in seen and (valid is None or num in valid):
                seen.add(num)
                out.append(num)
    return out


def referenced_chapter(text: str, *, draft_title: str | None = None) -> int | None:
    """The first chapter explicitly referenced (第三章, 第二章第三节 → 2, 第三章第十二条 → 3), or None."""
    if "章" not in text:
        return None
    for ref in extract_references(text, draft_title=draft_title):
        if ref.chapter is not None:
            return ref.chapter
    return None
