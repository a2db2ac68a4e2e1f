"""Where a draft stands in its life cycle, from its status and comment window.

Only ``unpublished``, ``published`` and ``archived`` are stored; whether a
published draft is upcoming, open or closed follows from the clock, so a window
opens and closes on time without a scheduler.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from liaison.core.dates import as_utc
from liaison.i18n import N_, Labels

__all__ = ["PHASE_LABELS", "Phase", "Status", "phase_of"]


class Status(StrEnum):
    UNPUBLISHED = "unpublished"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class Phase(StrEnum):
    UNPUBLISHED = "unpublished"
    UPCOMING = "upcoming"
    OPEN = "open"
    CLOSED = "closed"
    ARCHIVED = "archived"


PHASE_LABELS: Labels[Phase] = Labels({
    Phase.UNPUBLISHED: N_("未发布"),
    Phase.UPCOMING: N_("即将开始征求意见"),
    Phase.OPEN: N_("正在征求意见"),
    Phase.CLOSED: N_("征求意见已结束"),
    Phase.ARCHIVED: N_("已归档"),
})


def phase_of(status: str, opens: datetime | None, closes: datetime | None, now: datetime) -> Phase:
    """The phase at ``now``; a missing bound means the window is open on that side."""
    if status == Status.UNPUBLISHED:
        return Phase.UNPUBLISHED
    if status == Status.ARCHIVED:
        return Phase.ARCHIVED
    now = as_utc(now)
    if opens is not None and now < as_utc(opens):
        return Phase.UPCOMING
    if closes is not None and now > as_utc(closes):
        return Phase.CLOSED
    return Phase.OPEN
