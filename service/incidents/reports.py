"""Local-area burglary reports: the numbers a municipality passes on to residents.

For each local area (imported polygons, or grid cells), counted by each record's day
(``store.incident_day``) before the report's day ``as_of``:

- ``last_4_weeks``: the 28 days before ``as_of``; ``previous_4_weeks``: the 28 before those;
  ``same_weeks_last_year``: the 28 days 52 weeks before the last 4 weeks (same weekdays),
  null when the records do not reach back that far;
- ``trend`` (``TREND_RULE``): the baseline is the mean of the previous 4 weeks and the same
  weeks last year (the previous 4 weeks alone without last year); "rising" when the last
  4 weeks exceed it by at least max(3, 2 x sqrt(baseline)) burglaries, "falling" when they
  fall short by as much, else "steady". Two square roots are about two standard
  deviations of a Poisson count, so a change that small numbers make by chance reads
  "steady";
- ``top_streets``: the streets (OSM name of the nearest street edge, within
  ``STREET_REACH_M``) with at least ``MIN_STREET_COUNT`` burglaries in the last 4 weeks;
- ``expected_next_7_days``: the forecast's expected burglaries inside the local area.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import numpy as np
import shapely

from forecast import fit_risk_params, forecast_hotspots, risk_surface
from forecast.history import history_at

from .hotspots import RADIUS_M, StreetPlacer, hotspots_from_forecasts, known_at, street_name
from .localareas import GRID_CELL_M, LocalArea, assign_local_areas, grid_local_areas
from .store import incident_day

if TYPE_CHECKING:
    from collections.abc import Sequence

    from forecast import Incident
    from graphs import StreetNetwork

    from .hotspots import Hotspot

PERIOD_DAYS = 28
LAST_YEAR_DAYS = 364
TREND_MIN_CHANGE = 3.0
MIN_STREET_COUNT = 2
TOP_STREETS = 3
STREET_REACH_M = 100.0
OUTSIDE = "(outside the local areas)"
TREND_RULE = (
    "baseline = mean of the previous 4 weeks and the same weeks last year (the previous 4 "
    "weeks alone when the records do not reach back a year); rising when the last 4 weeks "
    "exceed the baseline by at least max(3, 2 x sqrt(baseline)) burglaries, falling when "
    "they fall short by as much, else steady"
)


@dataclass(frozen=True, slots=True)
class LocalAreaNumbers:
    """One local area's counts, trend, top streets and forecast."""

    name: str
    last_4_weeks: int
    previous_4_weeks: int
    same_weeks_last_year: int | None
    trend: str
    top_streets: tuple[tuple[str, int], ...]
    expected_next_7_days: float


@dataclass(frozen=True, slots=True)
class AreaReport:
    """A report on an area as of a day.

    Attributes
    ----------
    periods
        ``last_4_weeks``, ``previous_4_weeks``, ``same_weeks_last_year``: (first, last) days.
    local_areas
        Numbers per local area in the areas' order (imported: file order; grid: north to
        south, west to east), plus ``OUTSIDE`` when records fall in none.
    polygons
        The local areas themselves, for the map.
    hotspots
        The forecast's hotspots on the streets.
    """

    area: str
    as_of: date
    periods: dict[str, tuple[date, date]]
    trend_rule: str
    local_areas_from: str
    total: LocalAreaNumbers
    local_areas: tuple[LocalAreaNumbers, ...]
    polygons: tuple[LocalArea, ...]
    hotspots: tuple[Hotspot, ...]


def trend(last: int, previous: int, last_year: int | None) -> str:
    """ "rising", "falling" or "steady" by ``TREND_RULE``."""
    baseline = previous if last_year is None else (previous + last_year) / 2.0
    threshold = max(TREND_MIN_CHANGE, 2.0 * math.sqrt(baseline))
    if last - baseline >= threshold:
        return "rising"
    if baseline - last >= threshold:
        return "falling"
    return "steady"


def report_periods(as_of: date) -> dict[str, tuple[date, date]]:
    """The three periods of a report on ``as_of`` (days, both ends included)."""
    last = (as_of - timedelta(days=PERIOD_DAYS), as_of - timedelta(days=1))
    previous = (last[0] - timedelta(days=PERIOD_DAYS), last[0] - timedelta(days=1))
    year = (last[0] - timedelta(days=LAST_YEAR_DAYS), last[1] - timedelta(days=LAST_YEAR_DAYS))
    return {"last_4_weeks": last, "previous_4_weeks": previous, "same_weeks_last_year": year}


def nearest_streets(
    network: StreetNetwork, lats: Sequence[float], lons: Sequence[float]
) -> list[str | None]:
    """The name of the street edge nearest each point (None: none within
    ``STREET_REACH_M``)."""
    if not len(lats):
        return []
    x, y = network.to_metric.transform(np.asarray(lons, dtype=float), np.asarray(lats, dtype=float))
    points = shapely.points(np.atleast_1d(x), np.atleast_1d(y))
    (point_idx, edge_idx), distance = network.edge_tree.query_nearest(
        points, return_distance=True, all_matches=False
    )
    names: list[str | None] = [None] * len(lats)
    for p, e, d in zip(point_idx.tolist(), edge_idx.tolist(), distance.tolist(), strict=True):
        if d <= STREET_REACH_M:
            u, v, key = int(network.edge_u[e]), int(network.edge_v[e]), int(network.edge_key[e])
            names[p] = street_name(network.graph.edges[u, v, key])
    return names


