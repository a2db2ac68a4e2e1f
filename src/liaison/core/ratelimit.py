"""Fixed-window rate limits counted in the database, so every worker shares them.

One atomic upsert per hit (``INSERT … ON CONFLICT DO UPDATE … RETURNING``),
which SQLite (3.35+) and PostgreSQL both support.
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass

from liaison.opinions.tables import RateCounter

__all__ = ["RateLimit", "RateResult", "hit", "peek"]

_UPSERT = (
    "INSERT INTO rate_counters (key, period, hits) VALUES ({}, {}, 1) "
    "ON CONFLICT (key) DO UPDATE SET hits = rate_counters.hits + 1 RETURNING hits"
)


@dataclass(frozen=True, slots=True)
class RateLimit:
    limit: int
    seconds: int


@dataclass(frozen=True, slots=True)
class RateResult:
    allowed: bool
    retry_after: int


async def hit(scope: str, client: str, rule: RateLimit, *, now: float | None = None) -> RateResult:
    """Count one attempt by ``client`` at ``scope``; refuse past ``rule.limit`` per window."""
    now = time.time() if now is None else now
    start = int(now // rule.seconds) * rule.seconds  # window start, epoch seconds
    rows = await RateCounter.raw(_UPSERT, f"{scope}:{client}:{start}", start).run()
    hits = rows[0]["hits"]
    if random.random() < 0.01:  # keep the table small without a scheduler
        await RateCounter.delete().where(RateCounter.period < start - 86400).run()
    retry_after = max(1, math.ceil(start + rule.seconds - now))
    return RateResult(hits <= rule.limit, retry_after)


async def peek(scope: str, client: str, rule: RateLimit, *, now: float | None = None) -> RateResult:
    """Whether ``client`` is already over the limit, without counting an attempt."""
    now = time.time() if now is None else now
    start = int(now // rule.seconds) * rule.seconds
    row = await RateCounter.select(RateCounter.hits).where(RateCounter.key == f"{scope}:{client}:{start}").first().run()
    hits = row["hits"] if row else 0
    return RateResult(hits < rule.limit, max(1, math.ceil(start + rule.seconds - now)))
