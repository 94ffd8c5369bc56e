"""``solve``: a routing problem in, a checked solution out. Pure: no I/O, no globals."""

from __future__ import annotations

import logging
import time as clock
from dataclasses import replace
from typing import TYPE_CHECKING

from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from .coverage import hotspot_reachable, reachable_alone
from .errors import InfeasibleError, SolverError
from .feasibility import check_solution
from .model import RoutingModel, build_routing_model
from .params import SolveParams
from .portfolio import initial_assignment, pyvrp_available, search_beside, search_until
from .solution import LeftOut, Route, Solution, Stop

if TYPE_CHECKING:
    from .problem import RoutingProblem


log = logging.getLogger(__name__)


def check_visits_servable(problem: RoutingProblem) -> None:
    """Fail early, naming the visit, when a mandatory visit cannot be kept on its own.

    Raises
    ------
    InfeasibleError
        For the first visit that no eligible shift could serve even with nothing else to do.
    """
    for i, visit in enumerate(problem.visits):
        eligible = problem.eligible_shifts(visit)
        if not eligible:
            msg = f"mandatory visit {visit.id!r} cannot be kept: no shift may serve it."
            raise InfeasibleError(i, "no_eligible_shift", msg)
        window = visit.window
        if not any(
            window.start_s <= problem.shifts[s].end_s and window.end_s >= problem.shifts[s].start_s
            for s in eligible
        ):
            msg = (
                f"mandatory visit {visit.id!r} cannot be kept: its window lies outside "
                "every shift that may serve it."
            )
            raise InfeasibleError(i, "window_outside_shifts", msg)
        if not any(
            reachable_alone(problem, s, visit.location, visit.service_s, (window,))
            for s in eligible
        ):
            msg = (
                f"mandatory visit {visit.id!r} cannot be kept: no shift that may serve it can "
                "get there within its window and still end on time."
            )
            raise InfeasibleError(i, "unreachable_in_window", msg)


def _search_parameters(params: SolveParams) -> pywrapcp.DefaultRoutingSearchParameters:
    search = pywrapcp.DefaultRoutingSearchParameters()
    search.first_solution_strategy = getattr(
        routing_enums_pb2.FirstSolutionStrategy, params.first_solution
    )
    search.local_search_metaheuristic = getattr(
        routing_enums_pb2.LocalSearchMetaheuristic, params.metaheuristic
    )
    search.time_limit.FromMilliseconds(max(1, round(params.time_limit_s * 1000)))
    search.log_search = params.log_search
    return search


def _read_routes(model: RoutingModel, problem: RoutingProblem, assignment: object) -> list[Route]:
    routing, manager, time = model.routing, model.manager, model.time
    routes = []
    for v in range(len(problem.shifts)):
        stops: list[Stop] = []
        travel_total = 0
        index = routing.Start(v)
        previous: Stop | None = None
        while True:
            node = model.nodes[manager.IndexToNode(index)]
            start_s = assignment.Min(time.CumulVar(index))  # type: ignore[attr-defined]
            if previous is None:
                arrival_s = start_s
            else:
                leg_s = problem.travel(v, previous.location, node.location)
                travel_total += leg_s
                arrival_s = previous.departure_s + leg_s
            stop = Stop(
                kind=node.kind,
                ref=node.ref,
                location=node.location,
                arrival_s=arrival_s,
                start_s=start_s,
                departure_s=start_s + node.service_s,
                value=node.value,
                visit_number=node.visit_number,
            )
            stops.append(stop)
            previous = stop
            if routing.IsEnd(index):
                break
            index = assignment.Value(routing.NextVar(index))  # type: ignore[attr-defined]
        routes.append(Route(shift=v, stops=tuple(stops), travel_s=travel_total))
    return routes


def _value(
    model: RoutingModel, problem: RoutingProblem, assignment: pywrapcp.Assignment
) -> tuple[float, int]:
    routes = _read_routes(model, problem, assignment)
    return sum(r.weight for r in routes), -sum(r.travel_s for r in routes)


