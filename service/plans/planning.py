"""Orchestration: plan request -> `PlanInput` (resolved times, placed locations: once) ->
the solver's problem -> solution -> response (``response.py``) and GeoJSON.

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
from ..i18n import N_, SOURCE_LANGUAGE, _, language
from ..timeutil import hhmm, today_local
from .geocode import geocode_request
from .geojson import plan_to_geojson
from .passing import passes
from .plan_input import plan_input
from .response import point_out, solution_to_plan
from .schemas import MatrixArea
from .variants import PreviousNight, familiar_hotspots, solve_for_evening

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from graphs import PathGeometry
    from solver import Solution

    from ..config import Settings
    from .networks import AreaNetworks
    from .plan_input import PlanInput, SearchOptions
    from .schemas import PlanRequest, PlanResponse
    from .store import PlanStore

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PlannedRoutes:
    """A plan ready to store: the answer body and, for a named area, its GeoJSON."""

    plan: PlanResponse
    geojson: dict[str, Any] | None


def build_problem(inp: PlanInput) -> RoutingProblem:
    """The solver's problem: matrices, shifts, hotspots and visits in plan seconds."""
    placed = inp.placed
    shifts = tuple(
        Shift(
            id=shift.id,
            start_location=shift.start_location,
            end_location=shift.end_location,
            start_s=inp.offset_s(shift.start),
            end_s=inp.offset_s(shift.end),
            profile=placed.profiles[shift.mode],
            sequence=shift.sequence,
        )
        for shift in inp.shifts
    )
    hotspots = tuple(
        Hotspot(
            id=h.id,
            location=h.location,
            weight=h.weight,
            dwell_s=round(h.dwell_min * 60),
            windows=tuple(TimeWindow(inp.offset_s(a), inp.offset_s(b)) for a, b in h.windows),
            max_visits=h.max_visits,
            min_gap_s=round(h.min_gap_min * 60),
            repeat_value=h.repeat_value,
        )
        for h in inp.hotspots
    )
    visits = tuple(
        Visit(
            id=v.id,
            location=v.location,
            service_s=round(v.duration_min * 60),
            window=TimeWindow(*(inp.offset_s(t) for t in v.window)),
            shifts=v.shifts,
        )
        for v in inp.visits
    )
    return RoutingProblem(placed.travel_s, shifts, hotspots, visits)


def _geometries(inp: PlanInput, solution: Solution) -> list[list[PathGeometry] | None]:
    """Street geometry of each route's legs (named areas only)."""
    placed = inp.placed
    geometries: list[list[PathGeometry] | None] = []
    for route in solution.routes:
        mode = inp.shifts[route.shift].mode
        network = placed.networks.get(mode)
        if network is None:
            geometries.append(None)
            continue
        path = placed.streets[mode].take([stop.location for stop in route.stops])
        geometries.append(street_route_geometry(network, path))
    return geometries


