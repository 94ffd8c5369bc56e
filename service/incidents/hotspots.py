"""From forecast discs to hotspots on the streets: placed, named, weighted for a plan.

``forecast.forecast_hotspots`` gives discs (centre, radius, expected burglaries, reason,
evening windows). On an area with a street network each centre is moved to the nearest
point of a street inside its disc (staff stand on streets, and the plan snaps to them),
and the hotspot is named after that street (OSM ``name`` of the edge). The point keeps the
forecast's privacy rule: it is never within ``DOOR_M`` of a record, and when the records
near it all sit at one spot (one address), it is at least ``min_offset_m`` from them, so a
hotspot never points at one victim's door. A disc with no street point that keeps the rule
keeps its forecast centre (the plan still snaps it to the nearest street).

Plan weights must lie in (0, 1000]: ``scale_weights`` gives the top hotspot
``top_weight`` (100 by default) and the others ``round(top_weight * expected /
max_expected, 1)``, at least ``MIN_WEIGHT``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import numpy as np
import shapely
from pyproj import Transformer

from forecast import forecast_hotspots
from forecast.hotspots import MIN_GAIN_SHARE
from forecast.selection import SAME_SPOT_M
from forecast.texts import translate_with

from .. import i18n
from ..i18n import N_, InTheLanguageOfTheMoment

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from forecast import EveningWindow, HotspotForecast, Incident
    from graphs import StreetNetwork

translate_with(InTheLanguageOfTheMoment())  # a hotspot's "why" in the reader's language

MIN_WEIGHT = 0.1
DOOR_M = 10.0
"""A placed hotspot is never closer than this to any record (a door)."""
STEP_M = 5.0
"""Spacing of the street points tried inside a disc."""
RADIUS_M = 150.0
UNNAMED = N_("unnamed road")


@dataclass(frozen=True, slots=True)
class Hotspot:
    """A hotspot to be present at, ready for a plan.

    Attributes
    ----------
    id
        ``hs-01-jernbanegade``: rank and street (ASCII), a plan identifier.
    lat, lon
        Where to stand: a street point inside the forecast disc (or the disc's centre).
    weight
        Plan weight, scaled from ``expected`` (see `scale_weights`).
    expected
        Expected burglaries inside the forecast disc over the next 7 days.
    radius_m
        The disc's radius.
    near_repeat_share
        Share of ``expected`` brought by recent burglaries nearby.
    street
        OSM name of the street the point lies on (None: not placed on a street).
    windows
        Evening windows (local time) when the disc's records happened, best first.
    why
        The reason in words, with the street.
    """

    id: str
    lat: float
    lon: float
    weight: float
    expected: float
    radius_m: float
    near_repeat_share: float
    street: str | None
    windows: tuple[EveningWindow, ...]
    why: str


def scale_weights(expected: Sequence[float], *, top_weight: float = 100.0) -> list[float]:
    """Plan weights from expected burglaries: the highest gets ``top_weight``, the others in
    proportion, rounded to 0.1 and at least ``MIN_WEIGHT``.

    Raises
    ------
    ValueError
        If ``top_weight`` is not in (0, 1000] or an expected value is not positive.
    """
    if not 0 < top_weight <= 1000:
        msg = f"top_weight must lie in (0, 1000], got {top_weight}."
        raise ValueError(msg)
    if any(not e > 0 for e in expected):
        msg = "expected burglaries must be positive."
        raise ValueError(msg)
    if not expected:
        return []
    most = max(expected)
    return [max(round(top_weight * e / most, 1), MIN_WEIGHT) for e in expected]


def slug(text: str) -> str:
    """ASCII lower-case with dashes: "Østergade" -> "oestergade", "Ved Åen" -> "ved-aaen"."""
    danish = text.replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    danish = danish.replace("Æ", "Ae").replace("Ø", "Oe").replace("Å", "Aa")
    plain = unicodedata.normalize("NFKD", danish).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")


def street_name(data: dict[str, Any]) -> str:
    """The name of an OSM edge (its first name when osmnx merged several), else its ref."""
    for key in ("name", "ref"):
        value = data.get(key)
        if isinstance(value, list):
            value = value[0] if value else None
        if isinstance(value, str) and value.strip():
            return value.strip()
    return i18n._(UNNAMED)


class StreetPlacer:
    """Places points on the streets of one network, keeping clear of the records.

    Parameters
    ----------
    network
        The area's street network (drive).
    record_lats, record_lons
        Positions of the records the forecast used.
    min_offset_m
        Least distance from a lone spot's records (the forecast's own rule).
    """

    def __init__(
        self,
        network: StreetNetwork,
        record_lats: Sequence[float],
        record_lons: Sequence[float],
        *,
        min_offset_m: float = 50.0,
    ) -> None:
        self.network = network
        self._to_degrees = Transformer.from_crs(network.crs_m, "EPSG:4326", always_xy=True)
        x, y = network.to_metric.transform(
            np.asarray(record_lons, dtype=float), np.asarray(record_lats, dtype=float)
        )
        self._records = np.column_stack([np.atleast_1d(x), np.atleast_1d(y)]).reshape(-1, 2)
        self._min_offset_m = min_offset_m

    def allows(self, x: float, y: float, radius_m: float) -> bool:
        """Whether a point at metric (x, y) keeps clear of every door and lone spot."""
        if not len(self._records):
            return True
        d = np.hypot(self._records[:, 0] - x, self._records[:, 1] - y)
        if d.min() < DOOR_M:
            return False
        inside = self._records[d <= radius_m]
        if not len(inside):
            return True
        spread = float(np.hypot(*(inside - inside.mean(axis=0)).T).max())
        return spread > SAME_SPOT_M or float(d[d <= radius_m].min()) >= self._min_offset_m

    def street_within(self, lat: float, lon: float, radius_m: float) -> bool:
        """Whether any street of the network passes within ``radius_m`` of (lat, lon)."""
        x, y = self.network.to_metric.transform(lon, lat)
        near = self.network.edge_tree.query(
            shapely.Point(x, y), predicate="dwithin", distance=radius_m
        )
        return len(near) > 0

    def edge_name(self, index: int) -> str:
        """The street name of edge row ``index`` of the network's edge arrays."""
        u, v, key = (
            int(self.network.edge_u[index]),
            int(self.network.edge_v[index]),
            int(self.network.edge_key[index]),
        )
        return street_name(self.network.graph.edges[u, v, key])

    def place(self, lat: float, lon: float, radius_m: float) -> tuple[float, float, str] | None:
        """The street point nearest (lat, lon) within ``radius_m`` that keeps the privacy
        rule, as (lat, lon, street name); None when there is none."""
        cx, cy = self.network.to_metric.transform(lon, lat)
        centre = shapely.Point(cx, cy)
        edges = self.network.edge_tree.query(centre.buffer(radius_m), predicate="intersects")
        candidates: list[tuple[float, float, float, int]] = []
        for index in edges:
            line = self.network.edge_geoms_m[index]
            near = line.interpolate(line.project(centre))
            length = float(line.length)
            steps = np.arange(0.0, length + STEP_M, STEP_M).clip(max=length)
            points = shapely.line_interpolate_point(line, steps)
            xs = np.append(shapely.get_x(points), near.x)
            ys = np.append(shapely.get_y(points), near.y)
            d = np.hypot(xs - cx, ys - cy)
            keep = d <= radius_m
            candidates.extend(
                zip(
                    d[keep].tolist(),
                    xs[keep].tolist(),
                    ys[keep].tolist(),
                    [int(index)] * int(keep.sum()),
                    strict=True,
                )
            )
        for _, x, y, index in sorted(candidates):
            if self.allows(x, y, radius_m):
                lon_p, lat_p = self._to_degrees.transform(x, y)
                return float(lat_p), float(lon_p), self.edge_name(index)
        return None


