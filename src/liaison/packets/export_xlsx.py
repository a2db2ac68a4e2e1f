"""packet.xlsx: 意见汇总表 (one row per point), 全部意见 (every opinion in the packet) and 统计情况.

Every text cell is written as a string. Text that a spreadsheet would read as a formula — starting
with ``=``, ``+``, ``-``, ``@`` (or a tab / carriage return, which some programs strip first) — gets
a leading apostrophe, so ``=HYPERLINK("http://x")`` is shown, not run (OWASP "CSV injection").
Characters XML cannot hold (control characters) are removed. Personal data in the 全部意见 sheet
is masked unless the packet was compiled with ``personal_data="full"``.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from liaison.core.cells import FORMULA_PREFIXES, neutralize_formula
from liaison.packets.model import STANCE_LABELS, Packet, Point, channel_label, contributor_view

__all__ = ["FORMULA_PREFIXES", "OPINION_COLUMNS", "POINT_COLUMNS", "packet_to_xlsx", "safe_text"]

FONT_NAME = "宋体"

#: 意见汇总表 columns: (header, width).
POINT_COLUMNS: tuple[tuple[str, int], ...] = (
    ("序号", 6), ("条款", 12), ("章", 14), ("意见摘要", 40), ("代表性意见", 40), ("人次", 7), ("人数", 7),
    ("意见倾向", 10), ("来源渠道", 22), ("提出单位", 22), ("征询活动", 22), ("原文摘录", 50),
    ("修改建议", 36), ("理由", 36), ("意见编号", 10), ("采纳情况", 12),
)
#: 全部意见 columns: (header, opinion key, width).
OPINION_COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("序号", "", 6), ("条款", "article", 12), ("意见内容", "text", 50), ("修改建议", "suggestion", 36),
    ("理由", "reason", 36), ("渠道", "channel", 14), ("联络室", "office", 18), ("征询活动", "activity", 20),
    ("提出人", "contributor", 24), ("状态", "status", 10), ("意见编号", "point_id", 10),
)
STATUS_LABELS = {"kept": "已纳入", "unscreened": "待筛查", "set_aside": "未纳入"}

_HEADER_FONT = Font(name=FONT_NAME, bold=True, size=11)
_BODY_FONT = Font(name=FONT_NAME, size=11)
_HEADER_FILL = PatternFill("solid", fgColor="DDDDDD")
_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP = Alignment(wrap_text=True, vertical="top")


def safe_text(value: Any) -> str:
    """A string safe to put in a cell: no XML-illegal characters, no formula trigger at the start."""
    text = ILLEGAL_CHARACTERS_RE.sub("", "" if value is None else str(value))
    return neutralize_formula(text)


def _put(ws: Worksheet, row: int, col: int, value: Any) -> None:
    cell = ws.cell(row=row, column=col)
    if isinstance(value, bool):
        value = "是" if value else "否"
    if isinstance(value, int):
        cell.value = value
    else:
        cell.value = safe_text(value)
        cell.data_type = "s"  # written as text explicitly, never as a formula
    cell.font = _BODY_FONT
    cell.alignment = _WRAP
    cell.border = _BORDER


def _header(ws: Worksheet, headers: Sequence[str], widths: Sequence[int]) -> None:
    for col, (name, width) in enumerate(zip(headers, widths, strict=True), 1):
        cell = ws.cell(row=1, column=col, value=name)
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.border = _BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = "A2"


def _counts(counts: Mapping[str, int], label: Any = str) -> str:
    return "、".join(f"{label(k)}{v}" for k, v in counts.items())


def _join(values: Iterable[str | None], sep: str = "\n") -> str:
    return sep.join(f"{i}. {v}" for i, v in enumerate((v for v in values if v), 1))


def _point_rows(packet: Packet) -> Iterable[tuple[str, str | None, Point]]:
    for point in packet.sections.general:
        yield "总体意见", None, point
    for article in packet.sections.articles:
        for point in article.points:
            yield article.label, article.chapter, point


def _contributor_text(value: Any, personal_data: str) -> str:
    if isinstance(value, Mapping):
        person = contributor_view(value, personal_data)
        if not person:
            return ""
        return "，".join(person[k] for k in ("name", "phone", "occupation", "region") if k in person)
    if value:
        # A bare string is taken as a name (masked unless full).
        person = contributor_view({"name": str(value)}, personal_data)
        return person["name"] if person else ""
    return ""


def packet_to_xlsx(packet: Packet, opinions: list[dict[str, Any]] | None = None) -> bytes:
    """The packet as a workbook (bytes).

    ``opinions`` are the packet's opinions (kept and unscreened; set-aside ones are ignored if
    passed), as dicts with the keys of :data:`OPINION_COLUMNS` (``article`` a label such as
    第十二条, ``channel`` a code or label, ``contributor`` a dict with name/phone/occupation/region
    or None). Without them the 全部意见 sheet has its header only.
    """
    wb = Workbook()
    ws = wb.active
    ws.title = "意见汇总表"
    _header(ws, [h for h, _ in POINT_COLUMNS], [w for _, w in POINT_COLUMNS])
    for n, (label, chapter, point) in enumerate(_point_rows(packet), 1):
        row = n + 1
        examples = point.examples
        values: list[Any] = [
            n, label, chapter or "", point.text, point.representative_text, point.count, point.people,
            STANCE_LABELS.get(point.stance or "", point.stance or ""),
            _counts(point.channels, channel_label), _counts(point.offices), "、".join(point.activities),
            _join(e.text for e in examples), _join(e.suggestion for e in examples),
            _join(e.reason for e in examples), point.id, "",
        ]
        for col, value in enumerate(values, 1):
            _put(ws, row, col, value)
    ws.auto_filter.ref = ws.dimensions

    ws2 = wb.create_sheet("全部意见")
    _header(ws2, [h for h, _, _ in OPINION_COLUMNS], [w for _, _, w in OPINION_COLUMNS])
    row = 1
    for opinion in opinions or ():
        if opinion.get("status") == "set_aside":
            continue  # set-aside opinions are counted, never listed
        row += 1
        for col, (_, key, _) in enumerate(OPINION_COLUMNS, 1):
            if not key:
                value: Any = row - 1
            elif key == "contributor":
                value = _contributor_text(opinion.get("contributor"), packet.personal_data)
            elif key == "channel":
                value = channel_label(str(opinion.get("channel") or ""))
            elif key == "status":
                value = STATUS_LABELS.get(str(opinion.get("status") or "kept"), opinion.get("status"))
            elif key == "article":
                value = opinion.get("article") or "总体意见"
            else:
                value = opinion.get(key)
            _put(ws2, row, col, value)
    ws2.auto_filter.ref = ws2.dimensions

    ws3 = wb.create_sheet("统计情况")
    _header(ws3, ["项目", "条数"], [28, 10])
    stats = packet.statistics
    rows: list[tuple[str, int]] = [
        ("收集意见", stats.collected), ("纳入汇总", stats.kept), ("尚未筛查（已纳入）", stats.unscreened),
        ("未纳入汇总", stats.set_aside), ("归并意见", stats.merged), ("形成意见（项）", len(packet.points())),
    ]
    rows += [(f"渠道：{channel_label(k)}", v) for k, v in stats.by_channel.items()]
    rows += [(f"联络室：{k}", v) for k, v in stats.by_office.items()]
    rows += [(f"条款：{k}", v) for k, v in stats.by_article.items()]
    for r, (name, value) in enumerate(rows, 2):
        _put(ws3, r, 1, name)
        _put(ws3, r, 2, value)

    wb.properties.title = f"{packet.draft.get('title', '')} 意见汇总表 v{packet.version}"
    wb.properties.creator = str(packet.station.get("name") or "Liaison")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
