"""Reading and checking a bulk file of offline opinions (CSV or XLSX). Pure: no database, no web.

The whole file is read and every row checked before anything is stored; each
problem names the row as the spreadsheet shows it (the header is row 1), the
column, what is wrong and how to fix it. ``liaison.opinions.import_service``
adds the checks that need the database (offices, activities, volunteers,
already-imported rows) and does the storing.

Encodings: UTF-8 (with or without BOM), GB18030 (a superset of GBK/GB2312, what
Chinese Excel writes for "CSV (逗号分隔)") and UTF-16 with BOM (Excel's "Unicode
文本", tab-separated). XLSX is opened only after its zip directory shows it is
not a zip bomb. Cell values are kept verbatim as text: a cell reading ``=1+1``
or ``@某人`` is stored as those characters, never evaluated.

Import key: sha256 of (draft id, the row's normalised content, how many identical
rows came before it in the same file). Importing the same file (or the same rows
again, in any order) adds nothing; two identical rows in one file (two people
said the same thing) are both kept.
"""

from __future__ import annotations

import csv
import hashlib
import html
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time

from liaison.core.cells import neutralize_formula
from liaison.core.errors import Invalid, TooLarge
from liaison.drafts.numerals import parse_number
from liaison.opinions.validation import (
    CHANNEL_LABELS,
    DEFAULT_OCCUPATIONS,
    MAX_TEXT,
    Channel,
    ContributorInput,
    OpinionInput,
    clean_opinion,
)

__all__ = [
    "COLUMNS",
    "DEFAULT_CHANNEL",
    "FIELD_FIXES",
    "ImportPlan",
    "MAX_IMPORT_BYTES",
    "MAX_ROWS",
    "MAX_XLSX_UNCOMPRESSED",
    "PlannedRow",
    "RowProblem",
    "build_template_csv",
    "build_template_xlsx",
    "import_key",
    "parse_article",
    "parse_channel",
    "parse_consent",
    "plan_import",
    "read_table",
    "report_csv",
]

#: Largest file accepted (bytes). The web upload and the CLI both enforce it.
MAX_IMPORT_BYTES = 50 * 1024 * 1024
#: Most data rows in one file (not counting the header and blank rows).
MAX_ROWS = 200_000
#: Largest total uncompressed size of an XLSX's parts (zip-bomb guard).
MAX_XLSX_UNCOMPRESSED = 400 * 1024 * 1024
#: Most entries in an XLSX zip (a real workbook has a few dozen).
MAX_XLSX_ENTRIES = 2_000
#: Channel for rows that leave 渠道 blank (and whose 征询活动 does not give one):
#: "other" (其他) rather than a guess, so no statistics are skewed by a default.
DEFAULT_CHANNEL = Channel.OTHER.value

SAVE_AS_HINT = "请用 Excel 另存为“CSV UTF-8（逗号分隔）”或 .xlsx 后重新上传"


@dataclass(frozen=True, slots=True)
class Column:
    key: str  # English code, also accepted as a header
    header: str  # the Chinese header written in the template
    aliases: tuple[str, ...]  # other accepted Chinese headers
    hint: str  # what to write, for the template's instructions


COLUMNS: tuple[Column, ...] = (
    Column("article", "条文", ("条文序号", "条号", "涉及条文", "条款"),
           "条文序号，如 12、第十二条、第12条；总体意见留空"),
    Column("text", "意见内容", ("意见", "内容", "意见建议"), "必填，原话照录，最多 5000 字"),
    Column("suggestion", "修改建议", ("建议",), "可留空"),
    Column("reason", "理由", ("修改理由",), "可留空"),
    Column("channel", "渠道", ("征集渠道", "来源渠道", "意见来源"),
           "可填：" + "、".join(CHANNEL_LABELS.values()) + "（或英文代码）；留空时取征询活动的类型，否则记为“其他”"),
    Column("office", "联络室", ("联络室名称", "采集点", "联络室（采集点）"), "联络室全称或编号；可留空"),
    Column("activity", "征询活动编号", ("征询活动", "活动编号"), "系统中征询活动的编号（数字）；可留空"),
    Column("volunteer", "信息员", ("信息员姓名", "联络员", "信息员/联络员"), "信息员姓名或编号；可留空"),
    Column("name", "姓名", ("意见人姓名", "提出人"), "个人信息，可留空"),
    Column("phone", "电话", ("联系电话", "手机", "手机号"), "11 位手机号或带区号的固定电话，可留空"),
    Column("region", "地区", ("所在地区", "住址"), "可留空"),
    Column("occupation", "职业", (), "从职业列表中选择，可留空"),
    Column("consent", "同意提供个人信息", ("同意", "是否同意提供个人信息", "同意个人信息处理"),
           "填“是”或“否”；填写了姓名、电话等个人信息时必须为“是”"),
)
_BY_KEY = {c.key: c for c in COLUMNS}

