"""Local time: Europe/Copenhagen, and conversion between clock times and plan seconds."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Europe/Copenhagen")

ClockOrDateTime = datetime | time


def today_local() -> date:
    """Today's date in Copenhagen."""
    return datetime.now(LOCAL_TZ).date()


def as_of_moment(
    value: datetime | date | None, *, default: date, tz: tzinfo = LOCAL_TZ
) -> datetime:
    """The forecast moment: a date means its start (00:00 in ``tz``, Copenhagen by
    default), a naive datetime is ``tz`` time, None means the start of ``default``."""
    if value is None:
        value = default
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=tz)
    return datetime.combine(value, time(0), tzinfo=tz)


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
