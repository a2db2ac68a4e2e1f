"""Parse a draft (草案) written in Markdown with YAML front matter into articles.

The text follows the real legislative layout: ``第一章　总则`` chapters, optional
``第一节`` sections, articles opening with ``第X条``, further lines as 款
(paragraphs) and ``（一）`` lines as 项 (items), and an optional 目录 that is not
content. See ``docs/draft-format.md`` for the rules as liaison officers see them.

This module is pure domain code: it imports only the standard library and
PyYAML, so it can be run and tested without the web app or a database. Errors
are raised as :class:`DraftFormatError` with a message in Chinese that tells the
officer what to fix, and where.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any, Literal

import yaml

from liaison.core.jsonable import to_jsonable
from liaison.drafts.numerals import int_to_chinese, parse_number

__all__ = [
    "Article",
    "Block",
    "Chapter",
    "DraftFormatError",
    "ParsedDraft",
    "parse_draft",
    "slug_is_valid",
]

try:  # the C loader is ~10x faster; fall back when libyaml is missing
    _YamlLoader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on the PyYAML build
    _YamlLoader = yaml.SafeLoader


class DraftFormatError(ValueError):
    """A draft file that cannot be imported, with a message a liaison officer can act on.

    Attributes:
        message: the Chinese explanation (also ``str(error)``).
        line: 1-based line in the source file, or None when the problem is not on one line.
        field: the front-matter field at fault (``title``, ``slug`` …), or None.
    """

    def __init__(self, message: str, *, line: int | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.line = line
        self.field = field

    def __reduce__(self) -> tuple[Any, ...]:  # keep line/field through pickling (workers, jobs)
        return (_rebuild_error, (self.message, self.line, self.field))


def _rebuild_error(message: str, line: int | None, field: str | None) -> DraftFormatError:
    return DraftFormatError(message, line=line, field=field)


@dataclass(frozen=True, slots=True)
class Block:
    """One piece of an article body, in order: a paragraph (款) or an item (项)."""

    kind: Literal["paragraph", "item"]
    text: str

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "text": self.text}


@dataclass(frozen=True, slots=True)
class Article:
    """An article (条), the unit people comment on."""

    number: int
    label: str
    chapter: str | None
    section: str | None
    blocks: tuple[Block, ...]
    line: int

    @property
    def paragraphs(self) -> list[str]:
        """The 款 of the article, in order (the first is the text on the 第X条 line)."""
        return [b.text for b in self.blocks if b.kind == "paragraph"]

    @property
    def items(self) -> list[str]:
        """The 项 of the article, each starting with its normalised ``（一）`` marker."""
        return [b.text for b in self.blocks if b.kind == "item"]

    @property
    def text(self) -> str:
        """The article as one plain text: ``第十条　…`` with blocks on their own lines."""
        if not self.blocks:
            return self.label
        return self.label + "\u3000" + "\n".join(b.text for b in self.blocks)

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "label": self.label,
            "chapter": self.chapter,
            "section": self.section,
            "paragraphs": self.paragraphs,
            "items": self.items,
        }


@dataclass(frozen=True, slots=True)
class Chapter:
    """A chapter (章) and the headings of its sections (节)."""

    label: str
    number: int
    title: str
    heading: str
    sections: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ParsedDraft:
    """A parsed draft: front matter plus its chapters and articles."""

    title: str
    slug: str
    meta: dict[str, Any]
    chapters: tuple[Chapter, ...]
    articles: tuple[Article, ...]
    warnings: tuple[str, ...]
    _by_number: dict[int, Article] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_number", {a.number: a for a in self.articles})

    def article(self, number: int) -> Article | None:
        """The article numbered ``number``, or None."""
        return self._by_number.get(number)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: title and slug first, the other front matter (dates as ISO strings), articles."""
        out: dict[str, Any] = {"title": self.title, "slug": self.slug}
        for key, value in self.meta.items():
            if key not in ("title", "slug", "articles"):
                out[key] = to_jsonable(value)
        out["articles"] = [a.to_dict() for a in self.articles]
        return out


# --------------------------------------------------------------------------- slug

_SLUG_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,79}")
_SLUG_RULE = "slug 只能用小写英文字母、数字和连字符“-”，以字母或数字开头，最长 80 个字符，例如 ebike-safety"