def _counts(days: list[date], members: np.ndarray, period: tuple[date, date]) -> int:
    first, last = period
    return sum(1 for i in members if first <= days[i] <= last)


def _numbers(
    name: str,
    members: np.ndarray,
    days: list[date],
    streets: list[str | None],
    periods: dict[str, tuple[date, date]],
    year_covered: bool,
    expected: float,
) -> LocalAreaNumbers:
    last = _counts(days, members, periods["last_4_weeks"])
    previous = _counts(days, members, periods["previous_4_weeks"])
    year = _counts(days, members, periods["same_weeks_last_year"]) if year_covered else None
    first_day, last_day = periods["last_4_weeks"]
    recent = Counter(streets[i] for i in members if first_day <= days[i] <= last_day and streets[i])
    top = sorted(
        ((street, n) for street, n in recent.items() if street and n >= MIN_STREET_COUNT),
        key=lambda item: (-item[1], item[0]),
    )[:TOP_STREETS]
    return LocalAreaNumbers(
        name, last, previous, year, trend(last, previous, year), tuple(top), expected
    )


def build_report(
    incidents: Sequence[Incident],
    *,
    area: str,
    as_of: date,
    local_areas: Sequence[LocalArea] = (),
    network: StreetNetwork | None = None,
    extent: tuple[float, float, float, float] | None = None,
    hotspot_count: int = 10,
    tz: str = "Europe/Copenhagen",
) -> AreaReport:
    """The report on ``area`` as of the start of ``as_of`` (local midnight).

    Parameters
    ----------
    incidents
        The area's records; those on ``as_of`` or later are ignored.
    area
        The area's name.
    as_of
        The report's day.
    local_areas
        Imported local areas; empty: grid cells of ``GRID_CELL_M`` holding records.
    network
        The area's street network, for street names and hotspots on streets.
    extent
        ``(south, west, north, east)`` of the area (the grid is laid from it); default:
        the records' box.
    hotspot_count
        How many hotspots to forecast for the map.
    tz
        Local time zone.

    Returns
    -------
    AreaReport
    """
    zone = ZoneInfo(tz)
    moment = datetime.combine(as_of, time(0), tzinfo=zone)
    kept = [i for i in incidents if incident_day(i) < as_of]
    days = [incident_day(i) for i in kept]
    lats = [i.lat for i in kept]
    lons = [i.lon for i in kept]
    periods = report_periods(as_of)
    year_covered = bool(days) and min(days) <= periods["same_weeks_last_year"][0]
    if local_areas:
        polygons, source = list(local_areas), "imported"
    else:
        box = extent or (
            min(lats, default=0.0),
            min(lons, default=0.0),
            max(lats, default=0.0),
            max(lons, default=0.0),
        )
        centre = ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)
        polygons = grid_local_areas(lats, lons, centre=centre, extent=box)
        source = f"grid of {GRID_CELL_M / 1000:g} km cells"
    member = assign_local_areas(polygons, lats, lons)
    streets: list[str | None] = [None] * len(kept)
    if network is not None:
        streets = nearest_streets(network, lats, lons)
    expected, hotspots = _forecast(kept, moment, tz, polygons, network, hotspot_count)
    numbers = [
        _numbers(
            la.name, np.flatnonzero(member == k), days, streets, periods, year_covered, expected[k]
        )
        for k, la in enumerate(polygons)
    ]
    outside = np.flatnonzero(member < 0)
    if len(outside):
        numbers.append(
            _numbers(OUTSIDE, outside, days, streets, periods, year_covered, expected[-1])
        )
    total = _numbers(
        "all", np.arange(len(kept)), days, streets, periods, year_covered, float(sum(expected))
    )
    return AreaReport(
        area=area,
        as_of=as_of,
        periods=periods,
        trend_rule=TREND_RULE,
        local_areas_from=source,
        total=total,
        local_areas=tuple(numbers),
        polygons=tuple(polygons),
        hotspots=tuple(hotspots),
    )


def _forecast(
    incidents: list[Incident],
    moment: datetime,
    tz: str,
    polygons: Sequence[LocalArea],
    network: StreetNetwork | None,
    count: int,
) -> tuple[list[float], list[Hotspot]]:
    """Expected burglaries per local area over the next 7 days (the last entry: outside
    every local area) and the hotspots on the streets, from one fit."""
    expected = np.zeros(len(polygons) + 1)
    if not incidents:
        return expected.tolist(), []
    zone = ZoneInfo(tz)
    fit = fit_risk_params(incidents, as_of=moment, tz=tz)
    history = history_at(incidents, as_of=moment, tz=zone, history_days=365.0)
    if not len(history):
        return expected.tolist(), []
    surface = risk_surface(history, fit.params, horizon_days=7.0, margin_m=RADIUS_M)
    values = surface.total
    rows, cols = np.nonzero(values > values.max() * 1e-6)
    x_m, y_m = surface.grid.node_xy(rows, cols)
    lat, lon = history.projection.to_latlon(x_m, y_m)
    owner = assign_local_areas(polygons, lat, lon)
    np.add.at(expected, np.where(owner < 0, len(polygons), owner), values[rows, cols])
    forecasts = forecast_hotspots(incidents, as_of=moment, count=count, tz=tz, fit=fit)
    placer = None
    if network is not None and forecasts:
        known = known_at(incidents, moment, zone)
        placer = StreetPlacer(network, [i.lat for i in known], [i.lon for i in known])
    return expected.tolist(), hotspots_from_forecasts(forecasts, placer=placer)
