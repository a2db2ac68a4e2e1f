"""The station's network: liaison offices (联络室/采集点), volunteers (三员) and station settings."""

from __future__ import annotations

from piccolo.columns import JSON, Boolean, ForeignKey, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from liaison.accounts.tables import User

__all__ = ["Office", "StationSetting", "Volunteer"]


class Office(Table, tablename="offices"):
    """A unit under the station: a township or street office, a company, a school."""

    name = Varchar(length=100, unique=True)
    area = Varchar(length=100, default="")
    address = Varchar(length=200, default="")
    contact = Varchar(length=50, default="")
    phone = Varchar(length=30, default="")
    is_active = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())


class Volunteer(Table, tablename="volunteers"):
    """A person in the 三员 network; ``role_name`` is one of the station's configured names."""

    name = Varchar(length=50)
    role_name = Varchar(length=20)
    office = ForeignKey(references=Office, index=True)
    phone = Varchar(length=30, default="")
    user = ForeignKey(references=User, null=True, default=None, index=True)
    is_active = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())


class StationSetting(Table, tablename="station_settings"):
    """Small per-station settings edited in the interface (e.g. volunteer role names)."""

    key = Varchar(length=50, unique=True)
    value = JSON(default={})
    updated_at = Timestamptz(default=TimestamptzNow())


class StaffOffice(Table, tablename="staff_offices"):
    """Which office an office_staff (or volunteer) account belongs to."""

    user = ForeignKey(references=User, unique=True)
    office = ForeignKey(references=Office, index=True)
    note = Text(default="")
