"""The real ``liaison`` command, run as a subprocess against the test database."""

import json
import subprocess
from pathlib import Path

import click
import pytest
from conftest import LIAISON, ROOT, sample_draft

from liaison.cli import main

pytestmark = pytest.mark.db


def run(env: dict[str, str], *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*LIAISON, *args], env=env, input=stdin, capture_output=True, text=True, timeout=60, cwd=ROOT)


def test_migrate_import_users_tokens(cli_env: dict[str, str], tmp_path: Path) -> None:
    migrate = run(cli_env, "migrate")
    assert migrate.returncode == 0 and "up to date" in migrate.stdout

    draft = tmp_path / "dog-rules.md"
    draft.write_text(sample_draft(), encoding="utf-8")
    first = run(cli_env, "drafts", "import", str(draft))
    assert first.returncode == 0 and "new draft, 3 articles" in first.stdout, first.stderr
    second = run(cli_env, "drafts", "import", str(draft))
    assert "unchanged (version 1)" in second.stdout
    listed = run(cli_env, "drafts", "list")
    assert "dog-rules" in listed.stdout and "unpublished" in listed.stdout
    assert run(cli_env, "drafts", "publish", "dog-rules").returncode == 0
    assert "open" in run(cli_env, "drafts", "list").stdout

    created = run(cli_env, "users", "create", "--username", "li", "--role", "officer", stdin="a long passphrase\n")
    assert created.returncode == 0, created.stderr
    bad_role = run(cli_env, "users", "create", "--username", "wu", "--role", "mayor", stdin="a long passphrase\n")
    assert bad_role.returncode != 0 and "role" in bad_role.stderr
    token = run(cli_env, "tokens", "create", "--username", "li").stdout.strip()
    assert token.startswith("lsn_")
    assert run(cli_env, "tokens", "create", "--username", "ghost").returncode != 0

    admin = run(cli_env, "users", "ensure-admin")
    assert "password:" in admin.stdout
    assert "an admin account exists" in run(cli_env, "users", "ensure-admin").stdout


def test_import_of_a_directory_reports_bad_files_and_keeps_good_ones(cli_env: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / "good.md").write_text(sample_draft("good-rules"), encoding="utf-8")
    (tmp_path / "bad.md").write_text("---\ntitle: 坏文件\nslug: bad\n---\n没有条文\n", encoding="utf-8")
    result = run(cli_env, "drafts", "import", str(tmp_path))
    assert result.returncode == 1
    assert "good-rules — new draft" in result.stdout
    assert "bad.md" in result.stderr and "第一条" in result.stderr
    assert "good-rules" in run(cli_env, "drafts", "list").stdout


def test_sample_drafts_import(cli_env: dict[str, str]) -> None:
    result = run(cli_env, "drafts", "import", "--publish", str(ROOT / "drafts"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("new draft, published") == len(list((ROOT / "drafts").glob("*.md"))) >= 2
    assert "unpublished" not in run(cli_env, "drafts", "list").stdout


@pytest.mark.parametrize("engine_free", [True])
def test_parse_prints_json_without_a_database(tmp_path: Path, engine_free: bool) -> None:
    draft = tmp_path / "dog-rules.md"
    draft.write_text(sample_draft(), encoding="utf-8")
    result = subprocess.run([*LIAISON, "drafts", "parse", str(draft), "--format", "json"],
                            capture_output=True, text=True, timeout=60, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT / "src")})
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert list(data)[:2] == ["title", "slug"]
    assert data["slug"] == "dog-rules" and data["round"] == "征求意见稿"
    assert data["comment_closes"] == "2099-12-31"
    assert data["articles"][2] == {"number": 3, "label": "第三条", "chapter": "第二章 养犬管理", "section": None,
                                   "paragraphs": ["携犬出户时，应当使用牵引绳。"], "items": []}
    bad = tmp_path / "bad.md"
    bad.write_text("---\ntitle: x\n---\n没有条文", encoding="utf-8")
    failed = subprocess.run([*LIAISON, "drafts", "parse", str(bad)], capture_output=True, text=True, timeout=60,
                            env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT / "src")})
    assert failed.returncode != 0 and "bad.md" in failed.stderr


def _commands(group: click.Group, prefix: str = "liaison") -> list[str]:
    names = []
    for name, command in group.commands.items():
        full = f"{prefix} {name}"
        names.extend(_commands(command, full) if isinstance(command, click.Group) else [full])
    return names


def test_every_command_is_documented() -> None:
    doc = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    missing = [c for c in _commands(main) if f"`{c}" not in doc]
    assert not missing, f"document in docs/cli.md: {missing}"


def test_offices_and_office_staff(cli_env: dict[str, str]) -> None:
    created = run(cli_env, "offices", "create", "--name", "城关街道联络室", "--area", "城关")
    assert created.returncode == 0, created.stderr
    assert "城关街道联络室" in run(cli_env, "offices", "list").stdout
    staff = run(cli_env, "users", "create", "--username", "zhou", "--role", "office_staff", "--office", "城关街道联络室",
                stdin="a long passphrase\n")
    assert staff.returncode == 0 and "office 城关街道联络室" in staff.stdout, staff.stderr
    missing = run(cli_env, "users", "create", "--username", "wu", "--role", "office_staff", "--office", "不存在",
                  stdin="a long passphrase\n")
    assert missing.returncode != 0 and "不存在" in missing.stderr
