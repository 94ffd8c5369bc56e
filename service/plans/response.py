"""A solver ``Solution`` as the plan's answer: routes with local times, what was left out
and why, and the totals."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

from ..timeutil import at_offset
from .schemas import (
    BalanceOut,
    LeftOutOut,
    PlanResponse,
    PlanSummary,
    PointOut,
    RouteOut,
    StopOut,
    VariationOut,
    WarningOut,
)
from .variants import busy_s, overlap

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from solver import LeftOut, Route, RoutingProblem, Solution

    from ..errors import Notice
    from .locations import Placed
    from .plan_input import PlanInput
    from .schemas import TravelMode


def _left_out(inp: PlanInput, item: LeftOut) -> LeftOutOut:
    """A left-out hotspot with the reason that matches its case: no room on the shifts,
    out of reach within its window, or (no window) out of reach of any shift at all."""
    hotspot = inp.hotspots[item.hotspot]
    if item.reason == "not_enough_time":
        reason = "not_enough_time"
        detail = "the shifts are full with higher-weight stops; more staff or time would cover it"
    elif hotspot.windows:
        reason = "unreachable_in_window"
        detail = "no one on shift can get there within its time window and still end on time"
    else:
        reason = "not_enough_time"
        detail = (
            f"no shift is long enough to get there, stay {hotspot.dwell_min:g} min and get back "
            "before it ends"
        )
    return LeftOutOut(hotspot_id=hotspot.id, weight=hotspot.weight, reason=reason, detail=detail)


def point_out(placed: Placed, location: int) -> PointOut:
    point = placed.points[location]
    if point is None:
        return PointOut(index=location)
    return PointOut(lat=point.lat, lon=point.lon)


def patrol_extra_s(problem: RoutingProblem, route: Route) -> int | None:
    """What hotspot stops add to a shift with a fixed sequence: their dwell and the travel
    beyond driving the sequence alone (None for a shift without one)."""
    shift = problem.shifts[route.shift]
    if not shift.sequence:
        return None
    path = [
        shift.start_location,
        *(problem.visits[i].location for i in shift.sequence),
        shift.end_location,
    ]
    alone_s = sum(problem.travel(route.shift, a, b) for a, b in itertools.pairwise(path))
    dwell_s = sum(s.departure_s - s.start_s for s in route.stops if s.kind == "hotspot")
    return route.travel_s - alone_s + dwell_s


def _street(
    placed: Placed, mode: TravelMode, location: int
) -> tuple[PointOut | None, float | None]:
    """The street point of ``location`` in ``mode``'s network, and its distance."""
    points = placed.streets.get(mode)
    if points is None:
        return None, None
    street = PointOut(
        lat=round(float(points.lat[location]), 7), lon=round(float(points.lon[location]), 7)
    )
    return street, round(float(points.snap_m[location]), 1)


def _route_out(
    inp: PlanInput, problem: RoutingProblem, route: Route, legs_m: list[float] | None
) -> RouteOut:
    placed = inp.placed
    shift = inp.shifts[route.shift]
    origin: datetime = inp.origin
    stops = []
    for stop in route.stops:
        if stop.kind == "hotspot":
            stop_id: str | None = problem.hotspots[stop.ref].id
        elif stop.kind == "visit":
            stop_id = problem.visits[stop.ref].id
        else:
            stop_id = None
        street, snap_m = _street(placed, shift.mode, stop.location)
        stops.append(
            StopOut(
                kind=stop.kind,
                id=stop_id,
                location=point_out(placed, stop.location),
                street=street,
                snap_m=snap_m,
                arrival=at_offset(origin, stop.arrival_s),
                start=at_offset(origin, stop.start_s),
                departure=at_offset(origin, stop.departure_s),
                wait_min=round(stop.wait_s / 60, 2),
                dwell_min=round((stop.departure_s - stop.start_s) / 60, 2),
                weight=round(stop.value, 4),
                visit_number=stop.visit_number or None,
            )
        )
    if legs_m is not None:
        distance_km: float | None = round(sum(legs_m) / 1000, 3)
    elif placed.distance_m is not None:
        locations = [stop.location for stop in route.stops]
        distance_km = round(
            sum(float(placed.distance_m[a, b]) for a, b in itertools.pairwise(locations)) / 1000, 3
        )
    else:
        distance_km = None
    extra_s = patrol_extra_s(problem, route)
    return RouteOut(
        staff_id=shift.id,
        name=shift.name,
        role=shift.role,
        mode=shift.mode,
        start=stops[0].start,
        end=stops[-1].arrival,
        travel_min=round(route.travel_s / 60, 2),
        distance_km=distance_km,
        weight_covered=round(route.weight, 4),
        busy_min=round(busy_s(route) / 60, 2),
        patrol_extra_min=None if extra_s is None else round(extra_s / 60, 2),
        stops=stops,
    )


def solution_to_plan(
    inp: PlanInput,
    problem: RoutingProblem,
    solution: Solution,
    *,
    plan_id: str,
    created_at: datetime,
    legs_m: Sequence[list[float] | None],
    notices: Sequence[Notice] = (),
    time_limit_s: float | None = None,
    familiar: tuple[frozenset[int], ...] = (),
    variation: VariationOut | None = None,
    balance: BalanceOut | None = None,
) -> PlanResponse:
    """The answer for ``solution``.

    Parameters
    ----------
    legs_m
        Per route, the street length of each leg (named areas), or None to take distances
        from the request's own ``distance_m`` matrix (if any).
    notices
        What the planner changed or doubts: the answer's ``warnings``.
    time_limit_s
        The search's time limit, reported in the summary.
    familiar
        Per shift, the hotspots patrolled the night before (empty: no previous night).
    variation, balance
        What the evening's preferences did (``variants.solve_for_evening``).
    """
    routes = [
        _route_out(inp, problem, route, legs)
        for route, legs in zip(solution.routes, legs_m, strict=True)
    ]
    if familiar:
        routes = [
            r.model_copy(update={"overlap_with_previous": round(overlap(route, familiar[i]), 4)})
            for i, (r, route) in enumerate(zip(routes, solution.routes, strict=True))
        ]
    left_out = [_left_out(inp, item) for item in solution.left_out]
    weight_total = sum(h.weight for h in inp.hotspots)
    weight_first = sum(inp.hotspots[h].weight for h in solution.visited_hotspots)
    distances = [r.distance_km for r in routes]
    summary = PlanSummary(
        weight_total=round(weight_total, 4),
        weight_visited=round(weight_first, 4),
        weight_covered=round(solution.covered_weight, 4),
        coverage_ratio=round(weight_first / weight_total, 4) if weight_total else None,
        hotspots_visited=len(inp.hotspots) - len(left_out),
        hotspots_left_out=len(left_out),
        visits_kept=len(inp.visits),
        travel_min=round(solution.travel_s / 60, 2),
        distance_km=None if None in distances else round(sum(d or 0 for d in distances), 3),
        solve_time_s=round(solution.solve_time_s, 3),
        time_limit_s=time_limit_s,
        variation=variation,
        balance=balance,
    )
    return PlanResponse(
        id=plan_id,
        created_at=created_at,
        area=inp.area,
        date=inp.day,
        latest_end=inp.latest_end,
        summary=summary,
        routes=routes,
        left_out=left_out,
        warnings=[
            WarningOut(field=n.field, code=n.code, message=n.message, id=n.id) for n in notices
        ],
    )
