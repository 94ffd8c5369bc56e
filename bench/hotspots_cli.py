"""How long ``eyes hotspots`` takes on the whole Chicago extract (the issue's budget: 5 s).

Runs ``eyes hotspots CHICAGO.csv --as-of 2016-07-01 --count 85 --tz America/Chicago`` in
fresh processes (imports, reading and checking 5,065 rows, the fit, the surface, the discs,
the JSON) and prints wall and CPU seconds per run, with the machine's load average, since
other work on a shared machine stretches wall time.

Run: ``.venv/bin/python bench/hotspots_cli.py [--repeat 5]``.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EYES = Path(sys.executable).parent / "eyes"
DATA = ROOT.parent / "shared/data/incidents/chicago-residential-burglary-2016-h1.csv"


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--data", type=Path, default=DATA)
    args = parser.parse_args()
    command = [
        str(EYES),
        "hotspots",
        str(args.data),
        "--as-of",
        "2016-07-01",
        "--count",
        "85",
        "--tz",
        "America/Chicago",
    ]
    walls: list[float] = []
    cpus: list[float] = []
    loads: list[float] = []
    for _ in range(args.repeat):
        loads.append(os.getloadavg()[0])
        cpu0, wall0 = _cpu_s(), time.perf_counter()
        subprocess.run(command, capture_output=True, check=True)
        walls.append(time.perf_counter() - wall0)
        cpus.append(_cpu_s() - cpu0)
    print(f"eyes hotspots on {args.data.name} (K = 85), {args.repeat} fresh processes:")
    print(
        f"  wall s: median {statistics.median(walls):.2f}, min {min(walls):.2f}, "
        f"max {max(walls):.2f}"
    )
    print(f"  CPU s (user + sys): median {statistics.median(cpus):.2f}, max {max(cpus):.2f}")
    print(
        f"  1-minute load average before each run: {', '.join(f'{x:.1f}' for x in loads)} "
        f"on {os.cpu_count()} cores"
    )


if __name__ == "__main__":
    main()
