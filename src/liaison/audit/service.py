"""Append-only audit trail: who changed what, when, from what to what.

Call ``record`` inside the transaction that makes the change, so the change and
its record stand or fall together. There is no update or delete.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from liaison.audit.tables import AuditEntry

__all__ = ["list_entries", "record"]


def _jsonable(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


async def record(entity: str, entity_id: object, action: str, actor: str,
                 before: dict[str, Any] | None = None, after: dict[str, Any] | None = None) -> None:
    await AuditEntry.insert(
        AuditEntry(entity=entity, entity_id=str(entity_id), action=action, actor=actor or "",
                   before=_jsonable(before or {}), after=_jsonable(after or {}))
    ).run()


async def list_entries(*, entity: str | None = None, limit: int = 200, offset: int = 0) -> list[dict[str, Any]]:
    query = AuditEntry.select().order_by(AuditEntry.id, ascending=False).limit(limit).offset(offset)
    if entity:
        query = query.where(AuditEntry.entity == entity)
    return await query.output(load_json=True).run()
