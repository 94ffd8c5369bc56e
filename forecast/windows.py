"""When in the evening: aoristic time-of-day analysis of records that carry times.

A record known only as "between 18:00 and 20:00" is spread evenly over that span
(aoristic analysis, Ratcliffe 2002): each local clock hour it touches gets the share of
the span that falls in it. Only the evening hours 17:00-22:00 local time (the outreach
staff's evening shift) are kept. The proposed windows are the runs of consecutive evening
hours whose mass is at least half the busiest evening hour's, ranked by their share of the
evening mass. Date-only records, and spans longer than ``MAX_SPAN_DAYS`` (which say almost
nothing about the hour), carry no time of day and give no window.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, time, timedelta
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Iterable
    from zoneinfo import ZoneInfo

    from .projection import FloatArray
    from .records import Incident

EVENING_HOURS = range(17, 22)
"""Clock hours 17:00-18:00 ... 21:00-22:00, local time."""

MAX_SPAN_DAYS = 7.0
"""Spans longer than this carry no time-of-day information."""


@dataclass(frozen=True, slots=True)
class EveningWindow:
    """An evening window, local time, with its share of the evening burglary mass.

    Parameters
    ----------
    start, end
        Whole local hours within 17:00-22:00, ``start`` before ``end``.
    share
        Share of the evening mass (aoristic) inside the window, 0 to 1.

    Raises
    ------
    ValueError
        If the window is not inside the evening or the share is outside 0..1.
    """

    start: time
    end: time
    share: float

    def __post_init__(self) -> None:
        first, last = EVENING_HOURS[0], EVENING_HOURS[-1] + 1
        if not (time(first) <= self.start < self.end <= time(last)):
            msg = f"An evening window must lie within {first}:00-{last}:00 with start before end."
            raise ValueError(msg)
        if not 0.0 <= self.share <= 1.0:
            msg = f"A window's share must lie in 0..1, got {self.share}."
            raise ValueError(msg)


def evening_hour_mass(incidents: Iterable[Incident], tz: ZoneInfo) -> FloatArray:
    """Aoristic mass of the records in each evening hour.

    Parameters
    ----------
    incidents
        Records; those without times (or with spans over ``MAX_SPAN_DAYS``) add nothing.
    tz
        Local time zone of the clock hours.

    Returns
    -------
    ndarray
        One value per hour of ``EVENING_HOURS``; each record adds at most 1 in total.
    """
    mass = np.zeros(len(EVENING_HOURS))
    for incident in incidents:
        if not incident.has_time:
            continue
        first, last = incident.span(tz)
        length = (last - first).total_seconds()
        if length > MAX_SPAN_DAYS * 86_400:
            continue
        if length == 0:
            hour = first.astimezone(tz).hour
            if hour in EVENING_HOURS:
                mass[hour - EVENING_HOURS[0]] += 1.0
            continue
        moment = first.astimezone(UTC)
        end = last.astimezone(UTC)
        while moment < end:
            local = moment.astimezone(tz)
            into_hour = local.minute * 60 + local.second + local.microsecond / 1e6
            step = min(moment + timedelta(seconds=3600 - into_hour), end)
            if local.hour in EVENING_HOURS:
                mass[local.hour - EVENING_HOURS[0]] += (step - moment).total_seconds() / length
            moment = step
    return mass


def evening_windows(incidents: Iterable[Incident], tz: ZoneInfo) -> tuple[EveningWindow, ...]:
    """The evening windows where the records' evening mass is highest.

    Parameters
    ----------
    incidents
        Records (e.g. those within a hotspot's disc).
    tz
        Local time zone.

    Returns
    -------
    tuple of EveningWindow
        Highest share first; empty when no record puts mass in the evening.
    """
    mass = evening_hour_mass(incidents, tz)
    total = float(mass.sum())
    if total <= 1e-9:
        return ()
    busy = mass >= 0.5 * mass.max()
    windows: list[EveningWindow] = []
    k = 0
    while k < len(mass):
        if not busy[k]:
            k += 1
            continue
        stop = k
        while stop < len(mass) and busy[stop]:
            stop += 1
        share = min(float(mass[k:stop].sum()) / total, 1.0)
        windows.append(EveningWindow(time(EVENING_HOURS[k]), time(EVENING_HOURS[0] + stop), share))
        k = stop
    return tuple(sorted(windows, key=lambda w: -w.share))
