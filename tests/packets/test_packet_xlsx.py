"""packet.xlsx: sheets, formula injection neutralised, personal data masked."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from test_packet_sample import FORMULA, MASKED_PHONE, PHONE, XSS, sample_opinions, sample_packet

from liaison.packets.export_xlsx import OPINION_COLUMNS, POINT_COLUMNS, packet_to_xlsx, safe_text


def _load(data: bytes):  # type: ignore[no-untyped-def]
    return load_workbook(io.BytesIO(data))


def _all_cells(wb):  # type: ignore[no-untyped-def]
    return [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]


def test_sheets_and_rows() -> None:
    wb = _load(packet_to_xlsx(sample_packet(), sample_opinions()))
    assert wb.sheetnames == ["意见汇总表", "全部意见", "统计情况"]
    points = wb["意见汇总表"]
    assert [c.value for c in points[1]] == [h for h, _ in POINT_COLUMNS]
    assert points.max_row == 1 + 6
    row = {h: c.value for (h, _), c in zip(POINT_COLUMNS, points[4], strict=True)}  # third point: p3
    assert row["条款"] == "第十二条" and row["人次"] == 12 and row["人数"] == 11
    assert row["来源渠道"] == "网上征求意见8、座谈会4"
    assert XSS in row["原文摘录"]
    opinions = wb["全部意见"]
    assert [c.value for c in opinions[1]] == [h for h, _, _ in OPINION_COLUMNS]
    assert opinions.max_row == 1 + 3  # the set-aside opinion is not listed
    assert opinions.cell(row=4, column=2).value == "总体意见"
    assert "广告" not in " ".join(str(c.value) for c in _all_cells(wb))


def test_formulas_are_neutralised() -> None:
    wb = _load(packet_to_xlsx(sample_packet(), sample_opinions()))
    cells = _all_cells(wb)
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    for c in cells:
        if isinstance(c.value, str):
            assert c.data_type == "s"
            assert not c.value.startswith(("=", "+", "-", "@")), (c.parent.title, c.coordinate, c.value)
    texts = [c.value for c in cells if isinstance(c.value, str)]
    assert "'" + FORMULA in texts
    assert "'@SUM(A1:A2)" in texts
    assert "'+1" in texts and "'-2" in texts


def test_personal_data_masked_unless_full() -> None:
    masked = " ".join(str(c.value) for c in _all_cells(_load(packet_to_xlsx(sample_packet(), sample_opinions()))))
    assert MASKED_PHONE in masked and PHONE not in masked and "张**" in masked and "李*" in masked
    full = " ".join(str(c.value) for c in _all_cells(_load(packet_to_xlsx(sample_packet("full"), sample_opinions()))))
    assert PHONE in full and "张三丰" in full


def test_without_opinions_the_list_is_empty() -> None:
    wb = _load(packet_to_xlsx(sample_packet()))
    assert wb["全部意见"].max_row == 1
    stats = {r[0].value: r[1].value for r in wb["统计情况"].iter_rows(min_row=2)}
    assert stats["收集意见"] == 40 and stats["未纳入汇总"] == 13 and stats["渠道：网上征求意见"] == 17


def test_safe_text() -> None:
    assert safe_text("=1+1") == "'=1+1"
    assert safe_text("\t=1") == "'\t=1"
    assert safe_text("普通文字-无害") == "普通文字-无害"
    assert safe_text("a\x00b\x07c") == "abc"
    assert safe_text(None) == ""


def test_rows_written_as_xml_read_back_exactly() -> None:
    """Rows of 全部意见 are written as XML directly (xlsx_rows): awkward text must survive."""
    awkward = ["  前后有空格 ", "a & b < c > d", "第一行\r\n第二行\n第三行", "\t=1+1", "代理\ud800对\ufffe", "", "x" * 60]
    opinions = [{"article": "第一条", "text": t, "suggestion": t, "reason": "", "channel": "online", "office": "",
                 "activity": "", "contributor": None, "status": "kept", "point_id": "o1"} for t in awkward]
    sheet = _load(packet_to_xlsx(sample_packet(), opinions))["全部意见"]
    assert sheet.max_row == 1 + len(awkward) and sheet.auto_filter.ref == f"A1:K{1 + len(awkward)}"
    texts = [sheet.cell(row=r, column=3).value for r in range(2, 2 + len(awkward))]
    assert texts == ["  前后有空格 ", "a & b < c > d", "第一行\r\n第二行\n第三行", "'\t=1+1", "代理对", None, "x" * 60]
    assert [sheet.cell(row=r, column=1).value for r in range(2, 5)] == [1, 2, 3]
    assert {sheet.cell(row=r, column=3).font.name for r in range(2, 5)} == {"宋体"}
