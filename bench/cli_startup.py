"""How fast the command line answers: ``eyes --help``, importing a domain module or the
street-graph package, indexing a cached street graph, and what ``eyes plan`` adds to the
solver's own time (and what it spends importing, by package).

Run: ``.venv/bin/python bench/cli_startup.py [--repeat 5] [--gc-off]``. Each figure is the
median of ``--repeat`` runs in fresh processes (the graph cache warmed first, as on a
server), except ``StreetNetwork.from_graph``: its first call in a fresh process (what one
``eyes plan`` pays) and the median of ``--repeat`` further calls in that process.
``--gc-off`` also times ``eyes plan`` with the garbage collector disabled from the start and
the heap frozen before exit (the interpreter's final collections then skip it).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EYES = Path(sys.executable).parent / "eyes"
CACHE_DIR = ROOT / "var" / "graph-cache"
AREAS = {
    "sindal": ROOT / "data" / "areas" / "sindal.osm.bz2",
    "liechtenstein": ROOT / "data" / "areas" / "liechtenstein.osm.pbf",
}
HEAVY_MODULES = ("osmnx", "geopandas", "pandas", "matplotlib")
# What `eyes plan` cannot do without: the libraries it plans with, imported alone. Their
# import time is the floor of what `eyes plan` adds to the solver's time on this machine.
PLAN_LIBRARIES = (
    "numpy, scipy.sparse.csgraph, ortools.constraint_solver.pywrapcp, pyvrp, pydantic, "
    "sqlalchemy.orm, networkx, shapely, pyproj"
)

# Run in a fresh process: load a cached graph, time the first and later from_graph calls.
FROM_GRAPH = """
import json, statistics, sys, time
from pathlib import Path
from graphs import StreetNetwork, load_graph
path, mode, cache_dir, repeat = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3]), int(sys.argv[4])
G = load_graph(path, mode=mode, cache_dir=cache_dir)
times = []
for _ in range(repeat + 1):
    started = time.perf_counter()
    StreetNetwork.from_graph(G)
    times.append(time.perf_counter() - started)
heavy = sorted(name for name in sys.modules if name.split(".")[0] in {heavy!r})
print(json.dumps({{"edges": G.number_of_edges(), "first_s": times[0],
                  "median_s": statistics.median(times[1:]), "min_s": min(times[1:]),
                  "heavy": heavy}}))
"""

# Run in a fresh process: the street-graph part of `eyes plan` on the demo's locations,
# stage by stage (what the service calls, without the service).
GRAPH_PATH = """
import json, sys, time
from pathlib import Path
started = time.perf_counter()
import graphs
stages = {"import graphs": time.perf_counter() - started}
def stage(name, since):
    stages[name] = stages.get(name, 0.0) + time.perf_counter() - since
request = json.loads(Path(sys.argv[1]).read_text())
spots = [s["start_location"] for s in request["shifts"]]
spots += [h["location"] for h in request["hotspots"]] + [v["location"] for v in request["visits"]]
lats, lons = [s["lat"] for s in spots], [s["lon"] for s in spots]
for mode in ("drive", "bike"):
    t = time.perf_counter()
    G = graphs.load_graph(Path(sys.argv[2]), mode=mode, cache_dir=Path(sys.argv[3]))
    stage("load_graph (cache hit)", t)
    t = time.perf_counter()
    net = graphs.StreetNetwork.from_graph(G)
    stage("StreetNetwork.from_graph", t)
    t = time.perf_counter()
    points = graphs.snap_to_streets(net, lats, lons)
    stage("snap_to_streets", t)
    t = time.perf_counter()
    graphs.street_travel_matrix(net, points)
    stage("street_travel_matrix", t)
    t = time.perf_counter()
    graphs.street_route_geometry(net, points.take(list(range(0, len(points), 4))))
    stage("street_route_geometry", t)