def slug_is_valid(slug: str) -> bool:
    """True if ``slug`` can name a draft in URLs: ``^[a-z0-9][a-z0-9-]{0,79}$``."""
    return isinstance(slug, str) and _SLUG_RE.fullmatch(slug) is not None


# --------------------------------------------------------------------------- text patterns

_NUM = r"[0-9０-９零〇一二两三四五六七八九十百千万]+"
_SPACE = " \t\u3000\xa0\f\v"
_SPACE_OR_COLON = _SPACE + "：:"
# 第X章 / 第X节 / 第X条 / 第X编 / 第X分编, optionally opened by bold/emphasis markers.
_STRUCT_RE = re.compile(
    r"(?P<open>\*\*|__|\*|_)?[ \u3000]*第[ \u3000]*(?P<num>" + _NUM + r")[ \u3000]*"
    r"(?P<unit>分编|编|章|节|条)(?P<rest>.*)",
    re.S,
)
_ITEM_RE = re.compile(
    r"[（(][ \u3000]*(?P<num>[0-9０-９]+|[零〇一二两三四五六七八九十百]+)[ \u3000]*[）)][ \u3000]*(?P<rest>.*)",
    re.S,
)
# Bullets only: "1." / "1．" numbering is kept, it is how 目 under a 项 are written.
_LIST_MARKER_RE = re.compile(r"[-*+][ \u3000]+")
_HR_RE = re.compile(r"(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,}|={3,})")
_FENCE_RE = re.compile(r"(`{3,}|~{3,})")
_WS_RUN_RE = re.compile(r"[ \t\u3000\xa0]+")
_TOC_WORDS = frozenset({"目录", "目次"})
_EMPHASIS_TRIM = "*_"

# Characters that become a plain space (NBSP, en/em spaces …) or vanish (zero-width, BOM).
_BODY_TRANSLATE = {0xA0: " ", 0x200B: None, 0xFEFF: None, 0x2060: None, 0x200C: None, 0x200D: None}
_BODY_TRANSLATE.update({cp: " " for cp in range(0x2000, 0x200B)})
_BODY_TRANSLATE[0x09] = " "
_ODD_SPACE_RE = re.compile("[\t\xa0\u2000-\u200d\u2060\ufeff]")


def _is_cjk(ch: str) -> bool:
    o = ord(ch)
    return (
        0x3400 <= o <= 0x9FFF
        or 0xF900 <= o <= 0xFAFF
        or 0x3000 <= o <= 0x303F  # CJK punctuation
        or 0xFF00 <= o <= 0xFFEF  # full-width forms
        or 0x20000 <= o <= 0x3FFFF
    )


def _normalise_title(raw: str) -> str:
    """``附　　则`` → ``附则``; ``电动自行车  充电`` → ``电动自行车充电``; ``e 自行车`` keeps one space."""
    text = raw.replace("**", "").replace("__", "").strip(_SPACE + _EMPHASIS_TRIM).lstrip("：:").strip(_SPACE)
    parts = _WS_RUN_RE.split(text)
    if len(parts) == 1:
        return text
    out = parts[0]
    for part in parts[1:]:
        if not part:
            continue
        if out and _is_cjk(out[-1]) and _is_cjk(part[0]):
            out += part
        else:
            out += " " + part
    return out


# --------------------------------------------------------------------------- entry point