#: How to fix a problem, by the field ``clean_opinion`` names.
FIELD_FIXES: dict[str, str] = {
    "article": "填写条文序号，如 12、第十二条 或 第12条；总体意见请留空",
    "text": f"填写意见内容（最多 {MAX_TEXT} 字，过长的可拆成几行）；整行无内容请删除",
    "suggestion": f"精简到 {MAX_TEXT} 字以内，或拆成几行",
    "reason": f"精简到 {MAX_TEXT} 字以内，或拆成几行",
    "channel": "填写：" + "、".join(CHANNEL_LABELS.values()) + "，或留空",
    "office": "填写系统中已有的联络室全称或编号，或留空",
    "activity": "填写本草案的征询活动编号（见“征询活动”页面），或留空",
    "volunteer": "填写该联络室信息员的姓名或编号，或留空",
    "contributor.name": "姓名最多 50 字",
    "contributor.phone": "填写 11 位手机号，或带区号的固定电话（如 010-12345678），或留空",
    "contributor.region": "地区最多 100 字",
    "contributor.occupation": "从职业列表中选择（见模板“填写说明”），或留空",
    "contributor.consent": "本人同意提供个人信息的填“是”；未同意的请删除姓名、电话、地区、职业",
}
_FIELD_COLUMN = {
    "contributor.name": "name", "contributor.phone": "phone", "contributor.region": "region",
    "contributor.occupation": "occupation", "contributor.consent": "consent",
}

_YES = {"是", "y", "yes", "true", "1", "同意", "√", "✓", "已同意", "对"}
_NO = {"否", "n", "no", "false", "0", "不同意", "×", "✗", "未同意", ""}
_GENERAL = {"总体", "总体意见", "整体", "整体意见", "无", "-", "—", "/", "0"}
_ARTICLE_RE = re.compile(r"^第?\s*([0-9０-９零〇一二两三四五六七八九十百千]+)\s*条?$")
_CHANNELS: dict[str, str] = {}
for _code in CHANNEL_LABELS:
    _CHANNELS[str(_code)] = str(_code)
    _CHANNELS[CHANNEL_LABELS.source(_code)] = str(_code)  # files are Chinese whatever the page's language
_CHANNELS.update({"网上": "online", "网络": "online", "问卷": "questionnaire", "电话热线": "hotline",
                  "热线": "hotline", "信件": "letter", "座谈": "symposium"})


@dataclass(frozen=True, slots=True)
class RowProblem:
    """One thing wrong with one row (row 0: the file as a whole)."""

    row: int
    column: str
    message: str
    fix: str


@dataclass(frozen=True, slots=True)
class PlannedRow:
    """A row that passed the checks that need no database."""

    row: int
    data: OpinionInput  # cleaned; office/volunteer/activity not yet resolved
    channel_given: bool
    office: str  # as written in the file (name or id), "" if blank
    activity: str
    volunteer: str
    import_key: str


@dataclass(slots=True)
class ImportPlan:
    rows: list[PlannedRow]
    problems: list[RowProblem]
    total_rows: int
    encoding: str = ""
    file_format: str = ""
    headers: dict[str, str] = field(default_factory=dict)  # field key -> header as written in the file
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def header(self, key: str) -> str:
        return self.headers.get(key) or _BY_KEY[key].header


# ---------------------------------------------------------------- reading files


def _norm_header(value: str) -> str:
    text = unicodedata.normalize("NFKC", value).strip().lower()
    text = re.sub(r"\s+", "", text)
    text = text.strip("*")
    text = re.sub(r"\((必填|选填|可选|可留空|[^()]*填[^()]*)\)$", "", text)
    return text.strip("*")


_HEADER_MAP: dict[str, str] = {}
for _column in COLUMNS:
    for _name in (_column.key, _column.header, *_column.aliases):
        _HEADER_MAP[_norm_header(_name)] = _column.key


