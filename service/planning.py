"""Orchestration: plan request -> domain -> street graph and matrix -> solver -> response.

The CLI and the API call the same ``plan_routes``.
"""

from __future__ import annotations

import itertools
import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from graphs import route_geometry
from solver import (
    Hotspot,
    InfeasibleError,
    RoutingProblem,
    Shift,
    SolveParams,
    TimeWindow,
    Visit,
    solve,
)

from .errors import FieldProblem, RequestError
from .geojson import plan_to_geojson
from .locations import place_on_area, place_on_matrix
from .resolve import resolve_request
from .schemas import (
    LeftOutOut,
    MatrixArea,
    PlanResponse,
    PlanSummary,
    PointOut,
    RouteOut,
    StopOut,
)
from .timeutil import at_offset, hhmm

if TYPE_CHECKING:
    from graphs import PathGeometry
    from solver import Route, Solution

    from .config import Settings
    from .locations import Placed
    from .networks import AreaNetworks
    from .resolve import ResolvedRequest
    from .schemas import PlanRequest
    from .store import PlanStore

log = logging.getLogger(__name__)

LEFT_OUT_DETAIL = {
    "unreachable_in_window": (
        "no one on shift can get there within its time window and still end on time"
    ),
    "not_enough_time": (
        "the shifts are full with higher-weight stops; more staff or time would cover it"
    ),
}


@dataclass(frozen=True, slots=True)
class PlannedRoutes:
    """A plan ready to store: the answer body and, for a named area, its GeoJSON."""

    plan: PlanResponse
    geojson: dict[str, Any] | None


def build_problem(
    request: PlanRequest, resolved: ResolvedRequest, placed: Placed
) -> RoutingProblem:
    """The solver's problem: matrices, shifts, hotspots and visits in plan seconds."""
    shifts = tuple(
        Shift(
            id=shift.id,
            start_location=placed.shift_starts[i],
            end_location=placed.shift_ends[i],
            start_s=resolved.offset_s(resolved.shifts[i].start),
            end_s=resolved.offset_s(resolved.shifts[i].end),
            profile=placed.profiles[shift.mode],
        )
        for i, shift in enumerate(request.shifts)
    )
    hotspots = tuple(
        Hotspot(
            id=h.id,
            location=placed.hotspots[i],
            weight=h.weight,
            dwell_s=round(h.dwell_min * 60),
            windows=tuple(
                TimeWindow(resolved.offset_s(a), resolved.offset_s(b))
                for a, b in resolved.hotspot_windows[i]
            ),
            max_visits=h.max_visits,
            min_gap_s=round(h.min_gap_min * 60),
            repeat_value=h.repeat_value,
        )
        for i, h in enumerate(request.hotspots)
    )
    visits = tuple(
        Visit(
            id=v.id,
            location=placed.visits[i],
            service_s=round(v.duration_min * 60),
            window=TimeWindow(*(resolved.offset_s(t) for t in resolved.visit_windows[i])),
            shifts=resolved.visit_shifts[i],
        )
        for i, v in enumerate(request.visits)
    )
    return RoutingProblem(placed.travel_s, shifts, hotspots, visits)


def _point(placed: Placed, location: int) -> PointOut:
    point = placed.points[location]
    if point is None:
        return PointOut(index=location)
    return PointOut(lat=point.lat, lon=point.lon)


