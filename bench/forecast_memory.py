"""Peak memory and time of the forecast on seven years of records over a dense city.

Issue 18: ``eyes hotspots`` on 79k records in one town grew to 22.6 GB. This generates
``--records`` burglaries (default 150,000) over seven years on a ``--side-km`` square
(default 3 km: 9 km^2, the size of a dense inner city), with the shape real ones have:
most at homes with a raised long-term rate, near repeats (a burglary brings others within
about 150 m in the next weeks), more in the dark months, spans of a few hours. Then, in a
fresh process for each size, it runs ``forecast.forecast_hotspots`` (the fit on the 12
weeks before ``as_of``, the surface, 10 discs) and prints its peak resident memory
(``ru_maxrss``), the memory the records alone take, and the seconds.

Each child runs under an address-space limit (``--limit-gb``, default 6) so a forecast that
grows without bound stops with ``MemoryError`` instead of taking a shared machine down.

Run: ``.venv/bin/python bench/forecast_memory.py [--records 150000 50000] [--side-km 3]``.
Prints Markdown. ``--child`` runs one size in this process and prints JSON (what the
parent and ``tests/forecast/test_memory.py`` read).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from forecast import Incident, fit_risk_params, forecast_hotspots
from forecast.projection import LocalProjection

CENTRE = (55.6867, 12.5700)
"""Copenhagen's inner city."""

AS_OF = datetime(2026, 11, 23, tzinfo=UTC)
YEARS = 7.0
TZ = "Europe/Copenhagen"


def dense_city(
    records: int, *, side_km: float = 3.0, years: float = YEARS, seed: int = 0
) -> list[Incident]:
    """``records`` burglaries over ``years`` before ``AS_OF`` on a ``side_km`` square.

    Half fall at 4,000 homes with long-term rates (a heavy-tailed share each), a third
    are near repeats of an earlier burglary (about 150 m away, about three weeks later),
    the rest anywhere; more in the dark months. Each is a span of 2 to 8 hours starting
    between 06:00 and 16:00 UTC. Deterministic for a ``seed``.
    """
    rng = np.random.default_rng(seed)
    half = side_km * 500.0
    homes = rng.uniform(-half, half, size=(4000, 2))
    rate = rng.pareto(1.5, size=len(homes)) + 1.0
    n_home = records // 2
    n_repeat = records // 3
    n_any = records - n_home - n_repeat
    days = years * 365.25
    # Seasonal day of record: accept-reject on 1 + 0.5 cos(day of year from early December).
    t = rng.uniform(0.0, days, size=4 * records)
    season = 1.0 + 0.5 * np.cos(2 * np.pi * (t - 12.0) / 365.25)
    t = t[rng.uniform(0.0, 1.5, size=t.size) < season]
    t_home, t_any = t[:n_home], t[n_home : n_home + n_any]
    home = rng.choice(len(homes), size=n_home, p=rate / rate.sum())
    xy_home = homes[home] + rng.normal(0.0, 5.0, size=(n_home, 2))
    xy_any = rng.uniform(-half, half, size=(n_any, 2))
    parents = rng.integers(0, n_home + n_any, size=n_repeat)
    xy_parent = np.concatenate([xy_home, xy_any])[parents]
    t_parent = np.concatenate([t_home, t_any])[parents]
    xy_repeat = xy_parent + rng.normal(0.0, 150.0, size=(n_repeat, 2))
    t_repeat = np.minimum(t_parent + rng.exponential(21.0, size=n_repeat), days)
    xy = np.clip(np.concatenate([xy_home, xy_any, xy_repeat]), -half, half)
    t_all = np.concatenate([t_home, t_any, t_repeat])[: len(xy)]
    lat, lon = LocalProjection(*CENTRE).to_latlon(xy[:, 0], xy[:, 1])
    start_h = rng.integers(6, 17, size=len(xy))
    span_h = rng.integers(2, 9, size=len(xy))
    first = AS_OF - timedelta(days=days)
    out: list[Incident] = []
    for k in range(len(xy)):
        day = (first + timedelta(days=float(t_all[k]))).replace(hour=0, minute=0, second=0)
        start = day + timedelta(hours=int(start_h[k]))
        end = start + timedelta(hours=int(span_h[k]))
        if end > AS_OF:
            start, end = AS_OF - timedelta(hours=9), AS_OF - timedelta(hours=1)
        out.append(Incident(f"r{k}", float(lat[k]), float(lon[k]), start, end))
    return out


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_child(
    records: int, side_km: float, count: int, seed: int, *, report: bool = False
) -> dict[str, float | str]:
    """Generate the records, forecast (or, with ``report``, build the local-area report
    with its map picture, as ``eyes report`` does without a street network), and say what
    it cost (in this process)."""
    incidents = dense_city(records, side_km=side_km, seed=seed)
    records_mb = _peak_mb()
    start, cpu = time.perf_counter(), _cpu_s()
    if report:
        from service.incidents.maps import report_map_png
        from service.incidents.reports import build_report

        built = build_report(
            incidents, area="dense", as_of=AS_OF.date(), hotspot_count=count, tz=TZ
        )
        report_map_png(built)
        hotspots: list[object] = list(built.hotspots)
    else:
        hotspots = list(forecast_hotspots(incidents, as_of=AS_OF, count=count, tz=TZ))
    seconds, cpu = time.perf_counter() - start, _cpu_s() - cpu
    return {
        "records": float(len(incidents)),
        "side_km": side_km,
        "records_peak_mb": records_mb,
        "peak_mb": _peak_mb(),
        "forecast_s": seconds,
        "forecast_cpu_s": cpu,
        "hotspots": float(len(hotspots)),
    }


