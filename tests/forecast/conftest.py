"""Tiny hand-checkable burglary records in Copenhagen, and the Chicago extract."""

from __future__ import annotations

import csv
import os
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from forecast import Incident, incidents_from_rows
from forecast.projection import LocalProjection

CPH = ZoneInfo("Europe/Copenhagen")
AS_OF = datetime(2024, 11, 25, 0, 0, tzinfo=CPH)
"""A Monday, midnight, Copenhagen time: the forecast moment of the tiny cases."""

PLACE = LocalProjection(55.70, 12.55)
"""Metres in the tiny cases are east and north of this point (Copenhagen, Nørrebro)."""

CHICAGO_CSV = Path(
    os.environ.get(
        "EYES_INCIDENTS_CSV",
        Path(__file__).resolve().parents[3]
        / "shared/data/incidents/chicago-residential-burglary-2016-h1.csv",
    )
)


def at(
    ident: str,
    x_m: float,
    y_m: float,
    days_ago: float,
    *,
    hours: tuple[int, int] | None = None,
) -> Incident:
    """A record ``x_m`` east and ``y_m`` north of ``PLACE``, dated ``days_ago`` before ``AS_OF``.

    Without ``hours`` it is a date-only record of that day; with ``hours=(18, 20)`` it is a
    span from 18:00 to 20:00 local time on that day (an end hour below the start hour runs
    past midnight).
    """
    lat, lon = PLACE.to_latlon(x_m, y_m)
    day = (AS_OF - timedelta(days=days_ago)).date()
    if hours is None:
        return Incident(ident, float(lat), float(lon), day)
    start = datetime.combine(day, time(hours[0]), tzinfo=CPH)
    end = datetime.combine(day, time(hours[1]), tzinfo=CPH)
    if end < start:
        end += timedelta(days=1)
    return Incident(ident, float(lat), float(lon), start, end)


def metres_from(lat: float, lon: float, x_m: float, y_m: float) -> float:
    """Distance in metres from a WGS84 position to the point ``(x_m, y_m)`` of ``PLACE``."""
    x, y = PLACE.to_xy(lat, lon)
    return float(((x - x_m) ** 2 + (y - y_m) ** 2) ** 0.5)


@pytest.fixture(scope="session")
def chicago() -> list[Incident]:
    """The 5,065 Chicago residential burglaries of 2016 H1 (date-only, local Chicago days)."""
    if not CHICAGO_CSV.is_file():
        pytest.skip(f"the Chicago extract is not at {CHICAGO_CSV} (set EYES_INCIDENTS_CSV)")
    with CHICAGO_CSV.open(newline="") as handle:
        return incidents_from_rows(csv.DictReader(handle), tz="America/Chicago")


def monday(day: date, tz: ZoneInfo) -> datetime:
    """Local midnight at the start of ``day``."""
    return datetime.combine(day, time(0), tzinfo=tz)
