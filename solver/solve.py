"""``solve``: a routing problem in, a checked solution out. Pure: no I/O, no globals."""

from __future__ import annotations

import logging
import math
import time as clock
from dataclasses import replace
from typing import TYPE_CHECKING, Literal

from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from .conflicts import clashing_visits
from .coverage import travel_bound_s
from .errors import InfeasibleError, ShiftError, SolverError
from .feasibility import check_solution
from .model import RoutingModel, build_routing_model
from .params import SolveParams
from .portfolio import (
    initial_assignment,
    pack_results,
    pyvrp_available,
    search_beside,
    search_until,
)
from .problem import RoutingProblem
from .pyvrp_search import Board, SearchLimit, SearchResult, SearchStop
from .reach import QuickestTravel, hotspots_in_reach, reachable_alone
from .recombine import import_cp_sat
from .solution import LeftOut, Route, Solution, Stop

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

log = logging.getLogger(__name__)

_MIN_PACK_S = 0.05
"""The least time left for packing all searches' routes at the end (``pack_results``):
building its model for 1,000 routes takes about 0.04 s."""


def check_shifts(problem: RoutingProblem) -> None:
    """Fail early, naming the shift, when a shift cannot get from its start to its end
    before it ends (no route at all would be feasible for it).

    Raises
    ------
    ShiftError
        ``end_unreachable``: the first such shift.
    """
    for v, shift in enumerate(problem.shifts):
        travel_s = problem.travel(v, shift.start_location, shift.end_location)
        length_s = shift.end_s - shift.start_s
        if travel_s > length_s:
            msg = (
                f"shift {shift.id!r} cannot be planned: getting from its start to its end takes "
                f"{travel_s / 60:.0f} min, and the shift lasts {length_s / 60:.0f} min."
            )
            raise ShiftError(
                v,
                "end_unreachable",
                msg,
                shift_id=shift.id,
                travel_s=travel_s,
                length_s=length_s,
            )


def check_sequences(problem: RoutingProblem, quickest: QuickestTravel | None = None) -> None:
    """Fail early, naming the visit and why, when a shift's fixed sequence cannot be kept
    even with nothing else on the route (each leg by its quickest way, ``reach``).

    Raises
    ------
    InfeasibleError
        ``sequence``: the first visit of a sequence that cannot start within its window.
    """
    quickest = quickest or QuickestTravel(problem)
    for v, shift in enumerate(problem.shifts):
        if not shift.sequence:
            continue
        clock_s, here, before = float(shift.start_s), shift.start_location, None
        for i in shift.sequence:
            visit = problem.visits[i]
            arrival = clock_s + quickest.travel(v, here, visit.location)
            if arrival > visit.window.end_s:
                late_min = (arrival - visit.window.end_s) / 60
                after = "the shift's start" if before is None else repr(before)
                msg = (
                    f"fixed visit {visit.id!r} cannot be kept: even by the quickest way from "
                    f"{after} it is reached {late_min:.0f} min after its latest start, with "
                    "nothing else on the route"
                )
                raise InfeasibleError(i, "sequence", msg)
            clock_s = max(arrival, visit.window.start_s) + visit.service_s
            here, before = visit.location, visit.id
        if clock_s + quickest.travel(v, here, shift.end_location) > shift.end_s:
            last = problem.visits[shift.sequence[-1]]
            msg = (
                f"fixed visit {last.id!r} cannot be kept: after it the shift {shift.id!r} "
                "cannot get back to its end before it ends"
            )
            raise InfeasibleError(shift.sequence[-1], "sequence", msg)


def check_visits_servable(problem: RoutingProblem, quickest: QuickestTravel | None = None) -> None:
    """Fail early, naming the visit, when a mandatory visit cannot be kept on its own (by
    the quickest ways through the matrix, ``reach``).

    Raises
    ------
    InfeasibleError
        For the first visit that no eligible shift could serve even with nothing else to do.
    """
    quickest = quickest or QuickestTravel(problem)
    if problem.visits:
        quickest.prepare_shifts()
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
            reachable_alone(quickest, s, visit.location, visit.service_s, (window,))
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
    if params.max_iterations is not None:
        # Guided local search never ends by itself (where no move is left it just waits
        # for the clock); at a fixed effort OR-Tools descends to a local optimum instead,
        # through at most max_iterations solutions, so the clock never decides.
        search.local_search_metaheuristic = (
            routing_enums_pb2.LocalSearchMetaheuristic.GREEDY_DESCENT
        )
        search.solution_limit = params.max_iterations
    return search


