"""Personal data retention: contributor details are deleted after a set time, or on request.

The opinion text is kept (it is what the person said, not who they are);
only the ``contributors`` row goes. Each purge is written to the audit log
with counts, never with the deleted values.
"""

from __future__ import annotations

import json
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

    deleted = await Contributor.delete().where(where).returning(
        Contributor.opinion, Contributor.name, Contributor.phone).run()
    ids = [r["opinion"] for r in deleted]
    for start in range(0, len(ids), 500):
        await OpinionTag.delete().where(
            (OpinionTag.kind == "sector") & OpinionTag.opinion.is_in(ids[start:start + 500])).run()
    if deleted:
        await _scrub_full_packets({(r["name"], r["phone"]) for r in deleted})
    return len(ids)


async def _scrub_full_packets(removed: set[tuple[str, str]]) -> None:
    """Mask the removed people in packet versions compiled with full personal data.

    A frozen packet is otherwise never changed; but a copy of a name and phone number in it
    would outlive the person's withdrawal. Examples are matched by phone, or by name where no
    phone was given, and replaced by their masked form (张*, 138****1234).
    """
    from liaison.packets.model import contributor_view
    from liaison.packets.tables import PacketVersion

    phones = {phone for _, phone in removed if phone}
    names = {name for name, phone in removed if name and not phone}

    def scrub(examples: list[dict[str, Any]]) -> bool:
        changed = False
        for example in examples:
            c = example.get("contributor") or {}
            if (c.get("phone") and c["phone"] in phones) or (not c.get("phone") and c.get("name") in names):
                example["contributor"] = contributor_view(c, "masked")
                changed = True
        return changed

    rows = await PacketVersion.select(PacketVersion.id, PacketVersion.body).where(
        PacketVersion.personal_data == "full").run()
    for row in rows:
        doc = json.loads(row["body"])
        sections = doc.get("sections", {})
        points = list(sections.get("general", [])) + [p for a in sections.get("articles", []) for p in a["points"]]
        if any([scrub(point.get("examples", [])) for point in points]):
            await PacketVersion.update({PacketVersion.body: json.dumps(doc, ensure_ascii=False, indent=2) + "\n"}).where(
                PacketVersion.id == row["id"]).run()


async def purge_expired(retention_days: int, *, actor: str = "retention", now: datetime | None = None) -> int:
    """Delete contributor details given more than ``retention_days`` ago; returns how many."""
    cutoff = (now or datetime.now(UTC)) - timedelta(days=retention_days)
    async with transaction():
        deleted = await delete_contact_details(Contributor.consent_at < cutoff)
        if deleted:
            await audit.record("contributor", "*", "purge_expired", actor,
                               after={"deleted": deleted, "before": cutoff.isoformat()})
    return deleted
