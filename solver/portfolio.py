"""Seed the OR-Tools model with PyVRP routes, searched on both cores.

OR-Tools carries the product's full model (repeat visits with gaps, several windows,
mandatory visits and who may serve them, the latest end), but its search stalls on
prize-collecting problems. PyVRP finds far better routes for the part of the model it can
express; OR-Tools then reads them as its first solution, checks every constraint, and
spends the rest of the time adding what PyVRP did not see (repeat visits) and polishing.
"""

from __future__ import annotations

import importlib.util
import itertools
import logging
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from typing import TYPE_CHECKING, TypeVar

from .pyvrp_search import SearchResult, search_routes

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from ortools.constraint_solver import pywrapcp

    from .model import RoutingModel
    from .problem import RoutingProblem

log = logging.getLogger(__name__)

T = TypeVar("T")

_SPAWN_ALLOWANCE_S = 0.6
"""A spawned worker starts this much later; it stops at the same deadline."""

_MIN_PARALLEL_S = 4.0
"""Below this budget a spawned worker costs more (its start, on two cores) than it finds."""


def pyvrp_available() -> bool:
    """Whether PyVRP is installed."""
    return importlib.util.find_spec("pyvrp") is not None


def _search_until(
    problem: RoutingProblem, deadline: float, seed: int, stall_iterations: int | None
) -> SearchResult:
    """Search until the wall-clock ``deadline`` (shared by all processes), or until
    ``stall_iterations`` iterations bring nothing better."""
    return search_routes(
        problem,
        time_limit_s=max(0.05, deadline - time.time()),
        seed=seed,
        stall_iterations=stall_iterations,
    )


def search_beside(
    problem: RoutingProblem,
    *,
    time_limit_s: float,
    seeds: Sequence[int],
    local: Callable[[], T],
    stall_iterations: int | None = None,
) -> tuple[T, list[SearchResult]]:
    """Run PyVRP for each seed in a spawned process while ``local()`` runs here.

    Workers stop at the same wall-clock deadline as ``local`` should (a spawned process
    starts a little later). A worker that fails only costs its own result.
    """
    if not seeds or time_limit_s < _MIN_PARALLEL_S:
        return local(), []
    deadline = time.time() + time_limit_s
    context = multiprocessing.get_context("spawn")
    results = []
    with ProcessPoolExecutor(max_workers=len(seeds), mp_context=context) as pool:
        futures = [
            pool.submit(_search_until, problem, deadline, seed, stall_iterations) for seed in seeds
        ]
        own = local()
        for future in futures:
            try:
                results.append(future.result(timeout=time_limit_s + 30))
            except Exception:
                log.exception("a parallel search worker failed")
    return own, results


def search_until(
    problem: RoutingProblem, time_limit_s: float, seed: int, stall_iterations: int | None = None
) -> SearchResult:
    """One PyVRP search here, for at most ``time_limit_s``."""
    return _search_until(problem, time.time() + time_limit_s, seed, stall_iterations)


def _value(problem: RoutingProblem, routes: list[list[tuple[str, int, int]]]) -> tuple[float, int]:
    """(coverage weight, minus travel) of routes given as (kind, ref, visit number) stops."""
    weight = sum(
        problem.hotspots[ref].visit_value(number)
        for route in routes
        for kind, ref, number in route
        if kind == "hotspot"
    )
    travel = 0
    for v, route in enumerate(routes):
        shift = problem.shifts[v]
        path = [shift.start_location]
        path += [
            problem.hotspots[ref].location if kind == "hotspot" else problem.visits[ref].location
            for kind, ref, _ in route
        ]
        path.append(shift.end_location)
        travel += sum(problem.travel(v, a, b) for a, b in itertools.pairwise(path))
    return weight, -travel


def gapped_routes(
    problem: RoutingProblem, result: SearchResult, *, repeats: bool = True
) -> list[list[tuple[str, int, int]]]:
    """The result's stops as (kind, ref, visit number), repeat visits repaired.

    PyVRP does not know the minimum gap between visits of one hotspot. Visits are taken in
    order of their start; one that starts less than ``min_gap_s`` after the last kept visit
    is dropped (dropping a stop never makes a route infeasible). With ``repeats=False``
    only the first visit of each hotspot is kept.
    """
    kept: dict[int, list[int]] = {}
    keep: set[tuple[int, int]] = set()
    stops = sorted(
        (stop.start_s, v, i)
        for v, route in enumerate(result.routes)
        for i, stop in enumerate(route)
        if stop.kind == "hotspot"
    )
    for start_s, v, i in stops:
        hotspot = result.routes[v][i].ref
        starts = kept.setdefault(hotspot, [])
        limit = problem.hotspots[hotspot].max_visits if repeats else 1
        if len(starts) < limit and (
            not starts or start_s - starts[-1] >= problem.hotspots[hotspot].min_gap_s
        ):
            starts.append(start_s)
            keep.add((v, i))
    out: list[list[tuple[str, int, int]]] = []
    for v, route in enumerate(result.routes):
        stops_out = []
        for i, stop in enumerate(route):
            if stop.kind == "visit":
                stops_out.append(("visit", stop.ref, 0))
            elif (v, i) in keep:
                # Number visits by start time, as the model orders them.
                number = 1 + sorted(kept[stop.ref]).index(stop.start_s)
                stops_out.append(("hotspot", stop.ref, number))
        out.append(stops_out)
    return out


def initial_assignment(
    model: RoutingModel, problem: RoutingProblem, results: list[SearchResult]
) -> pywrapcp.Assignment | None:
    """The best search result that the full model accepts, as an OR-Tools assignment.

    Each result is tried with its repeat visits (gaps repaired), then with first visits
    only; OR-Tools' own check decides.
    """
    node_of: dict[tuple[str, int, int], int] = {}
    for node_id, node in enumerate(model.nodes):
        if node.kind in ("hotspot", "visit"):
            node_of[node.kind, node.ref, node.visit_number] = node_id
    candidates = [
        gapped_routes(problem, result, repeats=repeats)
        for result in results
        if result.feasible
        for repeats in (True, False)
    ]
    candidates.sort(key=lambda routes: _value(problem, routes), reverse=True)
    for routes in candidates:
        indices = [[model.manager.NodeToIndex(node_of[stop]) for stop in route] for route in routes]
        assignment: pywrapcp.Assignment | None = model.routing.ReadAssignmentFromRoutes(
            indices, True
        )
        if assignment is not None:
            return assignment
        log.info("the full model refused a searched plan; trying the next one")
    return None
