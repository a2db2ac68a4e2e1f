"""Benchmark: opinions/s and latency through the real HTTP server, beside a bare validating endpoint.

Run:
  .venv/bin/python bench/intake.py                         # SQLite in a temp dir
  .venv/bin/python bench/intake.py --database-url postgresql://postgres@127.0.0.1/liaison_bench --workers 2
  options: --seconds 15 --concurrency 64

Bounded (seconds and a request cap) and loopback only. It starts `liaison serve`
on a free port (``liaison.devtools.server.LiaisonServer``), imports and publishes a
sample draft, then for --seconds posts unique opinions from --concurrency concurrent
clients, and does the same against a bare litestar app that only validates the same
body (the ceiling). Afterwards it counts: every acknowledged receipt must be in the database exactly once.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from liaison.devtools.server import LiaisonServer, free_port

ROOT = Path(__file__).resolve().parents[1]
BARE_APP = '''
import msgspec
from litestar import Litestar, post, Response
from litestar.params import JSONBody, FromPath

class ContributorIn(msgspec.Struct):
    name: str = ""
    phone: str = ""
    region: str = ""
    occupation: str = ""
    consent: bool = False

class OpinionIn(msgspec.Struct):
    text: str
    article: int | None = None
    suggestion: str = ""
    reason: str = ""
    contributor: ContributorIn | None = None

@post("/api/v1/drafts/{slug:str}/opinions")
async def bare(slug: FromPath[str], data: JSONBody[OpinionIn]) -> Response[dict]:
    return Response({"id": 1, "receipt": "ABCDEFGH"}, status_code=201)

app = Litestar([bare])
'''


def wait_ready(url: str, timeout: float = 30) -> None:
    """Wait for the bare app (it has no /health; any answer below 500 will do)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise SystemExit(f"server at {url} did not start")


async def drive(base: str, seconds: float, concurrency: int, cap: int) -> tuple[list[float], list[str], int, int]:
    latencies: list[float] = []
    receipts: list[str] = []
    errors = 0
    server_errors = 0
    deadline = time.perf_counter() + seconds
    counter = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:

        async def worker(n: int) -> None:
            nonlocal counter, errors, server_errors
            while time.perf_counter() < deadline and counter < cap:
                counter += 1
                body = {"text": f"关于牵引绳长度的意见 {n}-{counter}：建议不超过{counter % 3 + 1}米，理由是安全。" * 2,
                        "article": (counter % 3) + 1}
                start = time.perf_counter()
                try:
                    response = await client.post("/api/v1/drafts/dog-rules/opinions", json=body)
                except httpx.HTTPError:
                    errors += 1
                    continue
                latencies.append(time.perf_counter() - start)
                if response.status_code == 201:
                    receipts.append(response.json()["receipt"])
                else:
                    errors += 1
                    server_errors += response.status_code >= 500

        await asyncio.gather(*(worker(i) for i in range(concurrency)))
    return latencies, receipts, errors, server_errors


WRK_SCRIPT = r"""
counter = 0
created = 0
other = 0
local threads = {}
function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end
function init(args)
  counter = 0
end
function request()
  counter = counter + 1
  local body = string.format('{"text":"关于牵引绳长度的意见 %d-%d：建议不超过%d米，理由是安全。关于牵引绳长度的意见。","article":%d}',
    tid, counter, counter % 3 + 1, counter % 3 + 1)
  return wrk.format("POST", "/api/v1/drafts/dog-rules/opinions", {["Content-Type"] = "application/json"}, body)
end
function response(status, headers, body)
  if status == 201 then created = created + 1 else other = other + 1 end
end
function done(summary, latency, requests)
  local c, o = 0, 0
  for _, t in ipairs(threads) do c = c + t:get("created"); o = o + t:get("other") end
  io.write(string.format("RESULT created=%d other=%d p50=%.3f p99=%.3f requests=%d errors=%d\n",
    c, o, latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.requests,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status + summary.errors.timeout))
end
"""


