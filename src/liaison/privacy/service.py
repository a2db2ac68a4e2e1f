"""Personal data retention: contributor details are deleted after a set time, or on request.

The opinion text is kept (it is what the person said, not who they are);
only the ``contributors`` row goes. Each purge is written to the audit log
with counts, never with the deleted values.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from liaison.audit import service as audit
from liaison.db import transaction
from liaison.opinions.tables import Contributor

__all__ = ["purge_expired"]


async def purge_expired(retention_days: int, *, actor: str = "retention", now: datetime | None = None) -> int:
    """Delete contributor details given more than ``retention_days`` ago; returns how many."""
    cutoff = (now or datetime.now(UTC)) - timedelta(days=retention_days)
    async with transaction():
        deleted = await Contributor.delete().where(Contributor.consent_at < cutoff).returning(Contributor.id).run()
        if deleted:
            await audit.record("contributor", "*", "purge_expired", actor,
                               after={"deleted": len(deleted), "before": cutoff.isoformat()})
    return len(deleted)
