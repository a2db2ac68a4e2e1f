"""bench/packets.py runs end to end at a tiny size, so the benchmark cannot rot unnoticed."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import ROOT

pytestmark = pytest.mark.db


def test_bench_packets_runs_at_a_tiny_size(database: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "packets.py"), "--opinions", "300", "--clusters", "40",
         "--articles", "30", "--offices", "4", "--database-url", database, "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "setup (" in done.stdout and "300 opinions" in done.stdout
    run = next(line for line in done.stdout.splitlines() if line.startswith("run 1 "))
    for step in ("compile", "json", "docx", "xlsx", "total", "peak RSS"):
        assert step in run
    for ext in ("json", "docx", "xlsx"):
        assert (tmp_path / f"packet.{ext}").stat().st_size > 0
