"""Personal data retention: contributor details are deleted after a set time, or on request.

The opinion text is kept (it is what the person said, not who they are);
only the ``contributors`` row goes. Each purge is written to the audit log
with counts, never with the deleted values.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from liaison.audit import service as audit
from liaison.db import transaction
from liaison.opinions.tables import Contributor

__all__ = ["delete_contact_details", "purge_expired"]


async def delete_contact_details(where: Any) -> int:
    """Delete the contributor rows matching ``where`` and what was derived from them.

    Runs inside the caller's transaction. The sector tag (a coarse group taken from the
    occupation) goes too: it would otherwise outlive the details it came from.
    """
    from liaison.clusters.tables import OpinionTag

    deleted = await Contributor.delete().where(where).returning(Contributor.opinion).run()
    ids = [r["opinion"] for r in deleted]
    for start in range(0, len(ids), 500):
        await OpinionTag.delete().where(
            (OpinionTag.kind == "sector") & OpinionTag.opinion.is_in(ids[start:start + 500])).run()
    return len(ids)


async def purge_expired(retention_days: int, *, actor: str = "retention", now: datetime | None = None) -> int:
    """Delete contributor details given more than ``retention_days`` ago; returns how many."""
    cutoff = (now or datetime.now(UTC)) - timedelta(days=retention_days)
    async with transaction():
        deleted = await delete_contact_details(Contributor.consent_at < cutoff)
        if deleted:
            await audit.record("contributor", "*", "purge_expired", actor,
                               after={"deleted": deleted, "before": cutoff.isoformat()})
    return deleted
