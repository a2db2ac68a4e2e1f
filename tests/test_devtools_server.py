"""``liaison.devtools.server``: the one way tests and benchmarks run the real server."""

from __future__ import annotations

import socket
from pathlib import Path

import httpx
import pytest
from conftest import sample_draft

from liaison.devtools.server import (
    LiaisonServer, ServerError, base_env, free_port, is_loopback_url, start_together,
)


def test_serves_restarts_on_the_same_database_and_stops(tmp_path: Path) -> None:
    server = LiaisonServer(f"sqlite:///{tmp_path / 'db.sqlite3'}", tmp_path / "data", worker=True)
    server.migrate()
    draft = tmp_path / "dog-rules.md"
    draft.write_text(sample_draft(), encoding="utf-8")
    server.cli("drafts", "import", "--publish", str(draft))
    with server:
        assert httpx.get(f"{server.url}/health", timeout=5).json()["database"]["engine"] == "sqlite"
        created = httpx.post(f"{server.url}/api/v1/drafts/dog-rules/opinions", json={"text": "重启前提交的意见"},
                             timeout=10)
        assert created.status_code == 201, created.text
        first = server.process
        server.restart()
        assert server.process is not first and server.running
        receipt = httpx.get(f"{server.url}/api/v1/receipts/{created.json()['receipt']}", timeout=10)
        assert receipt.status_code == 200 and receipt.json()["text"] == "重启前提交的意见"
    assert not server.running and server.returncode is not None
    assert "Liaison serving on" in server.log_text()  # both runs logged to one file
    assert server.log_text().count("Liaison serving on") == 2
    assert server.query("print(await Opinion.count().run())").strip() == "1"
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{server.url}/health", timeout=2)


def test_kill_is_immediate(tmp_path: Path) -> None:
    server = LiaisonServer(f"sqlite:///{tmp_path / 'db.sqlite3'}", tmp_path / "data")
    server.migrate()
    server.start()
    assert server.kill() == -9
    assert not server.running


def test_a_server_that_cannot_start_reports_its_log(tmp_path: Path) -> None:
    server = LiaisonServer(f"sqlite:///{tmp_path / 'db.sqlite3'}", tmp_path / "data",
                           env={"LIAISON_TIMEZONE": "Mars/Olympus"})
    with pytest.raises(ServerError, match="Mars/Olympus"):
        server.start(timeout=30)
    assert not server.running
    # started together with another, it takes the other down with it
    other = LiaisonServer(f"sqlite:///{tmp_path / 'db.sqlite3'}", tmp_path / "other")
    with pytest.raises(ServerError, match="Mars/Olympus"):
        start_together(server, other)
    assert not server.running and not other.running and other.returncode is not None


def test_a_failing_command_raises_with_its_output(tmp_path: Path) -> None:
    server = LiaisonServer(f"sqlite:///{tmp_path / 'db.sqlite3'}", tmp_path / "data")
    with pytest.raises(ServerError, match="no-such-command"):
        server.cli("no-such-command")


def test_loopback_only_and_a_clean_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match="loopback"):
        LiaisonServer("sqlite:///x.sqlite3", tmp_path, host="0.0.0.0")
    assert is_loopback_url("http://127.0.0.1:8000") and is_loopback_url("http://[::1]:1")
    assert not is_loopback_url("http://192.0.2.1:8000") and not is_loopback_url("http://example.org")
    monkeypatch.setenv("LIAISON_STATION_NAME", "someone's shell")
    monkeypatch.setenv("DATABASE_URL", "postgresql://elsewhere/prod")
    assert not any(k.startswith(("LIAISON_", "DATABASE_URL")) for k in base_env())
    server = LiaisonServer("sqlite:///x.sqlite3", tmp_path)
    assert server.env["DATABASE_URL"] == "sqlite:///x.sqlite3" and "LIAISON_STATION_NAME" not in server.env
    assert server.data_dir.is_dir()
    with socket.socket() as sock:  # the port it picks is free to bind
        sock.bind(("127.0.0.1", free_port()))
