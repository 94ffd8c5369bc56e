"""What a staff member's page shows, what their check-ins mean for the plan, and how the
evening is going: built from the newest version of the plan and the stored check-ins.

A phone names a stop by its *stop id*: a hotspot's own id (``hs-3``, ``hs-3#2`` for its
second visit) or, for a client visit, an opaque ``visit-<hash>`` (a visit's id may carry a
client's name; the page shows "Visit" and a time only).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..i18n import _
from .schemas import FieldAlert, FieldStop, FieldView, StaffProgress

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from ..plans.schemas import RouteOut, StopOut
    from ..plans.store import StaffPlan
    from .store import Checkin


def stop_id(lineage_id: str, stop: StopOut) -> str:
    """The id a phone uses for ``stop`` (see the module's docstring)."""
    if stop.kind == "visit":
        digest = hashlib.sha256(f"{lineage_id}:{stop.id}".encode()).hexdigest()[:10]
        return f"visit-{digest}"
    number = stop.visit_number or 1
    return f"{stop.id}" if number == 1 else f"{stop.id}#{number}"


@dataclass(frozen=True, slots=True)
class PlannedStop:
    """A hotspot or visit stop of a route with the id a phone names it by."""

    stop_id: str
    stop: StopOut


def planned_stops(lineage_id: str, route: RouteOut | None) -> list[PlannedStop]:
    """The route's hotspot and visit stops, in order."""
    if route is None:
        return []
    return [
        PlannedStop(stop_id(lineage_id, s), s)
        for s in route.stops
        if s.kind in ("hotspot", "visit")
    ]


def field_view(
    staff: StaffPlan,
    *,
    lineage_id: str,
    version: int,
    area: str,
    on_plan: bool,
    checkins: Sequence[Checkin],
    alerts: Sequence[FieldAlert],
) -> FieldView:
    """The page of ``staff``: their stops (done by the plan or a check-in), the next one,
    their street line and the alerts sent to them."""
    checked = {c.stop_id for c in checkins}
    route = staff.route
    stops = [
        FieldStop(
            stop_id=p.stop_id,
            kind="visit" if p.stop.kind == "visit" else "hotspot",
            label=_("Visit") if p.stop.kind == "visit" else str(p.stop.id),
            start=p.stop.start,
            departure=p.stop.departure,
            dwell_min=p.stop.dwell_min,
            lat=p.stop.location.lat,
            lon=p.stop.location.lon,
            done=p.stop.done or p.stop_id in checked,
        )
        for p in planned_stops(lineage_id, route)
    ]
    first = route.stops[0] if route is not None and route.stops else None
    return FieldView(
        staff_id=staff.staff_id,
        name=route.name if route is not None else staff.staff_id,
        area=area,
        date=staff.day,
        version=version,
        on_plan=on_plan,
        shift_start=staff.shift_start,
        shift_end=staff.shift_end,
        mode=route.mode if route is not None else "drive",
        stops=stops,
        next_stop=next((s.stop_id for s in stops if not s.done), None),
        line=list(staff.line or ()),
        start=None if first is None else (first.location.lat, first.location.lon),
        alerts=list(alerts),
        checked_in=len(checked),
    )


@dataclass(frozen=True, slots=True)
class EveningFacts:
    """What the check-ins say for a re-plan: the plan's stop ids done, and each staff
    member's newest checked-in position with its time."""

    done: frozenset[str]
    positions: dict[str, tuple[float, float, datetime]]


def evening_facts(
    lineage_id: str, routes: Sequence[RouteOut], checkins: Sequence[Checkin]
) -> EveningFacts:
    """The plan's own ids of the stops checked in (a hotspot, a visit), and the newest
    position each staff member checked in from."""
    by_phone_id = {
        p.stop_id: str(p.stop.id)
        for route in routes
        for p in planned_stops(lineage_id, route)
        if p.stop.id is not None
    }
    done = frozenset(by_phone_id[c.stop_id] for c in checkins if c.stop_id in by_phone_id)
    positions: dict[str, tuple[float, float, datetime]] = {}
    for c in checkins:  # in the order they happened: the newest wins
        if c.lat is not None and c.lon is not None:
            positions[c.staff_id] = (c.lat, c.lon, c.at)
    return EveningFacts(done, positions)


def _progress_id(phone_id: str, stop: StopOut) -> str:
    """A stop done as the dispatcher names it: a visit by its own id, a hotspot by its id
    ("#n" for its n-th visit, as the phone does)."""
    return str(stop.id) if stop.kind == "visit" else phone_id


def staff_progress(lineage_id: str, route: RouteOut, checkins: Sequence[Checkin]) -> StaffProgress:
    """Stops done, last position and minutes behind the plan (at the newest check-in at a
    stop of the route: when it happened against the planned start)."""
    planned = {p.stop_id: p.stop for p in planned_stops(lineage_id, route)}
    mine = [c for c in checkins if c.staff_id == route.staff_id]
    at_stops = [c for c in mine if c.stop_id in planned]
    located = [c for c in mine if c.lat is not None and c.lon is not None]
    behind = None
    if at_stops:
        last = at_stops[-1]
        behind = round((last.at - planned[last.stop_id].start).total_seconds() / 60, 1)
    done_ids = [_progress_id(c.stop_id, planned[c.stop_id]) for c in at_stops]
    done_ids += [_progress_id(key, s) for key, s in planned.items() if s.done]
    return StaffProgress(
        staff_id=route.staff_id,
        stops_planned=len(planned),
        stops_done=list(dict.fromkeys(done_ids)),
        last_position=None if not located else (located[-1].lat, located[-1].lon),
        last_seen_at=mine[-1].at if mine else None,
        behind_min=behind,
    )