def _decode(content: bytes) -> tuple[str, str]:
    """Text and a label for its encoding; refuse what is neither UTF-8, UTF-16 nor GB18030."""
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return content.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError:
            pass
    if b"\x00" in content[:65536]:
        raise Invalid(f"这不是文本格式的 CSV 文件（含有二进制内容）。{SAVE_AS_HINT}", field="file")
    if content.startswith(b"\xef\xbb\xbf"):
        try:
            return content[3:].decode("utf-8"), "UTF-8（带 BOM）"
        except UnicodeDecodeError as exc:
            raise Invalid(f"文件开头标明是 UTF-8，但第 {exc.start + 4} 字节附近的内容不是 UTF-8 编码。"
                          f"{SAVE_AS_HINT}", field="file") from None
    try:
        return content.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("gb18030"), "GB18030/GBK"
    except UnicodeDecodeError as exc:
        raise Invalid(f"无法识别文件编码（第 {exc.start + 1} 字节附近既不是 UTF-8 也不是 GBK/GB18030）。"
                      f"{SAVE_AS_HINT}", field="file") from None


def _csv_rows(content: bytes) -> tuple[Iterator[tuple[int, list[str]]], str]:
    text, encoding = _decode(content)
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)

    def rows() -> Iterator[tuple[int, list[str]]]:
        try:
            for number, record in enumerate(reader, start=1):
                yield number, record
        except csv.Error as exc:
            raise Invalid(f"CSV 格式有误（第 {reader.line_num} 行附近：{exc}），常见原因是引号不成对。{SAVE_AS_HINT}",
                          field="file") from None

    return rows(), encoding


