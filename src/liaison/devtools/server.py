"""A real ``liaison serve`` in a subprocess, for tests and benchmarks.

Browser journeys, the OpenAPI fuzzer, the crash-safety tests and the load benchmarks all
need the same thing: the service as an operator runs it (uvicorn, the ``liaison`` command,
a real socket), on a database of their own, set up through the real ``liaison`` command.
One copy of that lives here so they cannot drift apart::

    server = LiaisonServer(database_url, data_dir, worker=False)
    server.cli("migrate")
    server.cli("drafts", "import", "--publish", "drafts/")
    with server:                      # starts, waits for /health, stops (SIGTERM, then SIGKILL)
        httpx.get(server.url + "/")
        server.restart()              # same port, same database
    server.query("print(await Opinion.count().run())")

Several servers (two stations, say) start at once with ``start_together(county, city)``; one
can boot while set-up commands run: ``server.spawn()``, the commands, ``server.wait_healthy()``.

The server only ever listens on loopback. Its output goes to ``log_path``; a server that
exits or does not become healthy raises :class:`ServerError` with the end of that log.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import TracebackType

import httpx

__all__ = [
    "LOOPBACK_HOSTS", "LiaisonServer", "ServerError", "base_env", "free_port", "is_loopback_url",
    "scratch_postgres_database", "start_together",
]

#: Host names a test or benchmark server may listen on, and a load driver may target.
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
#: ``python -m liaison.cli``, with the interpreter running the caller (the project's venv).
LIAISON = (sys.executable, "-m", "liaison.cli")
#: The directory holding the ``liaison`` package, put on PYTHONPATH for the subprocesses.
SOURCE_ROOT = Path(__file__).resolve().parents[2]
#: Python code run by :meth:`LiaisonServer.query` around the caller's lines (``db`` and the tables imported).
_QUERY_TEMPLATE = """\
import asyncio
from liaison import db
from liaison.config import load_settings
from liaison.opinions.tables import Contributor, Opinion

async def main():
    await db.connect(load_settings().database_url)
    try:
{body}
    finally:
        await db.disconnect()

asyncio.run(main())
"""


class ServerError(RuntimeError):
    """The server or a ``liaison`` command failed; the message carries its output."""


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        sock.bind((host.strip("[]"), 0))
        return int(sock.getsockname()[1])


def is_loopback_url(url: str) -> bool:
    """True when ``url`` points at this machine's loopback interface (load must never leave it)."""
    host = httpx.URL(url).host
    return host in LOOPBACK_HOSTS or host.startswith("127.")


