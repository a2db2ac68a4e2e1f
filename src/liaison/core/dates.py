"""Dates as Chinese readers expect them (2026年12月31日), in the station's time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

__all__ = ["as_utc", "day_end", "day_start", "format_date", "format_datetime", "to_local"]


def as_utc(value: datetime) -> datetime:
    """Treat naive datetimes (as SQLite may return them) as UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def to_local(value: datetime, tz: ZoneInfo) -> datetime:
    return as_utc(value).astimezone(tz)


def day_start(value: date | datetime, tz: ZoneInfo) -> datetime:
    """A date means the start of that day in the station's zone; a datetime stays as is."""
    if isinstance(value, datetime):
        return as_utc(value.replace(tzinfo=value.tzinfo or tz))
    return datetime.combine(value, time.min, tzinfo=tz).astimezone(UTC)


def day_end(value: date | datetime, tz: ZoneInfo) -> datetime:
    """A closing date means the whole of that day is still open."""
    if isinstance(value, datetime):
        return as_utc(value.replace(tzinfo=value.tzinfo or tz))
    return (datetime.combine(value, time.min, tzinfo=tz) + timedelta(days=1) - timedelta(seconds=1)).astimezone(UTC)


def format_date(value: date | datetime | None, tz: ZoneInfo | None = None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime) and tz is not None:
        value = to_local(value, tz)
    return f"{value.year}年{value.month}月{value.day}日"


def format_datetime(value: datetime | None, tz: ZoneInfo) -> str:
    if value is None:
        return ""
    local = to_local(value, tz)
    return f"{format_date(local)} {local:%H:%M}"