def _search(
    model: RoutingModel, problem: RoutingProblem, params: SolveParams, started: float
) -> pywrapcp.Assignment | None:
    """Search, then polish the best plan found with OR-Tools on the full model.

    Portfolio: where PyVRP's relaxation is exact (no repeat visits, at most one window
    per hotspot) PyVRP searches on every worker; otherwise PyVRP searches on one worker
    while OR-Tools searches the full model here, and the better plan wins. OR-Tools then
    starts from it for the polish.
    """
    budget_s = params.time_limit_s
    candidates: list[pywrapcp.Assignment | None] = []
    if params.engine == "portfolio" and (problem.hotspots or problem.visits) and pyvrp_available():
        exact = all(h.max_visits == 1 and len(h.windows) <= 1 for h in problem.hotspots)
        polish_s = budget_s * (params.polish_share if exact else params.repeat_polish_share)
        search_s = budget_s - polish_s - (clock.perf_counter() - started)
        seeds = [params.seed + k for k in range(1, params.workers)]
        if search_s > 0.1 and exact:
            own, results = search_beside(
                problem,
                time_limit_s=search_s,
                seeds=seeds,
                local=lambda: search_until(problem, search_s, params.seed),
            )
            candidates.append(initial_assignment(model, problem, [own, *results]))
        elif search_s > 0.1:
            local_params = _search_parameters(replace(params, time_limit_s=search_s))
            own_plan, results = search_beside(
                problem,
                time_limit_s=search_s,
                seeds=[params.seed] if params.workers > 1 else [],
                local=lambda: model.routing.SolveWithParameters(local_params),
            )
            candidates += [own_plan, initial_assignment(model, problem, results)]
    found_any = [c for c in candidates if c is not None]
    initial = max(found_any, key=lambda a: _value(model, problem, a), default=None)
    remaining_s = max(0.05, budget_s - (clock.perf_counter() - started))
    search = _search_parameters(replace(params, time_limit_s=remaining_s))
    if initial is None:
        found: pywrapcp.Assignment | None = model.routing.SolveWithParameters(search)
    else:
        found = model.routing.SolveFromAssignmentWithParameters(initial, search)
        if found is not None:
            log.info(
                "polish: %s -> %s", _value(model, problem, initial), _value(model, problem, found)
            )
    return found


def solve(problem: RoutingProblem, *, params: SolveParams | None = None) -> Solution:
    """Plan routes: keep every mandatory visit, maximise covered weight, then cut travel.

    Parameters
    ----------
    problem
        The routing problem.
    params
        Search settings; defaults to ``SolveParams()``.

    Returns
    -------
    Solution
        One route per shift, in shift order, and the hotspots left out with the reason.

    Raises
    ------
    InfeasibleError
        A mandatory visit cannot be kept; the error names it.
    SolverError
        No solution was found in the time limit, or the solution failed its own check.
    """
    params = params or SolveParams()
    check_visits_servable(problem)
    started = clock.perf_counter()
    model = build_routing_model(problem, seed=params.seed)
    assignment = _search(model, problem, params, started)
    if assignment is None:
        msg = f"no plan found within {params.time_limit_s:g} s; allow more time."
        raise SolverError(msg)
    routes = _read_routes(model, problem, assignment)
    served = {stop.ref for route in routes for stop in route.stops if stop.kind == "visit"}
    for i, visit in enumerate(problem.visits):
        if i not in served:
            msg = (
                f"mandatory visit {visit.id!r} cannot be kept together with the other "
                "mandatory visits: the shifts that may serve it have no room for it."
            )
            raise InfeasibleError(i, "conflict", msg)
    visited = {stop.ref for route in routes for stop in route.stops if stop.kind == "hotspot"}
    left_out = tuple(
        LeftOut(
            h, "not_enough_time" if hotspot_reachable(problem, hotspot) else "unreachable_in_window"
        )
        for h, hotspot in enumerate(problem.hotspots)
        if h not in visited
    )
    solution = Solution(
        routes=tuple(routes),
        left_out=left_out,
        objective=int(assignment.ObjectiveValue()),
        solve_time_s=clock.perf_counter() - started,
    )
    violations = check_solution(problem, solution)
    if violations:
        msg = f"the solver produced an infeasible plan: {violations[0]}"
        raise SolverError(msg)
    return solution
