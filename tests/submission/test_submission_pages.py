"""The 上报 button, the 上报与接收 page and the CLI, as officers, admins and operators use them."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx
import pytest
from conftest import LIAISON, csrf, login, published_draft

from liaison.packets.compile import compile_packet
from liaison.submission import peers
from liaison.submission.tables import OutboxMessage, PeerStation

pytestmark = pytest.mark.db

KEY = "page-test-shared-key-0123456789"


async def test_officer_submits_a_version_and_sees_its_state(client: httpx.AsyncClient) -> None:
    await published_draft()
    await compile_packet("dog-rules", None)
    await login(client, "off1", "officer")
    page = await client.get("/staff/drafts/dog-rules/packets")
    assert "未配置上级站" in page.text and "上报" in page.text
    await peers.set_upstream("http://upper.test", "county-a", KEY, name="某市联络站", actor="t")
    page = await client.get("/staff/drafts/dog-rules/packets")
    assert "上报某市联络站" in page.text
    response = await client.post("/staff/drafts/dog-rules/packets/1/submit", data={"_csrf_token": csrf(client)},
                                 follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].endswith("?submitted=1")
    [message] = await OutboxMessage.select().run()
    assert message["status"] == "pending" and message["created_by"] == "off1"
    page = await client.get("/staff/drafts/dog-rules/packets?submitted=1")
    assert "已放入待发队列" in page.text and "待发送" in page.text
    overview = await client.get("/staff/submission")
    assert overview.status_code == 200 and "dog-rules v1" in overview.text and KEY not in overview.text
    retry = await client.post(f"/staff/submission/messages/{message['id']}/retry",
                              data={"_csrf_token": csrf(client)}, follow_redirects=False)
    assert retry.status_code == 303
    missing = await client.post("/staff/drafts/dog-rules/packets/7/submit", data={"_csrf_token": csrf(client)})
    assert missing.status_code == 404
    no_csrf = await client.post("/staff/drafts/dog-rules/packets/1/submit", data={})
    assert no_csrf.status_code == 403


async def test_only_admins_configure_the_links(client: httpx.AsyncClient) -> None:
    await login(client, "off2", "officer")
    form = {"url": "https://city.example.cn", "station_id": "county-a", "key": KEY, "_csrf_token": csrf(client)}
    assert (await client.post("/staff/submission/upstream", data=form, follow_redirects=False)).status_code == 403
    await client.post("/logout", data={"_csrf_token": csrf(client)})
    await login(client, "adm1", "admin")
    form["_csrf_token"] = csrf(client)
    assert (await client.post("/staff/submission/upstream", data=form, follow_redirects=False)).status_code == 303
    assert (await peers.get_upstream())["url"] == "https://city.example.cn"
    bad = await client.post("/staff/submission/upstream", data={**form, "url": "ftp://x"})
    assert bad.status_code == 422 and "上级站地址" in bad.text
    short = await client.post("/staff/submission/upstream", data={**form, "key": "short"})
    assert short.status_code == 422
    added = await client.post("/staff/submission/downstream", data={
        "station_id": "town-1", "name": "某镇联络站", "_csrf_token": csrf(client)})
    assert added.status_code == 201 or added.status_code == 200
    row = await PeerStation.select().where(PeerStation.station_id == "town-1").first().run()
    assert row["key"] in added.text  # shown once, on this answer only
    assert row["key"] not in (await client.get("/staff/submission")).text
    duplicate = await client.post("/staff/submission/downstream", data={
        "station_id": "town-1", "name": "x", "_csrf_token": csrf(client)})
    assert duplicate.status_code == 422
    removed = await client.post("/staff/submission/downstream/town-1/remove", data={"_csrf_token": csrf(client)},
                                follow_redirects=False)
    assert removed.status_code == 303 and await peers.downstream_by_station_id("town-1") is None


async def test_cli_links_stations_and_queues_a_version(cli_env: dict[str, str], tmp_path: Path) -> None:
    def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*LIAISON, *args], env=cli_env, input=stdin, capture_output=True, text=True, timeout=60)

    await published_draft()
    await compile_packet("dog-rules", None)
    no_upstream = run("packets", "submit", "--draft", "dog-rules", "--version", "1")
    assert no_upstream.returncode != 0 and "upstream set" in no_upstream.stderr
    added = run("stations", "add", "--id", "town-2", "--name", "某镇联络站")
    assert added.returncode == 0, added.stderr
    key = added.stdout.strip().splitlines()[-1]
    assert len(key) >= 32
    listed = run("stations", "list")
    assert "town-2" in listed.stdout and key not in listed.stdout
    configured = run("upstream", "set", "--url", "https://city.example.cn", "--station-id", "county-a",
                     stdin=KEY + "\n")
    assert configured.returncode == 0, configured.stderr
    assert "county-a" in run("upstream", "show").stdout
    queued = run("packets", "submit", "--draft", "dog-rules", "--version", "1")
    assert queued.returncode == 0 and "queued" in queued.stdout, queued.stderr
    again = run("packets", "submit", "--draft", "dog-rules", "--version", "1")
    assert "queued" in again.stdout and await OutboxMessage.count().run() == 1
    assert run("stations", "remove", "--id", "town-2").returncode == 0
    assert run("stations", "remove", "--id", "town-2").returncode != 0
