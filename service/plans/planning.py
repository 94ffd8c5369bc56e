"""Orchestration: plan request -> resolved times -> locations and matrices -> solver ->
response (``response.py``) and GeoJSON.

The CLI and the API call the same ``create_plan``.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from graphs import street_route_geometry
from solver import (
    Hotspot,
    InfeasibleError,
    RoutingProblem,
    Shift,
    SolveParams,
    TimeWindow,
    Visit,
)

from ..errors import FieldProblem, Notice, RequestError
from ..timeutil import hhmm, today_local
from .geojson import plan_to_geojson
from .locations import place_on_area, place_on_matrix
from .passing import passes
from .resolve import resolve_request
from .response import point_out, solution_to_plan
from .schemas import MatrixArea
from .variants import PreviousNight, familiar_hotspots, solve_for_evening

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from graphs import PathGeometry
    from solver import Solution

    from ..config import Settings
    from .locations import Placed
    from .networks import AreaNetworks
    from .resolve import ResolvedRequest
    from .schemas import PlanRequest, PlanResponse
    from .store import PlanStore

log = logging.getLogger(__name__)


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
            sequence=resolved.sequences[i] if resolved.sequences else (),
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
        for i, v in enumerate(request.visit_entries())
    )
    return RoutingProblem(placed.travel_s, shifts, hotspots, visits)


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
        path = placed.streets[mode].take([stop.location for stop in route.stops])
        geometries.append(street_route_geometry(network, path))
    return geometries


def _solver_hint(
    problem: RoutingProblem,
    resolved: ResolvedRequest,
    hint: Mapping[str, Sequence[tuple[str, str, datetime]]],
) -> list[list[tuple[Literal["hotspot", "visit"], int, int]]]:
    """Stops given by id and time as the solver's ``(kind, ref, start_s)`` per shift;
    stops no longer in the problem are left out."""
    hotspots = {h.id: i for i, h in enumerate(problem.hotspots)}
    visits = {v.id: i for i, v in enumerate(problem.visits)}
    out: list[list[tuple[Literal["hotspot", "visit"], int, int]]] = []
    for shift in problem.shifts:
        stops: list[tuple[Literal["hotspot", "visit"], int, int]] = []
        for kind, stop_id, start in hint.get(shift.id, []):
            if kind == "hotspot" and stop_id in hotspots:
                stops.append(("hotspot", hotspots[stop_id], resolved.offset_s(start)))
            elif kind == "visit" and stop_id in visits:
                stops.append(("visit", visits[stop_id], resolved.offset_s(start)))
        out.append(stops)
    return out


def _lat_lon(placed: Placed, location: int) -> tuple[float, float] | None:
    point = placed.points[location]
    return None if point is None else (point.lat, point.lon)


def capped_time_limit_s(asked_s: float | None, settings: Settings) -> float:
    """The search's time limit for ``asked_s``: the default when none is asked, capped by
    ``EYES_MAX_TIME_LIMIT_S``."""
    return min(asked_s or settings.default_time_limit_s, settings.max_time_limit_s)


def _time_limit(request: PlanRequest, settings: Settings) -> tuple[float, list[Notice]]:
    """The search's time limit, and a notice when the request asked for more than allowed."""
    asked = request.options.time_limit_s
    limit = capped_time_limit_s(asked, settings)
    if asked is not None and asked > settings.max_time_limit_s:
        notice = Notice(
            "options.time_limit_s",
            "time_limit_capped",
            f"time_limit_s {asked:g} is above this server's maximum "
            f"{settings.max_time_limit_s:g} s (EYES_MAX_TIME_LIMIT_S); "
            f"{settings.max_time_limit_s:g} s used",
        )
        return limit, [notice]
    return limit, []