stages["total"] = time.perf_counter() - started
print(json.dumps(stages))
"""

# `eyes plan` with -X importtime for this process only: spawned solver workers get no -X.
PLAN_IMPORTS = """
import multiprocessing.util, sys
multiprocessing.util._args_from_interpreter_flags = lambda: []
from service.cli import main
sys.argv = ["eyes", "plan", sys.argv[1]]
main()
"""

# `eyes plan` with the cyclic garbage collector off from the start and every object frozen
# before the interpreter exits, so its final collections skip them (a what-if for service/).
PLAN_GC_OFF = """
import gc, sys
gc.disable()
from service.cli import main
sys.argv = ["eyes", "plan", sys.argv[1]]
try:
    main()
finally:
    gc.freeze()
"""


def _timed(command: list[str], env: dict[str, str]) -> tuple[float, str]:
    """Run a command; return its wall time and standard output."""
    wall_s, _, out = _timed_cpu(command, env)
    return wall_s, out


def _timed_cpu(command: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Run a command; return its wall time, its CPU time (user + system) and its output."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    wall_s = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_s = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall_s, cpu_s, done.stdout


def _fresh(command: list[str], env: dict[str, str], repeat: int) -> str:
    """Median and minimum wall time, and median CPU time, of a command in fresh processes.

    The CPU time moves less than the wall time when other work shares the machine.
    """
    runs = [_timed_cpu(command, env) for _ in range(repeat)]
    walls = [wall_s for wall_s, _, _ in runs]
    cpu_s = statistics.median(cpu for _, cpu, _ in runs)
    return f"{statistics.median(walls):.3f} s (min {min(walls):.3f}; CPU {cpu_s:.3f} s)"


def _heavy_after(statement: str, env: dict[str, str]) -> list[str]:
    """The top-level heavy packages in ``sys.modules`` after running a statement."""
    top_level = "{name.split('.')[0] for name in sys.modules}"
    probe = (
        f"{statement}; import json, sys; "
        f"print(json.dumps(sorted({top_level} & {set(HEAVY_MODULES)!r})))"
    )
    _, out = _timed([sys.executable, "-c", probe], env)
    loaded: list[str] = json.loads(out)
    return loaded


def bench_from_graph(repeat: int, env: dict[str, str]) -> None:
    """Print the from_graph times of both shipped areas' three networks."""
    print(f"StreetNetwork.from_graph (first call in a fresh process; median of {repeat} more):")
    for area, path in AREAS.items():
        for mode in ("drive", "bike", "walk"):
            script = FROM_GRAPH.format(heavy=set(HEAVY_MODULES))
            _, out = _timed(
                [sys.executable, "-c", script, str(path), mode, str(CACHE_DIR), str(repeat)], env
            )
            result = json.loads(out)
            heavy = ", ".join(sorted({n.split(".")[0] for n in result["heavy"]})) or "none"
            print(
                f"  {area} {mode} ({result['edges']:,} edges): first {result['first_s']:.3f} s, "
                f"then {result['median_s']:.3f} s (min {result['min_s']:.3f}); "
                f"heavy modules loaded: {heavy}"
            )


def bench_graph_path(request_file: Path, env: dict[str, str], repeat: int) -> None:
    """Print the street-graph stages of a plan on the demo (drive and bike), fresh processes."""
    runs = []
    for _ in range(repeat):
        command = [
            sys.executable,
            "-c",
            GRAPH_PATH,
            str(request_file),
            str(AREAS["sindal"]),
            str(CACHE_DIR),
        ]
        runs.append(json.loads(_timed(command, env)[1]))
    median_s = {name: statistics.median(run[name] for run in runs) for name in runs[0]}
    print(
        f"Street-graph part of the demo plan (drive + bike, fresh process, median of {repeat}): "
        + ", ".join(f"{name} {seconds:.3f}" for name, seconds in median_s.items())
    )


