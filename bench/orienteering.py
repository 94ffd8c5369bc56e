"""Orienteering benchmark: the product's solver beside PyVRP and VROOM, checked independently.

Run, for example::

    .venv/bin/python bench/orienteering.py --time-limit 10 \\
        --engines ours,pyvrp,pyvrp2,vroom --sets top-set4,optw-c1

Prints one Markdown table per benchmark set: per instance the score, the gap to the
best-known score, the wall time and whether the routes are feasible, for each engine; then a
summary row. Needs the ``bench`` extras (``pip install -e .[bench]``) for PyVRP and VROOM.

Engines, all given the same time limit:

``ours``
    ``solver.solve`` on the product's own ``RoutingProblem`` (explicit matrix path), with
    the default options (the early stop on).
``full``
    The same with ``stop_early=False``: the whole time limit.
``pyvrp``
    PyVRP, prize-collecting: optional clients with prizes, ``num_available = m``.
``pyvrp2``
    PyVRP with two seeds in two processes at once, the better kept: both cores.
``vroom``
    VROOM (pyvroom) on one thread: optional jobs with ``priority = score``.

``--generated-seeds 0,1,2`` adds generated instances (``orienteering_generated.py``) run at
``--generated-time-limit``; with ``ours``, ``full`` and ``pyvrp2`` a summary table compares the
defaults with the full limit and with PyVRP x2 per set (issue 20).

Every engine's routes are mapped back to vertex lists and checked by
``orienteering_instances.check_routes`` in real units; infeasible routes are reported as
such and count as a 100 % gap. Timing is honest on a 2-core machine: single-core engines
(``pyvrp``, ``vroom``) run two at a time, one per core; ``ours`` (which may use both cores)
and ``pyvrp2`` run alone.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import os
import subprocess
import sys
import time
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import metadata
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from orienteering_generated import generated_set
from orienteering_instances import Check, Instance, check_routes, load_set

from solver import Hotspot, RoutingProblem, Shift, ShiftError, SolveParams, TimeWindow, solve

DATA_DIR = Path(__file__).resolve().parents[2] / "shared" / "bench"
ENGINES = ("ours", "full", "ortools", "pyvrp", "pyvrp2", "vroom")
ENGINE_TITLES = {
    "ours": "ours",
    "full": "ours, full limit",
    "ortools": "OR-Tools alone",
    "pyvrp": "PyVRP",
    "pyvrp2": "PyVRP x2",
    "vroom": "VROOM",
}
EXCLUSIVE = frozenset({"ours", "full", "pyvrp2"})  # run alone: they may use both cores
DEFAULT_INSTANCES = {
    "top-set4": [f"p4.2.{c}" for c in "chn"]
    + [f"p4.3.{c}" for c in "ejo"]
    + [f"p4.4.{c}" for c in "fkpt"],
}
TOP_SCALE = 1000  # TOP distances in thousandths, rounded up


@dataclass(frozen=True, slots=True)
class IntegerData:
    """An instance in integer units: what every engine is given.

    ``travel`` rounds up and limits round down where the benchmark is not already integral
    in ``1 / scale`` units (TOP), so an integer-feasible route is feasible in real units.
    """

    travel: np.ndarray
    service: tuple[int, ...]
    windows: tuple[tuple[int, int], ...] | None
    horizon: int
    scale: int


def _exact(value: float, scale: int) -> int:
    scaled = value * scale
    if abs(scaled - round(scaled)) > 1e-6:
        msg = f"{value} is not a whole number of 1/{scale} units."
        raise ValueError(msg)
    return round(scaled)


def integer_data(instance: Instance) -> IntegerData:
    """Scale an instance to integers: TOP by 1000 (conservatively), OPTW exactly.

    Raises
    ------
    ValueError
        When an OPTW service time, window or limit is finer than the travel-time decimals.
    """
    if instance.matrix is not None:
        distance = np.array(instance.matrix, dtype=np.float64)
    else:
        dx = np.subtract.outer(np.array(instance.x), np.array(instance.x))
        dy = np.subtract.outer(np.array(instance.y), np.array(instance.y))
        distance = np.hypot(dx, dy)
    if instance.decimals is None:
        scale = TOP_SCALE
        travel = np.ceil(distance * scale - 1e-9).astype(np.int64)
        service = tuple(math.ceil(s * scale - 1e-9) for s in instance.service)
        windows = (
            None
            if instance.windows is None
            else tuple(
                (math.ceil(o * scale - 1e-9), math.floor(c * scale + 1e-9))
                for o, c in instance.windows
            )
        )
        horizon = math.floor(instance.tmax * scale + 1e-9)
    else:
        scale = 10**instance.decimals
        travel = np.floor(distance * scale + 1e-9).astype(np.int64)
        service = tuple(_exact(s, scale) for s in instance.service)
        windows = (
            None
            if instance.windows is None
            else tuple((_exact(o, scale), _exact(c, scale)) for o, c in instance.windows)
        )
        horizon = _exact(instance.tmax, scale)
    np.fill_diagonal(travel, 0)
    return IntegerData(travel, service, windows, horizon, scale)


def to_problem(instance: Instance) -> RoutingProblem:
    """The product's own problem: one shift per route, one hotspot per scoring vertex."""
    data = integer_data(instance)
    shifts = tuple(
        Shift(f"route-{k}", instance.start, instance.end, 0, data.horizon)
        for k in range(instance.num_routes)
    )
    hotspots = tuple(
        Hotspot(
            id=str(v),
            location=v,
            weight=instance.scores[v],
            dwell_s=data.service[v],
            windows=() if data.windows is None else (TimeWindow(*data.windows[v]),),
        )
        for v in instance.customers
        if instance.scores[v] > 0
    )
    return RoutingProblem(travel_s=(data.travel,), shifts=shifts, hotspots=hotspots)


