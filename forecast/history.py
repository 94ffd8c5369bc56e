"""The records a forecast may use, as arrays: metres on a local projection, days before ``as_of``.

A record is history at ``as_of`` when its latest possible moment is at or before ``as_of``
(a date-only record: when its whole day has passed) and the middle of its span lies within
``history_days`` before ``as_of``. The model dates a record at the middle of its span.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import numpy as np

from .projection import FloatArray, LocalProjection

if TYPE_CHECKING:
    from collections.abc import Sequence
    from zoneinfo import ZoneInfo

    from .records import Incident


def check_as_of(as_of: datetime) -> None:
    """Refuse a naive ``as_of``.

    Parameters
    ----------
    as_of
        The forecast moment.

    Raises
    ------
    ValueError
        If ``as_of`` has no time zone.
    """
    if as_of.utcoffset() is None:
        msg = "as_of needs a time zone (an aware datetime)."
        raise ValueError(msg)


@dataclass(frozen=True, slots=True, eq=False)
class History:
    """Records known at ``as_of``, in the arrays the model works on.

    Attributes
    ----------
    incidents
        The records kept, in input order; array entries follow the same order.
    as_of
        The forecast moment (aware).
    projection
        The projection the metres refer to.
    x_m, y_m
        Positions in metres.
    age_days
        Days from the middle of each record's span to ``as_of`` (non-negative).
    known_days
        Days from each record's latest possible moment to ``as_of`` (non-negative): from
        then on the record is known.
    span_days
        Days of observation: from the oldest record's middle, at most ``history_days``.
    """

    incidents: tuple[Incident, ...]
    as_of: datetime
    projection: LocalProjection
    x_m: FloatArray
    y_m: FloatArray
    age_days: FloatArray
    known_days: FloatArray
    span_days: float

    def __len__(self) -> int:
        return len(self.incidents)


def history_at(
    incidents: Sequence[Incident],
    *,
    as_of: datetime,
    tz: ZoneInfo,
    history_days: float,
    projection: LocalProjection | None = None,
) -> History:
    """Select and convert the records known at ``as_of``.

    Parameters
    ----------
    incidents
        All records (any order; later ones are ignored).
    as_of
        The forecast moment (aware).
    tz
        Time zone in which date-only records are read.
    history_days
        How far back to look, in days.
    projection
        Projection to use; by default one centred on the records kept (or on all records
        when none is kept).

    Returns
    -------
    History
        Possibly empty.

    Raises
    ------
    ValueError
        If ``as_of`` is naive, ``history_days`` is not positive or no record is given and
        no projection either.
    """
    check_as_of(as_of)
    if not history_days > 0:
        msg = f"history_days must be positive, got {history_days}."
        raise ValueError(msg)
    kept: list[Incident] = []
    ages: list[float] = []
    known: list[float] = []
    now = as_of.astimezone(UTC)  # elapsed time: aware arithmetic in one zone is wall-clock
    for incident in incidents:
        first, last = (moment.astimezone(UTC) for moment in incident.span(tz))
        if last > now:
            continue
        middle = first + (last - first) / 2
        age = (now - middle) / timedelta(days=1)
        if age > history_days:
            continue
        kept.append(incident)
        ages.append(age)
        known.append((now - last) / timedelta(days=1))
    if projection is None:
        source = kept or list(incidents)
        if not source:
            msg = "No records and no projection: nothing to place a forecast on."
            raise ValueError(msg)
        projection = LocalProjection.around([i.lat for i in source], [i.lon for i in source])
    x_m, y_m = projection.to_xy([i.lat for i in kept], [i.lon for i in kept])
    age_days = np.asarray(ages, dtype=float)
    span = float(min(age_days.max(), history_days)) if kept else 0.0
    return History(
        incidents=tuple(kept),
        as_of=as_of,
        projection=projection,
        x_m=x_m.reshape(-1),
        y_m=y_m.reshape(-1),
        age_days=age_days,
        known_days=np.asarray(known, dtype=float),
        span_days=span,
    )
