"""The solver's PyVRP model against the benchmark's plain PyVRP model, at the same effort.

Run, for example::

    .venv/bin/python bench/pyvrp_models.py --iterations 3000 --indices 4,9,14,19 --seeds 7,8,9

Both search the same generated instance for the same number of PyVRP iterations with the
same seed: the solver's relaxation (``solver.pyvrp_search``: prizes worth about 100 typical
legs per unit of weight) and ``orienteering.solve_pyvrp`` (prizes above any travel, as
PyVRP x2 in ``orienteering.py``). Equal effort takes the clock out: what is left is the
model. Prints one line per instance and seed, and the count of better / equal / worse.
"""

from __future__ import annotations

import argparse
import math
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from orienteering import solve_pyvrp, to_problem
from orienteering_generated import euclidean_instance
from orienteering_instances import Instance, check_routes

from solver.pyvrp_search import SearchLimit, search_routes


def _run(task: tuple[Instance, int, int]) -> tuple[str, int, float, float]:
    import pyvrp.stop

    instance, seed, iterations = task
    problem = to_problem(instance)
    result = search_routes(problem, limit=SearchLimit(math.inf, iterations), seed=seed)
    refs = {stop.ref for route in result.routes for stop in route if stop.kind == "hotspot"}
    ours = sum(problem.hotspots[ref].weight for ref in refs) if result.feasible else 0.0
    # The plain model reads its stop from pyvrp.stop.MaxRuntime: the same effort instead.
    pyvrp.stop.MaxRuntime = lambda _: pyvrp.stop.MaxIterations(iterations)  # type: ignore[assignment,misc,return-value]
    plain = check_routes(instance, solve_pyvrp(instance, math.inf, seed)).score
    return instance.name, seed, ours, plain


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=3000)
    parser.add_argument("--indices", default="4,9,14,19", help="generated instance indices")
    parser.add_argument("--seeds", default="7,8,9", help="generator seeds")
    parser.add_argument("--search-seeds", default="0,1")
    args = parser.parse_args()
    instances = [
        euclidean_instance(int(g), int(i))
        for g in args.seeds.split(",")
        for i in args.indices.split(",")
    ]
    tasks = [(i, int(s), args.iterations) for i in instances for s in args.search_seeds.split(",")]
    counts = {"better": 0, "equal": 0, "worse": 0}
    with ProcessPoolExecutor(max_workers=2) as pool:
        for name, seed, ours, plain in pool.map(_run, tasks):
            verdict = "better" if ours > plain else "equal" if ours == plain else "worse"
            counts[verdict] += 1
            print(f"{name} seed {seed}: solver's model {ours:g}, plain {plain:g} ({verdict})")
    print(" / ".join(f"{k} {v}" for k, v in counts.items()))


if __name__ == "__main__":
    main()
