"""Tags on opinions: topics from a per-draft taxonomy, the contributor's sector, keyword suggestions.

* :class:`Taxonomy` — topics, each a name and keywords; seeded from the draft's chapters
  (:meth:`Taxonomy.from_draft`), edited by officers as JSON (:meth:`Taxonomy.to_dict` /
  :meth:`Taxonomy.from_dict`), applied with :meth:`Taxonomy.tag` (one compiled trie regex over all
  keywords; well above 20,000 texts/s).
* :func:`sector_tag` — the contributor's sector or group from the occupation they gave.
* :func:`suggest_keywords` — frequent words of the opinions themselves, segmented with rjieba and a
  user dictionary of the draft's own terms, to help officers build the taxonomy.

Every :class:`Tag` records where it came from (``rule``, ``suggestion`` or ``person``) and a confidence.
Segmentation (rjieba) is imported only by :meth:`Taxonomy.from_draft` and :func:`suggest_keywords`.
"""

from __future__ import annotations

import math
import re
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from liaison.analysis.trie import trie_pattern as _trie_pattern

__all__ = [
    "SECTORS",
    "TAG_KINDS",
    "TAG_SOURCES",
    "Tag",
    "Taxonomy",
    "Topic",
    "sector_tag",
    "suggest_keywords",
]

TAG_KINDS = ("topic", "stance", "sector", "article")
TAG_SOURCES = ("rule", "suggestion", "person")


@dataclass(frozen=True, slots=True)
class Tag:
    """A label on an opinion. ``source``: ``rule`` (matched automatically), ``suggestion`` (a guess
    offered to staff) or ``person`` (set by a person); ``confidence`` is 0..1 (1.0 for a person)."""

    name: str
    kind: str
    source: str
    confidence: float

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "source": self.source, "confidence": self.confidence}


@dataclass
class Topic:
    """One topic of a draft's taxonomy: a name and the keywords that signal it."""

    name: str
    keywords: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "keywords": list(self.keywords)}


# --------------------------------------------------------------------------- taxonomy

_SPACES_RE = re.compile(r"[\s\u3000]+")
# Chapters that name no topic: the general provisions and the supplementary ones.
_GENERAL_CHAPTERS = frozenset({"总则", "附则"})
_STOP_WORDS = frozenset(
    """
    的 了 是 在 和 与 及 或 或者 以及 等 对 将 把 被 为 以 于 由 从 向 按照 依照 根据 依法 有关 相关 其他
    应当 应该 可以 不得 必须 需要 进行 开展 组织 负责 加强 建立 健全 做好 实行 实施 落实 推进 支持 鼓励
    本条例 本办法 本法 本规定 条例 办法 规定 草案 制定 执行 管理 工作 活动 单位 个人 部门 人民政府 政府
    本市 本县 本省 市 县 区 乡镇 街道 我们 我 你 他 她 它 他们 这个 那个 这些 那些 这样 一个 一些 什么
    建议 认为 觉得 希望 意见 问题 情况 方面 目前 现在 如果 因为 所以 但是 但 而且 并且 还是 就是 也 都
    很 太 非常 特别 比较 更 最 不 没有 没 有 要 会 能 让 使 给 这 那 其 之 所 该 此 各 每 上 下 中 内 外
    第一 第二 第三 一是 二是 三是 条 款 项 章 节 一 二 三 四 五 六 七 八 九 十 百 千 万 元 年 月 日
    修改 增加 删除 明确 补充 完善 同意 反对 赞成 感谢 谢谢 您好 你好
    他人 遵守 立即 以上 以下 改正 违反 及其 记录 同步 场所 设置 设施 区域 公共 长期 申请 办理 给予 责令
    违法 处置 设立 符合 国家 标准 要求 采取 措施 依据 保障 提供 相应 情形 期间 之日起 发现 及时 予以
    处以 没收 情节 严重 造成 损失 承担 行政 法律 法规 机关 机构 所在地 统一 具体 主管 指导 监督 检查
    处理 协助 配合 职责 范围 内容 方式 条件 期限 安全 行为 规范 责任 实际 本市行政区域 行政区域 有效
    建设 使用 保持 确定 公布 告知 提出 作出 需要 能够 一定 合理 必要 有效期 以内 之内 之前 之后 人员
    单位和个人 任何单位 任何 或者其他 其中 包括 下列 前款 本款 本条 条文 草案稿 征求意见稿 建立健全
    电话 联系 地址 姓名 手机 大家 自己 已经 可能 应该 不能 不要 一下 一样 这么 那么 怎么 为什么
    """.split()
)
# Parts of speech that never make a topic word (numerals, locatives, adverbs, conjunctions,
# prepositions, pronouns, particles, punctuation, measure words, time words).
_BAD_POS = frozenset({"m", "f", "d", "c", "p", "r", "u", "uj", "ul", "uz", "ug", "uv", "ud", "x", "q", "t", "y", "e", "o", "w"})
_WORD_OK_RE = re.compile(r"[\u4e00-\u9fffA-Za-z]{2,}")
_NUMERAL_RE = re.compile(r"[零〇一二两三四五六七八九十百千万亿第]+[条款项章节元年月日个只名]?")