def parse_draft(text: str | bytes, *, source_name: str | None = None) -> ParsedDraft:
    """Parse a draft file's text into a :class:`ParsedDraft`.

    Args:
        text: the file contents; bytes must be UTF-8 (a BOM is removed).
        source_name: the file name, used to derive the slug when the front matter has none.

    Raises:
        DraftFormatError: the file cannot be used as it is; the message says what to fix.
    """
    text = _decode(text)
    if "\x00" in text:
        raise DraftFormatError("文件包含二进制内容（NUL 字节），不是文本文件。请上传 .md 或 .txt 格式的草案文本。")
    if not text.strip():
        raise DraftFormatError("文件为空：请写入前置信息（title 等）和条文正文。")

    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    meta, body_start = _read_front_matter(lines)
    body = _Body(lines, body_start)
    body.run()

    title = _title(meta, body.first_h1)
    slug = _slug(meta, source_name)
    _check_meta(meta)

    if not body.articles:
        if body.toc_unfinished:
            raise DraftFormatError(
                "没有找到任何条文：第 %d 行的“目录”之后，没有再出现与目录第一项相同的章标题，"
                "也没有出现条文，所以全文都被当作了目录。请检查目录后正文的第一章标题是否与目录一致"
                "（条文应以“第一条”开头）。" % body.toc_line,
                line=body.toc_line,
            )
        raise DraftFormatError(
            "没有找到任何条文：正文中没有以“第一条”这样的条文序号开头的行（条文应以“第一条”开头，"
            "序号后空一格再写内容，例如“第一条　为了……，制定本条例。”）。"
        )

    articles = tuple(
        Article(number=b.number, label=b.label, chapter=b.chapter, section=b.section,
                blocks=tuple(b.blocks), line=b.line)
        for b in body.articles
    )
    for art in articles:
        if not art.blocks:
            body.warnings.append(f"{art.label}（第 {art.line} 行）没有内容。")
    chapters = tuple(
        Chapter(label=c.label, number=c.number, title=c.title, heading=c.heading, sections=tuple(c.sections))
        for c in body.chapters
    )
    return ParsedDraft(
        title=title,
        slug=slug,
        meta=meta,
        chapters=chapters,
        articles=articles,
        warnings=tuple(body.warnings),
    )


def _decode(text: str | bytes) -> str:
    if isinstance(text, (bytes, bytearray, memoryview)):
        data = bytes(text)
        if b"\x00" in data:
            raise DraftFormatError(
                "文件包含二进制内容（NUL 字节），不是文本文件。如果是 Word 或 PDF 文件，"
                "请先把正文复制到文本编辑器中另存为 UTF-8 编码的 .md 文件。"
            )
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise DraftFormatError(
                "文件不是 UTF-8 编码的文本（第 %d 行附近有无法识别的字节），可能是 GBK/GB2312 编码。"
                "请用文本编辑器（如记事本、VS Code）“另存为”UTF-8 编码后重新上传。" % line,
                line=line,
            ) from None
    if not isinstance(text, str):
        raise TypeError(f"parse_draft() expects str or bytes, not {type(text).__name__}")
    return text[1:] if text.startswith("\ufeff") else text


# --------------------------------------------------------------------------- front matter


def _read_front_matter(lines: list[str]) -> tuple[dict[str, Any], int]:
    """Return (front matter mapping, index of the first body line)."""
    first = 0
    while first < len(lines) and not lines[first].strip():
        first += 1
    if first >= len(lines) or lines[first].strip() != "---":
        return {}, 0
    end = None
    for i in range(first + 1, len(lines)):
        stripped = lines[i].strip()
        if stripped == "---" or stripped == "...":
            end = i
            break
    if end is None:
        raise DraftFormatError(
            "前置信息没有结束：第 %d 行的“---”之后找不到结束的“---”。前置信息应写在两行“---”之间。" % (first + 1),
            line=first + 1,
        )
    # NBSP and zero-width characters pasted from web pages confuse YAML; tabs are left for YAML to report.
    source = "\n".join(lines[first + 1 : end]).translate(_BODY_TRANSLATE | {0x09: 0x09})
    yaml_first_line = first + 2  # 1-based line of the first YAML line
    try:
        if "*" in source:
            _reject_aliases(source, yaml_first_line)
        data = yaml.load(source, Loader=_YamlLoader)  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, source, yaml_first_line) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        hint = ""
        if "：" in source:
            hint = "字段名后面要用半角冒号“:”，不能用中文冒号“：”。"
        elif re.search(r"^[A-Za-z_]+:\S", source, re.M):
            hint = "字段名的冒号后面要空一格，例如“title: 某市养犬管理条例（草案）”。"
        raise DraftFormatError(
            "前置信息（两行“---”之间的部分）应当是“字段: 值”的形式，每行一个字段。" + hint,
            line=yaml_first_line,
        )
    meta: dict[str, Any] = {}
    for key, value in data.items():
        if not isinstance(key, str):
            raise DraftFormatError(
                f"前置信息的字段名“{key}”不是文字，请检查这一行的写法。", line=yaml_first_line, field=str(key)
            )
        meta[key.strip()] = value
    return meta, end + 1


