"""Append-only audit trail: who changed what, when, from what to what.

Call ``record`` inside the transaction that makes the change, so the change and
its record stand or fall together. There is no update or delete.
"""

from __future__ import annotations

from typing import Any

from liaison.audit.tables import AuditEntry
from liaison.core.jsonable import to_jsonable

__all__ = ["list_entries", "record"]


async def record(entity: str, entity_id: object, action: str, actor: str,
                 before: dict[str, Any] | None = None, after: dict[str, Any] | None = None) -> None:
    await AuditEntry.insert(
        AuditEntry(entity=entity, entity_id=str(entity_id), action=action, actor=actor or "",
                   before=to_jsonable(before or {}), after=to_jsonable(after or {}))
    ).run()


async def list_entries(*, entity: str | None = None, limit: int = 200, offset: int = 0) -> list[dict[str, Any]]:
    query = AuditEntry.select().order_by(AuditEntry.id, ascending=False).limit(limit).offset(offset)
    if entity:
        query = query.where(AuditEntry.entity == entity)
    return await query.output(load_json=True).run()
