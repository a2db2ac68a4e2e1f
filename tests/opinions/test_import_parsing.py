"""Reading and checking bulk-import files (pure: no database)."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from liaison.core.errors import Invalid, TooLarge
from liaison.opinions import importing
from liaison.opinions.importing import (
    build_template_csv,
    build_template_xlsx,
    parse_article,
    plan_import,
    report_csv,
)

HEADER = ["条文", "意见内容", "修改建议", "理由", "渠道", "联络室", "征询活动编号", "信息员", "姓名", "电话", "地区", "职业",
          "同意提供个人信息"]
ARTICLES = [1, 2, 3, 12]


def csv_bytes(rows: list[list[object]], header: list[str] = HEADER, encoding: str = "utf-8") -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def row(**values: object) -> list[object]:
    keys = ["article", "text", "suggestion", "reason", "channel", "office", "activity", "volunteer", "name", "phone",
            "region", "occupation", "consent"]
    return [values.get(k, "") for k in keys]


def plan(content: bytes, name: str = "f.csv", **kwargs):  # noqa: ANN201
    return plan_import(content, name, draft_id=7, article_numbers=ARTICLES, **kwargs)


def xlsx_bytes(tmp_path: Path, rows: list[list[object]], header: list[str] = HEADER, *,
               text_cells: bool = False) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for values in rows:
        sheet.append(values)
    if text_cells:  # cells typed as text in Excel, even when they start with "="
        for line in sheet.iter_rows(min_row=2):
            for cell in line:
                if isinstance(cell.value, str):
                    cell.data_type = "s"
    path = tmp_path / "opinions.xlsx"
    workbook.save(path)
    return path.read_bytes()


# ---------------------------------------------------------------- encodings


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"])
def test_csv_encodings_excel_writes_all_import(encoding: str) -> None:
    content = csv_bytes([row(article="第十二条", text="牵引绳长度应明确为一点五米", name="王五", phone="13812345678",
                             occupation="教师", consent="是")], encoding=encoding)
    result = plan(content)
    assert result.problems == []
    assert len(result.rows) == 1
    data = result.rows[0].data
    assert (data.article, data.text) == (12, "牵引绳长度应明确为一点五米")
    assert data.contributor is not None and data.contributor.name == "王五"
    assert result.encoding


def test_gbk_is_reported_as_such_and_utf8_bom_is_not_part_of_the_header() -> None:
    assert plan(csv_bytes([row(text="好")], encoding="gbk")).encoding == "GB18030/GBK"
    bom = plan(csv_bytes([row(text="好")], encoding="utf-8-sig"))
    assert bom.encoding == "UTF-8（带 BOM）" and bom.headers["article"] == "条文"


def test_gb18030_only_characters_survive() -> None:
    result = plan(csv_bytes([row(text="𠮷野家门前的犬只管理")], encoding="gb18030"))
    assert result.rows[0].data.text == "𠮷野家门前的犬只管理"


def test_tab_separated_utf16_from_excel_unicode_text() -> None:
    line = "\t".join(str(v) for v in row(article=2, text="同意"))
    content = ("\t".join(HEADER) + "\r\n" + line + "\r\n").encode("utf-16")
    assert plan(content).rows[0].data.article == 2


def test_undecodable_csv_is_refused_with_save_as_advice() -> None:
    content = csv_bytes([row(text="好")]) + b"\xff\xfe\xff,\x81\n"
    with pytest.raises(Invalid) as caught:
        plan(content)
    assert "CSV UTF-8" in caught.value.message and ".xlsx" in caught.value.message


def test_binary_and_old_xls_files_are_refused_clearly() -> None:
    with pytest.raises(Invalid, match="二进制"):
        plan(b"abc\x00def\x00" * 10)
    with pytest.raises(Invalid, match=r"\.xls"):
        plan(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old.xls")
    with pytest.raises(Invalid, match="空"):
        plan(b"  \r\n")


# ---------------------------------------------------------------- headers


def test_english_codes_and_header_variants_are_accepted() -> None:
    english = ["article", "TEXT", "suggestion", "reason", "channel", "office", "activity", "volunteer", "name", "phone",
               "region", "occupation", "consent"]
    assert plan(csv_bytes([row(article="3", text="好")], header=english)).rows[0].data.article == 3
    variants = ["条文序号", "*意见内容（必填）", "建议", "理由", "征集渠道", "采集点", "活动编号", "信息员姓名", "姓名",
                "联系电话", "所在地区", "职业", "同意"]
    result = plan(csv_bytes([row(text="好", phone="010-12345678", name="赵六", consent="同意")], header=variants))
    assert result.problems == [] and result.rows[0].data.contributor.phone == "01012345678"


def test_columns_may_come_in_any_order_and_unknown_columns_are_ignored() -> None:
    content = csv_bytes([["备注不导入", "支持", "第2条"]], header=["备注", "意见内容", "条文"])
    result = plan(content)
    assert result.rows[0].data.article == 2 and result.rows[0].data.text == "支持"
    assert result.ignored_columns == ["备注"]


def test_missing_text_column_and_duplicate_columns_refuse_the_file() -> None:
    with pytest.raises(Invalid, match="意见内容"):
        plan(csv_bytes([["1", "好"]], header=["条文", "内容说明"]))
    with pytest.raises(Invalid, match="同一列"):
        plan(csv_bytes([["好", "好"]], header=["意见内容", "text"]))


# ---------------------------------------------------------------- values


@pytest.mark.parametrize(("value", "number"), [
    ("12", 12), ("第十二条", 12), ("第12条", 12), ("十二", 12), ("第１２条", 12), (" 第 12 条 ", 12), ("", None),
    ("总体意见", None), ("第一百零一条", 101),
])
def test_article_forms(value: str, number: int | None) -> None:
    assert parse_article(value) == number


@pytest.mark.parametrize("value", ["第十二款", "abc", "12a", "第-1条", "一二"])
def test_unreadable_articles(value: str) -> None:
    with pytest.raises(ValueError):
        parse_article(value)


def test_channel_labels_and_codes_and_blank() -> None:
    result = plan(csv_bytes([row(text="a", channel="座谈会"), row(text="b", channel="letter"), row(text="c")]))
    assert [r.data.channel for r in result.rows] == ["symposium", "letter", importing.DEFAULT_CHANNEL]
    assert [r.channel_given for r in result.rows] == [True, True, False]


def test_formula_looking_text_is_stored_verbatim_from_csv_and_xlsx(tmp_path: Path) -> None:
    texts = ["=1+1", "+86 提议", "-删去第三款", "@某部门 请答复", "=HYPERLINK(\"http://x\",\"点我\")"]
    from_csv = plan(csv_bytes([row(text=t) for t in texts]))
    assert [r.data.text for r in from_csv.rows] == texts
    from_xlsx = plan(xlsx_bytes(tmp_path, [row(text=t) for t in texts], text_cells=True), "f.xlsx")
    assert [r.data.text for r in from_xlsx.rows] == texts


# ---------------------------------------------------------------- problems


def test_every_bad_row_is_reported_with_row_column_message_and_fix() -> None:
    rows = [
        row(text="好的意见"),                                       # row 2: fine
        row(text="", reason="只写了理由"),                            # 3: empty text
        row(text="长" * 5001),                                      # 4: too long
        row(article="第十二款", text="a"),                            # 5: unreadable article
        row(article=99, text="a"),                                  # 6: unknown article
        row(text="a", channel="微信群"),                              # 7: unknown channel
        row(text="a", name="张三"),                                  # 8: personal data without consent
        row(text="a", phone="12345", consent="是"),                  # 9: bad phone
        row(text="a", occupation="宇航员", consent="是"),             # 10: unknown occupation
        row(text="a", consent="也许"),                               # 11: consent neither yes nor no
        row(text="a", activity="第一次座谈"),                         # 12: activity not a number
        row(text="a", suggestion="长" * 5001),                       # 13: suggestion too long
    ]
    result = plan(csv_bytes(rows))
    found = {(p.row, p.column) for p in result.problems}
    assert found == {
        (3, "意见内容"), (4, "意见内容"), (5, "条文"), (6, "条文"), (7, "渠道"), (8, "同意提供个人信息"), (9, "电话"),
        (10, "职业"), (11, "同意提供个人信息"), (12, "征询活动编号"), (13, "修改建议"),
    }
    assert [r.row for r in result.rows] == [2]
    assert result.total_rows == 12
    for problem in result.problems:
        assert problem.message and problem.fix
    by_row = {p.row: p for p in result.problems}
    assert "99" in by_row[6].message and "第1–12条" in by_row[6].message
    assert "微信群" in by_row[7].message


def test_one_row_with_several_problems_lists_each() -> None:
    result = plan(csv_bytes([row(article="abc", text="a", channel="微信", consent="也许")]))
    assert {p.column for p in result.problems} == {"条文", "渠道", "同意提供个人信息"}
    assert all(p.row == 2 for p in result.problems)


def test_row_numbers_match_the_spreadsheet_with_blank_rows_and_line_breaks() -> None:
    content = ("意见内容,条文\r\n\"第一行\n换行\",1\r\n,\r\n\r\n,abc\r\n").encode()
    result = plan(content)
    assert [r.row for r in result.rows] == [2]
    assert result.rows[0].data.text == "第一行\n换行"
    assert {(p.row, p.column) for p in result.problems} == {(5, "意见内容"), (5, "条文")}
    assert result.total_rows == 2


def test_problem_columns_use_the_header_as_written_in_the_file() -> None:
    result = plan(csv_bytes([["", "13"]], header=["意见建议", "条文序号"]))
    assert {p.column for p in result.problems} <= {"意见建议", "条文序号"}


def test_too_many_rows_is_refused() -> None:
    with pytest.raises(TooLarge, match="3 行"):
        plan(csv_bytes([row(text=str(i)) for i in range(4)]), max_rows=3)


def test_too_large_file_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importing, "MAX_IMPORT_BYTES", 100)
    with pytest.raises(TooLarge, match="MB"):
        plan(csv_bytes([row(text="好" * 100)]))


# ---------------------------------------------------------------- import keys


def test_same_rows_give_same_keys_and_identical_rows_in_one_file_are_both_kept() -> None:
    rows = [row(text="支持"), row(text="支持"), row(text="反对", article=2)]
    first = plan(csv_bytes(rows))
    assert len(first.rows) == 3 and len({r.import_key for r in first.rows}) == 3
    again = plan(csv_bytes(list(reversed(rows))))
    assert {r.import_key for r in again.rows} == {r.import_key for r in first.rows}
    spaced = plan(csv_bytes([row(text=" 支持 ")]))
    assert spaced.rows[0].import_key == first.rows[0].import_key
    other_draft = plan_import(csv_bytes(rows), "f.csv", draft_id=8, article_numbers=ARTICLES)
    assert not {r.import_key for r in other_draft.rows} & {r.import_key for r in first.rows}


# ---------------------------------------------------------------- XLSX


def test_xlsx_with_numbers_gaps_and_booleans(tmp_path: Path) -> None:
    content = xlsx_bytes(tmp_path, [
        [12, "数字条文", None, None, "走访", None, None, None, "李四", 13912345678, None, None, True],
        [None, None, None, None, None, None, None, None, None, None, None, None, None],
        ["第3条", "第二条意见", "建议", "理由", None, None, None, None, None, None, None, None, "否"],
    ])
    result = plan(content, "f.xlsx")
    assert result.problems == [] and result.file_format == "xlsx"
    first, second = result.rows
    assert (first.row, first.data.article, first.data.channel) == (2, 12, "visit")
    assert first.data.contributor is not None and first.data.contributor.phone == "13912345678"
    assert (second.row, second.data.article, second.data.suggestion) == (4, 3, "建议")


def test_fast_xlsx_reader_matches_openpyxl(tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    sheet.append([1, "a & b <c> \"d\"", None, "x"])
    sheet["E5"] = "隔行"
    sheet["M5"] = "是"
    sheet["B7"] = 1.5
    sheet["B8"] = 12345678901234
    sheet["B9"] = False
    sheet["AB9"] = "远处的列"
    sheet["B10"] = "line\nbreak\r\nx"
    second = workbook.create_sheet("其他")
    second.append(["不读"])
    path = tmp_path / "w.xlsx"
    workbook.save(path)
    content = path.read_bytes()
    fast = [(n, cells) for n, cells in importing._xlsx_rows(content)]
    slow = [(n, cells) for n, cells in importing._xlsx_rows(content, fast=False)]

    def trimmed(rows: list[tuple[int, list[str]]]) -> list[tuple[int, list[str]]]:
        out = []
        for n, cells in rows:
            while cells and cells[-1] == "":
                cells = cells[:-1]
            if cells:
                out.append((n, cells))
        return out

    assert trimmed(fast) == trimmed(slow)
    assert trimmed(fast)[1][1][1] == "a & b <c> \"d\""


def test_xlsx_renamed_to_csv_still_reads_and_only_first_sheet_counts(tmp_path: Path) -> None:
    content = xlsx_bytes(tmp_path, [row(text="好")])
    assert plan(content, "renamed.csv").rows[0].data.text == "好"


def test_zip_bomb_is_refused_before_openpyxl_opens_it(monkeypatch: pytest.MonkeyPatch) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * (4 * 1024 * 1024))
    content = out.getvalue()
    assert len(content) < 20_000
    monkeypatch.setattr(importing, "MAX_XLSX_UNCOMPRESSED", 1024 * 1024)

    def boom(*args: object, **kwargs: object) -> None:
        raise AssertionError("openpyxl must not open a zip bomb")

    import openpyxl

    monkeypatch.setattr(openpyxl, "load_workbook", boom)
    with pytest.raises(TooLarge) as caught:
        plan(content, "bomb.xlsx")
    assert "压缩炸弹" in caught.value.message


def test_corrupt_xlsx_is_refused_clearly() -> None:
    with pytest.raises(Invalid, match="xlsx"):
        plan(b"PK\x03\x04not really a zip", "broken.xlsx")


# ---------------------------------------------------------------- templates and reports


def test_templates_have_chinese_headers_and_a_valid_example_row(tmp_path: Path) -> None:
    from_csv = plan(build_template_csv(), "模板.csv")
    assert from_csv.problems == [] and len(from_csv.rows) == 1
    assert list(from_csv.headers.values()) == HEADER
    assert build_template_csv().startswith(b"\xef\xbb\xbf")
    content = build_template_xlsx()
    from_xlsx = plan(content, "模板.xlsx")
    assert from_xlsx.problems == [] and from_xlsx.rows[0].data.article == 12
    (tmp_path / "t.xlsx").write_bytes(content)
    workbook = load_workbook(tmp_path / "t.xlsx")
    assert workbook.sheetnames == ["意见", "填写说明"]
    assert [c.value for c in workbook["意见"][1]] == HEADER


def test_report_csv_neutralises_formula_looking_cells() -> None:
    problems = [importing.RowProblem(3, "=条文", "条文“=cmd|' /C calc'!A0”无法识别", "填写条文序号")]
    text = report_csv(problems).decode("utf-8-sig")
    cells = next(csv.reader(io.StringIO(text.splitlines()[1])))
    assert cells[0] == "3" and cells[1] == "'=条文"
    assert cells[2].startswith("条文")