def _reject_aliases(source: str, first_line: int) -> None:
    """Refuse YAML aliases (``*name``): nested aliases expand exponentially ("billion laughs")
    when the front matter is walked or serialised, and a draft never needs them."""
    for event in yaml.parse(source, Loader=_YamlLoader):
        if isinstance(event, yaml.AliasEvent):
            line = first_line + event.start_mark.line if event.start_mark is not None else None
            raise DraftFormatError(
                f"前置信息中不能使用 YAML 别名“*{event.anchor}”（第 {line} 行）。"
                "如果值以星号“*”开头，请用引号把整个值括起来。",
                line=line,
            )


def _yaml_error(exc: yaml.YAMLError, source: str, first_line: int) -> DraftFormatError:
    mark = getattr(exc, "problem_mark", None)
    line = first_line + mark.line if mark is not None else None
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    detail = f"{context}, {problem}" if context else problem
    hints: list[str] = []
    if "\t" in source:
        hints.append("不要用 Tab 键缩进，请改用空格。")
    if re.search(r"^\u3000", source, re.M):
        hints.append("行首有全角空格，请改用半角空格缩进。")
    if "：" in source:
        hints.append("字段名后面要用半角冒号“:”。")
    if not hints:
        hints.append("值里含有冒号“:”或以“[”“{”“*”“&”开头时，请用引号把整个值括起来。")
    where = f"第 {line} 行" if line else "前置信息中"
    return DraftFormatError(f"前置信息的 YAML 格式有误（{where}：{detail}）。" + "".join(hints), line=line)


def _title(meta: dict[str, Any], first_h1: str | None) -> str:
    if "title" in meta and meta["title"] is not None:
        value = meta["title"]
        if not isinstance(value, str) or not value.strip():
            raise DraftFormatError("title（标题）应当是一段文字，例如“title: 某市养犬管理条例（草案）”。", field="title")
        return value.strip()
    if first_h1:
        return first_h1
    raise DraftFormatError(
        "缺少标题：请在前置信息中填写 title 字段（例如“title: 某市养犬管理条例（草案）”），"
        "或者在正文第一行写“# 标题”。",
        field="title",
    )


def _slug(meta: dict[str, Any], source_name: str | None) -> str:
    value = meta.get("slug")
    if value is not None:
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or not slug_is_valid(value.strip()):
            raise DraftFormatError(f"slug“{value}”不符合要求：{_SLUG_RULE}。", field="slug")
        return value.strip()
    if source_name:
        stem = PurePath(source_name.replace("\\", "/")).name
        if "." in stem:
            stem = stem.rsplit(".", 1)[0]
        derived = re.sub(r"[\s_]+", "-", stem.strip()).lower()
        if slug_is_valid(derived):
            return derived
        raise DraftFormatError(
            f"无法从文件名“{source_name}”得到 slug：{_SLUG_RULE}。"
            "请在前置信息中写上 slug 字段，或者把文件改成这样的英文名。",
            field="slug",
        )
    raise DraftFormatError(f"缺少 slug：请在前置信息中写上 slug 字段。{_SLUG_RULE}。", field="slug")


_TEXT_FIELDS = ("issuer", "kind", "round", "summary")
_FIELD_NAMES = {
    "issuer": "issuer（起草或发布单位）",
    "kind": "kind（类别：法律/法规/规章）",
    "round": "round（稿次，如征求意见稿、一审稿）",
    "summary": "summary（草案简介）",
    "comment_opens": "comment_opens（开始征求意见日期）",
    "comment_closes": "comment_closes（截止日期）",
    "key_questions": "key_questions（重点问题）",
}