def _check_zip(content: bytes) -> None:
    """Refuse zip bombs from the central directory, before anything is decompressed."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except zipfile.BadZipFile:
        raise Invalid(f"这不是有效的 .xlsx 文件（可能已损坏）。{SAVE_AS_HINT}", field="file") from None
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_XLSX_ENTRIES:
            raise TooLarge(f"这个 .xlsx 文件内部包含 {len(infos)} 个部件，不像正常的表格，已拒绝。{SAVE_AS_HINT}",
                           field="file")
        total = sum(info.file_size for info in infos)
        if total > MAX_XLSX_UNCOMPRESSED:
            raise TooLarge(
                f"这个 .xlsx 文件解压后有 {total / 1024 / 1024:.0f} MB，超过上限 "
                f"{MAX_XLSX_UNCOMPRESSED // 1024 // 1024} MB（可能是“压缩炸弹”），已拒绝。"
                "请删除多余的工作表、图片和格式，或分成几个文件导入", field="file")
        names = {info.filename for info in infos}
        if "xl/workbook.xml" not in names:
            raise Invalid(f"这不是 Excel .xlsx 文件（缺少工作簿）。{SAVE_AS_HINT}", field="file")


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ") if value.time() != time(0) else value.date().isoformat()
    if isinstance(value, (date, time)):
        return value.isoformat()
    return str(value)


class _NotPlain(Exception):
    """The workbook is valid but not in the everyday layout the fast reader handles."""


_SHEET_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_CELL = re.compile(rb"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.S)
_CELL_REF = re.compile(rb'\br="([A-Z]{1,3})(\d+)"')
_CELL_TYPE = re.compile(rb'\bt="(\w+)"')
_VALUE = re.compile(rb"<v>(.*?)</v>", re.S)
_TEXT = re.compile(rb"<t(?:\s[^>]*)?>(.*?)</t>", re.S)
_PHONETIC = re.compile(rb"<rPh\b.*?</rPh>", re.S)
_SHARED = re.compile(rb"<si>(.*?)</si>|<si/>", re.S)
_OOXML_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_INT = re.compile(rb"^-?\d+$")
#: Sheets larger than this (uncompressed) are streamed by openpyxl instead of read whole.
FAST_SHEET_LIMIT = 160 * 1024 * 1024


def _xml_text(raw: bytes) -> str:
    text = raw.decode("utf-8")
    if "\r" in text:  # XML end-of-line handling, as a real parser does
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "&" in text:
        text = html.unescape(text)
    if "_x" in text:
        text = _OOXML_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
    return text


def _rich_text(inner: bytes) -> str:
    if b"<rPh" in inner:
        inner = _PHONETIC.sub(b"", inner)
    return "".join(_xml_text(t) for t in _TEXT.findall(inner))


def _first_sheet(archive: zipfile.ZipFile) -> str:
    from xml.etree import ElementTree

    try:
        workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError):
        raise _NotPlain from None
    sheet = workbook.find(f"{_SHEET_NS}sheets/{_SHEET_NS}sheet")
    if sheet is None:
        raise _NotPlain
    rel_id = sheet.get(f"{_REL_NS}id")
    for rel in rels.iter(f"{_PKG_REL_NS}Relationship"):
        if rel.get("Id") == rel_id:
            target = rel.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            return path
    raise _NotPlain


def _fast_xlsx_rows(archive: zipfile.ZipFile) -> Iterator[tuple[int, list[str]]]:
    """Rows of the first sheet, read with a few regular expressions (about 5× openpyxl's speed).

    Handles what Excel, WPS, LibreOffice and openpyxl write (shared strings, inline
    strings, numbers, booleans, cached formula results); anything else raises
    _NotPlain before the first row and the caller falls back to openpyxl.
    """
    path = _first_sheet(archive)
    try:
        info = archive.getinfo(path)
    except KeyError:
        raise _NotPlain from None
    if info.file_size > FAST_SHEET_LIMIT:
        raise _NotPlain
    xml = archive.read(path)
    if b"<sheetData" not in xml:
        raise _NotPlain
    shared: list[str] = []
    if "xl/sharedStrings.xml" in archive.namelist():
        strings = archive.read("xl/sharedStrings.xml")
        if b"<si" in strings and b"<si>" not in strings and b"<si/>" not in strings:
            raise _NotPlain  # prefixed or unusual markup
        shared = [_rich_text(m.group(1)) if m.group(1) is not None else "" for m in _SHARED.finditer(strings)]
    cells_found = _CELL.findall(xml)
    if not cells_found and b"<c " in xml:
        raise _NotPlain
    return iter(list(_fast_rows(cells_found, shared)))  # any surprise surfaces here, before the first row


def _fast_rows(found: list[tuple[bytes, bytes]], shared: list[str]) -> Iterator[tuple[int, list[str]]]:
    columns: dict[bytes, int] = {}
    row_number = -1
    cells: list[str] = []
    for attrs, inner in found:
        if not inner:  # <c r="B2" s="1"/>: an empty (perhaps formatted) cell
            continue
        ref = _CELL_REF.search(attrs)
        if ref is None:
            raise _NotPlain  # cells without positions: let openpyxl place them
        letters, digits = ref.groups()
        number = int(digits)
        if number != row_number:
            if cells:
                yield row_number, cells
            row_number, cells = number, []
        index = columns.get(letters)
        if index is None:
            index = 0
            for ch in letters:
                index = index * 26 + ch - 64
            index -= 1
            columns[letters] = index
        kind = b"n"
        if b't="' in attrs:
            match = _CELL_TYPE.search(attrs)
            kind = match.group(1) if match else b"n"
        if kind == b"inlineStr":
            plain = inner[7:-9] if inner[:7] == b"<is><t>" and inner[-9:] == b"</t></is>" else None
            value = _xml_text(plain) if plain is not None and b"<" not in plain else _rich_text(inner)
        else:
            if inner[:3] == b"<v>" and inner[-4:] == b"</v>" and b"<" not in inner[3:-4]:
                raw = inner[3:-4]
            else:
                found_value = _VALUE.search(inner)
                raw = found_value.group(1) if found_value else b""
            if kind == b"s":
                value = shared[int(raw)] if raw else ""
            elif kind == b"n":
                value = raw.decode() if not raw or _INT.match(raw) else _cell_text(float(raw))
            elif kind == b"b":
                value = "是" if raw == b"1" else "否" if raw else ""
            else:  # str (formula result), e (error), d (ISO date)
                value = _xml_text(raw)
        if index >= len(cells):
            cells.extend([""] * (index + 1 - len(cells)))
        cells[index] = value
    if cells:
        yield row_number, cells


def _openpyxl_rows(content: bytes) -> Iterator[tuple[int, list[str]]]:
    import warnings

    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds on bad files
        raise Invalid(f"无法打开这个 .xlsx 文件（{type(exc).__name__}）。{SAVE_AS_HINT}", field="file") from None
    try:
        if not workbook.worksheets:
            raise Invalid("这个 .xlsx 文件没有工作表", field="file")
        sheet = workbook.worksheets[0]
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, [_cell_text(v) for v in values]
    finally:
        workbook.close()


def _xlsx_rows(content: bytes, *, fast: bool = True) -> Iterator[tuple[int, list[str]]]:
    """Rows of the first worksheet, after the zip-bomb check; openpyxl for unusual files."""
    _check_zip(content)
    if fast:
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                return _fast_xlsx_rows(archive)
        except (_NotPlain, zipfile.BadZipFile, ValueError, IndexError, UnicodeDecodeError):
            pass
    return _openpyxl_rows(content)


def read_table(content: bytes, filename: str = "") -> tuple[Iterator[tuple[int, list[str]]], str, str]:
    """(rows as (spreadsheet row number, cells), format, encoding) for a CSV or XLSX file.

    The format is told by the content, not the name: an .xlsx renamed .csv still reads.
    """
    if len(content) > MAX_IMPORT_BYTES:
        raise TooLarge(f"文件有 {len(content) / 1024 / 1024:.1f} MB，超过上限 {MAX_IMPORT_BYTES // 1024 // 1024} MB，"
                       "请分成几个文件导入", field="file")
    if not content.strip():
        raise Invalid("文件是空的", field="file")
    if content.startswith(b"\xd0\xcf\x11\xe0"):
        raise Invalid("这是旧版 Excel（.xls）或 WPS 文件，不能直接导入。请在 Excel/WPS 中另存为 .xlsx 或"
                      "“CSV UTF-8（逗号分隔）”后重新上传", field="file")
    if content.startswith(b"PK\x03\x04") or filename.lower().endswith((".xlsx", ".xlsm")):
        return _xlsx_rows(content), "xlsx", ""
    rows, encoding = _csv_rows(content)
    return rows, "csv", encoding


# ---------------------------------------------------------------- cell values


def parse_article(value: str) -> int | None:
    """12, "12", "第十二条", "第12条", "十二" -> 12; blank or 总体意见 -> None. ValueError otherwise."""
    text = unicodedata.normalize("NFKC", value).strip().replace(" ", "")
    if text in _GENERAL or not text:
        return None
    match = _ARTICLE_RE.match(text)
    if not match:
        raise ValueError(text)
    number = parse_number(match.group(1))
    if number < 1:
        raise ValueError(text)
    return number


def parse_channel(value: str) -> str | None:
    """A channel code from its Chinese label or code; None if blank. ValueError if unknown."""
    text = unicodedata.normalize("NFKC", value).strip()
    if not text:
        return None
    code = _CHANNELS.get(text) or _CHANNELS.get(text.lower())
    if code is None:
        raise ValueError(text)
    return code


def parse_consent(value: str) -> bool:
    text = unicodedata.normalize("NFKC", value).strip().lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise ValueError(text)


def _ref(value: str) -> str:
    """An office / activity / volunteer reference, tidied for lookup and for the import key ("#12" -> "12")."""
    text = unicodedata.normalize("NFKC", value).strip()
    return text[1:] if text.startswith("#") and text[1:].isdigit() else text


def import_key(draft_id: int, content: Sequence[object], occurrence: int) -> str:
    """sha256 of the draft, the row's normalised cells (unit-separated) and its occurrence index."""
    cells = "\x1f".join("" if value is None else str(value) for value in content)
    return hashlib.sha256(f"{draft_id}\x1e{cells}\x1e{occurrence}".encode()).hexdigest()


# ---------------------------------------------------------------- planning


def _shown(value: str, limit: int = 20) -> str:
    value = value.replace("\n", " ")
    return value if len(value) <= limit else value[:limit] + "…"


def _span(numbers: Sequence[int]) -> str:
    return f"第{min(numbers)}–{max(numbers)}条" if numbers else "没有条文"


def _map_headers(cells: list[str]) -> tuple[dict[str, int], dict[str, str], list[str]]:
    positions: dict[str, int] = {}
    headers: dict[str, str] = {}
    ignored: list[str] = []
    for index, cell in enumerate(cells):
        raw = cell.strip()
        if not raw:
            continue
        key = _HEADER_MAP.get(_norm_header(raw))
        if key is None:
            ignored.append(raw)
            continue
        if key in positions:
            raise Invalid(f"表头“{headers[key]}”和“{raw}”是同一列（{_BY_KEY[key].header}），请删除其中一列",
                          field="file")
        positions[key] = index
        headers[key] = raw
    if "text" not in positions:
        found = "、".join(c.strip() for c in cells if c.strip()) or "（空）"
        raise Invalid(f"第 1 行应为表头，且必须有“意见内容”列；现在的表头是：{found}。请下载模板，"
                      "按模板的表头填写（表头可用中文或英文代码）", field="file")
    return positions, headers, ignored


def plan_import(
    content: bytes,
    filename: str,
    *,
    draft_id: int,
    article_numbers: Iterable[int] | None = None,
    occupations: Sequence[str] = DEFAULT_OCCUPATIONS,
    max_rows: int = MAX_ROWS,
) -> ImportPlan:
    """Read and check the whole file; nothing is stored. File-level faults raise Invalid/TooLarge.

    ``article_numbers`` (the draft's current articles) flags unknown articles; None skips that check.
    """
    rows, file_format, encoding = read_table(content, filename)
    numbers = sorted(set(article_numbers)) if article_numbers is not None else None
    plan = ImportPlan(rows=[], problems=[], total_rows=0, encoding=encoding, file_format=file_format)
    checker = _RowChecker(plan, draft_id, numbers, tuple(occupations))
    positions: dict[str, int] | None = None
    for number, cells in rows:
        if not any(cell.strip() for cell in cells):
            continue
        if positions is None:
            positions, plan.headers, plan.ignored_columns = _map_headers(cells)
            continue
        plan.total_rows += 1
        if plan.total_rows > max_rows:
            raise TooLarge(f"文件超过 {max_rows} 行，请分成几个文件导入", field="file")
        width = len(cells)
        checker.check(number, {key: (cells[i] if i < width else "") for key, i in positions.items()})
    if positions is None:
        raise Invalid("文件里没有内容（连表头也没有）。请下载模板填写", field="file")
    return plan


class _RowChecker:
    """Checks one row at a time, appending a PlannedRow or every problem found to the plan."""

    def __init__(self, plan: ImportPlan, draft_id: int, numbers: list[int] | None,
                 occupations: tuple[str, ...]) -> None:
        self.plan = plan
        self.draft_id = draft_id
        self.numbers = numbers
        self.known = set(numbers) if numbers is not None else None
        self.occupations = occupations
        self.seen: dict[tuple[object, ...], int] = {}

    def _problem(self, number: int, key: str, message: str, fix_key: str | None = None) -> None:
        self.plan.problems.append(RowProblem(number, self.plan.header(key), message, FIELD_FIXES[fix_key or key]))

    def check(self, number: int, values: dict[str, str]) -> None:
        before = len(self.plan.problems)
        raw_article = values.get("article", "")
        article = None
        try:
            article = parse_article(raw_article)
        except ValueError:
            self._problem(number, "article", f"条文“{_shown(raw_article)}”无法识别")
        if article is not None and self.known is not None and article not in self.known:
            self._problem(number, "article", f"本草案没有第 {article} 条（现行文本为{_span(self.numbers or [])}）")
            article = None
        raw_channel = values.get("channel", "")
        channel = None
        try:
            channel = parse_channel(raw_channel)
        except ValueError:
            self._problem(number, "channel", f"渠道“{_shown(raw_channel)}”无法识别")
        raw_consent = values.get("consent", "")
        consent = False
        try:
            consent = parse_consent(raw_consent)
        except ValueError:
            self._problem(number, "consent", f"“{_shown(raw_consent)}”不是“是”或“否”", "contributor.consent")
            consent = True  # do not also report "consent missing"
        activity = _ref(values.get("activity", ""))
        if activity and not activity.isdigit():
            self._problem(number, "activity", f"征询活动编号应为数字，现在是“{_shown(activity)}”")
        contributor = ContributorInput(
            name=values.get("name", ""), phone=values.get("phone", ""), region=values.get("region", ""),
            occupation=values.get("occupation", ""), consent=consent,
        )
        raw = OpinionInput(
            text=values.get("text", ""), article=article, suggestion=values.get("suggestion", ""),
            reason=values.get("reason", ""), contributor=contributor, channel=channel or DEFAULT_CHANNEL,
        )
        try:
            data = clean_opinion(raw, self.occupations)
        except Invalid as exc:
            key = exc.field or "text"
            column = _FIELD_COLUMN.get(key, key)
            if column not in _BY_KEY:
                column, key = "text", "text"
            self._problem(number, column, exc.message, key if key in FIELD_FIXES else None)
            return
        if len(self.plan.problems) > before:
            return
        office, volunteer = _ref(values.get("office", "")), _ref(values.get("volunteer", ""))
        c = data.contributor
        content = (
            data.article, data.text, data.suggestion, data.reason, channel or "", office, activity, volunteer,
            c.name if c else "", c.phone if c else "", c.region if c else "", c.occupation if c else "",
        )
        occurrence = self.seen.get(content, 0)
        self.seen[content] = occurrence + 1
        self.plan.rows.append(PlannedRow(
            row=number, data=data, channel_given=channel is not None, office=office, activity=activity,
            volunteer=volunteer, import_key=import_key(self.draft_id, content, occurrence),
        ))


# ---------------------------------------------------------------- template and report files

_EXAMPLE = {
    "article": "第十二条", "text": "建议将牵引绳长度限定为不超过1.5米。", "suggestion": "将“适当长度”改为“不超过1.5米”",
    "reason": "长度不明确，执法难以把握。", "channel": "座谈会", "office": "", "activity": "", "volunteer": "",
    "name": "张三", "phone": "13812345678", "region": "某区某街道", "occupation": "教师", "consent": "是",
}


def template_headers() -> list[str]:
    return [c.header for c in COLUMNS]


def build_template_csv() -> bytes:
    """The template as CSV: UTF-8 with BOM (so Excel shows the Chinese), header + one example row."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(template_headers())
    writer.writerow([_EXAMPLE[c.key] for c in COLUMNS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def build_template_xlsx(occupations: Sequence[str] = DEFAULT_OCCUPATIONS) -> bytes:
    """The template as XLSX: sheet “意见” (header + example row, cells formatted as text) and “填写说明”."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "意见"
    sheet.append(template_headers())
    sheet.append([_EXAMPLE[c.key] for c in COLUMNS])
    widths = {"text": 40, "suggestion": 30, "reason": 30, "consent": 16, "office": 16, "region": 16}
    for index, column in enumerate(COLUMNS, start=1):
        letter = sheet.cell(row=1, column=index).column_letter
        sheet.cell(row=1, column=index).font = Font(bold=True)
        sheet.column_dimensions[letter].width = widths.get(column.key, 12)
        sheet.column_dimensions[letter].number_format = "@"  # text: phone numbers keep their digits
        sheet.cell(row=2, column=index).number_format = "@"
        sheet.cell(row=2, column=index).alignment = Alignment(wrap_text=column.key in ("text", "suggestion", "reason"))
    sheet.freeze_panes = "A2"
    channel_col = sheet.cell(row=1, column=[c.key for c in COLUMNS].index("channel") + 1).column_letter
    consent_col = sheet.cell(row=1, column=[c.key for c in COLUMNS].index("consent") + 1).column_letter
    channels = DataValidation(type="list", formula1='"' + ",".join(CHANNEL_LABELS.source(c) for c in CHANNEL_LABELS) + '"', allow_blank=True)
    consent = DataValidation(type="list", formula1='"是,否"', allow_blank=True)
    sheet.add_data_validation(channels)
    sheet.add_data_validation(consent)
    channels.add(f"{channel_col}2:{channel_col}200000")
    consent.add(f"{consent_col}2:{consent_col}200000")

    notes = workbook.create_sheet("填写说明")
    notes.append(["列", "英文代码", "怎么填"])
    for column in COLUMNS:
        notes.append([column.header, column.key, column.hint])
    notes.append([])
    notes.append(["职业可选", "", "、".join(occupations)])
    notes.append(["说明", "", "第 1 行为表头，从第 2 行起每行一条意见；示例行请删除或改写。只导入第一个工作表。"])
    notes.column_dimensions["A"].width = 18
    notes.column_dimensions["B"].width = 12
    notes.column_dimensions["C"].width = 80
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _safe_cell(value: object) -> str:
    """Cells of a report opened in Excel: text that looks like a formula gets a leading apostrophe."""
    return neutralize_formula(str(value))


def report_csv(problems: Iterable[RowProblem]) -> bytes:
    """Every problem as a CSV for Excel (UTF-8 with BOM): 行号, 列, 问题, 修改方法."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["行号", "列", "问题", "修改方法"])
    for p in problems:
        writer.writerow([p.row or "", _safe_cell(p.column), _safe_cell(p.message), _safe_cell(p.fix)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
