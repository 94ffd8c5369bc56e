"""Local time: Europe/Copenhagen, and conversion between clock times and plan seconds."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Europe/Copenhagen")

ClockOrDateTime = datetime | time


def today_local() -> date:
    """Today's date in Copenhagen."""
    return datetime.now(LOCAL_TZ).date()


def to_local(value: ClockOrDateTime, day: date) -> datetime:
    """An aware datetime: a clock time is taken on ``day``; no offset means Copenhagen time."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value.replace(tzinfo=LOCAL_TZ)
        return value.astimezone(LOCAL_TZ)
    if value.tzinfo is not None:
        return datetime.combine(day, value.replace(tzinfo=None), tzinfo=value.tzinfo).astimezone(
            LOCAL_TZ
        )
    return datetime.combine(day, value, tzinfo=LOCAL_TZ)


def seconds_between(origin: datetime, moment: datetime) -> int:
    """Whole elapsed seconds from ``origin`` to ``moment`` (negative when before).

    Computed in UTC: Python subtracts datetimes sharing one tzinfo by wall clock, which
    would be an hour off across a daylight-saving change.
    """
    return int((moment.astimezone(UTC) - origin.astimezone(UTC)).total_seconds())


def at_offset(origin: datetime, offset_s: int) -> datetime:
    """The local time ``offset_s`` elapsed seconds after ``origin`` (UTC arithmetic)."""
    return (origin.astimezone(UTC) + timedelta(seconds=offset_s)).astimezone(LOCAL_TZ)


def hhmm(moment: datetime) -> str:
    """``HH:MM`` in Copenhagen time."""
    return moment.astimezone(LOCAL_TZ).strftime("%H:%M")