def _check_meta(meta: dict[str, Any]) -> None:
    for name in _TEXT_FIELDS:
        value = meta.get(name)
        if value is not None and not isinstance(value, str):
            raise DraftFormatError(f"{_FIELD_NAMES[name]} 应当是一段文字，现在是“{value}”。", field=name)
    opens = _date_field(meta, "comment_opens")
    closes = _date_field(meta, "comment_closes")
    if opens is not None and closes is not None:
        a, b = _comparable(opens), _comparable(closes)
        # Two plain dates may be the same day (a one-day window); otherwise closes must be later.
        same_day_ok = not isinstance(opens, _dt.datetime) and not isinstance(closes, _dt.datetime)
        if b < a or (b == a and not same_day_ok):
            raise DraftFormatError(
                f"截止日期 comment_closes（{closes.isoformat()}）早于开始日期 comment_opens"
                f"（{opens.isoformat()}）。请检查这两个日期。",
                field="comment_closes",
            )
    questions = meta.get("key_questions")
    if questions is not None:
        if isinstance(questions, str):
            raise DraftFormatError(
                "key_questions（重点问题）应当是一个列表，每个问题一行，以“- ”开头，例如：\n"
                "key_questions:\n  - 电动自行车能否在楼道内停放？",
                field="key_questions",
            )
        if not isinstance(questions, list):
            raise DraftFormatError("key_questions（重点问题）应当是一个列表，每个问题一行，以“- ”开头。", field="key_questions")
        for i, q in enumerate(questions, 1):
            if not isinstance(q, str) or not q.strip():
                raise DraftFormatError(
                    f"key_questions（重点问题）的第 {i} 项应当是一段文字，现在是“{q}”。"
                    "如果问题里有冒号，请用引号括起来。",
                    field="key_questions",
                )


def _date_field(meta: dict[str, Any], name: str) -> _dt.date | None:
    """Validate a date field; string values are converted in ``meta`` to date/datetime."""
    value = meta.get(name)
    if value is None:
        return None
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value
    if isinstance(value, str):
        raw = value.strip()
        try:
            parsed: _dt.date = _dt.date.fromisoformat(raw) if len(raw) == 10 else _dt.datetime.fromisoformat(raw)
        except ValueError:
            pass
        else:
            meta[name] = parsed
            return parsed
    raise DraftFormatError(
        f"{_FIELD_NAMES[name]} 的日期格式不对：“{value}”。请写成“2026-11-01”这样的格式（年-月-日，月和日用两位数字）。",
        field=name,
    )


def _comparable(value: _dt.date) -> _dt.datetime:
    if isinstance(value, _dt.datetime):
        return value.replace(tzinfo=None) if value.tzinfo is None else value.astimezone().replace(tzinfo=None)
    return _dt.datetime(value.year, value.month, value.day)


# --------------------------------------------------------------------------- body


class _ArticleBuilder:
    __slots__ = ("number", "label", "chapter", "section", "blocks", "line")

    def __init__(self, number: int, label: str, chapter: str | None, section: str | None, line: int):
        self.number = number
        self.label = label
        self.chapter = chapter
        self.section = section
        self.blocks: list[Block] = []
        self.line = line


class _ChapterBuilder:
    __slots__ = ("label", "number", "title", "heading", "sections")

    def __init__(self, label: str, number: int, title: str, heading: str):
        self.label = label
        self.number = number
        self.title = title
        self.heading = heading
        self.sections: list[str] = []


_LABEL_CACHE: dict[tuple[int, str], str] = {}


def _label(number: int, unit: str) -> str:
    key = (number, unit)
    label = _LABEL_CACHE.get(key)
    if label is None:
        label = f"第{int_to_chinese(number)}{unit}"
        if len(_LABEL_CACHE) < 10_000:
            _LABEL_CACHE[key] = label
    return label


_ITEM_MARKS: dict[str, str] = {}
_NUMBERS: dict[str, int] = {}


def _number(text: str) -> int | None:
    number = _NUMBERS.get(text)
    if number is None:
        try:
            number = parse_number(text)
        except ValueError:
            return None
        if len(_NUMBERS) < 10_000:
            _NUMBERS[text] = number
    return number


def _item_mark(num: str) -> str | None:
    mark = _ITEM_MARKS.get(num)
    if mark is None:
        try:
            mark = "（" + int_to_chinese(parse_number(num)) + "）"
        except ValueError:
            return None
        if len(_ITEM_MARKS) < 10_000:
            _ITEM_MARKS[num] = mark
    return mark


