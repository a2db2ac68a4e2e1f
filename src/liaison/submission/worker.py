"""The delivery loop of ``liaison worker``: sends due outbox messages until stopped."""

from __future__ import annotations

import asyncio
import logging

import httpx

from liaison.submission.inbound import fold_ready
from liaison.submission.outbox import DEFAULT_LEASE_SECONDS, DEFAULT_TIMEOUT_SECONDS, deliver_due

__all__ = ["run_outbox"]

log = logging.getLogger("liaison.outbox")


async def run_outbox(stop: asyncio.Event, *, interval: float = 2.0, lease_seconds: float = DEFAULT_LEASE_SECONDS,
                     timeout: float = DEFAULT_TIMEOUT_SECONDS, transport: httpx.AsyncBaseTransport | None = None) -> None:
    """Poll the outbox every ``interval`` seconds; errors are logged and the next round retries.

    Each round also folds received packets whose draft has since been imported here.
    """
    timeouts = httpx.Timeout(timeout, connect=min(10.0, timeout))
    async with httpx.AsyncClient(timeout=timeouts, transport=transport, follow_redirects=False) as client:
        while not stop.is_set():
            try:
                await deliver_due(client, lease_seconds=lease_seconds)
                await fold_ready()  # packets that arrived before their draft was imported here
            except Exception:  # noqa: BLE001 - keep delivering; the message stays in the outbox
                log.exception("outbox round failed")
            try:
                await asyncio.wait_for(stop.wait(), timeout=interval)
            except TimeoutError:
                pass
