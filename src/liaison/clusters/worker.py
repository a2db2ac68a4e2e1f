"""The analysis worker: assigns new opinions to clusters (and tags them) within about a second of
arrival, and re-tags a draft's topics in bounded steps after its taxonomy is edited."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from liaison.clusters.service import Analyzer, assign_pending
from liaison.clusters.tagging import retag_pending

__all__ = ["run_worker"]

log = logging.getLogger("liaison.worker")


async def run_worker(data_dir: Path, stop: asyncio.Event, *, interval: float = 1.0) -> None:
    """Poll for unassigned opinions until ``stop`` is set; errors are logged, never fatal."""
    analyzer = Analyzer(data_dir)
    while not stop.is_set():
        worked = 0
        try:
            assigned = await assign_pending(analyzer)
            if assigned:
                log.info("assigned %d opinion(s) to clusters", assigned)
            retagged = await retag_pending()
            if retagged:
                log.info("re-tagged the topics of %d opinion(s)", retagged)
            worked = assigned + retagged
        except Exception:  # noqa: BLE001 - keep the worker alive; the next round retries
            log.exception("analysis round failed")
        if worked:
            await asyncio.sleep(0)  # more may be waiting: go again at once (stop is checked first)
            continue
        try:
            await asyncio.wait_for(stop.wait(), timeout=interval)
        except TimeoutError:
            pass
