"""Test fixtures: a real database on every engine, a real app over HTTP.

Database tests run on SQLite, and also on PostgreSQL when LIAISON_TEST_POSTGRES
is set (127.0.0.1:5432, user postgres; each run creates and drops its own
database). If PostgreSQL is required and unreachable, those tests fail.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest
import pytest_asyncio
from litestar import Litestar

from liaison import db
from liaison.accounts import secrets as password_secrets
from liaison.config import Settings

ROOT = Path(__file__).resolve().parents[1]
PG_ADMIN_DSN = os.environ.get("LIAISON_TEST_POSTGRES_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
ENGINES = ["sqlite", "postgres"] if os.environ.get("LIAISON_TEST_POSTGRES") else ["sqlite"]
#: The password hasher the service runs with (tests/accounts/test_password_cost.py checks its cost).
PRODUCTION_HASHER = password_secrets._hasher


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashing() -> Iterator[None]:
    """argon2id at its lowest cost for the code this process runs (not for the servers and commands it starts).

    At the production cost (64 MiB, 3 passes: ~0.2 s of CPU a hash) every account made and every login
    checked in-process cost 0.2 s: over a third of the in-process tests' time. These tests check which
    password is accepted and what follows, not what a guess costs; the same argon2id code runs, with
    other parameters. Subprocess servers and ``liaison`` commands keep the production cost.
    """
    from argon2 import PasswordHasher

    patch = pytest.MonkeyPatch()
    patch.setattr(password_secrets, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    yield
    patch.undo()


async def _create_pg_database() -> str:
    name = f"liaison_test_{os.getpid()}_{secrets.token_hex(4)}"
    conn = await asyncpg.connect(PG_ADMIN_DSN, timeout=10)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return name


async def _drop_pg_database(name: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN_DSN, timeout=10)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest_asyncio.fixture(scope="session", params=ENGINES)
async def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    """A migrated database on one engine, shared by the tests of that engine."""
    pg_name = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'test.sqlite3'}"
    else:
        pg_name = await _create_pg_database()
        url = f"postgresql://postgres@127.0.0.1:5432/{pg_name}"
    await db.connect(url)
    await db.migrate()
    try:
        yield url
    finally:
        await db.disconnect()
        if pg_name:
            await _drop_pg_database(pg_name)


@pytest_asyncio.fixture
async def database(database_url: str) -> str:
    """An empty database (rows from earlier tests removed) on the current engine."""
    if db._engine is None:  # a CLI test in this process may have disconnected it
        await db.connect(database_url)
    async with db.transaction():  # one commit rather than one a table (on SQLite ~70 ms → ~10 ms)
        for table in reversed(db.all_tables()):
            await table.delete(force=True).run()
    return database_url


#: The session's secret key: with it, tests whose settings differ only in database and data directory share an app.
SECRET_KEY = secrets.token_urlsafe(40)


@pytest.fixture
def settings(database: str, tmp_path: Path) -> Settings:
    return Settings(database_url=database, secret_key=SECRET_KEY, data_dir=tmp_path)


_APPS: dict[Settings, Litestar] = {}


def shared_app(settings: Settings) -> Litestar:
    """The app for ``settings``: built once for each configuration, then shared by the tests.

    Building one registers ~500 routes and starts a Jinja environment that compiles every template
    again: ~0.15 s, for each of ~270 tests. What an app fixes when it is built (CSRF secret, time zone,
    station name, cookie and upload settings, ...) is the cache key; the database and data directory,
    which differ from test to test, handlers read from ``app.state.settings``, set here for this test.
    """
    from liaison.app import create_app

    key = dataclasses.replace(settings, database_url="", data_dir=Path())
    if key not in _APPS:
        _APPS[key] = create_app(settings, manage_database=False)
    app = _APPS[key]
    app.state.settings = settings
    return app


@pytest_asyncio.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """Real HTTP requests through the ASGI app, on the test's own event loop.

    (litestar's httpx.AsyncClient runs the app on another loop through a portal,
    which asyncpg's pool, bound to this loop, does not allow.)
    """
    app = shared_app(settings)
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as test_client:
        yield test_client


@pytest.fixture
def cli_env(database: str, tmp_path: Path) -> dict[str, str]:
    """Environment for running the real ``liaison`` command against the test database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LIAISON_", "DATABASE_URL"))}
    env.update({"DATABASE_URL": database, "LIAISON_DATA_DIR": str(tmp_path / "data"), "PYTHONPATH": str(ROOT / "src")})
    return env


LIAISON = [sys.executable, "-m", "liaison.cli"]


def sample_draft(slug: str = "dog-rules", *, opens: str = "2020-01-01", closes: str = "2099-12-31",
                 extra_article: str = "") -> str:
    """A small valid draft file, open for comment by default."""
    return f"""---
title: 某市养犬管理条例（草案）
slug: {slug}
issuer: 某市人大常委会法制工作委员会
kind: 法规
round: 征求意见稿
comment_opens: {opens}
comment_closes: {closes}
summary: 规范养犬行为。
key_questions:
  - 牵引绳长度应当规定为多少？
---

# 某市养犬管理条例（草案）

第一章　总则

第一条　为了规范养犬行为，制定本条例。

第二条　本条例适用于本市行政区域内的养犬活动。
养犬人应当遵守下列规定：
（一）依法登记；
（二）按时免疫。

第二章　养犬管理

第三条　携犬出户时，应当使用牵引绳。{extra_article}
"""


async def make_user(username: str, role: str, password: str = "correct horse battery") -> str:
    from liaison.accounts.services import create_user

    await create_user(username, password, role)
    return password


async def login(client: httpx.AsyncClient, username: str, role: str) -> None:
    """Create a user with ``role`` and log the client in through the real form."""
    password = await make_user(username, role)
    await client.get("/login")
    response = await client.post(
        "/login",
        data={"username": username, "password": password, "next": "/staff", "_csrf_token": csrf(client)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def csrf(client: httpx.AsyncClient) -> str:
    return client.cookies.get("liaison_csrf") or ""


async def bearer(username: str, role: str) -> dict[str, str]:
    from liaison.accounts.services import create_token

    await make_user(username, role)
    return {"Authorization": f"Bearer {await create_token(username)}"}


async def published_draft(slug: str = "dog-rules", **kwargs: str) -> str:
    """Import and publish the sample draft; returns its slug."""
    from zoneinfo import ZoneInfo

    from liaison.drafts.service import import_draft, publish_draft

    await import_draft(sample_draft(slug, **kwargs), source_name=f"{slug}.md", tz=ZoneInfo("Asia/Shanghai"),
                       max_bytes=1 << 20)
    await publish_draft(slug)
    return slug


async def service_user(username: str, role: str):
    """A real account, as the services see it (a CurrentUser)."""
    from liaison.accounts.roles import Role
    from liaison.accounts.services import CurrentUser, create_user

    user_id = await create_user(username, "a long passphrase", role)
    return CurrentUser(id=user_id, username=username, display_name="", role=Role(role), via="session")
