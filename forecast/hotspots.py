"""Hotspot forecasts: where (and, when records carry times, when in the evening) to be seen.

``forecast_hotspots`` fits the risk model on the records before ``as_of`` (or takes a
given fit), builds the surface of expected burglaries for the next ``horizon_days``, and
chooses ``count`` discs of ``radius_m`` by greedy maximum coverage of that surface (see
``forecast.selection`` for the rule and the privacy rule on centres).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import numpy as np
from scipy.spatial import cKDTree

from .fit import RiskFit, fit_risk_params
from .history import History, check_as_of, history_at
from .model import MIN_RECENT_INCIDENTS, RECENT_DAYS, risk_surface
from .records import DEFAULT_TZ
from .selection import disc_sum, select_discs
from .texts import burglaries, text
from .windows import EveningWindow, evening_windows

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from .records import Incident

MIN_GAIN_SHARE = 0.1
"""A disc adding less than this share of what the first disc holds is not a hotspot: with
few records, fewer hotspots than asked for come back (on the Chicago extract the 85th disc
still adds about 30 % of the first)."""

OWN_EVIDENCE = 50
"""A fit that scored fewer burglaries than this rests mostly on the pooled prior, and the
``why`` says so (50 is where the fit used to give up and keep the defaults)."""

NEAR_REPEAT_LEAD = 0.5
"""A hotspot is explained by recent burglaries when they bring at least this share of its
expected burglaries, otherwise by the long-term pattern."""


@dataclass(frozen=True, slots=True)
class HotspotForecast:
    """One forecast hotspot: a disc to be present in.

    Parameters
    ----------
    lat, lon
        Centre, WGS84 degrees: a node of the forecast grid, never a record's own position
        (see ``forecast.selection``).
    radius_m
        Disc radius in metres.
    weight
        Expected burglaries inside the disc over the forecast horizon (7 days by default),
        from the model: long-term part plus near-repeat part. Positive.
    near_repeat_share
        Share of ``weight`` brought by recent burglaries nearby (0 to 1).
    why
        The reason in plain words: "5 burglaries within 150 m in the last 8 weeks, 2 in the
        last 7 days; 9 within 150 m in 26 weeks" when recent burglaries bring at least
        half of ``weight``, otherwise "long-term pattern: 12 burglaries within 150 m in 26
        weeks; 1 in the last 8 weeks, 0 in the last 7 days"; with a note when the area has
        few recent records, when the parameters are defaults, or when they rest mostly on
        the pooled prior. The texts live in ``forecast.texts``.
    windows
        Evening windows (17:00-22:00 local) where the disc's records' evening mass is
        highest, best first; empty when its records carry no times.

    Raises
    ------
    ValueError
        If a value is out of range.
    """

    lat: float
    lon: float
    radius_m: float
    weight: float
    near_repeat_share: float
    why: str
    windows: tuple[EveningWindow, ...] = ()

    def __post_init__(self) -> None:
        if not (-90.0 <= self.lat <= 90.0 and -180.0 <= self.lon <= 180.0):
            msg = f"A hotspot centre ({self.lat}, {self.lon}) is not a WGS84 position."
            raise ValueError(msg)
        if not (self.radius_m > 0 and self.weight > 0):
            msg = "A hotspot needs a positive radius and a positive weight."
            raise ValueError(msg)
        if not 0.0 <= self.near_repeat_share <= 1.0:
            msg = f"near_repeat_share must lie in 0..1, got {self.near_repeat_share}."
            raise ValueError(msg)


def explain(
    *,
    radius_m: float,
    near_repeat_share: float,
    last_week: int,
    recent: int,
    long_term: int,
    weeks: int,
    area_recent: int,
    fitted: bool,
    scored: int | None = None,
) -> str:
    """The ``why`` of a hotspot from its counts (texts from ``forecast.texts``).

    Parameters
    ----------
    radius_m
        Disc radius.
    near_repeat_share
        Share of the disc's expected burglaries brought by recent ones.
    last_week, recent, long_term
        Records in the disc in the last 7 days, the last 8 weeks and the whole history.
    weeks
        Length of the history in weeks.
    area_recent
        Records in the whole area in the last 8 weeks.
    fitted
        Whether the model's parameters were fitted (False: defaults).
    scored
        Burglaries the fit scored; fewer than ``OWN_EVIDENCE`` say the parameters are
        mostly the pooled prior's. None says nothing.

    Returns
    -------
    str
    """
    r = f"{radius_m:.0f} m"
    if near_repeat_share >= NEAR_REPEAT_LEAD:
        why = text(
            "lead.recent",
            recent_burglaries=burglaries(recent),
            long_term=long_term,
            radius=r,
            last_week=last_week,
            weeks=weeks,
        )
    else:
        why = text(
            "lead.long_term",
            long_term_burglaries=burglaries(long_term),
            recent=recent,
            radius=r,
            last_week=last_week,
            weeks=weeks,
        )
    if area_recent < MIN_RECENT_INCIDENTS:
        why += text("note.few_recent", area_recent=area_recent)
    if not fitted:
        why += text("note.defaults")
    elif scored is not None and scored < OWN_EVIDENCE:
        why += text("note.mostly_pooled", scored_burglaries=burglaries(scored))
    return why


def forecast_hotspots(
    incidents: Sequence[Incident],
    *,
    as_of: datetime,
    count: int,
    radius_m: float = 150.0,
    tz: str = DEFAULT_TZ,
    fit: RiskFit | None = None,
    horizon_days: float = 7.0,
    history_days: float = 365.0,
    cell_m: float = 25.0,
    min_offset_m: float = 50.0,
) -> list[HotspotForecast]:
    """Forecast ``count`` hotspots for the ``horizon_days`` after ``as_of``.

    Parameters
    ----------
    incidents
        Burglary records; only those known at ``as_of`` (latest possible moment at or
        before it) and at most ``history_days`` old are used.
    as_of
        The forecast moment, timezone-aware.
    count
        How many hotspots at most (fewer when the records run out).
    radius_m
        Radius of each hotspot's disc, metres.
    tz
        Local time zone: date-only records' days, evening windows, weekly fitting origins.
    fit
        Model parameters to use; by default they are fitted now on the records before
        ``as_of`` (``forecast.fit.fit_risk_params``).
    horizon_days
        Length of the forecast period, days.
    history_days
        How far back the model looks, days.
    cell_m
        Grid cell size in metres (the spacing of candidate centres).
    min_offset_m
        Least distance from a centre to the records of a disc that holds one spot only.

    Returns
    -------
    list of HotspotForecast
        Highest weight first; fewer than ``count`` when the rest would each add less than
        ``MIN_GAIN_SHARE`` of the first disc's expected burglaries; empty when no record is
        known at ``as_of``.

    Raises
    ------
    ValueError
        If ``as_of`` is naive or an option is out of range.
    """
    check_as_of(as_of)
    if count < 1:
        msg = f"count must be at least 1, got {count}."
        raise ValueError(msg)
    if not (radius_m > 0 and 0 < cell_m <= radius_m):
        msg = "radius_m must be positive and cell_m between 0 and radius_m."
        raise ValueError(msg)
    zone = ZoneInfo(tz)
    if not incidents:
        return []
    history = history_at(incidents, as_of=as_of, tz=zone, history_days=history_days)
    if len(history) == 0:
        return []
    if fit is None:
        fit = fit_risk_params(
            incidents, as_of=as_of, tz=tz, history_days=history_days, horizon_days=horizon_days
        )
    surface = risk_surface(
        history, fit.params, horizon_days=horizon_days, cell_m=cell_m, margin_m=radius_m
    )
    total = surface.total
    discs = select_discs(
        total,
        surface.grid,
        count=count,
        radius_m=radius_m,
        record_x_m=history.x_m,
        record_y_m=history.y_m,
        min_offset_m=min_offset_m,
        min_gain_share=MIN_GAIN_SHARE,
    )
    tree = cKDTree(np.column_stack([history.x_m, history.y_m]))
    area_recent = int(np.count_nonzero(history.age_days <= RECENT_DAYS))
    weeks = max(round(history.span_days / 7.0), 1)
    forecasts: list[HotspotForecast] = []
    for disc in discs:
        weight = disc_sum(total, surface.grid, disc, radius_m)
        if not weight > 0:
            continue
        near = disc_sum(surface.near_repeat, surface.grid, disc, radius_m)
        inside = tree.query_ball_point((disc.x_m, disc.y_m), radius_m)
        forecasts.append(
            _hotspot(
                history,
                inside,
                disc.x_m,
                disc.y_m,
                radius_m,
                weight,
                near,
                area_recent,
                weeks,
                fit,
                zone,
            )
        )
    forecasts.sort(key=lambda h: -h.weight)
    return forecasts


def _hotspot(
    history: History,
    inside: list[int],
    x_m: float,
    y_m: float,
    radius_m: float,
    weight: float,
    near: float,
    area_recent: int,
    weeks: int,
    fit: RiskFit,
    zone: ZoneInfo,
) -> HotspotForecast:
    ages = history.age_days[inside]
    share = min(max(near / weight, 0.0), 1.0)
    why = explain(
        radius_m=radius_m,
        near_repeat_share=share,
        last_week=int(np.count_nonzero(ages <= 7.0)),
        recent=int(np.count_nonzero(ages <= RECENT_DAYS)),
        long_term=len(inside),
        weeks=weeks,
        area_recent=area_recent,
        fitted=fit.fitted,
        scored=fit.incidents,
    )
    lat, lon = history.projection.to_latlon(x_m, y_m)
    windows = evening_windows((history.incidents[i] for i in inside), zone)
    return HotspotForecast(float(lat), float(lon), radius_m, weight, share, why, windows)