def _route_out(
    request: PlanRequest,
    resolved: ResolvedRequest,
    placed: Placed,
    route: Route,
    legs_m: list[float] | None,
) -> RouteOut:
    shift = request.shifts[route.shift]
    origin: datetime = resolved.origin
    stops = []
    for stop in route.stops:
        if stop.kind == "hotspot":
            stop_id: str | None = request.hotspots[stop.ref].id
        elif stop.kind == "visit":
            stop_id = request.visits[stop.ref].id
        else:
            stop_id = None
        stops.append(
            StopOut(
                kind=stop.kind,
                id=stop_id,
                location=_point(placed, stop.location),
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
        stops=stops,
    )


def _geometries(
    request: PlanRequest, placed: Placed, solution: Solution
) -> list[list[PathGeometry] | None]:
    """Street geometry of each route's legs (named areas only)."""
    geometries: list[list[PathGeometry] | None] = []
    for route in solution.routes:
        mode = request.shifts[route.shift].mode
        network = placed.networks.get(mode)
        if network is None:
            geometries.append(None)
            continue
        node_path = [placed.nodes[mode][stop.location] for stop in route.stops]
        geometries.append(route_geometry(network, node_path))
    return geometries


def plan_routes(
    request: PlanRequest,
    *,
    networks: AreaNetworks,
    settings: Settings,
    plan_id: str,
    created_at: datetime,
) -> PlannedRoutes:
    """Plan tonight's routes for ``request``.

    Raises
    ------
    RequestError
        Bad input, naming the field (including a mandatory visit that cannot be kept).
    UnknownAreaError
        The named area is not registered.
    SolverError
        No plan could be found in the time limit.
    """
    resolved = resolve_request(request)
    if isinstance(request.area, MatrixArea):
        placed = place_on_matrix(request, request.area)
    else:
        area = request.area or settings.default_area
        placed = place_on_area(request, area, networks, max_snap_m=settings.max_snap_m)
    problem = build_problem(request, resolved, placed)
    time_limit_s = min(
        request.options.time_limit_s or settings.default_time_limit_s, settings.max_time_limit_s
    )
    try:
        params = SolveParams(
            time_limit_s=time_limit_s,
            seed=request.options.seed,
            engine=settings.solver_engine,
            workers=settings.solver_workers,
        )
        solution = solve(problem, params=params)
    except InfeasibleError as exc:
        start, end = resolved.visit_windows[exc.visit]
        field = (
            f"visits[{exc.visit}].window"
            if exc.reason == "window_outside_shifts"
            else f"visits[{exc.visit}]"
        )
        message = f"{exc} (window {hhmm(start)}-{hhmm(end)})"
        raise RequestError([FieldProblem(field, message)]) from exc
    log.info("plan %s: %s", plan_id, solution.summary())

    geometries = _geometries(request, placed, solution)
    routes = [
        _route_out(
            request,
            resolved,
            placed,
            route,
            None if geometry is None else [leg.distance_m for leg in geometry],
        )
        for route, geometry in zip(solution.routes, geometries, strict=True)
    ]
    left_out = [
        LeftOutOut(
            hotspot_id=request.hotspots[item.hotspot].id,
            weight=request.hotspots[item.hotspot].weight,
            reason=item.reason,
            detail=LEFT_OUT_DETAIL[item.reason],
        )
        for item in solution.left_out
    ]
    weight_total = sum(h.weight for h in request.hotspots)
    weight_first = sum(request.hotspots[h].weight for h in solution.visited_hotspots)
    distances = [r.distance_km for r in routes]
    summary = PlanSummary(
        weight_total=round(weight_total, 4),
        weight_visited=round(weight_first, 4),
        weight_covered=round(solution.covered_weight, 4),
        coverage_ratio=round(weight_first / weight_total, 4) if weight_total else 1.0,
        hotspots_visited=len(request.hotspots) - len(left_out),
        hotspots_left_out=len(left_out),
        visits_kept=len(request.visits),
        travel_min=round(solution.travel_s / 60, 2),
        distance_km=None if None in distances else round(sum(d or 0 for d in distances), 3),
        solve_time_s=round(solution.solve_time_s, 3),
    )
    plan = PlanResponse(
        id=plan_id,
        created_at=created_at,
        area=placed.area,
        date=resolved.day,
        latest_end=request.latest_end,
        summary=summary,
        routes=routes,
        left_out=left_out,
    )
    geojson = plan_to_geojson(
        plan,
        geometries,
        left_out_points=[
            _point(placed, placed.hotspots[item.hotspot]) for item in solution.left_out
        ],
    )
    return PlannedRoutes(plan=plan, geojson=geojson)


def create_plan(
    request: PlanRequest,
    *,
    networks: AreaNetworks,
    settings: Settings,
    store: PlanStore,
) -> PlannedRoutes:
    """Plan ``request`` and store the plan under a new id (same call for CLI and API)."""
    planned = plan_routes(
        request,
        networks=networks,
        settings=settings,
        plan_id=uuid.uuid4().hex,
        created_at=datetime.now(UTC),
    )
    store.save(planned.plan, request=request.model_dump(mode="json"), geojson=planned.geojson)
    return planned