def plan_routes(
    request: PlanRequest,
    *,
    networks: AreaNetworks,
    settings: Settings,
    plan_id: str,
    created_at: datetime,
    previous: PreviousNight | None = None,
    hint: Mapping[str, Sequence[tuple[str, str, datetime]]] | None = None,
    lineage: tuple[str, int] | None = None,
) -> PlannedRoutes:
    """Plan tonight's routes for ``request``.

    ``previous`` is the night before's plan, for routes that vary from it. ``hint`` gives,
    per staff id, stops ``(kind, id, start)`` to start the search from (re-planning).
    ``lineage`` is ``(parent plan id, version)`` for a re-plan.

    Raises
    ------
    RequestError
        Bad input, naming the field (including a mandatory visit that cannot be kept).
    UnknownAreaError
        The named area is not registered.
    SolverError
        No plan could be found in the time limit.
    """
    if request.hotspots_from is not None:  # service.incidents.expand turns it into hotspots
        msg = "hotspots_from was not turned into hotspots before planning"
        raise RequestError([FieldProblem("hotspots_from", msg)])
    resolved = resolve_request(request)
    if isinstance(request.area, MatrixArea):
        placed = place_on_matrix(request, request.area)
    else:
        area = request.area or networks.default_area
        placed = place_on_area(request, area, networks, max_snap_m=settings.max_snap_m)
    problem = build_problem(request, resolved, placed)
    time_limit_s, capped = _time_limit(request, settings)
    notices = [*resolved.notices, *placed.notices, *capped]
    try:
        params = SolveParams(
            time_limit_s=time_limit_s,
            seed=request.options.seed,
            stop_early=request.options.stop_early,
            engine=settings.solver_engine,
            workers=settings.solver_workers,
        )
        familiar = (
            familiar_hotspots(
                [shift.id for shift in request.shifts],
                [
                    (h.id, _lat_lon(placed, placed.hotspots[i]))
                    for i, h in enumerate(request.hotspots)
                ],
                previous,
            )
            if previous is not None
            else ()
        )
        outcome = solve_for_evening(
            problem,
            params,
            request.options,
            familiar,
            previous.plan_id if previous else None,
            _solver_hint(problem, resolved, hint) if hint else None,
        )
        solution = outcome.solution
    except InfeasibleError as exc:
        start, end = resolved.visit_windows[exc.visit]
        entry = request.visit_entries()[exc.visit]
        field = (
            f"{entry.field}.window"
            if exc.reason == "window_outside_shifts" and entry.shift is None
            else entry.field
        )
        message = f"{exc} (window {hhmm(start)}-{hhmm(end)})"
        visit_id = entry.id
        raise RequestError([FieldProblem(field, message, visit_id)]) from exc
    log.info("plan %s: %s", plan_id, solution.summary())

    geometries = _geometries(request, placed, solution)
    plan = solution_to_plan(
        request,
        resolved,
        placed,
        problem,
        solution,
        plan_id=plan_id,
        created_at=created_at,
        legs_m=[None if g is None else [leg.distance_m for leg in g] for g in geometries],
        notices=notices,
        time_limit_s=time_limit_s,
        familiar=outcome.familiar,
        variation=outcome.variation,
        balance=outcome.balance,
    )
    if lineage is not None:
        plan = plan.model_copy(update={"parent_id": lineage[0], "version": lineage[1]})
    geojson = plan_to_geojson(
        plan,
        geometries,
        left_out_points=[
            point_out(placed, placed.hotspots[item.hotspot]) for item in solution.left_out
        ],
    )
    if any(h.passing_counts for h in request.hotspots):
        passed = passes(
            plan,
            geojson,
            request.hotspots,
            resolved.hotspot_windows,
            [_lat_lon(placed, placed.hotspots[i]) for i in range(len(request.hotspots))],
            within_m=request.options.passing_within_m,
        )
        summary = plan.summary.model_copy(
            update={"weight_passing": round(sum(p.weight for p in passed), 4)}
        )
        plan = plan.model_copy(update={"passed": passed, "summary": summary})
    return PlannedRoutes(plan=plan, geojson=geojson)


def create_plan(
    request: PlanRequest,
    *,
    networks: AreaNetworks,
    settings: Settings,
    store: PlanStore,
) -> PlannedRoutes:
    """Plan ``request`` and store the plan under a new id (same call for CLI and API).

    The newest stored plan of the day before on the same area, if any, is what tonight's
    routes vary from (``options.variation``).
    """
    previous = None
    if request.options.variation.enabled:
        area = request.area if isinstance(request.area, str) else networks.default_area
        if not isinstance(request.area, MatrixArea):
            day = request.date or today_local()
            found = store.newest_for_day(area, day - timedelta(days=1))
            previous = PreviousNight.from_plan(found) if found is not None else None
    planned = plan_routes(
        request,
        networks=networks,
        settings=settings,
        plan_id=uuid.uuid4().hex,
        created_at=datetime.now(UTC),
        previous=previous,
    )
    store.save(planned.plan, request=request.model_dump(mode="json"), geojson=planned.geojson)
    return planned
