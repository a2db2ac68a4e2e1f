import asyncio

import httpx
import pytest
from conftest import published_draft

from liaison import db
from liaison.opinions.tables import Opinion

pytestmark = pytest.mark.db


async def test_health_says_503_when_the_database_is_unreachable(client: httpx.AsyncClient, database: str) -> None:
    from piccolo.engine.sqlite import SQLiteEngine

    assert (await client.get("/health")).status_code == 200
    saved = db._engine
    db._engine = SQLiteEngine(path="/proc/liaison-no-such-dir/x.sqlite3")  # cannot be opened
    try:
        response = await client.get("/health")
    finally:
        db._engine = saved
    assert response.status_code == 503
    assert response.json()["database"]["reachable"] is False


async def test_concurrent_posts_are_all_stored_without_lock_errors(settings, database: str) -> None:
    """Two hundred posts at once: every one acknowledged and stored, none refused by a lock."""
    import dataclasses

    from liaison.app import create_app

    await published_draft()
    url = "/api/v1/drafts/dog-rules/opinions"
    app = create_app(dataclasses.replace(settings, public_posts_per_10min=10_000), manage_database=False)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")

    async def post(i: int) -> httpx.Response:
        return await client.post(url, json={"text": f"并发意见 {i}", "article": i % 3 + 1})

    async with client:
        responses = await asyncio.gather(*(post(i) for i in range(200)))
    assert [r.status_code for r in responses] == [201] * 200
    receipts = {r.json()["receipt"] for r in responses}
    assert len(receipts) == 200
    assert await Opinion.count().run() == 200
