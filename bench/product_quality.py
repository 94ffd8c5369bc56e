"""Plan quality on the product's own problem: Liechtenstein, 10 staff, 300 hotspots.

The same matrix (snapped street network, drive) goes to the product's solver and to PyVRP
alone (one seed, and two seeds in parallel keeping the better). Two variants:

- ``first visits``: every hotspot worth one visit and one window, which PyVRP models
  exactly, so the comparison is like for like;
- ``with repeats``: the heaviest hotspots worth a second visit at least 90 minutes later,
  which only the product's model expresses (PyVRP is then given first visits only).

Run: ``.venv/bin/python bench/product_quality.py [--time-limit 10]``. Prints Markdown.
"""

from __future__ import annotations

import argparse
import copy
import multiprocessing
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from liechtenstein import evening_request

from graphs import AreaCatalog
from service.config import SHIPPED_AREAS_DIR
from service.plans.networks import AreaNetworks
from service.plans.plan_input import plan_input
from service.plans.planning import build_problem
from service.plans.schemas import PlanRequest
from solver import RoutingProblem, SolveParams, check_solution, solve
from solver.pyvrp_search import SearchLimit, SearchResult, search_routes


def _problem(data: dict[str, Any], networks: AreaNetworks) -> RoutingProblem:
    request = PlanRequest.model_validate({**data, "area": "liechtenstein"})
    return build_problem(plan_input(request, networks=networks, max_snap_m=300))


def _weight(problem: RoutingProblem, result: SearchResult) -> float:
    # PyVRP sees first visits only here (no repeats are offered to it).
    return sum(
        problem.hotspots[stop.ref].weight
        for route in result.routes
        for stop in route
        if stop.kind == "hotspot"
    )


def _pyvrp_x2(problem: RoutingProblem, time_limit_s: float) -> SearchResult:
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:
        limit = SearchLimit(deadline=time.time() + time_limit_s)
        futures = [pool.submit(search_routes, problem, limit=limit, seed=s) for s in (0, 1)]
        results = [f.result() for f in futures]
    feasible = [r for r in results if r.feasible] or results
    return max(feasible, key=lambda r: _weight(problem, r))


def _first_visits_only(problem: RoutingProblem) -> RoutingProblem:
    hotspots = tuple(replace(h, max_visits=1) for h in problem.hotspots)
    return replace(problem, hotspots=hotspots)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--time-limit", type=float, default=10.0)
    args = parser.parse_args()
    limit = args.time_limit
    with tempfile.TemporaryDirectory() as cache:
        networks = AreaNetworks(AreaCatalog([SHIPPED_AREAS_DIR]), cache_dir=Path(cache))
        base = evening_request(networks.get("liechtenstein", "drive"))
        single = copy.deepcopy(base)
        for spot in single["hotspots"]:
            spot.pop("max_visits", None)
            spot.pop("min_gap_min", None)
        variants = {
            "first visits": _problem(single, networks),
            "with repeats": _problem(base, networks),
        }

    print(f"## Liechtenstein, 10 staff x 300 hotspots, {limit:g} s, same matrix\n")
    print("| variant | engine | coverage (repeats count half) | hotspots visited | feasible |")
    print("|---|---|---:|---:|---|")
    for name, problem in variants.items():
        started = time.perf_counter()
        ours = solve(problem, params=SolveParams(time_limit_s=limit, seed=1))
        wall = time.perf_counter() - started
        ok = "yes" if not check_solution(problem, ours) else "NO"
        visited = len(problem.hotspots) - len(ours.left_out)
        print(f"| {name} | ours ({wall:.1f} s) | {ours.covered_weight:.1f} | {visited} | {ok} |")
        relaxed = _first_visits_only(problem)
        one = search_routes(relaxed, limit=SearchLimit(deadline=time.time() + limit), seed=0)
        two = _pyvrp_x2(relaxed, limit)
        for label, result in (("PyVRP", one), ("PyVRP x2", two)):
            visited = sum(1 for r in result.routes for s in r if s.kind == "hotspot")
            ok = "yes" if result.feasible else "NO"
            print(f"| {name} | {label} | {_weight(problem, result):.1f} | {visited} | {ok} |")
    print()


if __name__ == "__main__":
    main()
