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
from typing import TYPE_CHECKING

from .pyvrp_search import SearchResult, search_routes

if TYPE_CHECKING:
    from ortools.constraint_solver import pywrapcp

    from .model import RoutingModel
    from .problem import RoutingProblem

log = logging.getLogger(__name__)

_SPAWN_ALLOWANCE_S = 0.6
"""A spawned worker starts this much later; it stops at the same deadline."""


def pyvrp_available() -> bool:
    """Whether PyVRP is installed."""
    return importlib.util.find_spec("pyvrp") is not None


def _search_until(problem: RoutingProblem, deadline: float, seed: int) -> SearchResult:
    """Search until the wall-clock ``deadline`` (shared by all processes)."""
    return search_routes(problem, time_limit_s=max(0.05, deadline - time.time()), seed=seed)


def search_in_parallel(
    problem: RoutingProblem, *, time_limit_s: float, seed: int, workers: int
) -> list[SearchResult]:
    """Run PyVRP with ``workers`` seeds at once (one here, the others in spawned processes)."""
    deadline = time.time() + time_limit_s
    if workers <= 1 or time_limit_s < 2 * _SPAWN_ALLOWANCE_S:
        return [_search_until(problem, deadline, seed)]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers - 1, mp_context=context) as pool:
        futures = [
            pool.submit(_search_until, problem, deadline, seed + k) for k in range(1, workers)
        ]
        results = [_search_until(problem, deadline, seed)]
        for future in futures:
            try:
                results.append(future.result(timeout=time_limit_s + 30))
            except Exception:  # a lost helper process only costs its result
                log.exception("a parallel search worker failed")
    return results


def _value(problem: RoutingProblem, result: SearchResult) -> tuple[float, int]:
    weight = sum(
        problem.hotspots[ref].weight
        for route in result.routes
        for kind, ref in route
        if kind == "hotspot"
    )
    travel = 0
    for v, route in enumerate(result.routes):
        shift = problem.shifts[v]
        path = [shift.start_location]
        path += [
            problem.hotspots[ref].location if kind == "hotspot" else problem.visits[ref].location
            for kind, ref in route
        ]
        path.append(shift.end_location)
        travel += sum(problem.travel(v, a, b) for a, b in itertools.pairwise(path))
    return weight, -travel


def initial_assignment(
    model: RoutingModel, problem: RoutingProblem, results: list[SearchResult]
) -> pywrapcp.Assignment | None:
    """The best search result that the full model accepts, as an OR-Tools assignment."""
    node_of: dict[tuple[str, int], int] = {}
    for node_id, node in enumerate(model.nodes):
        if node.kind == "visit" or (node.kind == "hotspot" and node.visit_number == 1):
            node_of[node.kind, node.ref] = node_id
    ranked = sorted(
        (r for r in results if r.feasible), key=lambda r: _value(problem, r), reverse=True
    )
    for result in ranked:
        routes = [
            [model.manager.NodeToIndex(node_of[stop]) for stop in route] for route in result.routes
        ]
        assignment: pywrapcp.Assignment | None = model.routing.ReadAssignmentFromRoutes(
            routes, True
        )
        if assignment is not None:
            return assignment
        log.info("the full model refused a PyVRP solution; trying the next one")
    return None