# --- engines: each returns routes as vertex lists, start and end included ------------------


def _product_routes(instance: Instance, params: SolveParams) -> list[list[int]]:
    """The product's solver on ``to_problem(instance)``. Where no route can get from the
    start to the end in time (best-known score 0: p4.3.a, p4.4.a-c), the product refuses
    the shifts (``ShiftError``); here that is no route at all, as PyVRP leaves its vehicles
    unused."""
    try:
        solution = solve(to_problem(instance), params=params)
    except ShiftError:
        return []
    return [[stop.location for stop in route.stops] for route in solution.routes]


def solve_ours(instance: Instance, time_limit_s: float, seed: int) -> list[list[int]]:
    """The product's solver with its defaults."""
    return _product_routes(instance, SolveParams(time_limit_s=time_limit_s, seed=seed))


def solve_full(instance: Instance, time_limit_s: float, seed: int) -> list[list[int]]:
    """The product's solver searching for the whole time limit (``stop_early=False``)."""
    params = SolveParams(time_limit_s=time_limit_s, seed=seed, stop_early=False)
    return _product_routes(instance, params)


def solve_ortools(instance: Instance, time_limit_s: float, seed: int) -> list[list[int]]:
    """The product's model with OR-Tools alone (drop penalties, guided local search): the
    obvious way, before the portfolio."""
    params = SolveParams(time_limit_s=time_limit_s, seed=seed, engine="ortools")
    return _product_routes(instance, params)


