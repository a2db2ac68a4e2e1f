"""Clusters (归并意见): opinions that make the same point, stored as membership.

A cluster never changes or deletes its members' opinions. Each opinion belongs
to at most one cluster; the machine's assignment and a person's decision are
both recorded (``source``), and a person's decision survives a rebuild.
"""

from __future__ import annotations

from piccolo.columns import ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from liaison.drafts.tables import Draft
from liaison.opinions.tables import Opinion

__all__ = ["AnalysisState", "Cluster", "ClusterMember"]


class Cluster(Table, tablename="clusters"):
    draft = ForeignKey(references=Draft, index=True)
    representative = ForeignKey(references=Opinion, index=True)
    article = Integer(null=True, default=None, index=True)
    summary = Text(default="")
    size = Integer(default=1)
    reviewed_by = Varchar(length=64, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class ClusterMember(Table, tablename="cluster_members"):
    cluster = ForeignKey(references=Cluster, index=True)
    opinion = ForeignKey(references=Opinion, unique=True)
    source = Varchar(length=10, default="machine")  # machine | person
    decided_by = Varchar(length=64, default="")
    decided_at = Timestamptz(default=TimestamptzNow())


class AnalysisState(Table, tablename="analysis_state"):
    """How far the machine has assigned each draft's opinions (by opinion id)."""

    draft = ForeignKey(references=Draft, unique=True)
    last_opinion = Integer(default=0)
    indexed = Integer(default=0)
    updated_at = Timestamptz(default=TimestamptzNow())
