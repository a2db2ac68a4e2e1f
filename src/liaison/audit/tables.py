"""The audit log: append-only record of every state change."""

from __future__ import annotations

from piccolo.columns import JSON, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

__all__ = ["AuditEntry"]


class AuditEntry(Table, tablename="audit_log"):
    at = Timestamptz(default=TimestamptzNow(), index=True)
    actor = Varchar(length=64, default="")
    entity = Varchar(length=30, index=True)
    entity_id = Varchar(length=64, index=True)
    action = Varchar(length=40)
    before = JSON(default={})
    after = JSON(default={})