def measure(
    records: int,
    *,
    side_km: float = 3.0,
    count: int = 10,
    seed: int = 0,
    limit_gb: float = 6.0,
    report: bool = False,
) -> dict[str, float | str]:
    """Run ``run_child`` in a fresh process under an address-space limit of ``limit_gb``."""
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        "--records",
        str(records),
        "--side-km",
        str(side_km),
        "--count",
        str(count),
        "--seed",
        str(seed),
        "--limit-gb",
        str(limit_gb),
        *(["--report"] if report else []),
    ]
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        return {"records": float(records), "side_km": side_km, "error": last}
    result: dict[str, float | str] = json.loads(done.stdout)
    return result


def hit_rates(
    records: int, budgets: list[int], *, side_km: float, count: int, weeks: int, seed: int
) -> None:
    """Print the forecast's hit rate on the dense set with the fit's pair budget at each of
    ``budgets``: for each of the ``weeks`` Mondays before ``AS_OF`` the share of the next
    7 days' burglaries inside the union of ``count`` discs of 150 m."""
    incidents = dense_city(records, side_km=side_km, seed=seed)
    projection = LocalProjection(*CENTRE)
    x, y = projection.to_xy([i.lat for i in incidents], [i.lon for i in incidents])
    when = np.array([i.end.timestamp() for i in incidents if i.end is not None])
    print(f"Hit rate on {records:,} records, {count} discs of 150 m, {weeks} weeks")
    print()
    print("| pair budget | hit rate | hits / burglaries | fit s per week |")
    print("| ---: | ---: | ---: | ---: |")
    for budget in budgets:
        hits = total = 0
        seconds = 0.0
        for week in range(weeks, 0, -1):
            as_of = AS_OF - timedelta(days=7 * week)
            start = time.perf_counter()
            fit = fit_risk_params(incidents, as_of=as_of, tz=TZ, max_pairs=budget)
            seconds += time.perf_counter() - start
            found = forecast_hotspots(incidents, as_of=as_of, count=count, tz=TZ, fit=fit)
            cx, cy = projection.to_xy([h.lat for h in found], [h.lon for h in found])
            test = (when > as_of.timestamp()) & (when <= (as_of + timedelta(days=7)).timestamp())
            d2 = (x[test, None] - cx[None, :]) ** 2 + (y[test, None] - cy[None, :]) ** 2
            hits += int(np.count_nonzero((d2 <= 150.0**2).any(axis=1)))
            total += int(test.sum())
        print(
            f"| {budget:,} | {100 * hits / total:.2f} % | {hits} / {total} "
            f"| {seconds / weeks:.1f} |",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, nargs="+", default=[150_000])
    parser.add_argument("--side-km", type=float, default=3.0)
    parser.add_argument("--count", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--limit-gb", type=float, default=6.0)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--report", action="store_true", help="the local-area report (and its PNG) instead"
    )
    parser.add_argument(
        "--hit-rate",
        type=int,
        nargs="*",
        metavar="BUDGET",
        help="instead: the hit rate with these pair budgets (on the first --records)",
    )
    parser.add_argument("--weeks", type=int, default=6, help="test weeks of --hit-rate")
    args = parser.parse_args()
    if args.hit_rate:
        hit_rates(
            args.records[0],
            args.hit_rate,
            side_km=args.side_km,
            count=args.count,
            weeks=args.weeks,
            seed=args.seed,
        )
        return
    if args.child:
        limit = int(args.limit_gb * 1024**3)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        result = run_child(args.records[0], args.side_km, args.count, args.seed, report=args.report)
        print(json.dumps(result))
        return
    what = "Local-area report" if args.report else "Forecast"
    print(f"{what} on seven years of records over {args.side_km:g} km x {args.side_km:g} km")
    print()
    print(f"(1-minute load average {os.getloadavg()[0]:.1f} at the start)")
    print()
    print("| records | peak RSS, MB | of which the records, MB | wall s | CPU s | hotspots |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: |")
    for records in args.records:
        r = measure(
            records,
            side_km=args.side_km,
            count=args.count,
            seed=args.seed,
            limit_gb=args.limit_gb,
            report=args.report,
        )
        if "error" in r:
            row = f"| {records:,} | failed: {r['error']} | | | | |"
        else:
            row = (
                f"| {int(r['records']):,} | {r['peak_mb']:.0f} | {r['records_peak_mb']:.0f} "
                f"| {r['forecast_s']:.1f} | {r['forecast_cpu_s']:.1f} | {int(r['hotspots'])} |"
            )
        print(row, flush=True)


if __name__ == "__main__":
    main()
