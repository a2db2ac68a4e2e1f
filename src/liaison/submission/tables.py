"""Peers, the outbox and its delivery attempts, and packets received from lower stations."""

from __future__ import annotations

from piccolo.columns import JSON, Boolean, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from liaison.drafts.tables import Draft
from liaison.opinions.tables import Opinion

__all__ = ["DeliveryAttempt", "InboundPacket", "InboundPoint", "OutboxMessage", "PeerStation"]


class PeerStation(Table, tablename="peer_stations"):
    """Another station running Liaison: our one upstream, or a lower station allowed to send to us.

    ``station_id`` is the id the *sender* uses: for the upstream row it is our own id as the
    station above knows us; for a downstream row it is that lower station's id. The shared
    key signs every message both ways (HMAC-SHA256), so it is stored as given.
    """

    direction = Varchar(length=10, index=True)  # upstream | downstream
    station_id = Varchar(length=64)
    name = Varchar(length=200, default="")
    url = Varchar(length=500, default="")
    key = Varchar(length=200)
    active = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class OutboxMessage(Table, tablename="outbox_messages"):
    """A message to a peer, written in the same transaction as the change that causes it.

    The body is frozen when queued; the idempotency key goes with every attempt, so a resend
    after a crash between sending and recording is recognised by the receiver, not stored twice.
    """

    kind = Varchar(length=20)  # packet | outcomes
    peer = ForeignKey(references=PeerStation, index=True)
    draft = ForeignKey(references=Draft, null=True, default=None, index=True)
    packet_number = Integer(null=True, default=None)
    idempotency_key = Varchar(length=100, unique=True)
    url = Varchar(length=500)
    body = Text()
    status = Varchar(length=12, default="pending", index=True)  # pending | delivered | failed
    attempts = Integer(default=0)
    next_attempt_at = Timestamptz(default=TimestamptzNow(), index=True)
    lease_until = Timestamptz(null=True, default=None)
    last_error = Text(default="")
    remote_id = Varchar(length=100, default="")
    created_by = Varchar(length=64, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    delivered_at = Timestamptz(null=True, default=None)


class DeliveryAttempt(Table, tablename="delivery_attempts"):
    """One try at delivering a message: written before sending, completed after the answer."""

    message = ForeignKey(references=OutboxMessage, index=True)
    number = Integer()
    started_at = Timestamptz(default=TimestamptzNow())
    finished_at = Timestamptz(null=True, default=None)
    status_code = Integer(null=True, default=None)
    outcome = Varchar(length=12, default="started")  # started | delivered | retry | failed
    error = Text(default="")
    duration_ms = Integer(null=True, default=None)


class InboundPacket(Table, tablename="inbound_packets"):
    """A packet received from a lower station, verbatim, once per idempotency key."""

    peer = ForeignKey(references=PeerStation, index=True)
    idempotency_key = Varchar(length=100)
    #: ``<peer id>/<idempotency key>``: unique, so two racing deliveries of one message store it once.
    unique_key = Varchar(length=120, unique=True)
    body_sha256 = Varchar(length=64)
    body = Text()
    draft_slug = Varchar(length=100, index=True)
    draft_title = Varchar(length=300, default="")
    packet_version = Integer()
    points = Integer(default=0)
    opinions = Integer(default=0)
    folded_into = ForeignKey(references=Draft, null=True, default=None, index=True)
    received_at = Timestamptz(default=TimestamptzNow())


class InboundPoint(Table, tablename="inbound_points"):
    """A received point, folded into our own draft as one opinion that stands for ``opinion_count`` opinions.

    Attribution keeps the chain lower station → office → activity so our own packet can say
    where a point came from, and the outcome can be sent back to the point that raised it.
    """

    inbound = ForeignKey(references=InboundPacket, index=True)
    opinion = ForeignKey(references=Opinion, null=True, default=None, unique=True)
    point_id = Varchar(length=40)
    article = Integer(null=True, default=None)
    opinion_count = Integer(default=1)  # not `count`: that name is Table.count()
    people = Integer(default=1)
    stance = Varchar(length=12, null=True, default=None)
    station_name = Varchar(length=200, default="")
    offices = JSON(default={})
    activities = JSON(default=[])
