"""Opinions (意见建议), their contributors (kept apart), activities and rate counters."""

from __future__ import annotations

from piccolo.columns import Date, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from liaison.accounts.tables import User
from liaison.drafts.tables import Draft
from liaison.network.tables import Office, Volunteer

__all__ = ["Activity", "Contributor", "Opinion", "RateCounter"]


class Activity(Table, tablename="activities"):
    """A consultation activity (征询活动) held by an office for a draft."""

    draft = ForeignKey(references=Draft, index=True)
    office = ForeignKey(references=Office, index=True)
    kind = Varchar(length=20)
    title = Varchar(length=200, default="")
    held_on = Date()
    place = Varchar(length=200, default="")
    attendees = Integer(default=0)
    notes = Text(default="")
    minutes_name = Varchar(length=255, default="")
    minutes_path = Varchar(length=500, default="")
    created_by = ForeignKey(references=User, null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class Opinion(Table, tablename="opinions"):
    """One person's or one activity's point, verbatim. Never deleted: set aside instead."""

    draft = ForeignKey(references=Draft, index=True)
    version = Integer(default=1)
    article = Integer(null=True, default=None, index=True)
    receipt = Varchar(length=16, unique=True)  # the unique constraint is its index
    text = Text()
    suggestion = Text(default="")
    reason = Text(default="")
    channel = Varchar(length=20, index=True)
    office = ForeignKey(references=Office, null=True, default=None, index=True)
    volunteer = ForeignKey(references=Volunteer, null=True, default=None, index=True)
    activity = ForeignKey(references=Activity, null=True, default=None, index=True)
    status = Varchar(length=12, default="unscreened", index=True)
    set_aside_reason = Varchar(length=20, default="")
    text_hash = Varchar(length=64, index=True)
    client_key = Varchar(length=64, default="")  # compared, never searched by: no index to keep up
    import_key = Varchar(length=64, null=True, default=None, unique=True)
    entered_by = ForeignKey(references=User, null=True, default=None, index=True)
    created_at = Timestamptz(default=TimestamptzNow(), index=True)
    updated_at = Timestamptz(default=TimestamptzNow())


class Contributor(Table, tablename="contributors"):
    """Personal data of an opinion's author: only with consent, stored apart, purgeable."""

    opinion = ForeignKey(references=Opinion, unique=True)
    name = Varchar(length=50, default="")
    phone = Varchar(length=30, default="")
    region = Varchar(length=100, default="")
    occupation = Varchar(length=50, default="")
    consent_at = Timestamptz(default=TimestamptzNow())
    notice_version = Varchar(length=20, default="")


class RateCounter(Table, tablename="rate_counters"):
    """Fixed-window counters in the database, so every worker shares one limit."""

    key = Varchar(length=200, unique=True)
    period = Integer()
    hits = Integer(default=0)