def base_env(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The caller's environment without any ``LIAISON_*`` or ``DATABASE_URL`` setting.

    A developer's shell may point at their own database or data directory; a test server
    must never inherit that.
    """
    source = os.environ if environ is None else environ
    return {k: v for k, v in source.items() if not k.startswith(("LIAISON_", "DATABASE_URL"))}


def _psql(admin_url: str, sql: str) -> None:
    done = subprocess.run(["psql", "-q", admin_url, "-c", sql], capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        raise ServerError(f"psql failed ({done.returncode}): {sql}\n{done.stderr}")


@contextlib.contextmanager
def scratch_postgres_database(admin_url: str = "postgresql://postgres@127.0.0.1:5432/postgres",
                              prefix: str = "liaison_scratch") -> Iterator[str]:
    """Create an empty PostgreSQL database, yield its URL, drop it (even if connections remain).

    Uses the ``psql`` command rather than asyncpg so that it works from code that already
    runs an event loop (pytest with Playwright).
    """
    name = f"{prefix}_{secrets.token_hex(4)}"
    _psql(admin_url, f'CREATE DATABASE "{name}"')
    try:
        yield str(httpx.URL(admin_url).copy_with(path=f"/{name}"))
    finally:
        _psql(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def start_together(*servers: LiaisonServer, timeout: float = 30) -> None:
    """Start several servers at once and return when all answer /health (or kill them all and raise).

    Each start-up is about 2 s of imports in its own process: on more than one core they overlap.
    """
    try:
        for server in servers:
            server.spawn()
        for server in servers:
            server.wait_healthy(timeout=timeout)
    except BaseException:
        for server in servers:
            server.kill()
        raise


class LiaisonServer:
    """One ``liaison serve`` process on a free loopback port, and the ``liaison`` command beside it.

    Args:
        database_url: the server's DATABASE_URL (``sqlite:///...`` or ``postgresql://...``).
        data_dir: LIAISON_DATA_DIR (uploads, secret key, analysis index); created if missing.
        worker: start the analysis worker as the server's child process (LIAISON_RUN_WORKER).
        access_log: log every request (the fuzzer reads the log; load runs turn it off).
        workers: uvicorn worker processes (more than one needs PostgreSQL).
        env: extra environment for the server and every command (e.g. rate limits).
        log_path: where the server's stdout and stderr go (default ``<data_dir>/server.log``).
        host: the loopback address to listen on.
        port: the port (default: a free one, chosen now and kept across restarts).
        cwd: working directory of the subprocesses (default: the caller's).
    """

    def __init__(self, database_url: str, data_dir: Path, *, worker: bool = False, access_log: bool = True,
                 workers: int = 1, env: Mapping[str, str] | None = None, log_path: Path | None = None,
                 host: str = "127.0.0.1", port: int | None = None, cwd: Path | None = None) -> None:
        if host not in LOOPBACK_HOSTS:
            raise ValueError(f"host {host!r} is not a loopback address; test servers listen on 127.0.0.1 only")
        self.database_url = database_url
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.worker = worker
        self.access_log = access_log
        self.workers = workers
        self.host = host
        self.port = port or free_port(host)
        self.cwd = cwd
        self.log_path = log_path or self.data_dir / "server.log"
        self.env = base_env()
        self.env.update({
            "DATABASE_URL": database_url,
            "LIAISON_DATA_DIR": str(self.data_dir),
            # fixed for the object's life, so sessions and CSRF cookies survive a restart
            "LIAISON_SECRET_KEY": secrets.token_urlsafe(40),
            "LIAISON_RUN_WORKER": "1" if worker else "0",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(SOURCE_ROOT), os.environ.get("PYTHONPATH", "")])),
        })
        self.env.update(env or {})
        self.process: subprocess.Popen[bytes] | None = None
        #: exit code of the last server process once stopped or killed
        self.returncode: int | None = None
        self._started = False

    # ------------------------------------------------------------ commands beside the server

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:41234``."""
        host = f"[{self.host.strip('[]')}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def cli(self, *args: str, stdin: str | None = None, timeout: float = 120) -> str:
        """Run ``liaison ARGS`` against the server's database; returns stdout, raises ServerError on failure."""
        return self._run([*LIAISON, *args], stdin=stdin, timeout=timeout, what=f"liaison {' '.join(args)}")

    def migrate(self) -> None:
        """Apply migrations once, before the server starts (workers must not race on them)."""
        self.cli("migrate")

    def python(self, script: str, *args: str, timeout: float = 120) -> str:
        """Run a Python script (``python -c``) with the server's environment; returns stdout."""
        return self._run([sys.executable, "-c", script, *args], stdin=None, timeout=timeout, what="python script")

    def query(self, body: str, timeout: float = 120) -> str:
        """Run async Python lines with the database connected (``db``, ``Opinion``, ``Contributor`` in scope).

        For checks made from outside the server, e.g. ``server.query("print(await Opinion.count().run())")``.
        """
        indented = "".join(f"        {line}\n" for line in body.splitlines())
        return self.python(_QUERY_TEMPLATE.format(body=indented), timeout=timeout)

    def _run(self, command: list[str], *, stdin: str | None, timeout: float, what: str) -> str:
        done = subprocess.run(command, env=self.env, input=stdin, capture_output=True, text=True, timeout=timeout,
                              cwd=self.cwd)
        if done.returncode != 0:
            raise ServerError(f"{what} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
        return done.stdout

    # ------------------------------------------------------------ the server process

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self, *, timeout: float = 30) -> LiaisonServer:
        """Start ``liaison serve --no-migrate`` and return once /health answers 200."""
        self.spawn()
        try:
            self.wait_healthy(timeout=timeout)
        except BaseException:
            self.kill()
            raise
        return self

    def spawn(self) -> LiaisonServer:
        """Start ``liaison serve --no-migrate`` and return at once; :meth:`wait_healthy` waits for it.

        Its start-up (about 2 s of imports) then overlaps the caller's set-up commands.
        """
        if self.running:
            raise ServerError(f"the server is already running (pid {self.process.pid})")  # type: ignore[union-attr]
        command = [*LIAISON, "serve", "--no-migrate", "--host", self.host.strip("[]"), "--port", str(self.port),
                   "--workers", str(self.workers)]
        if not self.access_log:
            command.append("--no-access-log")
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab" if self._started else "wb") as log:  # a restart appends to the first log
            # a session of its own, so stop() and kill() reach the analysis worker and uvicorn's workers too
            self.process = subprocess.Popen(command, env=self.env, cwd=self.cwd, stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        self._started = True
        return self

    def wait_healthy(self, *, timeout: float = 30) -> None:
        """Poll /health until it answers 200; ServerError (with the log) if the process exits or time runs out."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                code = None if self.process is None else self.process.returncode
                raise ServerError(f"the server exited with {code}:\n{self.log_tail()}")
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise ServerError(f"the server did not answer /health within {timeout:.0f} s:\n{self.log_tail()}")

    def stop(self, *, timeout: float = 10) -> int | None:
        """SIGTERM (uvicorn's graceful shutdown), then SIGKILL after ``timeout`` s; returns the exit code."""
        if self.process is None:
            return self.returncode
        if self.process.poll() is None:
            self._signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL)
        return self._reap()

    def kill(self) -> int | None:
        """SIGKILL the server and its children at once, as a power cut would; returns the exit code."""
        if self.process is None:
            return self.returncode
        self._signal(signal.SIGKILL)
        return self._reap()

    def restart(self, *, timeout: float = 30) -> LiaisonServer:
        """Stop (gracefully) and start again on the same port and database."""
        self.stop()
        return self.start(timeout=timeout)

    def _signal(self, sig: signal.Signals) -> None:
        """Signal the server's whole session: uvicorn, its workers and the analysis worker."""
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, sig)

    def _reap(self) -> int | None:
        """Wait for the server, make sure nothing of its session outlives it, forget the process."""
        assert self.process is not None
        self.process.wait()
        # a child left behind (the analysis worker) would keep the database busy
        self._signal(signal.SIGKILL)
        self.returncode = self.process.returncode
        self.process = None
        return self.returncode

    def log_text(self) -> str:
        """Everything the server wrote so far."""
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""

    def log_tail(self, chars: int = 3000) -> str:
        return self.log_text()[-chars:]

    def __enter__(self) -> LiaisonServer:
        return self if self.running else self.start()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()
        if exc is not None and not isinstance(exc, ServerError | KeyboardInterrupt):
            exc.add_note(f"server log ({self.log_path}), last lines:\n{self.log_tail(2000)}")