class _Body:
    """A single pass over the body lines; state lives here rather than in a 300-line function."""

    def __init__(self, lines: list[str], start: int):
        self.lines = lines
        self.start = start
        self.articles: list[_ArticleBuilder] = []
        self.chapters: list[_ChapterBuilder] = []
        self.warnings: list[str] = []
        self.first_h1: str | None = None
        self.toc_unfinished = False
        self.toc_line = 0
        self._seen_numbers: dict[int, int] = {}
        self._current: _ArticleBuilder | None = None
        self._chapter: _ChapterBuilder | None = None
        self._section: str | None = None
        self._section_number = 0
        self._last_chapter_number = 0
        self._in_toc = False
        self._toc_first: tuple[str, int] | None = None

    def run(self) -> None:
        in_comment = False
        fence: str | None = None
        lines = self.lines
        for idx in range(self.start, len(lines)):
            raw = lines[idx]
            if fence is not None:
                if raw.strip().startswith(fence):
                    fence = None
                continue
            if in_comment or "<!--" in raw:
                raw, in_comment = _strip_comments(raw, in_comment)
            if _ODD_SPACE_RE.search(raw) is not None:
                raw = raw.translate(_BODY_TRANSLATE)
            s = raw.strip(_SPACE)
            if not s:
                continue
            c0 = s[0]
            if c0 == ">":
                continue  # blockquote: editor's notes, not text of the law
            if c0 in "`~":
                m = _FENCE_RE.match(s)
                if m:
                    fence = m.group(1)
                    continue
            if c0 in "-*_=" and _HR_RE.fullmatch(s):
                continue
            is_heading = False
            content = s
            if c0 == "#":
                heading = _heading(s)
                if heading is not None:
                    is_heading = True
                    level, content = heading
                    if level == 1 and self.first_h1 is None:
                        h1 = _normalise_title(content)
                        if h1:
                            self.first_h1 = h1
                    if not content:
                        continue
            self._line(content, is_heading, idx + 1)
        if self._in_toc:
            self.toc_unfinished = True

    # One logical line: structure, TOC, or article text.
    def _line(self, content: str, is_heading: bool, lineno: int) -> None:
        first = content[0]
        # 目录 (only before any structure or article: later it is just a word).
        if (
            not self.articles
            and not self.chapters
            and len(content) <= 12
            and ("目" in content)
            and _compact(content) in _TOC_WORDS
        ):
            self._in_toc = True
            self._toc_first = None
            self.toc_line = lineno
            self._current = None
            return
        if first in "第*_":
            m = _STRUCT_RE.match(content)
            if m is not None and self._structure(m, is_heading, lineno):
                return
        if self._in_toc:
            return
        if is_heading:
            self._current = None  # 起草说明 and other headings end the article
            return
        current = self._current
        if current is None:
            return  # title, preamble, text after a non-article heading
        if first in "-*+":
            lm = _LIST_MARKER_RE.match(content)
            if lm is not None:
                content = content[lm.end() :].lstrip(_SPACE)
                if not content:
                    return
                first = content[0]
        if first in "（(":
            im = _ITEM_RE.match(content)
            if im is not None:
                mark = _item_mark(im.group("num"))
                if mark is not None:
                    current.blocks.append(Block("item", mark + im.group("rest").strip(_SPACE)))
                    return
        current.blocks.append(Block("paragraph", content))

    def _structure(self, m: re.Match[str], is_heading: bool, lineno: int) -> bool:
        """Handle a 第X章/节/条/编 line; False means "not structure, treat as text"."""
        number = _number(m.group("num"))
        if number is None:
            return False
        unit = m.group("unit")
        rest = m.group("rest")
        opener = m.group("open")
        separated = not rest or rest[0] in _SPACE_OR_COLON
        if opener:
            if rest.startswith(opener):
                rest = rest[len(opener) :]
                separated = True
            else:
                pos = rest.find(opener)
                if pos >= 0:
                    rest = rest[:pos] + rest[pos + len(opener) :]
        elif rest.startswith(("**", "__")):
            # 第一条**　…: stray closing marker, treat as a separator.
            rest = rest[2:]
            separated = True
        explicit = is_heading or separated or not rest.strip(_SPACE)

        if self._in_toc:
            key = (unit, number)
            if unit == "条":
                if not explicit:
                    return True
                self._in_toc = False  # an article ends the TOC
            elif self._toc_first is None:
                self._toc_first = key
                return True
            elif key == self._toc_first:
                self._in_toc = False  # the TOC's first entry again: the real text starts
            else:
                return True

        if unit == "条":
            last = self.articles[-1].number if self.articles else None
            if not explicit and last is not None and number != last + 1:
                return False  # 第二十条规定的… inside an article
            self._start_article(number, rest.lstrip(_SPACE_OR_COLON).rstrip(_SPACE), lineno, last)
            return True
        if unit == "章":
            if not explicit and number != self._last_chapter_number + 1:
                return False
            self._start_chapter(number, rest, lineno)
            return True
        if unit == "节":
            if not explicit and number != self._section_number + 1:
                return False
            self._current = None
            label = _label(number, "节")
            title = _normalise_title(rest)
            heading = f"{label} {title}" if title else label
            if self._section_number and number != self._section_number + 1:
                self.warnings.append(f"第 {lineno} 行：{label}前面一节是第{int_to_chinese(self._section_number)}节，节的序号不连续。")
            self._section = heading
            self._section_number = number
            if self._chapter is not None:
                self._chapter.sections.append(heading)
            return True
        # 编 / 分编: a grouping above chapters; chapter numbers start again inside it.
        if not explicit:
            return False
        self._current = None
        self._chapter = None
        self._section = None
        self._section_number = 0
        self._last_chapter_number = 0
        return True

    def _start_chapter(self, number: int, rest: str, lineno: int) -> None:
        label = _label(number, "章")
        title = _normalise_title(rest)
        heading = f"{label} {title}" if title else label
        if self._last_chapter_number and number != self._last_chapter_number + 1:
            self.warnings.append(
                f"第 {lineno} 行：{label}前面一章是第{int_to_chinese(self._last_chapter_number)}章，章的序号不连续。"
            )
        chapter = _ChapterBuilder(label, number, title, heading)
        self.chapters.append(chapter)
        self._chapter = chapter
        self._last_chapter_number = number
        self._section = None
        self._section_number = 0
        self._current = None

    def _start_article(self, number: int, text: str, lineno: int, last: int | None) -> None:
        label = _label(number, "条")
        previous_line = self._seen_numbers.get(number)
        if previous_line is not None:
            raise DraftFormatError(
                f"条文序号重复：第 {previous_line} 行和第 {lineno} 行都是“{label}”。请检查条文序号，"
                "每一条只能出现一次。",
                line=lineno,
            )
        self._seen_numbers[number] = lineno
        if last is None:
            if number != 1:
                self.warnings.append(f"第 {lineno} 行：条文从{label}开始，而不是从第一条开始。")
        elif number != last + 1:
            before = _label(last, "条")
            if number > last:
                self.warnings.append(f"第 {lineno} 行：{before}之后是{label}，条文序号不连续（中间缺少条文）。")
            else:
                self.warnings.append(f"第 {lineno} 行：{before}之后是{label}，条文序号倒退了。")
        chapter = self._chapter.heading if self._chapter is not None else None
        article = _ArticleBuilder(number, label, chapter, self._section, lineno)
        if text:
            if text[0] in "（(":
                im = _ITEM_RE.match(text)
                mark = _item_mark(im.group("num")) if im is not None else None
                if mark is not None and im is not None:
                    article.blocks.append(Block("item", mark + im.group("rest").strip(_SPACE)))
                else:
                    article.blocks.append(Block("paragraph", text))
            else:
                article.blocks.append(Block("paragraph", text))
        self.articles.append(article)
        self._current = article


