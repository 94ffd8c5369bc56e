"""A route as a timed track: where a staff member is at each moment of the evening.

At each stop they stay put from arrival to departure (at the stop's street point, where
the route line passes); between stops they move along the route's street line, times
interpolated by distance. Geometry is done in metres on the service's local projection
(``service.geo.LocalProjection``). Alert targeting and
passing coverage both read routes this way.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import shapely
from shapely.geometry import LineString, Point

if TYPE_CHECKING:
    from collections.abc import Sequence

    from shapely.geometry.base import BaseGeometry

    from .geo import LocalProjection
    from .plans.schemas import RouteOut

# A stop matches the first line vertex closer than this (metres), walking forward.
STOP_MATCH_M = 30.0


@dataclass(frozen=True, slots=True)
class TrackSample:
    t: float  # POSIX seconds
    x: float
    y: float


def _stop_times(route: RouteOut) -> list[tuple[float, float, float, float] | None]:
    """Per stop (lon, lat, arrival, departure) as POSIX seconds, at the stop's street point
    (where the route line passes) or else its location; None without coordinates."""
    out: list[tuple[float, float, float, float] | None] = []
    for stop in route.stops:
        at = stop.street if stop.street is not None else stop.location
        if at.lat is None or at.lon is None:
            out.append(None)
        else:
            out.append((at.lon, at.lat, stop.arrival.timestamp(), stop.departure.timestamp()))
    return out


def _leg_samples(coords: Sequence[tuple[float, float]], t0: float, t1: float) -> list[TrackSample]:
    """Samples along one leg, times interpolated by distance between ``t0`` and ``t1``."""
    dists = [0.0]
    for (ax, ay), (bx, by) in itertools.pairwise(coords):
        dists.append(dists[-1] + math.hypot(bx - ax, by - ay))
    total = dists[-1]
    return [
        TrackSample(t0 + (t1 - t0) * (d / total if total > 0 else 0.0), x, y)
        for (x, y), d in zip(coords, dists, strict=True)
    ]


def route_track(
    route: RouteOut, line: Sequence[Sequence[float]] | None, proj: LocalProjection
) -> list[TrackSample]:
    """The route as timed samples in metres (empty for a plan on an explicit matrix)."""
    stops = _stop_times(route)
    if not stops or any(s is None for s in stops):
        return []
    points = [s for s in stops if s is not None]
    vertices = proj.xy_many(line) if line and len(line) >= 2 else []
    # Index of the line vertex each stop sits on, walking forward along the line.
    anchors: list[int | None] = []
    cursor = 0
    for lon, lat, _, _ in points:
        if not vertices:
            anchors.append(None)
            continue
        x, y = proj.xy(lon, lat)
        dists = [math.hypot(vx - x, vy - y) for vx, vy in vertices[cursor:]]
        near = next((i for i, d in enumerate(dists) if d <= STOP_MATCH_M), None)
        index = cursor + (
            near if near is not None else min(range(len(dists)), key=dists.__getitem__)
        )
        anchors.append(index)
        cursor = index
    samples: list[TrackSample] = []
    for i, (lon, lat, arrival, departure) in enumerate(points):
        x, y = proj.xy(lon, lat)
        samples += [TrackSample(arrival, x, y), TrackSample(departure, x, y)]
        if i + 1 == len(points):
            break
        nlon, nlat, narrival, _ = points[i + 1]
        a, b = anchors[i], anchors[i + 1]
        if a is not None and b is not None and b > a:
            leg = [(x, y), *vertices[a : b + 1], proj.xy(nlon, nlat)]
        else:
            leg = [(x, y), proj.xy(nlon, nlat)]
        samples += _leg_samples(leg, departure, narrival)
    return samples


def first_pass(
    track: Sequence[TrackSample], area: BaseGeometry, start: float, end: float
) -> float | None:
    """The first moment in ``[start, end]`` the track is inside ``area``, or None."""
    for a, b in itertools.pairwise(track):
        lo, hi = max(a.t, start), min(b.t, end)
        if lo > hi:
            continue
        span = b.t - a.t

        def at(
            t: float, a: TrackSample = a, b: TrackSample = b, span: float = span
        ) -> tuple[float, float]:
            f = (t - a.t) / span if span > 0 else 0.0
            return (a.x + (b.x - a.x) * f, a.y + (b.y - a.y) * f)

        p, q = at(lo), at(hi)
        piece: BaseGeometry = Point(p) if p == q else LineString([p, q])
        if not piece.intersects(area):
            continue
        if isinstance(piece, Point):
            return lo
        inside = piece.intersection(area)
        offset = min(piece.project(Point(c)) for c in shapely.get_coordinates(inside))
        return float(lo + (hi - lo) * (offset / piece.length))
    return None