def _clean_title(title: str) -> str:
    return _SPACES_RE.sub("", title or "")


class Taxonomy:
    """A draft's topics and the keywords that signal each; applies them to texts.

    JSON form (what officers edit)::

        {"topics": [{"name": "充电安全", "keywords": ["充电安全", "充电", "飞线充电", "楼道"]}, ...]}
    """

    __slots__ = ("topics", "_lock", "_compiled")

    def __init__(self, topics: Iterable[Topic] = ()):
        self.topics: list[Topic] = list(topics)
        self._lock = threading.Lock()
        self._compiled: _Compiled | None = None

    def __repr__(self) -> str:
        return f"Taxonomy({[t.name for t in self.topics]!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Taxonomy) and self.to_dict() == other.to_dict()

    # ------------------------------------------------------------------ JSON

    def to_dict(self) -> dict[str, Any]:
        """``{"topics": [{"name": …, "keywords": […]}, …]}``, JSON-ready."""
        return {"topics": [t.to_dict() for t in self.topics]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Taxonomy:
        """Read the JSON form. Names and keywords are stripped; empty keywords and duplicate
        keywords within a topic are dropped; a topic without keywords is kept (it matches nothing).

        Raises:
            ValueError: ``data`` is not of the documented shape, or two topics share a name.
        """
        if not isinstance(data, dict) or not isinstance(data.get("topics"), list):
            raise ValueError('taxonomy must be {"topics": [{"name": ..., "keywords": [...]}, ...]}')
        topics: list[Topic] = []
        seen: set[str] = set()
        for i, raw in enumerate(data["topics"]):
            if not isinstance(raw, dict) or not isinstance(raw.get("name"), str) or not raw["name"].strip():
                raise ValueError(f"topic {i + 1}: needs a non-empty name")
            name = raw["name"].strip()
            if name in seen:
                raise ValueError(f"topic {name!r} appears twice")
            seen.add(name)
            kws = raw.get("keywords", [])
            if not isinstance(kws, list) or not all(isinstance(k, str) for k in kws):
                raise ValueError(f"topic {name!r}: keywords must be a list of strings")
            clean: list[str] = []
            for k in kws:
                k = k.strip()
                if k and k not in clean:
                    clean.append(k)
            topics.append(Topic(name, clean))
        return cls(topics)

    # ------------------------------------------------------------------ seeding

    @classmethod
    def from_draft(cls, parsed: Any, *, per_topic: int = 8, skip_general: bool = True) -> Taxonomy:
        """Seed one topic per chapter of a parsed draft (:class:`liaison.drafts.parser.ParsedDraft`).

        Each topic is named after the chapter title (``充电安全``); its keywords are the title, the
        title's own words and its sections' titles when they are distinctive, then the chapter's most
        distinctive terms (words frequent in this chapter's articles and rare in the others, by
        TF-IDF over chapters), ``per_topic`` in all at most beyond the title. 总则 and 附则 name no
        topic and are skipped unless ``skip_general`` is False. A draft without chapters gives an
        empty taxonomy (officers add topics, helped by :func:`suggest_keywords`).
        """
        chapters = list(getattr(parsed, "chapters", ()) or ())
        if not chapters:
            return cls([])
        seg = _segmenter(tuple(_clean_title(c.title) for c in chapters))
        texts: dict[int, list[str]] = {c.number: [] for c in chapters}
        by_heading = {_clean_title(c.heading): c.number for c in chapters}
        by_label = {_clean_title(getattr(c, "label", "")): c.number for c in chapters}
        for art in getattr(parsed, "articles", ()):
            ch = _clean_title(art.chapter or "")
            num = by_heading.get(ch)
            if num is None:
                label = ch.split("章", 1)[0] + "章" if "章" in ch else ch
                num = by_label.get(label)
            if num is not None:
                body = re.sub(r"^第\S+?条[\s\u3000]*", "", art.text)
                texts[num].append(body)
        # term frequencies per chapter
        tfs: dict[int, Counter[str]] = {}
        for num, bodies in texts.items():
            c: Counter[str] = Counter()
            for b in bodies:
                c.update(w for w, pos in seg.tag(b) if pos not in _BAD_POS and _keyword_ok(w))
            tfs[num] = c
        n_ch = len(chapters)
        df: Counter[str] = Counter()
        for c in tfs.values():
            df.update(c.keys())
        plain = _segmenter(())  # without the titles as words, to split them (充电安全 → 充电, 安全)
        title_df: Counter[str] = Counter()
        for c in chapters:
            title_df.update({w for w in plain.cut(_clean_title(c.title)) if _keyword_ok(w)})

        topics: list[Topic] = []
        for ch in chapters:
            title = _clean_title(ch.title)
            if not title or (skip_general and title in _GENERAL_CHAPTERS):
                continue
            kws: list[str] = [title]
            for sec in getattr(ch, "sections", ()) or ():
                sec_title = _clean_title(re.sub(r"^第\S+?节", "", _clean_title(sec)))
                if sec_title and sec_title not in _GENERAL_SECTION_TITLES and sec_title not in kws:
                    kws.append(sec_title)
            for w in plain.cut(title):
                # a title word shared by other chapters' titles (养犬 in a dog law) says nothing
                if _keyword_ok(w) and w not in kws and title_df[w] <= 1:
                    kws.append(w)
            tf = tfs.get(ch.number, Counter())
            total = sum(tf.values()) or 1
            scored = sorted(
                ((cnt / total) * math.log((n_ch + 1) / (df[w] + 0.5)), w)
                for w, cnt in tf.items()
                if cnt >= 2 or df[w] == 1
            )
            added = 0
            for score, w in reversed(scored):
                if added >= per_topic:
                    break
                if score <= 0 or w in kws or df[w] > max(1, n_ch // 2):
                    continue
                kws.append(w)
                added += 1
            topics.append(Topic(title, kws))
        return cls(topics)

    # ------------------------------------------------------------------ tagging

    def _compile(self) -> _Compiled:
        # The keyword lists are compared with what was compiled on every call (under a µs), so
        # topics edited in place (``tax.topics[2].keywords.append(...)``) take effect at once.
        compiled = self._compiled
        if compiled is not None and compiled.keywords == [t.keywords for t in self.topics]:
            return compiled
        with self._lock:
            snapshot = [list(t.keywords) for t in self.topics]
            owners: dict[str, list[int]] = {}
            for i, kws in enumerate(snapshot):
                for k in kws:
                    if k:
                        owners.setdefault(k, [])
                        if i not in owners[k]:
                            owners[k].append(i)
            pattern = re.compile(_trie_pattern(owners)) if owners else None
            compiled = _Compiled(snapshot, pattern, {k: tuple(v) for k, v in owners.items()})
            self._compiled = compiled
        return compiled

    def tag(self, text: str) -> list[Tag]:
        """Topic tags for ``text`` (source ``rule``), best first.

        Confidence grows with the number of different keywords of the topic found:
        one → 0.6 (0.5 for a one- or two-character keyword), two → 0.8, three or more → 0.9;
        repeated hits of the same keyword add 0.02 each, to 0.95 at most.
        """
        compiled = self._compile()
        pattern = compiled.pattern
        if pattern is None or not text:
            return []
        found = pattern.findall(text)
        if not found:
            return []
        owners = compiled.owners
        distinct: dict[int, set[str]] = {}
        hits: dict[int, int] = {}
        for kw in found:
            for i in owners[kw]:
                if i in distinct:
                    distinct[i].add(kw)
                    hits[i] += 1
                else:
                    distinct[i] = {kw}
                    hits[i] = 1
        topics = self.topics
        made = compiled.tags
        out: list[Tag] = []
        for i, kws in distinct.items():
            k = len(kws)
            if k >= 3:
                base = 0.9
            elif k == 2:
                base = 0.8
            else:
                base = 0.5 if len(next(iter(kws))) <= 2 else 0.6
            # Tags are immutable: one per (name, confidence) is made and handed out again.
            key = (topics[i].name, base, min(hits[i] - k, 25))  # from 23 repeats on, 0.95
            tag = made.get(key)
            if tag is None:
                conf = min(0.95, base + 0.02 * (hits[i] - k))
                tag = made[key] = Tag(key[0], "topic", "rule", round(conf, 2))
            out.append(tag)
        if len(out) > 1:
            out.sort(key=_tag_order)
        return out


class _Compiled:
    """A taxonomy's keywords as compiled: the trie regex, each keyword's topics, and the tags made."""

    __slots__ = ("keywords", "pattern", "owners", "tags")

    def __init__(self, keywords: list[list[str]], pattern: re.Pattern[str] | None, owners: dict[str, tuple[int, ...]]):
        self.keywords = keywords
        self.pattern = pattern
        self.owners = owners
        self.tags: dict[tuple[str, float, int], Tag] = {}


def _tag_order(t: Tag) -> tuple[float, str]:
    return (-t.confidence, t.name)


_GENERAL_SECTION_TITLES = frozenset({"一般规定", "总则", "附则", "其他规定"})


def _keyword_ok(w: str) -> bool:
    return (
        len(w) >= 2
        and w not in _STOP_WORDS
        and _WORD_OK_RE.fullmatch(w) is not None
        and _NUMERAL_RE.fullmatch(w) is None
    )


# --------------------------------------------------------------------------- segmentation

_SEG_LOCK = threading.Lock()
_SEG_CACHE: dict[tuple[str, ...], Any] = {}


def _segmenter(terms: tuple[str, ...]) -> Any:
    """An rjieba segmenter with ``terms`` added to its dictionary (cached for a few term sets).

    A separate ``rjieba.Jieba`` instance is used so the module-level default dictionary is never
    changed for other callers.
    """
    key = tuple(sorted({t.strip() for t in terms if t and t.strip()}))
    with _SEG_LOCK:
        seg = _SEG_CACHE.get(key)
        if seg is None:
            import rjieba

            seg = rjieba.Jieba()
            for t in key:
                seg.add_word(t, None, None)
            if len(_SEG_CACHE) >= 4:
                _SEG_CACHE.pop(next(iter(_SEG_CACHE)))
            _SEG_CACHE[key] = seg
    return seg


def suggest_keywords(texts: Iterable[str], *, draft_terms: Iterable[str] = (), top: int = 50) -> list[tuple[str, int]]:
    """Frequent, distinctive words in opinions, to build or extend a taxonomy.

    Texts are segmented with rjieba, with ``draft_terms`` (the draft's own terms: 集中充电设施,
    个人信息处理者 …) added to its dictionary so they stay whole. Stop words (function words,
    legislative boilerplate such as 应当/规定/条例, opinion boilerplate such as 建议/认为/希望),
    single characters, numbers and article labels are dropped.

    Returns:
        ``(word, number of texts containing it)``, most frequent first, ties by word, at most ``top``.
    """
    seg = _segmenter(tuple(draft_terms))
    df: Counter[str] = Counter()
    for t in texts:
        if not t:
            continue
        df.update({w for w, pos in seg.tag(t) if pos not in _BAD_POS and _keyword_ok(w)})
    ranked = sorted(df.items(), key=lambda kv: (-kv[1], kv[0]))
    return ranked[: max(0, top)]


# --------------------------------------------------------------------------- sector

#: Sector or group → words of an occupation that place a contributor in it (first match wins,
#: in this order, so 退休教师 is 退休人员 and 法学教师 is 法律).
SECTORS: dict[str, tuple[str, ...]] = {
    "人大代表/政协委员": ("人大代表", "政协委员", "基层立法联系点信息员"),
    "退休人员": ("退休", "离休", "退休人员", "老干部"),
    "学生": ("学生", "大学生", "研究生", "中学生", "小学生", "博士生", "硕士生", "本科生"),
    "法律": ("律师", "法官", "检察官", "法律工作者", "公证员", "法务", "法学", "仲裁员", "人民调解员", "调解员"),
    "医疗卫生": ("医生", "护士", "医师", "医务", "药师", "兽医", "卫生", "医院", "疾控", "诊所"),
    "教育": ("教师", "老师", "教授", "校长", "教员", "幼儿园", "学校", "辅导员", "讲师", "教育"),
    "新就业形态": ("外卖", "骑手", "快递", "网约车", "配送员", "送餐", "闪送", "货拉拉", "代驾", "主播"),
    "社区基层": ("社区工作者", "社区", "居委会", "村委会", "网格员", "村干部", "村支书", "楼长", "志愿者", "居民小组长"),
    "物业": ("物业", "保安", "业委会", "业主委员会"),
    "农业": ("农民", "村民", "农业", "种植", "养殖", "农户", "果农", "菜农", "渔民", "牧民", "合作社"),
    "个体工商户": ("个体工商户", "个体户", "个体经营", "商户", "店主", "摊主", "小商贩", "个体"),
    "机关事业单位": ("公务员", "机关", "事业单位", "干部", "民警", "警察", "消防", "城管", "执法"),
    "企业": ("企业", "公司", "职员", "员工", "经理", "工程师", "工人", "厂", "白领", "会计", "销售", "技术员", "私营"),
    "自由职业": ("自由职业", "灵活就业", "自雇"),
    "无业/待业": ("无业", "待业", "失业", "家庭主妇", "全职妈妈"),
}
_SECTOR_ORDER: list[tuple[str, str]] = [(w, s) for s, ws in SECTORS.items() for w in ws]
# Longer words first inside each sector's turn is not needed: the first sector that matches wins.
_SECTOR_FULL = {w: s for w, s in _SECTOR_ORDER}


def sector_tag(occupation: str | None) -> Tag | None:
    """The contributor's sector or group from what they gave as occupation, or None.

    An exact match of a listed word (``教师``) gives confidence 0.95; a word found inside a longer
    description (``某小学语文老师``) 0.8. Sectors are checked in the order of :data:`SECTORS`.
    """
    if not occupation:
        return None
    occ = _SPACES_RE.sub("", occupation)
    if not occ:
        return None
    exact = _SECTOR_FULL.get(occ)
    if exact is not None:
        return Tag(exact, "sector", "rule", 0.95)
    for word, sector in _SECTOR_ORDER:
        if word in occ:
            return Tag(sector, "sector", "rule", 0.8)
    return None
