"""Which PyVRP settings the solver's search should use: variants side by side.

Run, for example::

    .venv/bin/python bench/pyvrp_settings.py --seconds 5 --seeds 0,1,2,3
    .venv/bin/python bench/pyvrp_settings.py --iterations 6000 --seeds 0,1
    .venv/bin/python bench/pyvrp_settings.py --seconds 10 --seeds 0,1 --instances top-set4

Each variant searches the relaxation ``solver.pyvrp_search`` builds (with PyVRP's own
search alone: the solver's route packing, ``solver.recombine``, is left out) on instances the
benchmark tables do not report: the TOP set 4 instances outside ``orienteering.py``'s
selection and generated instances of seeds 7 and 8 (100 and 150 places); or, with
``--instances``, on a whole shipped set (seeds 0 and 1 at 10 s are what the solver runs
there, one per core). ``--seconds`` gives every search the same wall time (two at once:
run it on an idle machine); this is the comparison that counts, since a variant may make
an iteration dearer (larger perturbations) or cheaper (fewer neighbours). ``--iterations``
gives every search the same number of iterations instead (the verdict does not depend on
the machine's load, but it hides an iteration's cost). Prints, per variant, the mean score
relative to the best any variant found and how often it was best, and, as the solver runs
two seeds at once, the better of each pair of seeds (0 and 1, 2 and 3, ...) against the
current settings'.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from orienteering import DATA_DIR, DEFAULT_INSTANCES, to_problem
from orienteering_generated import euclidean_instance
from orienteering_instances import Instance, load_set

import solver.pyvrp_search as pyvrp_search
import solver.route_pool as route_pool
from solver import RoutingProblem
from solver.pyvrp_search import SearchLimit, SearchResult, search_routes

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

Effort = tuple[int | None, float | None]  # (iterations, seconds): one of them is set


def _variants() -> dict[str, dict[str, Any]]:
    """The solver's settings ("current": PyVRP's defaults) and one change each."""
    return {
        "current": {},
        "prize x0.1": {"prize_scale": 0.1},
        "prize x10": {"prize_scale": 10.0},
        "neighbours 20": {"num_neighbours": 20},
        "neighbours 30": {"num_neighbours": 30},
        "neighbours 40": {"num_neighbours": 40},
        "neighbours 80": {"num_neighbours": 80},
        "history 100": {"history_length": 100},
        "history 1000": {"history_length": 1000},
        "perturbations 1-12": {"max_perturbations": 12},
        "perturbations 1-50": {"max_perturbations": 50},
        "perturbations 1-100": {"max_perturbations": 100},
        "operators +3": {"operators": ("Relocate3", "Swap31", "Swap32", "Swap33")},
    }


@contextlib.contextmanager
def solving_with(params: Any) -> Iterator[None]:
    """The solver's PyVRP searches run as ``pyvrp.solve`` with these ``pyvrp.SolveParams``:
    PyVRP's own search alone, without the solver's route pool and packing."""
    import pyvrp

    original_solve: Callable[..., Any] = route_pool.solve_going_on

    def solve(data: Any, stop: Any, seed: int, pool: Any, **_: Any) -> tuple[Any, int]:
        result = pyvrp.solve(data, stop=stop, seed=seed, collect_stats=False, params=params)
        return result, 0

    route_pool.solve_going_on = solve
    try:
        yield
    finally:
        route_pool.solve_going_on = original_solve


def covered_score(problem: RoutingProblem, result: SearchResult) -> float:
    """The weight a search's plan covers (each hotspot once; 0 for no feasible plan)."""
    if not result.feasible:
        return 0.0
    refs = {stop.ref for route in result.routes for stop in route if stop.kind == "hotspot"}
    return sum(problem.hotspots[ref].weight for ref in refs)


@contextlib.contextmanager
def _variant(options: dict[str, Any]) -> Iterator[None]:
    import pyvrp

    original_units: Callable[[float], int] = getattr(pyvrp_search, "weight_units")  # noqa: B009

    def given(*keys: str) -> dict[str, Any]:
        """The options among ``keys`` (PyVRP's own defaults for the rest)."""
        return {k: options[k] for k in keys if k in options}

    operators = list(pyvrp.search.OPERATORS) + [
        getattr(pyvrp.search, name) for name in options.get("operators", ())
    ]
    params = pyvrp.SolveParams(
        operators=operators,
        ils=pyvrp.IteratedLocalSearchParams(**given("history_length", "num_iters_no_improvement")),
        neighbourhood=pyvrp.search.NeighbourhoodParams(**given("num_neighbours")),
        perturbation=pyvrp.search.PerturbationParams(**given("max_perturbations")),
    )
    scale = float(options.get("prize_scale", 1.0))

    def scaled(value: float) -> int:
        return max(1, round(original_units(value) * scale))

    setattr(pyvrp_search, "weight_units", scaled)  # noqa: B010
    try:
        with solving_with(params):
            yield
    finally:
        setattr(pyvrp_search, "weight_units", original_units)  # noqa: B010