def _strip_comments(raw: str, in_comment: bool) -> tuple[str, bool]:
    """Remove HTML comments from one line; returns (text left, still inside a comment)."""
    out: list[str] = []
    pos = 0
    while True:
        if in_comment:
            end = raw.find("-->", pos)
            if end < 0:
                return "".join(out), True
            pos = end + 3
            in_comment = False
        start = raw.find("<!--", pos)
        if start < 0:
            out.append(raw[pos:])
            return "".join(out), False
        out.append(raw[pos:start])
        pos = start + 4
        in_comment = True


def _heading(s: str) -> tuple[int, str] | None:
    """``## 第一章 总则 ##`` → (2, "第一章 总则"); None if ``s`` is not an ATX heading.

    Written without a regex: a backtracking pattern for the optional closing ``#``
    run went quadratic on long lines of spaces.
    """
    level = len(s) - len(s.lstrip("#"))
    if not 1 <= level <= 6:
        return None
    content = s[level:].strip(_SPACE)
    if content.endswith("#"):
        without = content.rstrip("#")
        if not without or without[-1] in _SPACE:
            content = without.rstrip(_SPACE)
    return level, content


def _compact(text: str) -> str:
    return _WS_RUN_RE.sub("", text.replace("**", "").replace("__", "")).strip(_EMPHASIS_TRIM + "：:")
