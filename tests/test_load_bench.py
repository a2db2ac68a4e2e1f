"""``bench/load.py`` keeps working: a 3-second mixed load on each engine must end with exit status 0.

The script itself checks the database against every acknowledgement (lost, duplicated, 5xx), so
exit 0 here means the whole path — citizens, volunteers, imports, staff pages — worked end to end.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys

import pytest
from conftest import ROOT

from liaison.devtools.server import base_env, scratch_postgres_database

ENGINES = ["sqlite", "postgres"] if os.environ.get("LIAISON_TEST_POSTGRES") else ["sqlite"]
LOAD = [sys.executable, str(ROOT / "bench" / "load.py")]
SMALL = ["--seconds", "3", "--citizens", "4", "--volunteers", "2", "--importers", "1", "--staff", "2",
         "--import-rows", "20"]


def _run(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*LOAD, *args], env=base_env(), cwd=ROOT, capture_output=True, text=True, timeout=timeout)


@pytest.mark.parametrize("engine", ENGINES)
def test_three_seconds_of_mixed_load_lose_nothing(engine: str) -> None:
    with contextlib.ExitStack() as stack:
        database = [] if engine == "sqlite" else [
            "--database-url", stack.enter_context(scratch_postgres_database(prefix="liaison_test_load"))]
        done = _run(*SMALL, *database)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "OK: every acknowledged opinion stored exactly once" in done.stdout, output
    for kind in ("citizens", "volunteers", "importers", "staff"):
        assert f"\n{kind} " in done.stdout, output  # every kind of user got requests through
    assert " lost 0, duplicated 0," in done.stdout, output


def test_refuses_a_database_on_another_host() -> None:
    done = _run("--seconds", "1", "--database-url", "postgresql://postgres@192.0.2.10:5432/liaison", timeout=60)
    assert done.returncode != 0
    assert "loopback database only" in done.stderr
