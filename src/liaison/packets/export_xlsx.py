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
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from liaison.core.cells import FORMULA_PREFIXES, neutralize_formula
from liaison.packets.model import STANCE_LABELS, Packet, Point, channel_label, contributor_view
from liaison.packets.xlsx_rows import insert_rows, rows_xml

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


class _Sheet:
    """A sheet's frame made by openpyxl (write-only): column widths, frozen header row, header
    cells, auto filter. The body rows are written as XML afterwards (:mod:`liaison.packets.xlsx_rows`).

    The full workbook model kept every cell of 全部意见 in memory and styled each one through
    openpyxl's style lookups: 100,000 opinions took minutes and ~500 MiB.
    """

    def __init__(self, wb: Workbook, title: str, headers: Sequence[str], widths: Sequence[int]) -> None:
        self.title = title
        self.ws = wb.create_sheet(title)
        self.columns = len(headers)
        for col, width in enumerate(widths, 1):  # column widths go before any row
            self.ws.column_dimensions[get_column_letter(col)].width = width
        self.ws.freeze_panes = "A2"
        header = []
        for name in headers:
            cell = WriteOnlyCell(self.ws, name)
            cell.font, cell.fill, cell.border = _HEADER_FONT, _HEADER_FILL, _BORDER
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            header.append(cell)
        self.ws.append(header)

    def filter_rows(self, rows: int) -> None:
        """An auto filter over the header and ``rows`` body rows."""
        self.ws.auto_filter.ref = f"A1:{get_column_letter(self.columns)}{1 + rows}"

    def body_style(self) -> int:
        """The workbook's index of the body cell style (registers it before the workbook is saved)."""
        cell = WriteOnlyCell(self.ws)
        cell.font, cell.alignment, cell.border = _BODY_FONT, _WRAP, _BORDER
        return cell.style_id


def _cell_value(value: Any) -> int | str:
    """What a cell holds: integers as numbers, 是/否 for booleans, everything else as safe text."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int):
        return value
    return safe_text(value)


def _opinion_values(opinion: Mapping[str, Any], number: int, personal_data: str) -> list[int | str]:
    """One row of 全部意见 (the cells of :data:`OPINION_COLUMNS`)."""
    values: list[Any] = []
    for _, key, _ in OPINION_COLUMNS:
        if not key:
            values.append(number)
        elif key == "contributor":
            values.append(_contributor_text(opinion.get("contributor"), personal_data))
        elif key == "channel":
            values.append(channel_label(str(opinion.get("channel") or "")))
        elif key == "status":
            values.append(STATUS_LABELS.get(str(opinion.get("status") or "kept"), opinion.get("status")))
        elif key == "article":
            values.append(opinion.get("article") or "总体意见")
        else:
            values.append(opinion.get(key))
    return [_cell_value(v) for v in values]


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
    wb = Workbook(write_only=True)
    points = _Sheet(wb, "意见汇总表", [h for h, _ in POINT_COLUMNS], [w for _, w in POINT_COLUMNS])
    point_rows = []
    for n, (label, chapter, point) in enumerate(_point_rows(packet), 1):
        examples = point.examples
        point_rows.append([_cell_value(v) for v in (
            n, label, chapter or "", point.text, point.representative_text, point.count, point.people,
            STANCE_LABELS.get(point.stance or "", point.stance or ""),
            _counts(point.channels, channel_label), _counts(point.offices), "、".join(point.activities),
            _join(e.text for e in examples), _join(e.suggestion for e in examples),
            _join(e.reason for e in examples), point.id, "",
        )])
    points.filter_rows(len(point_rows))

    listed = _Sheet(wb, "全部意见", [h for h, _, _ in OPINION_COLUMNS], [w for _, _, w in OPINION_COLUMNS])
    shown = [o for o in opinions or () if o.get("status") != "set_aside"]  # set aside: counted, never listed
    listed.filter_rows(len(shown))

    totals = _Sheet(wb, "统计情况", ["项目", "条数"], [28, 10])
    stats = packet.statistics
    rows: list[tuple[str, int]] = [
        ("收集意见", stats.collected), ("纳入汇总", stats.kept), ("尚未筛查（已纳入）", stats.unscreened),
        ("未纳入汇总", stats.set_aside), ("归并意见", stats.merged), ("形成意见（项）", len(packet.points())),
    ]
    rows += [(f"渠道：{channel_label(k)}", v) for k, v in stats.by_channel.items()]
    rows += [(f"联络室：{k}", v) for k, v in stats.by_office.items()]
    rows += [(f"条款：{k}", v) for k, v in stats.by_article.items()]
    style = totals.body_style()

    wb.properties.title = f"{packet.draft.get('title', '')} 意见汇总表 v{packet.version}"
    wb.properties.creator = str(packet.station.get("name") or "Liaison")
    out = io.BytesIO()
    wb.save(out)
    return insert_rows(out.getvalue(), {
        points.title: rows_xml(point_rows, first_row=2, style=style),
        listed.title: rows_xml((_opinion_values(o, n, packet.personal_data) for n, o in enumerate(shown, 1)),
                               first_row=2, style=style),
        totals.title: rows_xml(([_cell_value(name), value] for name, value in rows), first_row=2, style=style),
    })
