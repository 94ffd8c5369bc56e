"""Who gets an alert: staff on shift whose planned route passes the area while it is valid.

Routes come from the stored plans, read through ``service.plans.store`` as typed
``StaffPlan`` objects (the latest plan per staff member and date wins), and are followed
as timed tracks (``service.tracks``) in metres around the alert's area.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from shapely.geometry import Point, Polygon

from ..geo import LocalProjection
from ..timeutil import LOCAL_TZ, hhmm
from ..tracks import first_pass, route_track
from .schemas import CircleArea, PolygonArea

if TYPE_CHECKING:
    from collections.abc import Iterable

    from shapely.geometry.base import BaseGeometry

    from ..plans.store import StaffPlan


@dataclass(frozen=True, slots=True)
class Recipient:
    """A staff member chosen for an alert, and why."""

    staff_id: str
    phone: str
    plan_id: str
    plan_date: date
    reason: str
    area: str | None = None
    """The area of the plan they were chosen from."""


def area_centre(area: CircleArea | PolygonArea) -> tuple[float, float]:
    """(lat, lon) of the alert area's centre: the circle's, or the mean of the polygon's
    outer ring."""
    if isinstance(area, CircleArea):
        return area.center.lat, area.center.lon
    outer = area.coordinates[0]
    return sum(p[1] for p in outer) / len(outer), sum(p[0] for p in outer) / len(outer)


def area_to_shape(area: CircleArea | PolygonArea) -> tuple[LocalProjection, BaseGeometry]:
    """The alert area in metres, with the projection that puts it there."""
    proj = LocalProjection(*area_centre(area))
    if isinstance(area, CircleArea):
        return proj, Point(0.0, 0.0).buffer(area.radius_m, quad_segs=32)
    rings = [proj.xy_many(ring) for ring in area.coordinates]
    return proj, Polygon(rings[0], rings[1:])


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
        chosen[phone] = Recipient(
            staff.staff_id, phone, staff.plan_id, staff.day, reason, staff.area or None
        )
    return list(chosen.values())