class _StallWatch:
    """Ends an OR-Tools search that has found nothing better for ``stall_s`` seconds, or
    for ``quick_s`` once the plan covers everything (its cost holds no drop penalty, so
    only travel is left to gain), once ``others_settled`` too: while a search beside it
    still runs, the answer waits for that one anyway, and the time is OR-Tools' as well.

    Installed once per model (a solution callback); ``arm`` before each solve.
    """

    def __init__(
        self,
        routing: pywrapcp.RoutingModel,
        *,
        complete_below: int,
        others_settled: Callable[[], bool] = lambda: True,
    ) -> None:
        self._routing = routing
        self._complete_below = complete_below
        self._others_settled = others_settled
        self._stall_s: float | None = None
        self._quick_s = 0.0
        self._best: int | None = None
        self._since = 0.0
        routing.AddAtSolutionCallback(self._at_solution)

    def arm(self, stall_s: float | None, *, quick_s: float = 0.0) -> None:
        """Watch the next solve (``None``: let it run to its time limit)."""
        self._stall_s, self._quick_s = stall_s, min(quick_s, stall_s or 0.0)
        self._best, self._since = None, clock.perf_counter()

    def _at_solution(self) -> None:
        if self._stall_s is None:
            return
        cost = int(self._routing.CostVar().Max())
        now = clock.perf_counter()
        if self._best is None or cost < self._best:
            self._best, self._since = cost, now
            return
        limit = self._quick_s if self._best < self._complete_below else self._stall_s
        if now - self._since > limit and self._others_settled():
            self._routing.solver().FinishCurrentSearch()


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


def _model(problem: RoutingProblem, params: SolveParams) -> RoutingModel:
    return build_routing_model(
        problem,
        seed=params.seed,
        vary_weight=params.vary_weight,
        balance_weight_per_hour=params.balance_weight_per_hour,
    )


def _as_result(model: RoutingModel, problem: RoutingProblem, assignment: object) -> SearchResult:
    """An OR-Tools plan as a search result, to be read into another model.

    (A model that has searched until its time limit reads no more plans: OR-Tools checks
    them under the spent limit. Each search therefore has a model of its own, and plans
    move between models as stops.)
    """
    routes = [
        [SearchStop(s.kind, s.ref, s.start_s) for s in r.stops if s.kind in ("hotspot", "visit")]
        for r in _read_routes(model, problem, assignment)
    ]
    return SearchResult(routes=routes, feasible=True)


def _value(
    model: RoutingModel, problem: RoutingProblem, assignment: pywrapcp.Assignment
) -> tuple[float, int]:
    routes = _read_routes(model, problem, assignment)
    return sum(r.weight for r in routes), -sum(r.travel_s for r in routes)