def known_at(incidents: Sequence[Incident], as_of: datetime, tz: ZoneInfo) -> list[Incident]:
    """The records whose latest possible moment is at or before ``as_of``."""
    now = as_of.astimezone(UTC)
    return [i for i in incidents if i.span(tz)[1].astimezone(UTC) <= now]


def hotspots_from_forecasts(
    forecasts: Sequence[HotspotForecast],
    *,
    placer: StreetPlacer | None,
    top_weight: float = 100.0,
) -> list[Hotspot]:
    """Ranked hotspots from forecast discs: placed on streets (with a placer), named,
    weighted. Order and expected burglaries are the forecast's."""
    weights = scale_weights([f.weight for f in forecasts], top_weight=top_weight)
    hotspots: list[Hotspot] = []
    for rank, (forecast, weight) in enumerate(zip(forecasts, weights, strict=True), start=1):
        placed = placer.place(forecast.lat, forecast.lon, forecast.radius_m) if placer else None
        lat, lon, street = placed if placed else (forecast.lat, forecast.lon, None)
        why = forecast.why
        if street is not None:
            why = f"{street}: {why}"
        elif placer is not None:
            if placer.street_within(forecast.lat, forecast.lon, forecast.radius_m):
                why += (
                    f"; every street point within {forecast.radius_m:.0f} m is too close to "
                    "a burglarised home, so the hotspot stays at the forecast's centre"
                )
            else:
                why += (
                    f"; no street within {forecast.radius_m:.0f} m, so the hotspot stays at "
                    "the forecast's centre"
                )
        ident = f"hs-{rank:02d}" + (f"-{slug(street)}" if street and slug(street) else "")
        hotspots.append(
            Hotspot(
                id=ident[:64].rstrip("-"),
                lat=round(lat, 6),
                lon=round(lon, 6),
                weight=weight,
                expected=forecast.weight,
                radius_m=forecast.radius_m,
                near_repeat_share=forecast.near_repeat_share,
                street=street,
                windows=forecast.windows,
                why=why,
            )
        )
    return hotspots


