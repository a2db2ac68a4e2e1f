"""Append-only audit trail: who changed what, when, from what to what.

Call ``record`` inside the transaction that makes the change, so the change and
its record stand or fall together. There is no update or delete.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from liaison.audit.tables import AuditEntry
from liaison.core.jsonable import to_jsonable
from liaison.db import bulk_insert

__all__ = ["list_entries", "record", "record_many"]


async def record(entity: str, entity_id: object, action: str, actor: str,
                 before: dict[str, Any] | None = None, after: dict[str, Any] | None = None) -> None:
    await AuditEntry.insert(
        AuditEntry(entity=entity, entity_id=str(entity_id), action=action, actor=actor or "",
                   before=to_jsonable(before or {}), after=to_jsonable(after or {}))
    ).run()


async def record_many(entries: list[tuple[str, object, str, str, dict[str, Any] | None, dict[str, Any] | None]],
                      ) -> None:
    """Several ``(entity, entity_id, action, actor, before, after)`` records in one statement
    (a batch of decisions: one row each, without a round trip or a piccolo object each).
    Must run inside ``liaison.db.transaction()``, like the change it records."""
    now = datetime.now(UTC)
    await bulk_insert(AuditEntry, ["at", "actor", "entity", "entity_id", "action", "before", "after"], [
        (now, actor or "", entity, str(entity_id), action, _json(before), _json(after))
        for entity, entity_id, action, actor, before, after in entries])


def _json(value: dict[str, Any] | None) -> str:
    return json.dumps(to_jsonable(value or {}), ensure_ascii=False)


async def list_entries(*, entity: str | None = None, limit: int = 200, offset: int = 0) -> list[dict[str, Any]]:
    query = AuditEntry.select().order_by(AuditEntry.id, ascending=False).limit(limit).offset(offset)
    if entity:
        query = query.where(AuditEntry.entity == entity)
    return await query.output(load_json=True).run()