def solve_pyvrp(instance: Instance, time_limit_s: float, seed: int) -> list[list[int]]:
    """PyVRP, prize-collecting, on the same integer data.

    Prizes are ``score * P`` with ``P`` above the largest possible total travel cost, so any
    prize beats any travel; travel costs are coarsened (``travel // divisor``) to keep ``P``
    small next to PyVRP's penalty bounds (max 100 000 per unit of time warp).
    """
    from pyvrp import Model
    from pyvrp.stop import MaxRuntime

    data = integer_data(instance)
    m = instance.num_routes
    divisor = max(1, math.ceil(m * data.horizon / 10_000))
    prize_unit = m * (data.horizon // divisor + 1) + 1
    cost = data.travel // divisor

    model = Model()
    locations = [
        model.add_location(x=instance.x[v], y=instance.y[v]) for v in range(instance.num_vertices)
    ]
    depot_vertices = (
        [instance.start]
        if instance.start == instance.end
        else [
            instance.start,
            instance.end,
        ]
    )
    depots = [
        model.add_depot(locations[v], tw_early=0, tw_late=data.horizon) for v in depot_vertices
    ]
    client_vertices = [v for v in instance.customers if instance.scores[v] > 0]
    for v in client_vertices:
        early, late = (0, data.horizon) if data.windows is None else data.windows[v]
        model.add_client(
            locations[v],
            service_duration=data.service[v],
            tw_early=early,
            tw_late=late,
            prize=round(instance.scores[v] * prize_unit),
            required=False,
        )
    model.add_vehicle_type(
        num_available=m,
        start_depot=depots[0],
        end_depot=depots[-1],
        tw_early=0,
        tw_late=data.horizon,
        shift_duration=data.horizon,
    )
    for i, frm in enumerate(locations):
        for j, to in enumerate(locations):
            if i != j:
                model.add_edge(frm, to, distance=int(cost[i, j]), duration=int(data.travel[i, j]))
    result = model.solve(MaxRuntime(time_limit_s), seed=seed, collect_stats=False, display=False)
    routes = []
    prizes = 0
    for route in result.best.routes():
        visits = [client_vertices[act.idx] for act in route if act.is_client()]
        prizes += sum(round(instance.scores[v] * prize_unit) for v in visits)
        start = depot_vertices[route.start_depot()]
        end = depot_vertices[route.end_depot()]
        routes.append([start, *visits, end])
    if prizes != result.best.prizes():  # guards the client-index mapping above
        msg = f"mapped routes collect {prizes} in prizes, PyVRP reports {result.best.prizes()}."
        raise RuntimeError(msg)
    return routes


def solve_vroom(instance: Instance, time_limit_s: float, seed: int) -> list[list[int]]:
    """VROOM on one thread, exploration level 5: optional jobs with ``priority = score``.

    VROOM first maximises the priority sum, so this is the orienteering objective as long as
    scores are whole numbers in [0, 100] (VROOM's priority range); other scores are rescaled.
    """
    del seed  # VROOM is deterministic
    import vroom  # type: ignore[import-not-found,unused-ignore]

    data = integer_data(instance)
    scores = [instance.scores[v] for v in instance.customers]
    factor = 1.0
    if max(scores) > 100 or any(s != int(s) for s in scores):
        factor = 100 / max(scores)  # lossy: ties may appear
    if data.travel.max() >= 2**32 or data.horizon >= 2**32:
        msg = "VROOM takes uint32 durations; these travel times do not fit."
        raise ValueError(msg)
    problem = vroom.Input()
    problem.set_durations_matrix("car", data.travel)
    for k in range(instance.num_routes):
        problem.add_vehicle(
            vroom.Vehicle(
                id=k,
                start=instance.start,
                end=instance.end,
                time_window=vroom.TimeWindow(0, data.horizon),
            )
        )
    for v in instance.customers:
        if instance.scores[v] <= 0:
            continue
        windows = () if data.windows is None else (vroom.TimeWindow(*data.windows[v]),)
        problem.add_job(
            vroom.Job(
                id=v,
                location=v,
                default_service=data.service[v],
                priority=round(instance.scores[v] * factor),
                time_windows=windows,
            )
        )
    solution = problem.solve(
        exploration_level=5, nb_threads=1, timeout=timedelta(seconds=time_limit_s)
    )
    routes = []
    frame = solution.routes
    for _, steps in frame.groupby("vehicle_id", sort=True):
        routes.append([int(v) for v in steps["location_index"]])
    return routes


SOLVERS = {
    "ours": solve_ours,
    "full": solve_full,
    "ortools": solve_ortools,
    "pyvrp": solve_pyvrp,
    "vroom": solve_vroom,
}


# --- running and checking -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Run:
    """One engine on one instance: routes (or the error) and wall-clock seconds."""

    routes: list[list[int]] | None
    wall_s: float
    error: str | None = None


def timed_run(engine: str, instance: Instance, time_limit_s: float, seed: int) -> Run:
    """Run one engine in this process and time it (model building included)."""
    started = time.perf_counter()
    try:
        routes = SOLVERS[engine](instance, time_limit_s, seed)
    except Exception as exc:  # an engine failure is a result to report, not a crash
        return Run(None, time.perf_counter() - started, f"{type(exc).__name__}: {exc}")
    return Run(routes, time.perf_counter() - started)


@dataclass(frozen=True, slots=True)
class Outcome:
    """A checked run: the score only counts when ``check.feasible``."""

    instance: str
    engine: str
    bks: float | None
    run: Run
    check: Check | None

    @property
    def feasible(self) -> bool:
        """True when the engine returned routes and they passed the check."""
        return self.check is not None and self.check.feasible

    @property
    def score(self) -> float:
        """The checked score; 0 for failed or infeasible runs."""
        return self.check.score if self.check is not None and self.feasible else 0.0

    @property
    def gap_pct(self) -> float | None:
        """Gap to the best-known score in %, 100 when infeasible; ``None`` without one."""
        if not self.bks:
            return None
        return 100.0 * (self.bks - self.score) / self.bks


def _checked(engine: str, instance: Instance, run: Run) -> Outcome:
    check = None if run.routes is None else check_routes(instance, run.routes)
    return Outcome(instance.name, engine, instance.bks, run, check)


def _better(a: Outcome, b: Outcome) -> Outcome:
    return a if (a.feasible, a.score) >= (b.feasible, b.score) else b


def run_benchmark(
    instances: list[Instance],
    engines: list[str],
    time_limit_s: float,
    *,
    seed: int = 0,
    workers: int = 2,
) -> dict[tuple[str, str], Outcome]:
    """Run every engine on every instance with the same time limit; check every result.

    Single-core engines run ``workers`` at a time, one per core; ``ours`` and ``pyvrp2``
    run alone (``pyvrp2`` runs seeds ``seed`` and ``seed + 1`` at once and keeps the better).
    """
    outcomes: dict[tuple[str, str], Outcome] = {}
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:
        # Single-core engines: at most `workers` at a time, one per core.
        in_flight: dict[Future[Run], tuple[str, Instance]] = {}
        jobs = [(e, inst) for inst in instances for e in engines if e not in EXCLUSIVE]
        while jobs or in_flight:
            while jobs and len(in_flight) < workers:
                engine, inst = jobs.pop(0)
                future = pool.submit(timed_run, engine, inst, time_limit_s, seed)
                in_flight[future] = (engine, inst)
            done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
            for future in done:
                engine, inst = in_flight.pop(future)
                outcomes[inst.name, engine] = _checked(engine, inst, future.result())
                _progress(outcomes[inst.name, engine])
        # Engines that use both cores: one run at a time.
        for inst in instances:
            for engine in ("ours", "full"):
                if engine in engines:
                    run = pool.submit(timed_run, engine, inst, time_limit_s, seed).result()
                    outcomes[inst.name, engine] = _checked(engine, inst, run)
                    _progress(outcomes[inst.name, engine])
            if "pyvrp2" in engines:
                outcomes[inst.name, "pyvrp2"] = _run_pyvrp2(pool, inst, time_limit_s, seed)
                _progress(outcomes[inst.name, "pyvrp2"])
    return outcomes


def _run_pyvrp2(
    pool: ProcessPoolExecutor, instance: Instance, time_limit_s: float, seed: int
) -> Outcome:
    started = time.perf_counter()
    futures = [pool.submit(timed_run, "pyvrp", instance, time_limit_s, seed + k) for k in (0, 1)]
    runs = [future.result() for future in futures]
    wall_s = time.perf_counter() - started
    first, second = (_checked("pyvrp2", instance, run) for run in runs)
    best = _better(first, second)
    run = Run(best.run.routes, wall_s, best.run.error)
    return Outcome(instance.name, "pyvrp2", instance.bks, run, best.check)


def _progress(outcome: Outcome) -> None:
    status = "ok" if outcome.feasible else (outcome.run.error or "infeasible")
    print(
        f"{outcome.instance} {outcome.engine}: {outcome.score:g} in {outcome.run.wall_s:.1f} s "
        f"({status})",
        file=sys.stderr,
        flush=True,
    )


# --- report -------------------------------------------------------------------------------


def _cell(outcome: Outcome | None) -> str:
    if outcome is None:
        return "-"
    if outcome.check is None:
        error = " ".join(str(outcome.run.error).split()).replace("|", "/")
        return f"FAILED ({error[:120]})"
    if not outcome.feasible:
        return (
            f"INFEASIBLE {outcome.check.score:g} ({outcome.check.violations[0]}; "
            f"{outcome.run.wall_s:.1f} s)"
        )
    gap = outcome.gap_pct
    gap_text = "n/a" if gap is None else f"{gap:.2f} %"
    return f"{outcome.score:g} · {gap_text} · {outcome.run.wall_s:.1f} s ✓"


def report(
    title: str,
    instances: list[Instance],
    engines: list[str],
    outcomes: dict[tuple[str, str], Outcome],
) -> list[str]:
    """One Markdown table: a row per instance, a column per engine, then summary rows."""
    lines = [f"## {title}", ""]
    lines.append("| instance | m | bks | " + " | ".join(ENGINE_TITLES[e] for e in engines) + " |")
    lines.append("|---|---:|---:|" + "---:|" * len(engines))
    for inst in instances:
        cells = [_cell(outcomes.get((inst.name, e))) for e in engines]
        bks = "-" if inst.bks is None else f"{inst.bks:g}"
        lines.append(f"| {inst.name} | {inst.num_routes} | {bks} | " + " | ".join(cells) + " |")
    means = []
    for engine in engines:
        done = [outcomes[i.name, engine] for i in instances if (i.name, engine) in outcomes]
        gaps = [o.gap_pct for o in done if o.gap_pct is not None]
        bad = sum(not o.feasible for o in done)
        text = "-" if not gaps else f"{sum(gaps) / len(gaps):.2f} %"
        means.append(f"**{text}**" + (f" ({bad} infeasible/failed)" if bad else ""))
    lines.append("| **mean gap** | | | " + " | ".join(means) + " |")
    if "ours" in engines and "pyvrp2" in engines:
        pairs = [
            (outcomes[i.name, "ours"], outcomes[i.name, "pyvrp2"])
            for i in instances
            if (i.name, "ours") in outcomes and (i.name, "pyvrp2") in outcomes
        ]
        wins = sum(o.feasible and o.score >= p.score for o, p in pairs)
        lines.append(
            f"| **ours ≥ PyVRP x2** | | | {wins} / {len(pairs)} |" + " |" * (len(engines) - 1)
        )
    lines.append("")
    return lines


def _pct(value: float, reference: float) -> float:
    return 0.0 if reference == 0 else 100.0 * value / reference


def versus(
    title: str,
    instances: list[Instance],
    outcomes: dict[tuple[str, str], Outcome],
    limit_s: float,
) -> list[str]:
    """Issue 20's summary of one set: the defaults against the full limit and PyVRP x2.

    The gap is to the best-known score where there is one, else to the best any engine
    reached in this run. The defaults "stopped early" where they ended before 97 % of
    ``limit_s``: only there can the early stop have cost anything (elsewhere both searched
    the whole limit, and a difference is two runs by the clock).
    """
    rows: list[tuple[Instance, Outcome, Outcome, Outcome]] = [
        (
            inst,
            outcomes[inst.name, "ours"],
            outcomes[inst.name, "full"],
            outcomes[inst.name, "pyvrp2"],
        )
        for inst in instances
        if all((inst.name, e) in outcomes for e in ("ours", "full", "pyvrp2"))
    ]
    if not rows:
        return []
    gaps: dict[str, list[float]] = {"ours": [], "full": [], "pyvrp2": []}
    short_of_full: list[float] = []
    short_when_stopped: list[float] = []
    ahead_of_pyvrp: list[float] = []
    better = equal = worse = 0
    for inst, ours, full, pyvrp2 in rows:
        best = inst.bks if inst.bks else max(ours.score, full.score, pyvrp2.score)
        for name, outcome in (("ours", ours), ("full", full), ("pyvrp2", pyvrp2)):
            gaps[name].append(_pct(best - outcome.score, best))
        short_of_full.append(_pct(full.score - ours.score, full.score))
        if ours.run.wall_s < 0.97 * limit_s:
            short_when_stopped.append(short_of_full[-1])
        ahead_of_pyvrp.append(_pct(ours.score - pyvrp2.score, pyvrp2.score))
        better += ours.score > pyvrp2.score
        equal += ours.score == pyvrp2.score
        worse += ours.score < pyvrp2.score
    n = len(rows)
    within = sum(s <= 0.05 for s in short_of_full)
    stopped = len(short_when_stopped)
    stopped_within = sum(s <= 0.05 for s in short_when_stopped)
    stopped_worst = f"{max(short_when_stopped):.2f} %" if short_when_stopped else "-"
    wall = {
        name: sum(o.run.wall_s for o in col) / n
        for name, col in (
            ("ours", [r[1] for r in rows]),
            ("full", [r[2] for r in rows]),
            ("pyvrp2", [r[3] for r in rows]),
        )
    }
    infeasible = sum(not o.feasible for r in rows for o in r[1:])
    return [
        f"| {title} | {n} | {sum(gaps['ours']) / n:.3f} % | {sum(gaps['full']) / n:.3f} % | "
        f"{sum(gaps['pyvrp2']) / n:.3f} % | {stopped_within} / {stopped} (worst "
        f"{stopped_worst}) | {within} / {n} (worst {max(short_of_full):.2f} %) | "
        f"{better} / {equal} / {worse} | {sum(ahead_of_pyvrp) / n:+.3f} % | "
        f"{wall['ours']:.1f} / {wall['full']:.1f} / {wall['pyvrp2']:.1f} s | {infeasible} |"
    ]


VERSUS_HEADER = [
    "| set | instances | mean gap: defaults | full limit | PyVRP x2 | stopped early: within "
    "0.05 % of full | all: defaults within 0.05 % of full | defaults vs PyVRP x2: better / "
    "equal / worse | mean score ahead of PyVRP x2 | mean wall: defaults / full / PyVRP x2 | "
    "infeasible or failed |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
]


def _revision() -> str:
    """The repository's commit, marked ``+dirty`` when ``solver/`` has uncommitted changes."""
    root = Path(__file__).resolve().parents[1]
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, check=True
        ).stdout.decode()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "solver"], cwd=root, capture_output=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return "unknown commit"
    return f"commit {commit.strip()}" + ("+dirty" if dirty.strip() else "")


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def main(argv: list[str] | None = None) -> None:
    """Command line entry: parse options, run, print Markdown."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=10.0, help="seconds per run")
    parser.add_argument("--engines", default=",".join(ENGINES), help="comma-separated")
    parser.add_argument("--sets", default="top-set4,optw-c1", help="folders under --data-dir")
    parser.add_argument("--instances", help="comma-separated names (default: a spread)")
    parser.add_argument("--all", action="store_true", help="every instance of each set")
    parser.add_argument("--routes", default="1", help="OPTW route counts, comma-separated")
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--json", type=Path, help="also write every checked run here")
    parser.add_argument(
        "--generated-seeds", default="", help="also generated instances for these seeds (0,1,2)"
    )
    parser.add_argument("--per-seed", type=int, default=20, help="Euclidean instances per seed")
    parser.add_argument("--streets", type=int, default=2, help="street instances per seed")
    parser.add_argument(
        "--generated-time-limit", type=float, help="seconds per run there (default --time-limit)"
    )
    args = parser.parse_args(argv)

    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    unknown = set(engines) - set(ENGINES)
    if unknown:
        parser.error(f"unknown engines {sorted(unknown)}; choose from {', '.join(ENGINES)}")
    routes = tuple(int(m) for m in args.routes.split(","))
    wanted = None if args.instances is None else set(args.instances.split(","))
    sets: list[tuple[str, list[Instance]]] = []
    for set_name in args.sets.split(","):
        names = wanted
        if names is None and not args.all and set_name in DEFAULT_INSTANCES:
            names = set(DEFAULT_INSTANCES[set_name])
        instances = load_set(args.data_dir / set_name, names=names, routes=routes)
        if instances:
            sets.append((set_name, instances))
    generated: list[Instance] = []
    if args.generated_seeds:
        seeds = tuple(int(s) for s in args.generated_seeds.split(","))
        generated = generated_set(seeds, args.per_seed, args.streets)
        if wanted is not None:
            generated = [inst for inst in generated if inst.name in wanted]
    if not sets and not generated:
        parser.error("no instances matched")

    everything = [inst for _, insts in sets for inst in insts]
    revision = _revision()  # before the run: the workers import the solver as it is now
    started = datetime.now(UTC)
    load_before = os.getloadavg()
    outcomes = run_benchmark(
        everything, engines, args.time_limit, seed=args.seed, workers=args.workers
    )
    generated_limit = args.generated_time_limit or args.time_limit
    if generated:
        outcomes |= run_benchmark(
            generated, engines, generated_limit, seed=args.seed, workers=args.workers
        )
        sets.append((f"generated ({len(generated)}, {generated_limit:g} s)", generated))
    limits = {name: args.time_limit for name, _ in sets} | (
        {sets[-1][0]: generated_limit} if generated else {}
    )
    load_after = os.getloadavg()
    print(
        f"Measured {started:%Y-%m-%d %H:%M}-{datetime.now(UTC):%H:%M} UTC on {os.cpu_count()} "
        f"cores, {args.time_limit:g} s per run, {revision}; ortools {_version('ortools')}, "
        f"pyvrp {_version('pyvrp')}, pyvroom {_version('pyvroom')}. Load average (1, 5, 15 "
        f"min) before: {' '.join(f'{x:.2f}' for x in load_before)}, after: "
        f"{' '.join(f'{x:.2f}' for x in load_after)}.\n"
    )
    if {"ours", "full", "pyvrp2"} <= set(engines):
        print("\n".join(VERSUS_HEADER))
        for set_name, instances in sets:
            print("\n".join(versus(set_name, instances, outcomes, limits[set_name])))
        print()
    print(
        "Cells: checked score · gap to best-known · wall s (model build included) · ✓ feasible. "
        "Infeasible or failed runs count as a 100 % gap; a negative gap beats the listed "
        "best-known score.\n"
    )
    for set_name, instances in sets:
        print("\n".join(report(set_name, instances, engines, outcomes)))
    if args.json:
        rows = [
            {
                "instance": o.instance,
                "engine": o.engine,
                "bks": o.bks,
                "score": o.score,
                "feasible": o.feasible,
                "gap_pct": o.gap_pct,
                "wall_s": o.run.wall_s,
                "error": o.run.error,
                "violations": [] if o.check is None else list(o.check.violations),
                "routes": o.run.routes,
            }
            for o in outcomes.values()
        ]
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