def area_hotspots(
    incidents: Sequence[Incident],
    *,
    as_of: datetime,
    count: int,
    network: StreetNetwork | None = None,
    radius_m: float = RADIUS_M,
    tz: str = "Europe/Copenhagen",
    top_weight: float = 100.0,
) -> list[Hotspot]:
    """Forecast ``count`` hotspots for the 7 days after ``as_of``, on the streets of
    ``network`` when given.

    Parameters
    ----------
    incidents
        The area's records (only those known at ``as_of`` are used).
    as_of
        The forecast moment (aware).
    count
        How many hotspots at most (fewer when the records run out).
    network
        The area's street network; None leaves the forecast centres as they are.
    radius_m
        Disc radius.
    tz
        Local time zone of dates and evening windows.
    top_weight
        Plan weight of the top hotspot.

    Returns
    -------
    list of Hotspot
        Highest expected burglaries first; empty when no record is known at ``as_of``.
    """
    forecasts = forecast_hotspots(incidents, as_of=as_of, count=count, radius_m=radius_m, tz=tz)
    placer = None
    if network is not None and forecasts:
        known = known_at(incidents, as_of, ZoneInfo(tz))
        placer = StreetPlacer(network, [i.lat for i in known], [i.lon for i in known])
    return hotspots_from_forecasts(forecasts, placer=placer, top_weight=top_weight)


def shortfall_note(asked: int, found: int, *, radius_m: float = RADIUS_M) -> str | None:
    """Why fewer hotspots than ``asked`` came back, in a sentence; None when none are
    missing.

    The forecast stops adding discs when the best further one would expect less than
    ``MIN_GAIN_SHARE`` of the top one's burglaries (the records lie in a few places), and
    gives none when no record is known before the forecast moment.
    """
    if found >= asked:
        return None
    if found == 0:
        return f"no hotspots of the {asked} asked for: no record is known before as_of"
    return (
        f"{found} of the {asked} hotspots asked for: a further {radius_m:.0f} m disc, beyond "
        f"what these cover, would expect less than {MIN_GAIN_SHARE:.0%} of the top "
        "hotspot's burglaries (the records lie in only a few places), so no more are given"
    )
