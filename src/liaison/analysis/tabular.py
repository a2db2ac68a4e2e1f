"""Reading opinions from JSONL / CSV / XLSX, and writing results in the same formats.

Input needs an id column and a text column: ``id``/``text``, or the Chinese
headers ``编号``/``意见内容`` (also ``序号``, ``意见``, ``内容``, ``意见建议``). CSV
files may be UTF-8, UTF-8 with BOM, or GBK/GB18030 as Chinese Excel saves them;
the encoding is detected (BOM, then strict UTF-8, then GB18030). XLSX is read
with openpyxl in read-only mode (first sheet). Errors name the file, the row and
the column (:class:`TableError`).

Output cells that a spreadsheet would run as a formula (starting with ``=``,
``+``, ``-``, ``@``, tab or carriage return) get a leading apostrophe in CSV and
XLSX output (CSV/formula injection).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from liaison.core.cells import neutralize_formula

__all__ = ["Opinion", "TableError", "detect_format", "read_opinions", "safe_cell", "write_records"]

ID_HEADERS = ("id", "编号", "序号", "意见编号", "ID", "Id")
TEXT_HEADERS = ("text", "意见内容", "意见", "内容", "意见建议", "Text", "TEXT")
FORMATS = ("jsonl", "csv", "xlsx")


class TableError(ValueError):
    """A file that cannot be read as opinions; the message names row and column."""

    def __init__(self, message: str, *, row: int | None = None, column: str | None = None):
        where = []
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column {column!r}")
        super().__init__(f"{', '.join(where)}: {message}" if where else message)
        self.row = row
        self.column = column


@dataclass(slots=True)
class Opinion:
    id: str
    text: str
    extra: dict[str, Any] = field(default_factory=dict)


def detect_format(path: str | Path) -> str:
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix in ("jsonl", "ndjson", "json"):
        return "jsonl"
    if suffix in ("csv", "txt", "tsv"):
        return "csv"
    if suffix in ("xlsx", "xlsm"):
        return "xlsx"
    raise TableError(f"unknown file type {Path(path).name!r}: use .jsonl, .csv or .xlsx")


def decode_bytes(data: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030 (a superset of GBK)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise TableError("not UTF-8, UTF-8 with BOM, GBK or GB18030 text", row=line) from None


def _pick(headers: Sequence[str], names: Sequence[str], what: str) -> int:
    clean = [str(h).strip().lstrip("\ufeff") if h is not None else "" for h in headers]
    lowered = [h.lower() for h in clean]
    for name in names:
        if name in clean:
            return clean.index(name)
        if name.lower() in lowered:
            return lowered.index(name.lower())
    raise TableError(
        f"no {what} column: expected one of {', '.join(names[:4])}; found {', '.join(h for h in clean if h) or 'no headers'}",
        row=1,
    )


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _rows_to_opinions(headers: Sequence[Any], rows: Iterable[tuple[int, Sequence[Any]]]) -> Iterator[Opinion]:
    hs = [_cell_text(h) for h in headers]
    ii = _pick(hs, ID_HEADERS, "id (编号)")
    ti = _pick(hs, TEXT_HEADERS, "text (意见内容)")
    seen: dict[str, int] = {}
    for rownum, row in rows:
        if not any(_cell_text(c).strip() for c in row):
            continue  # blank line
        oid = _cell_text(row[ii]).strip() if ii < len(row) else ""
        text = _cell_text(row[ti]) if ti < len(row) else ""
        if not oid:
            raise TableError("empty id", row=rownum, column=hs[ii])
        if not text.strip():
            raise TableError("empty text", row=rownum, column=hs[ti])
        if oid in seen:
            raise TableError(f"duplicate id {oid!r} (first on row {seen[oid]})", row=rownum, column=hs[ii])
        seen[oid] = rownum
        extra = {hs[k]: row[k] for k in range(min(len(hs), len(row))) if k not in (ii, ti) and hs[k]}
        yield Opinion(oid, text, extra)


def _read_jsonl(fh: TextIO) -> Iterator[Opinion]:
    seen: dict[str, int] = {}
    for lineno, line in enumerate(fh, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise TableError(f"invalid JSON: {exc.msg}", row=lineno) from None
        if not isinstance(obj, dict):
            raise TableError("each line must be a JSON object", row=lineno)
        oid = obj.get("id", obj.get("编号"))
        text = obj.get("text", obj.get("意见内容"))
        if oid is None or (isinstance(oid, str) and not oid.strip()):
            raise TableError("missing id", row=lineno, column="id")
        if not isinstance(text, str) or not text.strip():
            raise TableError("missing or empty text", row=lineno, column="text")
        oid = str(oid).strip()
        if oid in seen:
            raise TableError(f"duplicate id {oid!r} (first on line {seen[oid]})", row=lineno, column="id")
        seen[oid] = lineno
        yield Opinion(oid, text, {k: v for k, v in obj.items() if k not in ("id", "text", "编号", "意见内容")})


def read_opinions(path: str | Path, fmt: str | None = None) -> list[Opinion]:
    """All opinions of a JSONL, CSV or XLSX file, in file order."""
    path = Path(path)
    fmt = fmt or detect_format(path)
    if fmt == "jsonl":
        text = decode_bytes(path.read_bytes())
        return list(_read_jsonl(io.StringIO(text)))
    if fmt == "csv":
        text = decode_bytes(path.read_bytes())
        sample = text[:4096]
        delim = "\t" if sample.count("\t") > sample.count(",") else ","
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
        try:
            headers = next(reader)
        except StopIteration:
            raise TableError("the file is empty") from None
        except csv.Error as exc:
            raise TableError(f"bad CSV: {exc}", row=1) from None

        def rows() -> Iterator[tuple[int, list[str]]]:
            try:
                for row in reader:
                    yield reader.line_num, row
            except csv.Error as exc:
                raise TableError(f"bad CSV: {exc}", row=reader.line_num) from None

        return list(_rows_to_opinions(headers, rows()))
    if fmt == "xlsx":
        from openpyxl import load_workbook

        try:
            wb = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises several types for bad files
            raise TableError(f"cannot open {path.name} as XLSX: {exc}") from None
        try:
            ws = wb.worksheets[0]
            it = ws.iter_rows(values_only=True)
            try:
                headers = next(it)
            except StopIteration:
                raise TableError("the sheet is empty") from None
            return list(_rows_to_opinions(list(headers), ((i, list(r)) for i, r in enumerate(it, 2))))
        finally:
            wb.close()
    raise TableError(f"unknown format {fmt!r}")




def safe_cell(value: Any) -> Any:
    """A value safe to put in a spreadsheet cell: formula-like strings get a leading apostrophe."""
    return neutralize_formula(value) if isinstance(value, str) else value


def _flat(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return value


def write_records(records: Sequence[dict[str, Any]], fmt: str, out: str | Path | TextIO) -> None:
    """Write records as JSONL (one object per line), CSV (UTF-8 with BOM, for Excel) or XLSX."""
    if fmt == "jsonl":
        if isinstance(out, (str, Path)):
            with open(out, "w", encoding="utf-8") as fh:
                write_records(records, fmt, fh)
            return
        for r in records:
            out.write(json.dumps(r, ensure_ascii=False) + "\n")
        return
    columns: list[str] = []
    for r in records[:1]:
        columns = list(r)
    if fmt == "csv":
        if not isinstance(out, (str, Path)):
            raise TableError("CSV output needs --out FILE")
        with open(out, "w", encoding="utf-8-sig", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(columns)
            for r in records:
                w.writerow([safe_cell(_flat(r.get(c))) if r.get(c) is not None else "" for c in columns])
        return
    if fmt == "xlsx":
        if not isinstance(out, (str, Path)):
            raise TableError("XLSX output needs --out FILE")
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        ws = wb.create_sheet("analysis")
        ws.append(columns)
        for r in records:
            ws.append([safe_cell(_flat(r.get(c))) for c in columns])
        wb.save(out)
        return
    raise TableError(f"unknown format {fmt!r}")
