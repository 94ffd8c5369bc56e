"""The stops every export writes, read from a stored plan: ids, kinds and local times only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ...i18n import N_
from ...timeutil import LOCAL_TZ
from ..errors import PlanNotFoundError

if TYPE_CHECKING:
    from datetime import datetime

    from ..schemas import PlanResponse, RouteOut


STOP_KINDS = {
    "start": N_("start"),
    "end": N_("end"),
    "hotspot": N_("hotspot"),
    "visit": N_("visit"),
}
"""A stop's kind as people read it in the files."""


@dataclass(frozen=True, slots=True)
class ExportedStop:
    """One stop of a route as the exports write it.

    Attributes
    ----------
    staff_id
        The staff member's id (never their name or phone).
    order
        Position on the route, 0 for the start.
    kind
        ``start``, ``hotspot``, ``visit`` or ``end``.
    id
        Hotspot or visit id; ``None`` for start and end.
    arrival, start, departure
        Aware datetimes in Europe/Copenhagen.
    lat, lon
        WGS84, or ``None`` for a plan on an explicit matrix.
    dwell_min, wait_min
        Minutes on site and minutes waited before the start.
    """

    staff_id: str
    order: int
    kind: str
    id: str | None
    arrival: datetime
    start: datetime
    departure: datetime
    lat: float | None
    lon: float | None
    dwell_min: float
    wait_min: float

    @property
    def label(self) -> str:
        """The stop's id, or its kind for start and end."""
        return self.id or self.kind


def route_for(plan: PlanResponse, staff_id: str) -> RouteOut:
    """The route of ``staff_id`` in ``plan``.

    Raises
    ------
    PlanNotFoundError
        If the plan has no route for that staff member.
    """
    for route in plan.routes:
        if route.staff_id == staff_id:
            return route
    msg = f"plan {plan.id!r} has no route for staff {staff_id!r}."
    raise PlanNotFoundError(msg)


def exported_stops(plan: PlanResponse, *, staff_id: str | None = None) -> list[ExportedStop]:
    """Every stop of the plan (or of one staff member's route), in route order.

    Raises
    ------
    PlanNotFoundError
        If ``staff_id`` is given and the plan has no route for it.
    """
    routes = plan.routes if staff_id is None else [route_for(plan, staff_id)]
    return [
        ExportedStop(
            staff_id=route.staff_id,
            order=order,
            kind=stop.kind,
            id=stop.id,
            arrival=stop.arrival.astimezone(LOCAL_TZ),
            start=stop.start.astimezone(LOCAL_TZ),
            departure=stop.departure.astimezone(LOCAL_TZ),
            lat=stop.location.lat,
            lon=stop.location.lon,
            dwell_min=stop.dwell_min,
            wait_min=stop.wait_min,
        )
        for route in routes
        for order, stop in enumerate(route.stops)
    ]