def _score(problem: RoutingProblem, name: str, seed: int, effort: Effort) -> float:
    iterations, seconds = effort
    limit = SearchLimit(
        math.inf if seconds is None else time.time() + seconds, max_iterations=iterations
    )
    with _variant(_variants()[name]):
        return covered_score(problem, search_routes(problem, limit=limit, seed=seed))


def _run(task: tuple[Instance, str, int, Effort]) -> tuple[str, str, int, float]:
    instance, name, seed, effort = task
    return instance.name, name, seed, _score(to_problem(instance), name, seed, effort)


SHIPPED_SETS = ("top-set4", "optw-c1")


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


def _pairs_against_current(
    scores: dict[tuple[str, str, int], float],
    instances: list[Instance],
    name: str,
    seeds: list[int],
) -> str:
    """Better / equal / worse and the mean difference, the better of each pair of seeds
    against the current settings' better of the same pair."""
    counts = [0, 0, 0]
    differences = []
    for instance in instances:
        for a, b in zip(seeds[::2], seeds[1::2], strict=False):
            ours = max(scores[instance.name, name, a], scores[instance.name, name, b])
            current = max(scores[instance.name, "current", a], scores[instance.name, "current", b])
            counts[0 if ours > current else 1 if ours == current else 2] += 1
            differences.append(100 * (ours - current) / current if current else 0.0)
    mean = sum(differences) / len(differences) if differences else 0.0
    return f"{counts[0]} / {counts[1]} / {counts[2]} | {mean:+.3f} %"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    effort = parser.add_mutually_exclusive_group()
    effort.add_argument("--iterations", type=int, help="the same iterations for each search")
    effort.add_argument("--seconds", type=float, help="the same wall time for each search")
    parser.add_argument("--seeds", default="0,1")
    parser.add_argument("--variants", default=",".join(_variants()))
    parser.add_argument(
        "--instances",
        default="training",
        help="training (the default), or a shipped set searched whole: " + ", ".join(SHIPPED_SETS),
    )
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    names = args.variants.split(",")
    if "current" not in names:
        names.insert(0, "current")
    unknown = set(names) - set(_variants())
    if unknown:
        parser.error(f"unknown variants {sorted(unknown)}; choose from {', '.join(_variants())}")
    chosen: Effort = (args.iterations, args.seconds)
    if args.iterations is None and args.seconds is None:
        chosen = (6_000, None)
    if args.instances == "training":
        instances = training_instances()
    elif args.instances in SHIPPED_SETS:
        instances = load_set(DATA_DIR / args.instances)
    else:
        parser.error(f"unknown instances {args.instances!r}")
    tasks = [(i, n, s, chosen) for i in instances for n in names for s in seeds]
    print(f"{len(instances)} instances, {len(tasks)} searches", file=sys.stderr)
    scores: dict[tuple[str, str, int], float] = {}
    with ProcessPoolExecutor(max_workers=2) as pool:
        for instance_name, name, seed, score in pool.map(_run, tasks):
            scores[instance_name, name, seed] = score
            print(f"{instance_name} {name} {seed}: {score:g}", file=sys.stderr, flush=True)
    print(
        "| variant | mean score / best | best on | better of two seeds against current: "
        "better / equal / worse | mean difference |\n|---|---:|---:|---:|---:|"
    )
    for name in names:
        ratios, best_on = [], 0
        for instance in instances:
            for seed in seeds:
                top = max(scores[instance.name, n, seed] for n in names)
                ratios.append(scores[instance.name, name, seed] / top if top else 1.0)
                best_on += scores[instance.name, name, seed] == top
        mean = 100 * sum(ratios) / len(ratios)
        versus = _pairs_against_current(scores, instances, name, seeds)
        print(f"| {name} | {mean:.3f} % | {best_on} / {len(ratios)} | {versus} |")


if __name__ == "__main__":
    main()
