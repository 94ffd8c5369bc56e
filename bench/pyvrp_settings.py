"""Which PyVRP settings the solver's search should use: variants at a fixed effort.

Run, for example::

    .venv/bin/python bench/pyvrp_settings.py --iterations 6000 --seeds 0,1

Each variant searches the relaxation ``solver.pyvrp_search`` builds, for a fixed number of
iterations (so the verdict does not depend on the machine's load), on instances the
benchmark tables do not report: the TOP set 4 instances outside ``orienteering.py``'s
selection and generated instances of seeds 7 and 8 (100 and 150 places). Prints, per
variant, the mean score relative to the best any variant found, and how often it was best.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from orienteering import DATA_DIR, DEFAULT_INSTANCES, to_problem
from orienteering_generated import euclidean_instance
from orienteering_instances import Instance, load_set

import solver.pyvrp_search as pyvrp_search
from solver import RoutingProblem
from solver.pyvrp_search import SearchLimit, search_routes

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator


def _variants() -> dict[str, dict[str, Any]]:
    return {
        "current": {},
        "prize x0.1": {"prize_scale": 0.1},
        "prize x10": {"prize_scale": 10.0},
        "neighbours 80": {"num_neighbours": 80},
        "history 100": {"history_length": 100},
        "history 1000": {"history_length": 1000},
        "perturbations 1-50": {"max_perturbations": 50},
    }


@contextlib.contextmanager
def _variant(options: dict[str, Any]) -> Iterator[None]:
    import pyvrp

    original_solve: Callable[..., Any] = pyvrp.solve
    original_units: Callable[[float], int] = getattr(pyvrp_search, "weight_units")  # noqa: B009
    ils = {k: options[k] for k in ("history_length", "num_iters_no_improvement") if k in options}
    params = pyvrp.SolveParams(
        ils=pyvrp.IteratedLocalSearchParams(**ils),
        neighbourhood=pyvrp.search.NeighbourhoodParams(
            num_neighbours=options.get("num_neighbours", 50)
        ),
        perturbation=pyvrp.search.PerturbationParams(
            max_perturbations=options.get("max_perturbations", 25)
        ),
    )
    scale = float(options.get("prize_scale", 1.0))

    def solve(*args: Any, **kwargs: Any) -> Any:
        return original_solve(*args, params=params, **kwargs)

    pyvrp.solve = solve

    def scaled(value: float) -> int:
        return max(1, round(original_units(value) * scale))

    setattr(pyvrp_search, "weight_units", scaled)  # noqa: B010
    try:
        yield
    finally:
        pyvrp.solve = original_solve
        setattr(pyvrp_search, "weight_units", original_units)  # noqa: B010


def _score(problem: RoutingProblem, name: str, seed: int, iterations: int) -> float:
    with _variant(_variants()[name]):
        result = search_routes(problem, limit=SearchLimit(math.inf, iterations), seed=seed)
    if not result.feasible:
        return 0.0
    refs = {stop.ref for route in result.routes for stop in route if stop.kind == "hotspot"}
    return sum(problem.hotspots[ref].weight for ref in refs)


def _run(task: tuple[Instance, str, int, int]) -> tuple[str, str, int, float]:
    instance, name, seed, iterations = task
    return instance.name, name, seed, _score(to_problem(instance), name, seed, iterations)


def training_instances() -> list[Instance]:
    """The larger TOP set 4 instances (route limit letters k-t) outside the reported
    selection, every third, and every other generated instance of seeds 7 and 8 of 100 and
    150 places."""
    reported = set(DEFAULT_INSTANCES["top-set4"])
    top = [
        i
        for i in load_set(DATA_DIR / "top-set4")
        if i.name not in reported and i.name.rsplit(".", 1)[-1] >= "k"
    ][::3]
    generated = [euclidean_instance(seed, index) for seed in (7, 8) for index in range(20)]
    return top + [g for g in generated if len(g.scores) >= 100][::2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=6_000)
    parser.add_argument("--seeds", default="0,1")
    parser.add_argument("--variants", default=",".join(_variants()))
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    names = args.variants.split(",")
    instances = training_instances()
    tasks = [(i, n, s, args.iterations) for i in instances for n in names for s in seeds]
    print(f"{len(instances)} instances, {len(tasks)} searches", file=sys.stderr)
    scores: dict[tuple[str, str, int], float] = {}
    with ProcessPoolExecutor(max_workers=2) as pool:
        for instance_name, name, seed, score in pool.map(_run, tasks):
            scores[instance_name, name, seed] = score
            print(f"{instance_name} {name} {seed}: {score:g}", file=sys.stderr, flush=True)
    print("| variant | mean score / best | best on |\n|---|---:|---:|")
    for name in names:
        ratios, best_on = [], 0
        for instance in instances:
            for seed in seeds:
                top = max(scores[instance.name, n, seed] for n in names)
                ratios.append(scores[instance.name, name, seed] / top if top else 1.0)
                best_on += scores[instance.name, name, seed] == top
        mean = 100 * sum(ratios) / len(ratios)
        print(f"| {name} | {mean:.3f} % | {best_on} / {len(ratios)} |")


if __name__ == "__main__":
    main()
