"""Burglary records: the ``Incident`` the forecast reads, and a row reader that checks them.

A record says where a burglary happened and when, as precisely as it is known: a day, an
exact moment, or a span ("between 08:00 and 16:00", the usual case in Danish police
exports). Positions are WGS84 degrees.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from .errors import IncidentRowsError

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

DEFAULT_TZ = "Europe/Copenhagen"


@dataclass(frozen=True, slots=True)
class Incident:
    """One recorded burglary.

    Parameters
    ----------
    id
        The record's id (for logs and explanations; never shown with a position).
    lat, lon
        WGS84 degrees.
    start
        When it happened: a ``date`` when only the day is known, otherwise the earliest
        possible moment as a timezone-aware ``datetime``.
    end
        The latest possible moment (aware, not before ``start``) when the record gives a
        span; ``None`` for an exact moment or a date-only record.
    kind
        Optional free text (e.g. "detached house").

    Raises
    ------
    ValueError
        If a field is out of range or the times do not fit together.
    """

    id: str
    lat: float
    lon: float
    start: datetime | date
    end: datetime | None = None
    kind: str | None = None

    def __post_init__(self) -> None:
        if not self.id:
            msg = "An incident needs a non-empty id."
            raise ValueError(msg)
        if not (math.isfinite(self.lat) and -90.0 <= self.lat <= 90.0):
            msg = f"Incident {self.id!r} has latitude {self.lat}, outside -90..90."
            raise ValueError(msg)
        if not (math.isfinite(self.lon) and -180.0 <= self.lon <= 180.0):
            msg = f"Incident {self.id!r} has longitude {self.lon}, outside -180..180."
            raise ValueError(msg)
        if isinstance(self.start, datetime):
            if self.start.utcoffset() is None:
                msg = f"Incident {self.id!r} has a start time without a time zone."
                raise ValueError(msg)
            if self.end is not None:
                if self.end.utcoffset() is None:
                    msg = f"Incident {self.id!r} has an end time without a time zone."
                    raise ValueError(msg)
                if self.end < self.start:
                    msg = f"Incident {self.id!r} ends before it starts."
                    raise ValueError(msg)
        elif self.end is not None:
            msg = f"Incident {self.id!r} gives only a date, so it cannot have an end time."
            raise ValueError(msg)

    @property
    def has_time(self) -> bool:
        """Whether the record carries a time of day (not just a date)."""
        return isinstance(self.start, datetime)

    def span(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """The earliest and latest possible moments, aware.

        Parameters
        ----------
        tz
            Time zone in which a date-only record's day is read (its day runs from local
            midnight to the next local midnight).

        Returns
        -------
        tuple of datetime
            ``(earliest, latest)``; equal for an exact moment.
        """
        if isinstance(self.start, datetime):
            return self.start, self.end if self.end is not None else self.start
        first = datetime.combine(self.start, time(0), tzinfo=tz)
        last = datetime.combine(self.start + timedelta(days=1), time(0), tzinfo=tz)
        return first, last


def _clean(row: Mapping[str, str | None], column: str) -> str:
    value = row.get(column)
    return "" if value is None else value.strip()


def _parse_float(text: str, low: float, high: float, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        msg = f"{text!r} is not a number"
        raise ValueError(msg) from None
    if not (math.isfinite(value) and low <= value <= high):
        msg = f"{what} {text} is outside {low:g}..{high:g}"
        raise ValueError(msg)
    return value


def _parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        msg = f"{text!r} is not a date (YYYY-MM-DD)"
        raise ValueError(msg) from None


def _parse_moment(text: str, day: date | None, tz: ZoneInfo) -> datetime:
    """A full ISO datetime, or a time of day ("HH:MM") on ``day``; naive means ``tz``."""
    if len(text) <= 8 and ":" in text:
        try:
            clock = time.fromisoformat(text)
        except ValueError:
            msg = f"{text!r} is not a time (HH:MM)"
            raise ValueError(msg) from None
        if day is None:
            msg = f"time {text!r} needs a date in column date"
            raise ValueError(msg)
        return datetime.combine(day, clock, tzinfo=tz)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        msg = f"{text!r} is not a time (HH:MM) or a date and time (ISO 8601, 2016-01-05T08:00)"
        raise ValueError(msg) from None
    return moment if moment.utcoffset() is not None else moment.replace(tzinfo=tz)


def _incident_from_row(
    row: Mapping[str, str | None], tz: ZoneInfo, problems: list[tuple[str, str]]
) -> Incident | None:
    """Read one row; append ``(column, problem)`` pairs and return None if it is bad."""
    before = len(problems)
    ident = _clean(row, "id")
    if not ident:
        problems.append(("id", "is empty"))
    values: dict[str, float] = {}
    for column, low, high, what in (
        ("lat", -90.0, 90.0, "latitude"),
        ("lon", -180.0, 180.0, "longitude"),
    ):
        try:
            values[column] = _parse_float(_clean(row, column), low, high, what)
        except ValueError as error:
            problems.append((column, str(error)))
    day: date | None = None
    date_text = _clean(row, "date")
    if date_text:
        try:
            day = _parse_date(date_text)
        except ValueError as error:
            problems.append(("date", str(error)))
    start_text, end_text = _clean(row, "start"), _clean(row, "end")
    start: datetime | None = None
    end: datetime | None = None
    if start_text:
        try:
            start = _parse_moment(start_text, day, tz)
        except ValueError as error:
            problems.append(("start", str(error)))
    elif end_text:
        problems.append(("start", "is empty but column end is given"))
    elif not date_text:
        problems.append(("date", "is empty and there is no start time"))
    if end_text and start is not None:
        try:
            end = _parse_moment(end_text, day, tz)
        except ValueError as error:
            problems.append(("end", str(error)))
        else:
            if end < start and len(end_text) <= 8:
                end += timedelta(days=1)  # "22:00 to 06:00" runs past midnight
            if end < start:
                problems.append(("end", f"{end_text!r} is before the start {start_text!r}"))
    if len(problems) > before:
        return None
    kind = _clean(row, "kind") or None
    return Incident(ident, values["lat"], values["lon"], start or day or date.min, end, kind)


def incidents_from_rows(
    rows: Iterable[Mapping[str, str | None]],
    *,
    tz: str = DEFAULT_TZ,
    first_line: int = 2,
) -> list[Incident]:
    """Read and check incident rows, all or nothing.

    Columns (by name; extra columns are ignored):

    - ``id``: non-empty and unique;
    - ``lat``, ``lon``: WGS84 degrees;
    - ``date``: ``YYYY-MM-DD``, alone for a date-only record;
    - ``start``, ``end`` (optional): an ISO 8601 date and time, or a time ``HH:MM`` on
      ``date``; without an offset they are local time in ``tz``. An ``end`` time of day
      earlier than ``start`` runs past midnight ("22:00" to "06:00");
    - ``kind`` (optional).

    Parameters
    ----------
    rows
        Mappings from column name to text, e.g. from ``csv.DictReader``.
    tz
        IANA time zone for times without an offset.
    first_line
        Line number of the first row, for messages (2 for a CSV file with a header).

    Returns
    -------
    list of Incident
        One per row, in row order.

    Raises
    ------
    IncidentRowsError
        If any row is bad; its message names each bad line and column
        (``line 7, column date: ...``) and no row is returned.
    """
    zone = ZoneInfo(tz)
    incidents: list[Incident] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for line, row in enumerate(rows, start=first_line):
        found: list[tuple[str, str]] = []
        incident = _incident_from_row(row, zone, found)
        ident = _clean(row, "id")
        if ident and ident in seen:
            found.insert(0, ("id", f"{ident!r} repeats the id on line {seen[ident]}"))
        elif ident:
            seen[ident] = line
        problems.extend(f"line {line}, column {column}: {text}" for column, text in found)
        if incident is not None and not found:
            incidents.append(incident)
    if problems:
        raise IncidentRowsError(tuple(problems))
    return incidents