def _solver_hint(
    problem: RoutingProblem,
    inp: PlanInput,
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
                stops.append(("hotspot", hotspots[stop_id], inp.offset_s(start)))
            elif kind == "visit" and stop_id in visits:
                stops.append(("visit", visits[stop_id], inp.offset_s(start)))
        out.append(stops)
    return out


def capped_time_limit_s(asked_s: float | None, settings: Settings) -> float:
    """The search's time limit for ``asked_s``: the default when none is asked, capped by
    ``EYES_MAX_TIME_LIMIT_S``."""
    return min(asked_s or settings.default_time_limit_s, settings.max_time_limit_s)


def _time_limit(options: SearchOptions, settings: Settings) -> tuple[float, list[Notice]]:
    """The search's time limit, and a notice when the request asked for more than allowed."""
    asked = options.time_limit_s
    limit = capped_time_limit_s(asked, settings)
    if asked is not None and asked > settings.max_time_limit_s:
        notice = Notice(
            "options.time_limit_s",
            "time_limit_capped",
            _(
                "time_limit_s {asked} is above this server's maximum {most} s "
                "(EYES_MAX_TIME_LIMIT_S); {most} s used",
                asked=f"{asked:g}",
                most=f"{settings.max_time_limit_s:g}",
            ),
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
    ShiftError
        A shift too short to get from its start to its end (``failure_of``: a 422 naming it).
    SolverError
        No plan could be found in the time limit.
    """
    if request.hotspots_from is not None:  # service.incidents.expand turns it into hotspots
        msg = "hotspots_from was not turned into hotspots before planning"
        raise RequestError([FieldProblem("hotspots_from", msg)])
    inp = plan_input(request, networks=networks, max_snap_m=settings.max_snap_m)
    return plan_from_input(
        inp,
        settings=settings,
        plan_id=plan_id,
        created_at=created_at,
        previous=previous,
        hint=hint,
        lineage=lineage,
    )


INFEASIBLE_REASONS = {
    "no_eligible_shift": N_("mandatory visit {visit!r} cannot be kept: no shift may serve it."),
    "window_outside_shifts": N_(
        "mandatory visit {visit!r} cannot be kept: its window lies outside every shift that "
        "may serve it."
    ),
    "unreachable_in_window": N_(
        "mandatory visit {visit!r} cannot be kept: no shift that may serve it can get there "
        "within its window and still end on time."
    ),
    "sequence": N_(
        "fixed visit {visit!r} cannot be kept in its shift's order, even with nothing else on "
        "the route"
    ),
    "conflict": N_(
        "mandatory visit {visit!r} cannot be kept: it clashes with {others}; their windows, "
        "durations and travel leave no order that fits."
    ),
}
"""The solver's reasons in the reader's language (in English the solver's own sentence)."""


def _why_not(inp: PlanInput, exc: InfeasibleError) -> str:
    template = INFEASIBLE_REASONS.get(exc.reason)
    if template is None or language() == SOURCE_LANGUAGE:
        return str(exc)
    others = ", ".join(repr(inp.visits[j].id) for j in exc.clashes_with)
    return _(template, visit=inp.visits[exc.visit].id, others=others)


def _kept_visits_or_why(inp: PlanInput, exc: InfeasibleError) -> RequestError:
    """The 422 of a mandatory visit the solver proved cannot be kept, naming its field."""
    visit = inp.visits[exc.visit]
    start, end = visit.window
    field = (
        f"{visit.field}.window"
        if exc.reason == "window_outside_shifts" and visit.fixed_in is None
        else visit.field
    )
    message = _(
        "{why} (window {start}-{end})", why=_why_not(inp, exc), start=hhmm(start), end=hhmm(end)
    )
    return RequestError([FieldProblem(field, message, visit.id)])


def plan_from_input(
    inp: PlanInput,
    *,
    settings: Settings,
    plan_id: str,
    created_at: datetime,
    previous: PreviousNight | None = None,
    hint: Mapping[str, Sequence[tuple[str, str, datetime]]] | None = None,
    lineage: tuple[str, int] | None = None,
) -> PlannedRoutes:
    """Solve ``inp`` and answer: the solver's problem, the search, the answer with street
    geometry and passing coverage (see `plan_routes`)."""
    problem = build_problem(inp)
    time_limit_s, capped = _time_limit(inp.options, settings)
    notices = [*inp.notices, *capped]
    try:
        fixed = settings.solver_max_iterations
        params = SolveParams(
            # At a fixed effort the clock is only a guard against a hang.
            time_limit_s=time_limit_s if fixed is None else settings.max_time_limit_s,
            seed=inp.options.seed,
            stop_early=inp.options.stop_early,
            engine=settings.solver_engine,
            workers=settings.solver_workers,
            max_iterations=fixed,
        )
        familiar = (
            familiar_hotspots(
                [shift.id for shift in inp.shifts],
                [(h.id, inp.point(h.location)) for h in inp.hotspots],
                previous,
            )
            if previous is not None
            else ()
        )
        outcome = solve_for_evening(
            problem,
            params,
            inp.options,
            familiar,
            previous.plan_id if previous else None,
            _solver_hint(problem, inp, hint) if hint else None,
        )
        solution = outcome.solution
    except InfeasibleError as exc:
        raise _kept_visits_or_why(inp, exc) from exc
    log.info("plan %s: %s", plan_id, solution.summary())

    geometries = _geometries(inp, solution)
    plan = solution_to_plan(
        inp,
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
            point_out(inp.placed, inp.hotspots[item.hotspot].location) for item in solution.left_out
        ],
    )
    if any(h.passing_counts for h in inp.hotspots):
        passed = passes(plan, geojson, inp, within_m=inp.options.passing_within_m)
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
    routes vary from (``options.variation``). Addresses are looked up first
    (`geocode_request`): the stored request holds their points, never their text.
    """
    request = geocode_request(request, networks=networks)
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