def _search(
    model: RoutingModel,
    problem: RoutingProblem,
    params: SolveParams,
    started: float,
    hinted: pywrapcp.Assignment | None = None,
) -> pywrapcp.Assignment | None:
    """Search, then polish the best plan found with OR-Tools on the full model.

    Portfolio: where PyVRP's relaxation is exact (no repeat visits, at most one window
    per hotspot) PyVRP searches on every worker; otherwise PyVRP searches on one worker
    while OR-Tools searches the full model here, and the better plan wins. OR-Tools then
    starts from it for the polish.

    Every PyVRP search stops at the deadline, or with ``stop_early`` once it has converged
    (``SolveParams.stall_iterations``, ``stall_ratio``: where the relaxation is exact, the
    searches on all cores must agree), or at a fixed effort after ``max_iterations``; the
    answer waits for every seed, so the time goes to whichever search is still improving.
    Where the relaxation is not exact, a PyVRP probe of ``probe_share`` of the limit runs
    here first (``stop_early`` only) while PyVRP searches beside it; when the probe
    converges, the plan is small and OR-Tools only polishes, else OR-Tools searches the
    full model.
    """
    budget_s = params.time_limit_s
    effort = params.max_iterations
    by_clock = effort is None
    stall_s = params.stall_s if params.stop_early and by_clock else None
    complete_below = travel_bound_s(problem) + 1
    watch = _StallWatch(model.routing, complete_below=complete_below)
    watch.arm(stall_s, quick_s=params.stall_min_s)
    exact = all(h.max_visits == 1 and len(h.windows) <= 1 for h in problem.hotspots)
    polish_s = budget_s * (params.polish_share if exact else params.repeat_polish_share)
    # The polish adds nothing of its own where PyVRP sees the whole objective: the search
    # runs on into the polish share (``SolveParams.polish_share``).
    own_objective = exact and params.vary_weight == 0 and params.balance_weight_per_hour == 0
    reserve_s = min(polish_s, params.handback_s) if own_objective else polish_s
    candidates: list[pywrapcp.Assignment | None] = [hinted]
    portfolio = (
        params.engine == "portfolio"
        and bool(problem.hotspots or problem.visits)
        and pyvrp_available()
    )
    if portfolio and exact:
        import_cp_sat()  # before the deadline is set: every search here packs its routes
    search_s = budget_s - reserve_s - (clock.perf_counter() - started)
    if portfolio and search_s > 0.1:
        limit = SearchLimit(
            deadline=clock.time() + search_s,
            max_iterations=effort,
            stall_iterations=params.stall_iterations if params.stop_early else None,
            stall_ratio=params.stall_ratio,
        )
        if exact:
            seeds = [params.seed + k for k in range(1, params.workers)]
            own, results = search_beside(
                problem,
                limit=limit,
                seeds=seeds,
                local=lambda board: search_until(problem, limit, params.seed, board),
            )
            searched = [own, *results]
            # Half of what is left of the limit at most: the polish still gets its share;
            # with too little left, building the model alone would overrun the limit.
            pack_s = (budget_s - (clock.perf_counter() - started)) / 2 if by_clock else math.inf
            if pack_s >= _MIN_PACK_S:
                packed = pack_results(problem, searched, time_limit_s=pack_s)
                if packed is not None:
                    searched.append(packed)
            candidates.append(initial_assignment(model, problem, searched))
        else:
            # PyVRP sees a relaxation here, so its searches' agreement proves nothing about
            # the plan: a PyVRP search stops once it alone has stalled (ratio 0). Here, a
            # short PyVRP probe first tells a small plan (then only the polish is left);
            # otherwise OR-Tools searches the full model, from its own first plan (which
            # does better with repeat visits than starting from the probe's), on a model of
            # its own (see ``_as_result``). PyVRP searches beside all along.
            limit = replace(limit, stall_ratio=0.0)
            probing = params.stop_early and by_clock

            def local(board: Board | None) -> list[SearchResult]:
                found: list[SearchResult] = []
                if probing:
                    probe_s = budget_s * params.probe_share
                    probe = search_until(
                        problem, replace(limit, deadline=clock.time() + probe_s), params.seed
                    )
                    found.append(probe)
                    if probe.converged:
                        return found
                own_s = limit.deadline - clock.time()
                if own_s <= 0.1:
                    return found
                own = _model(problem, params)
                own_watch = _StallWatch(
                    own.routing,
                    complete_below=complete_below,
                    others_settled=lambda: board is None or board.settled(besides=0),
                )
                own_watch.arm(stall_s, quick_s=params.stall_min_s)
                own_params = _search_parameters(replace(params, time_limit_s=own_s))
                plan = own.routing.SolveWithParameters(own_params)
                if plan is not None:
                    found.append(_as_result(own, problem, plan))
                return found

            seed = params.seed + 1 if probing else params.seed
            own_found, results = search_beside(
                problem,
                limit=limit,
                seeds=[seed] if params.workers > 1 or not by_clock else [],
                local=local,
                local_takes_routes=False,
            )
            candidates.append(initial_assignment(model, problem, [*own_found, *results]))
    found_any = [c for c in candidates if c is not None]
    initial = max(found_any, key=lambda a: _value(model, problem, a), default=None)
    remaining_s = max(0.05, budget_s - (clock.perf_counter() - started))
    if params.stop_early and by_clock and initial is not None:
        # The search converged early: polish for the polish share, not all that is left.
        # (At a fixed effort the clock is only a guard: the solution limit ends the polish.)
        remaining_s = min(remaining_s, max(0.2, polish_s))
    search = _search_parameters(replace(params, time_limit_s=remaining_s))
    watch.arm(stall_s, quick_s=params.stall_min_s)
    if initial is None:
        found: pywrapcp.Assignment | None = model.routing.SolveWithParameters(search)
    else:
        found = model.routing.SolveFromAssignmentWithParameters(initial, search)
        if found is not None:
            log.info(
                "polish: %s -> %s", _value(model, problem, initial), _value(model, problem, found)
            )
    return found


def _unserved(problem: RoutingProblem, routes: list[Route]) -> list[int]:
    served = {stop.ref for route in routes for stop in route.stops if stop.kind == "visit"}
    return [i for i in range(len(problem.visits)) if i not in served]


