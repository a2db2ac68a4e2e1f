"""Two real stations on loopback, each with its own database: county → city.

The county's officer compiles and submits a packet; its worker (a real ``liaison worker``
process) delivers it to the city's real server, which stores it and folds its points into its
own draft. On the way, the county's worker is killed with SIGKILL after the city stored the
packet but before the answer reached the county; after the restart the packet is sent again
and the city, recognising the idempotency key, still holds it exactly once.
"""

from __future__ import annotations

import contextlib
import http.server
import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from conftest import ENGINES, ROOT

from liaison.devtools.server import LIAISON, LiaisonServer, free_port, scratch_postgres_database, start_together

SLUG = "ebike-safety"
OPINIONS = [
    ("建议第三条明确电动自行车停放点由物业统一规划。", 3),
    ("建议第三条明确电动自行车停放点由物业统一规划！", 3),
    ("楼道内严禁停放电动自行车和充电，应当写明处罚标准。", 5),
    ("总体支持制定本条例，希望尽快出台。", None),
]


@contextlib.contextmanager
def _database(engine: str, tmp_path: Path, name: str) -> Iterator[str]:
    if engine == "sqlite":
        yield f"sqlite:///{tmp_path / f'{name}.sqlite3'}"
    else:
        with scratch_postgres_database(prefix=f"liaison_{name}") as url:
            yield url


def _station(url: str, tmp_path: Path, name: str) -> LiaisonServer:
    server = LiaisonServer(url, tmp_path / name, worker=False, cwd=ROOT,
                           env={"LIAISON_STATION_NAME": f"{name}联络站", "LIAISON_PUBLIC_POSTS_PER_10MIN": "1000"})
    server.migrate()
    server.cli("drafts", "import", "--publish", str(ROOT / "drafts"))
    return server


def _worker(server: LiaisonServer, *extra: str) -> subprocess.Popen[bytes]:
    log = (server.data_dir / "worker.log").open("ab")
    return subprocess.Popen([*LIAISON, "worker", "--interval", "0.3", *extra], env=server.env, cwd=ROOT,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def _wait(check, what: str, timeout: float = 60) -> str:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def _link(county: LiaisonServer, city: LiaisonServer, upstream_url: str) -> None:
    key = city.cli("stations", "add", "--id", "county-a", "--name", "某县联络站").strip().splitlines()[-1]
    county.cli("upstream", "set", "--url", upstream_url, "--station-id", "county-a", "--name", "某市联络站",
               stdin=key + "\n")


def _collect_and_submit(county: LiaisonServer, tmp_path: Path) -> None:
    for text, article in OPINIONS:
        body = {"text": text, **({"article": article} if article else {})}
        response = httpx.post(f"{county.url}/api/v1/drafts/{SLUG}/opinions", json=body, timeout=10)
        assert response.status_code == 201, response.text
    county.cli("packets", "compile", "--draft", SLUG, "--out", str(tmp_path / "packet"))
    assert "queued" in county.cli("packets", "submit", "--draft", SLUG, "--version", "1")


_OUTBOX = ("from liaison.submission.tables import OutboxMessage, DeliveryAttempt\n"
           "m = await OutboxMessage.select().first().run()\n"
           "a = await DeliveryAttempt.select(DeliveryAttempt.outcome).order_by(DeliveryAttempt.number).run()\n"
           "print(m['status'], m['remote_id'], m['attempts'], ','.join(x['outcome'] for x in a))")
_INBOUND = ("from liaison.submission.tables import InboundPacket, InboundPoint\n"
            "rows = await InboundPacket.select(InboundPacket.id, InboundPacket.points, InboundPacket.folded_into).run()\n"
            "folded = await Opinion.count().where(Opinion.channel == 'station').run()\n"
            "weight = sum(r['opinion_count'] for r in await InboundPoint.select(InboundPoint.opinion_count).run())\n"
            "print(len(rows), rows[0]['id'] if rows else 0, rows[0]['points'] if rows else 0, folded, weight)")


class _HoldingProxy(http.server.ThreadingHTTPServer):
    """Forwards the first request to the city, then never answers it: the sender dies waiting."""

    def __init__(self, target: str) -> None:
        self.target = target
        self.held = threading.Event()
        self.release = threading.Event()
        self.forwarded = 0
        super().__init__(("127.0.0.1", free_port()), _ProxyHandler)


class _ProxyHandler(http.server.BaseHTTPRequestHandler):
    server: _HoldingProxy

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = self.rfile.read(int(self.headers["Content-Length"]))
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
        answer = httpx.post(self.server.target + self.path, content=body, headers=headers, timeout=30)
        self.server.forwarded += 1
        if self.server.forwarded == 1:  # the city has stored it; the county never hears back
            self.server.held.set()
            self.server.release.wait(timeout=60)
            return
        self.send_response(answer.status_code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer.content)))
        self.end_headers()
        self.wfile.write(answer.content)

    def log_message(self, *args: object) -> None:
        pass


@pytest.mark.parametrize("engine", ENGINES)
def test_county_submits_to_city_exactly_once_across_a_worker_killed_mid_delivery(engine: str, tmp_path: Path) -> None:
    with _database(engine, tmp_path, "city") as city_db, _database(engine, tmp_path, "county") as county_db:
        with ThreadPoolExecutor() as pool:  # the two set-ups are independent: side by side
            city, county = pool.map(_station, (city_db, county_db), (tmp_path, tmp_path), ("city", "county"))
        proxy = _HoldingProxy(city.url)
        threading.Thread(target=proxy.serve_forever, daemon=True).start()
        try:
            start_together(city, county)
            with city, county:
                _link(county, city, f"http://127.0.0.1:{proxy.server_address[1]}")
                _collect_and_submit(county, tmp_path)
                worker = _worker(county, "--lease-seconds", "2")
                assert proxy.held.wait(timeout=60), "the worker never sent the packet"
                os.killpg(worker.pid, signal.SIGKILL)  # between the city's store and the county's record
                worker.wait(timeout=10)
                assert county.query(_OUTBOX).split()[0] == "pending"
                assert int(city.query(_INBOUND).split()[0]) == 1
                worker = _worker(county, "--lease-seconds", "2")  # the restart
                try:
                    status = _wait(lambda: (s := county.query(_OUTBOX).strip()).startswith("delivered") and s,
                                   "redelivery after the restart")
                finally:
                    os.killpg(worker.pid, signal.SIGTERM)
                    worker.wait(timeout=20)
                received, inbound_id, points, folded, weight = map(int, city.query(_INBOUND).split())
                _, remote_id, attempts, outcomes = status.split()
                assert received == 1  # stored once although sent twice
                assert remote_id == str(inbound_id) and attempts == "2" and outcomes == "started,delivered"
                assert points == folded and points >= 3  # one opinion per point on the city's draft
                assert weight == len(OPINIONS)  # the points stand for every county opinion
        finally:
            proxy.release.set()
            proxy.shutdown()
            proxy.server_close()