def bench_plan_imports(request_file: Path, env: dict[str, str], repeat: int) -> None:
    """Print what `eyes plan` spends importing, by top-level package (median self times)."""
    per_run: list[dict[str, float]] = []
    for _ in range(repeat):
        done = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", PLAN_IMPORTS, str(request_file)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        totals: dict[str, float] = {}
        for line in done.stderr.splitlines():
            if not line.startswith("import time:") or "self [us]" in line:
                continue
            self_us, _, name = line.removeprefix("import time:").split("|")
            package = name.strip().split(".")[0]
            if package in sys.stdlib_module_names or package.startswith("_"):
                package = "(standard library)"
            totals[package] = totals.get(package, 0.0) + int(self_us) / 1e6
        per_run.append(totals)
    packages = {package for totals in per_run for package in totals}
    median_s = {
        package: statistics.median(totals.get(package, 0.0) for totals in per_run)
        for package in packages
    }
    ranked = sorted(median_s.items(), key=lambda item: -item[1])
    print(
        f"eyes plan imports (this process, -X importtime self times by top-level package, "
        f"median of {repeat}): {sum(median_s.values()):.3f} s"
    )
    shown = [f"{package} {seconds:.3f}" for package, seconds in ranked if seconds >= 0.005]
    print("  " + ", ".join(shown))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--time-limit", type=float, default=2.0)
    parser.add_argument(
        "--gc-off",
        action="store_true",
        help="also time `eyes plan` without garbage collection (a what-if for service/)",
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "EYES_DATABASE_URL": f"sqlite:///{tmp}/bench.db",
            "EYES_GRAPH_CACHE_DIR": str(CACHE_DIR),
        }
        request = json.loads((ROOT / "examples" / "sindal_request.json").read_text())
        request["options"] = {"time_limit_s": args.time_limit, "seed": 0}
        request_file = Path(tmp) / "request.json"
        request_file.write_text(json.dumps(request))

        python = _fresh([sys.executable, "-c", "pass"], env, args.repeat)
        helps = _fresh([str(EYES), "--help"], env, args.repeat)
        imports = _fresh([sys.executable, "-c", "import service.plans.resolve"], env, args.repeat)
        graphs_imports = _fresh([sys.executable, "-c", "import graphs"], env, args.repeat)
        graphs_heavy = ", ".join(_heavy_after("import graphs", env)) or "none"
        libraries = _fresh([sys.executable, "-c", f"import {PLAN_LIBRARIES}"], env, args.repeat)
        _timed([str(EYES), "plan", str(request_file)], env)  # warm the graph cache
        overheads, gc_off = [], []
        for _ in range(args.repeat):
            wall_s, out = _timed([str(EYES), "plan", str(request_file)], env)
            overheads.append(wall_s - json.loads(out)["summary"]["solve_time_s"])
            if args.gc_off:
                command = [sys.executable, "-c", PLAN_GC_OFF, str(request_file)]
                wall_s, out = _timed(command, env)
                gc_off.append(wall_s - json.loads(out)["summary"]["solve_time_s"])

        print(f"Fresh processes, median of {args.repeat}:")
        print(f"python -c pass: {python}")
        print(f"eyes --help: {helps}")
        print(f"import service.plans.resolve: {imports}")
        print(f"import graphs: {graphs_imports}; heavy modules loaded: {graphs_heavy}")
        print(f"import the libraries eyes plan needs ({PLAN_LIBRARIES}): {libraries}")
        bench_from_graph(args.repeat, env)
        bench_graph_path(request_file, env, args.repeat)
        bench_plan_imports(request_file, env, args.repeat)
        print(
            f"eyes plan (Sindal demo, {args.time_limit:g} s limit): adds "
            f"{statistics.median(overheads):.3f} s to the solver's time "
            f"(min {min(overheads):.3f}, max {max(overheads):.3f})"
        )
        if gc_off:
            print(
                f"  the same with gc.disable() first and gc.freeze() at the end: adds "
                f"{statistics.median(gc_off):.3f} s "
                f"(min {min(gc_off):.3f}, max {max(gc_off):.3f})"
            )


if __name__ == "__main__":
    main()