def _keep_every_visit(
    problem: RoutingProblem, params: SolveParams, routes: list[Route], quickest: QuickestTravel
) -> tuple[RoutingModel, pywrapcp.Assignment]:
    """A plan keeping every mandatory visit, after a search that dropped some, and the
    model (a new one: see ``_as_result``) whose assignment it is.

    A dropped visit is impossible only if ``conflicts.clashing_visits`` proves it (then the
    caller's request is at fault, and the error names the visit it clashes with). Otherwise
    the mandatory visits are planned alone (no hotspots), and the full model is polished from
    those routes: the search had merely not found room for them in time.

    Raises
    ------
    InfeasibleError
        A dropped visit provably clashes with another one.
    SolverError
        No plan keeping every visit was found in the time given, and none is proven
        impossible: more time may find one.
    """
    for i in _unserved(problem, routes):
        clashes = clashing_visits(problem, i, quickest)
        if clashes:
            others = ", ".join(
                f"{problem.visits[j].id!r} (only {problem.shifts[s].id!r} may serve it)"
                for s, j in sorted(clashes.items())
            )
            msg = (
                f"mandatory visit {problem.visits[i].id!r} cannot be kept: it clashes with "
                f"{others}; their windows, durations and travel leave no order that fits."
            )
            raise InfeasibleError(i, "conflict", msg, clashes_with=tuple(clashes.values()))
    rescue_s = max(1.0, params.time_limit_s * params.polish_share)
    if params.max_iterations is not None:
        rescue_s = params.time_limit_s  # only a guard: the solution limit ends the search
    visits_only = RoutingProblem(problem.travel_s, problem.shifts, (), problem.visits)
    only_model = build_routing_model(visits_only, seed=params.seed)
    found = only_model.routing.SolveWithParameters(
        _search_parameters(replace(params, time_limit_s=rescue_s))
    )
    if found is not None and not _unserved(
        visits_only, _read_routes(only_model, visits_only, found)
    ):
        model = _model(problem, params)
        initial = initial_assignment(model, problem, [_as_result(only_model, visits_only, found)])
        if initial is not None:
            polished = model.routing.SolveFromAssignmentWithParameters(
                initial, _search_parameters(replace(params, time_limit_s=rescue_s))
            )
            return model, polished if polished is not None else initial
    msg = (
        f"no plan keeping every mandatory visit was found within {params.time_limit_s:g} s, "
        "though none is proven impossible; try again with more time."
    )
    raise SolverError(msg)


def solve(
    problem: RoutingProblem,
    *,
    params: SolveParams | None = None,
    hint: Sequence[Sequence[tuple[Literal["hotspot", "visit"], int, int]]] | None = None,
) -> Solution:
    """Plan routes: keep every mandatory visit, maximise covered weight, then cut travel.

    Parameters
    ----------
    problem
        The routing problem.
    params
        Search settings; defaults to ``SolveParams()``.
    hint
        A plan to start from (a warm start, e.g. the routes of the plan being re-planned):
        per shift the stops ``(kind, ref, start_s)`` between start and end. It is checked
        against the full model like any other candidate and dropped if it breaks it.

    Returns
    -------
    Solution
        One route per shift, in shift order, and the hotspots left out with the reason.

    Raises
    ------
    ShiftError
        A shift cannot get from its start to its end in time; the error names it.
    InfeasibleError
        A mandatory visit cannot be kept; the error names it.
    SolverError
        No solution was found in the time limit, or the solution failed its own check.
    """
    params = params or SolveParams()
    check_shifts(problem)
    quickest = QuickestTravel(problem)
    check_sequences(problem, quickest)
    check_visits_servable(problem, quickest)
    started = clock.perf_counter()
    model = _model(problem, params)
    hinted = None
    if hint is not None:
        hint_routes = [[SearchStop(kind, ref, start_s) for kind, ref, start_s in r] for r in hint]
        hinted = initial_assignment(model, problem, [SearchResult(hint_routes, feasible=True)])
    assignment = _search(model, problem, params, started, hinted)
    if assignment is None:
        msg = f"no plan found within {params.time_limit_s:g} s; allow more time."
        raise SolverError(msg)
    routes = _read_routes(model, problem, assignment)
    if _unserved(problem, routes):
        model, assignment = _keep_every_visit(problem, params, routes, quickest)
        routes = _read_routes(model, problem, assignment)
    visited = {stop.ref for route in routes for stop in route.stops if stop.kind == "hotspot"}
    in_reach = hotspots_in_reach(problem, quickest)
    left_out = tuple(
        LeftOut(h, "not_enough_time" if in_reach[h] else "unreachable_in_window")
        for h in range(len(problem.hotspots))
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
