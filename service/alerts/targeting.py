"""Who gets an alert: staff on shift whose planned route passes the area while it is valid.

Routes come from the stored plans, read through ``service.plans.store`` as typed
``StaffPlan`` objects (the latest plan per staff member and date wins). A route
is a timed track: at each stop the staff member stays put from arrival to departure; between
stops they move along the GeoJSON street line, with times interpolated by distance from the
departure at one stop to the arrival at the next (straight lines when a plan has no line).
Geometry is done in metres on a local equirectangular projection around the alert's area,
accurate to well under a metre over a municipality.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

import shapely
from shapely.geometry import LineString, Point, Polygon

from ..timeutil import LOCAL_TZ, hhmm
from .schemas import CircleArea, PolygonArea

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from shapely.geometry.base import BaseGeometry

    from ..plans.schemas import RouteOut
    from ..plans.store import StaffPlan

M_PER_DEG_LAT = 110_574.0
M_PER_DEG_LON_EQUATOR = 111_320.0
# A stop matches the first line vertex closer than this (metres), walking forward.
STOP_MATCH_M = 30.0


@dataclass(frozen=True, slots=True)
class Recipient:
    """A staff member chosen for an alert, and why."""

    staff_id: str
    phone: str
    plan_id: str
    plan_date: date
    reason: str


@dataclass(frozen=True, slots=True)
class LocalProjection:
    """Degrees to metres around a centre (equirectangular)."""

    lat0: float
    lon0: float

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        """Metres east and north of the centre."""
        scale = M_PER_DEG_LON_EQUATOR * math.cos(math.radians(self.lat0))
        return ((lon - self.lon0) * scale, (lat - self.lat0) * M_PER_DEG_LAT)


def area_to_shape(area: CircleArea | PolygonArea) -> tuple[LocalProjection, BaseGeometry]:
    """The alert area in metres, with the projection that puts it there."""
    if isinstance(area, CircleArea):
        proj = LocalProjection(area.center.lat, area.center.lon)
        return proj, Point(0.0, 0.0).buffer(area.radius_m, quad_segs=32)
    outer = area.coordinates[0]
    proj = LocalProjection(
        sum(p[1] for p in outer) / len(outer), sum(p[0] for p in outer) / len(outer)
    )
    rings = [[proj.xy(p[0], p[1]) for p in ring] for ring in area.coordinates]
    return proj, Polygon(rings[0], rings[1:])


@dataclass(frozen=True, slots=True)
class _Sample:
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


def _leg_samples(coords: Sequence[tuple[float, float]], t0: float, t1: float) -> list[_Sample]:
    """Samples along one leg, times interpolated by distance between ``t0`` and ``t1``."""
    dists = [0.0]
    for (ax, ay), (bx, by) in itertools.pairwise(coords):
        dists.append(dists[-1] + math.hypot(bx - ax, by - ay))
    total = dists[-1]
    return [
        _Sample(t0 + (t1 - t0) * (d / total if total > 0 else 0.0), x, y)
        for (x, y), d in zip(coords, dists, strict=True)
    ]


def route_track(
    route: RouteOut, line: Sequence[Sequence[float]] | None, proj: LocalProjection
) -> list[_Sample]:
    """The route as timed samples in metres (empty for a plan on an explicit matrix)."""
    stops = _stop_times(route)
    if not stops or any(s is None for s in stops):
        return []
    points = [s for s in stops if s is not None]
    vertices = [proj.xy(c[0], c[1]) for c in line] if line and len(line) >= 2 else []
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
    samples: list[_Sample] = []
    for i, (lon, lat, arrival, departure) in enumerate(points):
        x, y = proj.xy(lon, lat)
        samples += [_Sample(arrival, x, y), _Sample(departure, x, y)]
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
    track: Sequence[_Sample], area: BaseGeometry, start: float, end: float
) -> float | None:
    """The first moment in ``[start, end]`` the track is inside ``area``, or None."""
    for a, b in itertools.pairwise(track):
        lo, hi = max(a.t, start), min(b.t, end)
        if lo > hi:
            continue
        span = b.t - a.t

        def at(t: float, a: _Sample = a, b: _Sample = b, span: float = span) -> tuple[float, float]:
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


def choose_recipients(
    plans: Iterable[StaffPlan],
    area: CircleArea | PolygonArea,
    valid_from: datetime,
    valid_until: datetime,
    *,
    all_on_shift: bool,
) -> list[Recipient]:
    """Staff to alert, at most once per phone number, with the reason each was chosen.

    Parameters
    ----------
    plans
        Staff members' parts of stored plans, any order; for each (date, staff id) the
        newest plan counts.
    area
        The alert area.
    valid_from, valid_until
        The alert's validity (aware datetimes).
    all_on_shift
        Choose everyone whose shift overlaps the validity, wherever their route goes.

    Returns
    -------
    list of Recipient
        In the order of the plans' shifts.
    """
    latest: dict[tuple[date, str], StaffPlan] = {}
    for staff in sorted(plans, key=lambda s: s.created_at):
        latest[(staff.day, staff.staff_id)] = staff
    proj, shape = area_to_shape(area)
    start, end = valid_from.timestamp(), valid_until.timestamp()
    chosen: dict[str, Recipient] = {}
    for staff in latest.values():
        if not (staff.shift_start < valid_until and staff.shift_end > valid_from):
            continue
        phone = staff.phone
        if not phone or phone in chosen:
            continue
        if all_on_shift:
            reason = f"all_on_shift: on shift {hhmm(staff.shift_start)}-{hhmm(staff.shift_end)}"
        else:
            if staff.route is None:
                continue
            track = route_track(staff.route, staff.line, proj)
            moment = first_pass(track, shape, start, end)
            if moment is None:
                continue
            local = datetime.fromtimestamp(moment, LOCAL_TZ)
            reason = f"near_route: planned route passes the area at {hhmm(local)}"
        chosen[phone] = Recipient(staff.staff_id, phone, staff.plan_id, staff.day, reason)
    return list(chosen.values())
