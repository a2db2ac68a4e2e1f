"""When to try a failed delivery again (pure): exponential backoff with jitter.

The delay is drawn between half and all of the exponential step (5 s, 10 s, 20 s … capped at
an hour): the jitter spreads the retries of many stations after an upstream outage instead of
having them all return at the same moment, and the lower half keeps a minimum pause.
"""

from __future__ import annotations

import random

__all__ = ["BASE_SECONDS", "CAP_SECONDS", "MAX_ATTEMPTS", "backoff_seconds", "is_retryable"]

BASE_SECONDS = 5.0
CAP_SECONDS = 3600.0
#: After this many failed attempts a message is marked failed and waits for a person.
MAX_ATTEMPTS = 20


def backoff_seconds(attempt: int, *, base: float = BASE_SECONDS, cap: float = CAP_SECONDS,
                    rng: random.Random | None = None) -> float:
    """Delay before attempt ``attempt + 1`` after ``attempt`` failures (attempt >= 1)."""
    ceiling = min(cap, base * (2 ** max(0, attempt - 1)))
    return (rng or random).uniform(ceiling / 2, ceiling)


def is_retryable(status_code: int | None) -> bool:
    """Network errors, timeouts, 408, 429 and 5xx may pass; other 4xx will not pass by retrying."""
    if status_code is None:
        return True
    return status_code in (408, 425, 429) or status_code >= 500