def drive_wrk(base: str, seconds: float, concurrency: int, script: Path) -> dict[str, float]:
    """Drive with wrk (Debian package `wrk`): far less client CPU than a Python driver."""
    out = subprocess.run(["wrk", "-t2", f"-c{concurrency}", f"-d{int(seconds)}s", "--timeout", "30s", "-s", str(script), base],
                         capture_output=True, text=True, timeout=seconds + 60).stdout
    line = next((ln for ln in out.splitlines() if ln.startswith("RESULT")), "")
    if not line:
        raise SystemExit("wrk printed no result:\n" + out)
    return {k: float(v) for k, v in (part.split("=") for part in line.split()[1:])}


_TICK = os.sysconf("SC_CLK_TCK")


def session_cpu(session: int) -> float:
    """CPU seconds (user + system, all threads) of every live process in ``session``.

    Comparable across runs on a shared machine, unlike requests per second.
    """
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == session:  # field 6 of stat: session id
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / _TICK


def postgres_backend_cpu(database_url: str | None) -> float:
    """CPU seconds of the PostgreSQL backends connected to the benchmark's database (0 for SQLite)."""
    if not database_url:
        return 0.0
    name = httpx.URL(database_url).path.strip("/")
    out = subprocess.run(["psql", "-qtA", database_url, "-c",
                          f"SELECT pid FROM pg_stat_activity WHERE datname = '{name}' AND pid <> pg_backend_pid()"],
                         capture_output=True, text=True, timeout=30).stdout
    total = 0
    for pid in out.split():
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / _TICK


def load_average() -> str:
    with open("/proc/loadavg", encoding="ascii") as f:
        return " ".join(f.read().split()[:3])


