"""Reading and writing opinion tables (liaison.analysis.tabular)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from liaison.analysis.tabular import TableError, read_opinions, safe_cell, write_records


def test_gbk_csv_with_chinese_headers(tmp_path: Path) -> None:
    p = tmp_path / "意见.csv"
    p.write_bytes("编号,意见内容,提出人\n1,建议牵引绳不超过两米,张三\n2,支持禁止大型犬,李四\n".encode("gbk"))
    ops = read_opinions(p)
    assert [(o.id, o.text) for o in ops] == [("1", "建议牵引绳不超过两米"), ("2", "支持禁止大型犬")]
    assert ops[0].extra == {"提出人": "张三"}


def test_utf8_bom_csv(tmp_path: Path) -> None:
    p = tmp_path / "a.csv"
    p.write_bytes("\ufeffid,text\na1,\"第一条，很好\"\n".encode("utf-8"))
    assert [(o.id, o.text) for o in read_opinions(p)] == [("a1", "第一条，很好")]


def test_gb18030_only_characters(tmp_path: Path) -> None:
    p = tmp_path / "a.csv"
    p.write_bytes("id,text\n1,𠀀字和镕\n".encode("gb18030"))
    assert read_opinions(p)[0].text == "𠀀字和镕"


def test_xlsx(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["编号", "意见内容"])
    ws.append([101, "建议增加充电桩"])
    ws.append([None, None])
    ws.append([102.0, "支持"])
    p = tmp_path / "a.xlsx"
    wb.save(p)
    ops = read_opinions(p)
    assert [(o.id, o.text) for o in ops] == [("101", "建议增加充电桩"), ("102", "支持")]


def test_jsonl(tmp_path: Path) -> None:
    p = tmp_path / "a.jsonl"
    p.write_text('{"id": 1, "text": "意见一", "region": "东城"}\n\n{"id": "2", "text": "意见二"}\n', encoding="utf-8")
    ops = read_opinions(p)
    assert [(o.id, o.text) for o in ops] == [("1", "意见一"), ("2", "意见二")]
    assert ops[0].extra == {"region": "东城"}


@pytest.mark.parametrize(
    ("name", "content", "needle"),
    [
        ("a.csv", "id,text\n1,ok\n2,\n", "row 3, column 'text'"),
        ("a.csv", "id,text\n1,ok\n,no id\n", "row 3, column 'id'"),
        ("a.csv", "id,text\n1,ok\n1,again\n", "duplicate id '1'"),
        ("a.csv", "编号,标题\n1,x\n", "no text"),
        ("a.jsonl", '{"id": 1, "text": "ok"}\n{"id": 2\n', "row 2"),
        ("a.jsonl", '{"id": 1}\n', "column 'text'"),
        ("a.xml", "<x/>", "unknown file type"),
    ],
)
def test_bad_rows_name_row_and_column(tmp_path: Path, name: str, content: str, needle: str) -> None:
    p = tmp_path / name
    p.write_text(content, encoding="utf-8")
    with pytest.raises(TableError) as err:
        read_opinions(p)
    assert needle in str(err.value)


def test_formula_injection_neutralised(tmp_path: Path) -> None:
    assert safe_cell("=1+1") == "'=1+1"
    assert safe_cell("+86") == "'+86" and safe_cell("-x") == "'-x" and safe_cell("@a") == "'@a"
    assert safe_cell("正常") == "正常" and safe_cell(5) == 5
    records = [{"id": "=HYPERLINK(\"x\")", "cluster": "c1", "tags": ["a", "b"], "article": None}]
    write_records(records, "csv", tmp_path / "o.csv")
    with open(tmp_path / "o.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["id", "cluster", "tags", "article"]
    assert rows[1] == ["'=HYPERLINK(\"x\")", "c1", "a,b", ""]
    write_records(records, "xlsx", tmp_path / "o.xlsx")
    ws = load_workbook(tmp_path / "o.xlsx").active
    assert ws["A2"].value == "'=HYPERLINK(\"x\")"
    write_records(records, "jsonl", tmp_path / "o.jsonl")
    assert json.loads((tmp_path / "o.jsonl").read_text(encoding="utf-8"))["id"] == "=HYPERLINK(\"x\")"
