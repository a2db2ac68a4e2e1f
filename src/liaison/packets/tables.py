"""Compiled packets: each version frozen as its JSON, never changed afterwards."""

from __future__ import annotations

from piccolo.columns import ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from liaison.drafts.tables import Draft

__all__ = ["PacketVersion"]


class PacketVersion(Table, tablename="packet_versions"):
    draft = ForeignKey(references=Draft, index=True)
    number = Integer()
    personal_data = Varchar(length=10, default="masked")
    compiled_by = Varchar(length=64, default="")
    compiled_at = Timestamptz(default=TimestamptzNow())
    body = Text()  # the packet as JSON (liaison.packet/1), frozen
