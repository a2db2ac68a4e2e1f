"""Outcomes per point, and their fan-out to opinions.

``PointOutcome`` is the decision as it was taken, keyed by the point key of the
packet that was sent up (``c12``, ``o34``); its text and article are copied at
the time, because a later re-clustering may remove the cluster. Each opinion
of the point gets an ``OpinionOutcome`` row in the same transaction, so a
receipt finds its outcome with one indexed join, whatever happens to the
clusters afterwards. An opinion has at most one outcome: the latest decision
that covered it.
"""

from __future__ import annotations

from piccolo.columns import ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from liaison.drafts.tables import Draft
from liaison.opinions.tables import Opinion

__all__ = ["OpinionOutcome", "PointOutcome"]


class PointOutcome(Table, tablename="point_outcomes"):
    draft = ForeignKey(references=Draft, index=True)
    point_key = Varchar(length=16)  # c12 | o34
    draft_point = Varchar(length=40, unique=True)  # "<draft id>:<point key>": one outcome per point
    article = Integer(null=True, default=None)  # the article the point stood under when decided
    point_text = Text(default="")  # staff summary, else the representative opinion, when decided
    outcome = Varchar(length=12, index=True)  # adopted | partly | not_adopted | pending
    note = Text(default="")
    final_article = Varchar(length=50, default="")  # article of the law as passed, e.g. 第十二条
    source = Varchar(length=10, default="person")  # person | upstream
    packet_version = Integer(null=True, default=None)  # the packet version the point was sent up in
    decided_by = Varchar(length=64, default="")
    decided_at = Timestamptz(default=TimestamptzNow())


class OpinionOutcome(Table, tablename="opinion_outcomes"):
    opinion = ForeignKey(references=Opinion, unique=True)
    point = ForeignKey(references=PointOutcome, index=True)
