"""How fast the command line answers: ``eyes --help``, importing a domain module, and what
``eyes plan`` adds to the solver's own time.

Run: ``.venv/bin/python bench/cli_startup.py [--repeat 5]``. Each figure is the median of
``--repeat`` runs in fresh processes (the graph cache warmed first, as on a server).
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


def _timed(command: list[str], env: dict[str, str]) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    return time.perf_counter() - started, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--time-limit", type=float, default=2.0)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "EYES_DATABASE_URL": f"sqlite:///{tmp}/bench.db",
            "EYES_GRAPH_CACHE_DIR": str(ROOT / "var" / "graph-cache"),
        }
        request = json.loads((ROOT / "examples" / "sindal_request.json").read_text())
        request["options"] = {"time_limit_s": args.time_limit, "seed": 0}
        request_file = Path(tmp) / "request.json"
        request_file.write_text(json.dumps(request))

        helps = [_timed([str(EYES), "--help"], env)[0] for _ in range(args.repeat)]
        imports = [
            _timed([sys.executable, "-c", "import service.plans.resolve"], env)[0]
            for _ in range(args.repeat)
        ]
        _timed([str(EYES), "plan", str(request_file)], env)  # warm the graph cache
        overheads = []
        for _ in range(args.repeat):
            wall_s, out = _timed([str(EYES), "plan", str(request_file)], env)
            overheads.append(wall_s - json.loads(out)["summary"]["solve_time_s"])

    print(f"eyes --help: {statistics.median(helps):.3f} s (median of {args.repeat})")
    print(f"import service.plans.resolve: {statistics.median(imports):.3f} s")
    print(
        f"eyes plan (Sindal demo, {args.time_limit:g} s limit): adds "
        f"{statistics.median(overheads):.3f} s to the solver's time "
        f"(min {min(overheads):.3f}, max {max(overheads):.3f})"
    )


if __name__ == "__main__":
    main()
