"""The analysis worker loop: new opinions are clustered and tagged, a taxonomy edit is re-tagged."""

import asyncio
from pathlib import Path

import pytest
from conftest import published_draft

from liaison.clusters import tagging
from liaison.clusters.tables import ClusterMember
from liaison.clusters.worker import run_worker
from liaison.drafts.service import get_draft
from liaison.opinions.service import submit_opinion
from liaison.opinions.validation import OpinionInput

pytestmark = pytest.mark.db


async def _until(check, seconds: float = 20.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if await check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the worker did not get there in time")


async def test_worker_clusters_tags_and_retags(database: str, tmp_path: Path) -> None:
    await published_draft()
    draft = await get_draft("dog-rules", public=False)
    stop = asyncio.Event()
    task = asyncio.create_task(run_worker(tmp_path, stop, interval=0.05))
    try:
        first = (await submit_opinion("dog-rules", OpinionInput(text="反对强制使用牵引绳。"), client_key="w1")).id
        second = (await submit_opinion("dog-rules", OpinionInput(text="小区垃圾分类要加强。"), client_key="w2")).id

        async def assigned() -> bool:
            return await ClusterMember.count().run() == 2

        await _until(assigned)
        tags = await tagging.tags_of([first, second])
        assert tags[first].stance.name == "oppose" and tags[first].topic_names() == ["养犬管理"]
        _, revision = await tagging.taxonomy_of(draft.id)
        await tagging.save_topic(draft.id, revision, None, "环境卫生", "垃圾分类", "officer1")

        async def retagged() -> bool:
            return await tagging.opinions_tagged(draft.id, "topic", "环境卫生") == {second}

        await _until(retagged)
        assert await tagging.retag_progress(draft.id) is None
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=10)
