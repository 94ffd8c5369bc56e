"""How fast the command line answers: ``eyes --help``, importing a domain module or the
street-graph package, indexing a cached street graph, and what ``eyes plan`` adds to the
solver's own time.

Run: ``.venv/bin/python bench/cli_startup.py [--repeat 5]``. Each figure is the median of
``--repeat`` runs in fresh processes (the graph cache warmed first, as on a server), except
``StreetNetwork.from_graph``: its first call in a fresh process (what one ``eyes plan``
pays) and the median of ``--repeat`` further calls in that process.
"""

from __future__ import annotations

import argparse
import json
import os
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
                  "median_s": statistics.median(times[1:]), "heavy": heavy}}))
"""


def _timed(command: list[str], env: dict[str, str]) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    return time.perf_counter() - started, done.stdout


def _spread(times: list[float]) -> str:
    """The median of some timings, with their minimum (the machine may be shared)."""
    return f"{statistics.median(times):.3f} s (min {min(times):.3f})"


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
                f"then {result['median_s']:.3f} s; heavy modules loaded: {heavy}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--time-limit", type=float, default=2.0)
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

        python = [_timed([sys.executable, "-c", "pass"], env)[0] for _ in range(args.repeat)]
        helps = [_timed([str(EYES), "--help"], env)[0] for _ in range(args.repeat)]
        imports = [
            _timed([sys.executable, "-c", "import service.plans.resolve"], env)[0]
            for _ in range(args.repeat)
        ]
        graphs_imports = [
            _timed([sys.executable, "-c", "import graphs"], env)[0] for _ in range(args.repeat)
        ]
        graphs_heavy = ", ".join(_heavy_after("import graphs", env)) or "none"
        _timed([str(EYES), "plan", str(request_file)], env)  # warm the graph cache
        overheads = []
        for _ in range(args.repeat):
            wall_s, out = _timed([str(EYES), "plan", str(request_file)], env)
            overheads.append(wall_s - json.loads(out)["summary"]["solve_time_s"])

        print(f"python -c pass: {_spread(python)} (median of {args.repeat})")
        print(f"eyes --help: {_spread(helps)}")
        print(f"import service.plans.resolve: {_spread(imports)}")
        print(f"import graphs: {_spread(graphs_imports)}; heavy modules loaded: {graphs_heavy}")
        bench_from_graph(args.repeat, env)
        print(
            f"eyes plan (Sindal demo, {args.time_limit:g} s limit): adds "
            f"{statistics.median(overheads):.3f} s to the solver's time "
            f"(min {min(overheads):.3f}, max {max(overheads):.3f})"
        )


if __name__ == "__main__":
    main()
