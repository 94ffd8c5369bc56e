"""Time to plan by size: the search stops once it has converged, and covers what the full
time limit would.

For each size, a plan request on a shipped area (the demo's Sindal evening cut to N
hotspots, or N hotspots drawn on Liechtenstein's streets with 2-10 staff) is solved with
``stop_early`` on (the default) and off (the whole time limit), for a few seeds. Reported:
median wall time, covered weight and travel of each, and how often the early plan covers
less than the full one.

Run: ``.venv/bin/python bench/time_to_plan.py [--limit 10] [--seeds 3]``
"""

from __future__ import annotations

import argparse
import copy
import json
import statistics
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from graphs import AreaCatalog
from service.config import Settings
from service.plans.networks import AreaNetworks
from service.plans.plan_input import plan_input
from service.plans.planning import build_problem
from service.plans.schemas import PlanRequest
from solver import RoutingProblem, SolveParams, solve

ROOT = Path(__file__).resolve().parents[1]
DATE = "2026-11-26"


def sindal_request(n: int) -> dict[str, Any]:
    """The demo evening with its first ``n`` hotspots (all four staff and visits)."""
    data: dict[str, Any] = json.loads((ROOT / "examples" / "sindal_request.json").read_text())
    data["hotspots"] = data["hotspots"][:n]
    data["date"] = DATE
    return data


def liechtenstein_request(n: int, networks: AreaNetworks, seed: int = 7) -> dict[str, Any]:
    """``n`` hotspots on random drive-network nodes of Liechtenstein, one staff per 30."""
    network = networks.get("liechtenstein", "drive")
    rng = np.random.default_rng(seed)
    nodes = rng.choice(len(network.node_ids), size=n + 10, replace=False)
    graph = network.graph
    points = [graph.nodes[int(network.node_ids[i])] for i in nodes]
    staff = max(2, min(10, n // 30))
    return {
        "area": "liechtenstein",
        "date": DATE,
        "shifts": [
            {
                "id": f"guard-{k}",
                "phone": f"+452000{k:04d}",
                "start_location": {"lat": points[k]["y"], "lon": points[k]["x"]},
                "start_time": "17:00",
                "end_time": "22:00",
            }
            for k in range(staff)
        ],
        "hotspots": [
            {
                "id": f"hs-{k}",
                "location": {"lat": p["y"], "lon": p["x"]},
                "weight": int(rng.integers(1, 11)),
                "dwell_min": 10,
            }
            for k, p in enumerate(points[10:])
        ],
    }


def problem_of(data: dict[str, Any], networks: AreaNetworks, settings: Settings) -> RoutingProblem:
    """The solver's problem for a request, as the service builds it."""
    request = PlanRequest.model_validate(data)
    return build_problem(plan_input(request, networks=networks, max_snap_m=settings.max_snap_m))


def run(problem: RoutingProblem, params: SolveParams) -> tuple[float, float, int]:
    """(wall seconds, covered weight, travel seconds) of one solve."""
    started = time.perf_counter()
    solution = solve(problem, params=params)
    return time.perf_counter() - started, solution.covered_weight, solution.travel_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--limit", type=float, default=10.0)
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    settings = Settings()
    networks = AreaNetworks(AreaCatalog([settings.areas_dir]), cache_dir=settings.graph_cache_dir)
    cases = [
        ("Sindal demo, 15 hotspots", sindal_request(15)),
        ("Sindal demo, 30 hotspots", sindal_request(30)),
        ("Sindal demo, 65 hotspots", sindal_request(65)),
        ("Liechtenstein, 150 hotspots", liechtenstein_request(150, networks)),
        ("Liechtenstein, 300 hotspots", liechtenstein_request(300, networks)),
    ]
    print(f"time limit {args.limit:g} s, seeds 0-{args.seeds - 1}, medians\n")
    print(
        "| plan | early: s | early: weight | early: travel min | full: s | full: weight "
        "| full: travel min | early < full |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for label, data in cases:
        problem = problem_of(copy.deepcopy(data), networks, settings)
        early, full = [], []
        for seed in range(args.seeds):
            params = SolveParams(time_limit_s=args.limit, seed=seed)
            early.append(run(problem, params))
            full.append(run(problem, replace(params, stop_early=False)))
        worse = sum(e[1] < f[1] - 1e-9 for e, f in zip(early, full, strict=True))

        def med(rows: list[tuple[float, float, int]], i: int) -> float:
            return statistics.median(r[i] for r in rows)

        print(
            f"| {label} | {med(early, 0):.1f} | {med(early, 1):.1f} | {med(early, 2) / 60:.0f} "
            f"| {med(full, 0):.1f} | {med(full, 1):.1f} | {med(full, 2) / 60:.0f} "
            f"| {worse} of {args.seeds} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
