"""The offline command ``liaison analyze`` (CliRunner on the command object, and the real CLI when registered)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from liaison.analysis.command import analyze

ROOT = Path(__file__).resolve().parents[2]
DRAFT = ROOT / "drafts" / "dog-management.md"

OPINIONS = [
    {"id": "a1", "text": "尊敬的领导：第十条规定牵引绳不超过一点五米太短了，建议改为不超过两米。谢谢！张三 13812345678"},
    {"id": "a2", "text": "第十条规定牵引绳不超过一点五米太短了，建议改为不超过两米！"},
    {"id": "a3", "text": "第十条规定牵引绳不超过一点五米太短了，建议改为不超过三米"},
    {"id": "a4", "text": "对第三章的规定我有疑问：为什么重点管理区内禁止饲养大型犬？"},
    {"id": "a5", "text": "=HYPERLINK(\"http://x\") 流浪犬收容后无人认领的，应当允许社会组织参与领养"},
]


def _write_jsonl(path: Path) -> Path:
    path.write_text("".join(json.dumps(o, ensure_ascii=False) + "\n" for o in OPINIONS), encoding="utf-8")
    return path


def _check(records: list[dict]) -> None:
    assert [r["id"] for r in records] == [o["id"] for o in OPINIONS]
    for r in records:
        assert set(r) == {"id", "cluster", "article", "articles", "chapter", "stance", "tags"}
        assert r["stance"] in {"support", "oppose", "amend", "question"}
        assert isinstance(r["articles"], list) and isinstance(r["tags"], list)
    assert records[0]["cluster"] == records[1]["cluster"] == "ca1"
    assert records[2]["cluster"] == "ca3"  # 三米 is a different proposal from 两米
    assert records[0]["article"] == 10 and records[0]["articles"] == [10]
    assert isinstance(records[0]["chapter"], int)
    assert records[3]["chapter"] == 3


def test_jsonl_to_stdout(tmp_path: Path) -> None:
    src = _write_jsonl(tmp_path / "op.jsonl")
    res = CliRunner().invoke(analyze, [str(src), "--draft", str(DRAFT)])
    assert res.exit_code == 0, res.output
    lines = [ln for ln in res.stdout.splitlines() if ln.startswith("{")]
    _check([json.loads(ln) for ln in lines])
    assert "opinions: 5" in res.stderr and "clusters: 4" in res.stderr and "time:" in res.stderr


def test_csv_and_xlsx_out(tmp_path: Path) -> None:
    src = _write_jsonl(tmp_path / "op.jsonl")
    out = tmp_path / "out.xlsx"
    res = CliRunner().invoke(analyze, [str(src), "--draft", str(DRAFT), "--format", "xlsx", "--out", str(out)])
    assert res.exit_code == 0, res.output
    ws = load_workbook(out).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:3] == ("id", "cluster", "article") and len(rows) == 6
    assert rows[5][0] == "a5"
    out_csv = tmp_path / "out.csv"
    res = CliRunner().invoke(analyze, [str(src), "--draft", str(DRAFT), "--format", "csv", "--out", str(out_csv)])
    assert res.exit_code == 0, res.output
    assert out_csv.read_text(encoding="utf-8-sig").splitlines()[0].startswith("id,cluster,article")


def test_errors(tmp_path: Path) -> None:
    src = _write_jsonl(tmp_path / "op.jsonl")
    res = CliRunner().invoke(analyze, [str(src), "--draft", str(DRAFT), "--format", "csv"])
    assert res.exit_code != 0 and "--out" in res.output
    bad = tmp_path / "bad.csv"
    bad.write_text("id,text\n1,\n", encoding="utf-8")
    res = CliRunner().invoke(analyze, [str(bad), "--draft", str(DRAFT)])
    assert res.exit_code != 0 and "row 2" in res.output


def test_real_cli(tmp_path: Path) -> None:
    from liaison.cli import main

    if "analyze" not in getattr(main, "commands", {}):
        pytest.skip("analyze is not registered in liaison.cli yet")
    src = _write_jsonl(tmp_path / "op.jsonl")
    proc = subprocess.run(
        [sys.executable, "-m", "liaison.cli", "analyze", str(src), "--draft", str(DRAFT)],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr
    _check([json.loads(ln) for ln in proc.stdout.splitlines() if ln.strip()])
    assert "clusters:" in proc.stderr
