"""Clusters (归并意见): opinions that make the same point, stored as membership.

A cluster never changes or deletes its members' opinions. Each opinion belongs
to at most one cluster; the machine's assignment and a person's decision are
both recorded (``source``), and a person's decision survives a rebuild.
"""

from __future__ import annotations

from piccolo.columns import JSON, DoublePrecision, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from liaison.drafts.tables import Draft
from liaison.opinions.tables import Opinion

__all__ = [
    "AnalysisState", "Cluster", "ClusterIdHighWater", "ClusterMember", "OpinionTag", "ReviewOperation", "TopicTaxonomy",
]


class ClusterIdHighWater(Table, tablename="cluster_id_high_water"):
    """The highest cluster id ever given out (one row; used on SQLite only).

    Point keys such as ``c12`` travel in packets, outcomes and lower stations' records, so a
    cluster id must never name a different group later. PostgreSQL's sequence never reuses
    an id; SQLite's ``INTEGER PRIMARY KEY`` without AUTOINCREMENT hands out max(id) + 1 and so
    reuses the ids of deleted highest rows — new clusters there get explicit ids above this mark.
    """

    last_id = Integer(default=0)


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


class OpinionTag(Table, tablename="opinion_tags"):
    """One label on an opinion: its stance, a topic, the contributor's sector, an article.

    ``source`` says who decided: ``rule`` or ``suggestion`` (the machine; rewritten on every
    re-tagging) or ``person`` (staff; never touched by the machine). For a single-valued kind
    (stance, sector, article) a person's row wins over the machine's; for topics a person's row
    with confidence 0 means "not this topic". Unique per (opinion, kind, value): a unique index
    made by the migration.
    """

    opinion = ForeignKey(references=Opinion, index=True)
    draft = ForeignKey(references=Draft, index=True)
    kind = Varchar(length=10)  # stance | topic | sector | article
    value = Varchar(length=100)
    source = Varchar(length=10, default="rule")  # rule | suggestion | person
    confidence = DoublePrecision(default=1.0)
    decided_by = Varchar(length=64, default="")
    decided_at = Timestamptz(default=TimestamptzNow())


class TopicTaxonomy(Table, tablename="topic_taxonomies"):
    """A draft's topics and their keywords (``Taxonomy.to_dict()``), edited by officers.

    ``revision`` grows with each edit, so the worker knows when to reload its compiled copy.
    The worker re-tags the draft's opinions after an edit in bounded steps (so a long draft never
    holds the database for long): ``retag_after`` is the last opinion id done, and
    ``tagged_revision`` the revision every opinion's machine topics follow.
    """

    draft = ForeignKey(references=Draft, unique=True)
    topics = JSON(default={"topics": []})
    revision = Integer(default=1)
    tagged_revision = Integer(default=1)
    retag_after = Integer(default=0)
    updated_by = Varchar(length=64, default="")
    updated_at = Timestamptz(default=TimestamptzNow())


class ReviewOperation(Table, tablename="review_operations"):
    """A staff move, merge or split, with what it changed, so the same person can undo it.

    ``before`` holds the touched clusters and memberships as they were; ``after`` the cluster
    each moved opinion went to (undo refuses when someone has moved them again since).
    """

    draft = ForeignKey(references=Draft, index=True)
    actor = Varchar(length=64, index=True)
    kind = Varchar(length=10)  # move | split | merge
    before = JSON(default={})
    after = JSON(default={})
    created_at = Timestamptz(default=TimestamptzNow())
    undone_at = Timestamptz(null=True, default=None)