def report(name: str, latencies: list[float], ok: int, errors: int, seconds: float) -> float:
    ordered = sorted(latencies) or [0.0]
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    rate = ok / seconds
    print(f"{name:>8}: {rate:8.0f} opinions/s  p50 {statistics.median(ordered) * 1000:6.1f} ms  "
          f"p99 {p99 * 1000:6.1f} ms  ok {ok}  errors {errors}")
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--cap", type=int, default=500_000, help="at most this many requests per run")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--python-driver", action="store_true", help="use the Python driver even if wrk is installed")
    parser.add_argument("--no-worker", action="store_true",
                        help="measure intake alone (LIAISON_RUN_WORKER=0: no clustering in the web process)")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "tests"))
    from conftest import sample_draft

    with tempfile.TemporaryDirectory() as tmp:
        server = LiaisonServer(args.database_url or f"sqlite:///{Path(tmp) / 'liaison.sqlite3'}", Path(tmp) / "data",
                               worker=not args.no_worker, access_log=False, workers=args.workers,
                               env={"LIAISON_PUBLIC_POSTS_PER_10MIN": str(10**9)})
        draft = Path(tmp) / "dog-rules.md"
        draft.write_text(sample_draft(), encoding="utf-8")
        server.migrate()
        server.cli("drafts", "import", str(draft))
        server.cli("drafts", "publish", "dog-rules")
        before = _count(server)

        bare_port = free_port()
        (Path(tmp) / "bare_app.py").write_text(BARE_APP, encoding="utf-8")
        bare = subprocess.Popen([sys.executable, "-m", "uvicorn", "bare_app:app", "--port", str(bare_port),
                                 "--log-level", "warning", "--workers", str(args.workers), "--no-access-log"],
                                cwd=tmp, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            server.start()
            wait_ready(f"http://127.0.0.1:{bare_port}/docs")
            engine = "postgresql" if args.database_url else "sqlite"
            driver = "wrk" if shutil.which("wrk") and not args.python_driver else "python"
            print(f"engine {engine}, workers {args.workers}, concurrency {args.concurrency}, "
                  f"{args.seconds:.0f} s each, driver {driver}, analysis worker {'off' if args.no_worker else 'on'}, "
                  f"load average {load_average()}")
            receipts: list[str] = []
            acknowledged = None
            if driver == "wrk":
                script = Path(tmp) / "post.lua"
                script.write_text(WRK_SCRIPT, encoding="utf-8")
                cpu = session_cpu(bare.pid)
                bare_result = drive_wrk(f"http://127.0.0.1:{bare_port}", args.seconds, args.concurrency, script)
                bare_cpu = (session_cpu(bare.pid) - cpu) / max(1, bare_result["requests"])
                ceiling = bare_result["created"] / args.seconds
                print(f"    bare: {ceiling:8.0f} opinions/s  p50 {bare_result['p50']:6.1f} ms  p99 {bare_result['p99']:6.1f} ms  "
                      f"CPU {bare_cpu * 1000:.3f} ms/request")
                assert server.process is not None
                cpu, pg_cpu = session_cpu(server.process.pid), postgres_backend_cpu(args.database_url)
                result = drive_wrk(server.url, args.seconds, args.concurrency, script)
                web_cpu = (session_cpu(server.process.pid) - cpu) / max(1, result["requests"])
                pg_cpu = (postgres_backend_cpu(args.database_url) - pg_cpu) / max(1, result["requests"])
                rate = result["created"] / args.seconds
                acknowledged = int(result["created"])
                print(f" liaison: {rate:8.0f} opinions/s  p50 {result['p50']:6.1f} ms  p99 {result['p99']:6.1f} ms  "
                      f"ok {acknowledged}  other statuses {int(result['other'])}  socket errors {int(result['errors'])}")
                print(f"          CPU {web_cpu * 1000:.3f} ms/request in the web process"
                      + (f", {pg_cpu * 1000:.3f} ms in its PostgreSQL backends" if args.database_url else ""))
                print(f"   ratio: {rate / ceiling:.2f} of the bare ceiling; CPU {web_cpu / bare_cpu:.2f}× the bare "
                      f"request's; load average {load_average()}")
            else:
                lat, _, berr, _ = asyncio.run(drive(f"http://127.0.0.1:{bare_port}", args.seconds, args.concurrency, args.cap))
                ceiling = report("bare", lat, len(lat) - berr, berr, args.seconds)
                lat, receipts, err, err5 = asyncio.run(drive(server.url, args.seconds, args.concurrency, args.cap))
                rate = report("liaison", lat, len(receipts), err, args.seconds)
                print(f"   ratio: {rate / ceiling:.2f} of the bare ceiling; 5xx: {err5}")
        finally:
            server.stop(timeout=60)
            bare.terminate()
            bare.wait(timeout=30)
        stored = _count(server) - before
        if acknowledged is not None:  # wrk counts 201s; receipts are unique by constraint
            # wrk stops with requests in flight: those may be stored without wrk seeing the 201.
            print(f"acknowledged (201) {acknowledged}; stored {stored} (in flight at the stop: {stored - acknowledged})")
            if not acknowledged <= stored <= acknowledged + args.concurrency:
                raise SystemExit("FAILED: acknowledged opinions and stored opinions differ")
            return
        unique = len(set(receipts))
        missing = _missing(server, receipts)
        print(f"acknowledged {len(receipts)} (unique {unique}); stored {stored}; acknowledged but missing {missing}")
        if missing or unique != len(receipts) or stored != len(receipts):
            raise SystemExit("FAILED: acknowledged opinions and stored opinions differ")


def _count(server: LiaisonServer) -> int:
    return int(server.query("print(await Opinion.count().run())"))


def _missing(server: LiaisonServer, receipts: list[str]) -> int:
    if not receipts:
        return 0
    path = server.data_dir / "receipts.txt"
    path.write_text("\n".join(receipts), encoding="utf-8")
    return int(server.query(f"""wanted = open({str(path)!r}).read().split()
found = set()
for i in range(0, len(wanted), 500):
    rows = await Opinion.select(Opinion.receipt).where(Opinion.receipt.is_in(wanted[i:i + 500])).run()
    found.update(r['receipt'] for r in rows)
print(len(set(wanted) - found))"""))


if __name__ == "__main__":
    main()
