"""Rolling weekly backtest of hotspot forecasts on the Chicago residential-burglary extract.

The standard test (``../shared/data/incidents/README.md``): for each Monday from February
to the end of June 2016 (21 weeks), a method sees every record before that Monday (local
Chicago time) and names K hotspot points; each covers a disc of 150 m; the hit rate is
the share of the next 7 days' burglaries inside the union of the discs; PAI = hit rate /
(covered area / 589.6 km^2).

Every method goes through the same code: ``forecast.history_at`` for what is known,
a surface on the same 25 m grid, ``forecast.selection.select_discs`` with the same
privacy rule, and the same scoring. Disc rules:

- ``peaks``: the K grid nodes of highest surface value, each at least 2 radii from the
  ones taken before (non-overlapping discs; the usual hotspot-map rule);
- ``union``: greedy maximum coverage of the surface by the union of the discs (the
  product's rule).

Hindsight (the limit): greedy maximum coverage of the test week's own burglaries, disc
centres on a 10 m grid, exact distances.

Run: ``.venv/bin/python bench/hotspots.py [--k 85] [--weeks 21]``. Prints Markdown.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import time
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import numpy as np
from scipy import sparse
from scipy.spatial import cKDTree

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hotspots_towns import town_test

from forecast import RiskFit, fit_risk_params, forecast_hotspots, incidents_from_rows, risk_surface
from forecast.baselines import kde_surface, prospective_surface
from forecast.history import History, history_at
from forecast.model import LITERATURE_PARAMS
from forecast.projection import LocalProjection
from forecast.selection import Rule, select_discs

if TYPE_CHECKING:
    from collections.abc import Callable

    from forecast import Incident
    from forecast.grid import Grid
    from forecast.projection import FloatArray

DATA = (
    Path(__file__).resolve().parents[2]
    / "shared/data/incidents/chicago-residential-burglary-2016-h1.csv"
)
TZ = "America/Chicago"
CITY_KM2 = 589.6
HISTORY_DAYS = 365.0


@dataclass
class Method:
    """A forecasting method in the table and its weekly scores."""

    name: str
    rule: str
    centres: Callable[[datetime, History], list[tuple[float, float]]]
    hit: list[float] = field(default_factory=list)
    pai: list[float] = field(default_factory=list)
    area_km2: list[float] = field(default_factory=list)
    hits: int = 0
    seconds: list[float] = field(default_factory=list)


def _monday(day: date) -> date:
    return day + timedelta(days=(7 - day.weekday()) % 7)


def _load(path: Path) -> list[Incident]:
    with path.open(newline="") as handle:
        return incidents_from_rows(csv.DictReader(handle), tz=TZ)


def _latlon_of_discs(
    values: FloatArray, grid: Grid, history: History, k: int, radius_m: float, rule: Rule
) -> list[tuple[float, float]]:
    discs = select_discs(
        values,
        grid,
        count=k,
        radius_m=radius_m,
        record_x_m=history.x_m,
        record_y_m=history.y_m,
        rule=rule,
    )
    lat, lon = history.projection.to_latlon([d.x_m for d in discs], [d.y_m for d in discs])
    return list(zip(lat.tolist(), lon.tolist(), strict=True))


def union_area_km2(x_m: FloatArray, y_m: FloatArray, radius_m: float, cell_m: float = 5.0) -> float:
    """Area of the union of discs, counted on a ``cell_m`` raster (exact to about 0.5 %)."""
    if len(x_m) == 0:
        return 0.0
    reach = int(np.ceil(radius_m / cell_m))
    offsets = np.arange(-reach, reach + 1)
    dx, dy = np.meshgrid(offsets, offsets)
    keep = (dx * cell_m) ** 2 + (dy * cell_m) ** 2 <= radius_m**2
    dx, dy = dx[keep], dy[keep]
    ix = np.round(np.asarray(x_m) / cell_m).astype(np.int64)[:, None] + dx[None, :]
    iy = np.round(np.asarray(y_m) / cell_m).astype(np.int64)[:, None] + dy[None, :]
    cells = np.unique(ix.ravel() * 10_000_000 + iy.ravel())
    return cells.size * cell_m * cell_m / 1e6


def hindsight_centres(
    x_m: FloatArray, y_m: FloatArray, k: int, radius_m: float, cell_m: float = 10.0
) -> tuple[FloatArray, FloatArray]:
    """Greedy maximum coverage of the given points by ``k`` discs centred on a fine grid."""
    reach = int(np.floor(radius_m / cell_m))
    offsets = np.arange(-reach, reach + 1)
    dx, dy = np.meshgrid(offsets, offsets)
    keep = (dx * cell_m) ** 2 + (dy * cell_m) ** 2 <= radius_m**2
    ix = np.round(x_m / cell_m).astype(np.int64)[:, None] + dx[keep][None, :]
    iy = np.round(y_m / cell_m).astype(np.int64)[:, None] + dy[keep][None, :]
    nodes = np.unique(np.column_stack([ix.ravel(), iy.ravel()]), axis=0) * cell_m
    cover = cKDTree(np.column_stack([x_m, y_m])).query_ball_point(nodes.astype(float), radius_m)
    rows = np.repeat(np.arange(len(nodes)), [len(c) for c in cover])
    cols = np.concatenate([np.asarray(c, dtype=np.int64) for c in cover])
    incidence = sparse.csr_matrix((np.ones(rows.size), (rows, cols)), shape=(len(nodes), len(x_m)))
    open_points = np.ones(len(x_m))
    chosen: list[int] = []
    for _ in range(k):
        gain = incidence @ open_points
        best = int(np.argmax(gain))
        if gain[best] <= 0:
            break
        chosen.append(best)
        open_points[incidence[best].indices] = 0.0
    picked = nodes[chosen].astype(float)
    return picked[:, 0], picked[:, 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--k", type=int, default=85, help="hotspots per week")
    parser.add_argument("--weeks", type=int, default=21, help="test weeks from --first")
    parser.add_argument("--first", default="2016-02-01", help="first test Monday")
    parser.add_argument("--radius", type=float, default=150.0, help="disc radius, metres")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument(
        "--held-back",
        default="2016-04-04",
        help="first held-back Monday: weeks from here are summarised on their own",
    )
    parser.add_argument(
        "--towns",
        choices=["held-back", "development", "all", "none"],
        default="held-back",
        help="weeks of the town test (bench/hotspots_towns.py) printed after the city's",
    )
    args = parser.parse_args()
    k, radius_m = args.k, args.radius
    zone = ZoneInfo(TZ)

    t0 = time.perf_counter()
    incidents = _load(args.data)
    read_s = time.perf_counter() - t0
    all_lat = np.array([i.lat for i in incidents])
    all_lon = np.array([i.lon for i in incidents])
    days = np.array([i.start.toordinal() for i in incidents])  # date-only records
    bench = LocalProjection.around(all_lat, all_lon)
    all_x, all_y = bench.to_xy(all_lat, all_lon)
    last_day = date.fromordinal(int(days.max()))

    first = _monday(date.fromisoformat(args.first))
    mondays = [first + timedelta(days=7 * w) for w in range(args.weeks)]
    mondays = [m for m in mondays if m + timedelta(days=6) <= last_day]

    # The frozen variant: parameters fitted once, on the weekly origins before the first
    # test Monday only (January 2016), then kept for every test week.
    first_as_of = datetime.combine(mondays[0], datetime.min.time(), tzinfo=zone)
    frozen = fit_risk_params(incidents, as_of=first_as_of, tz=TZ)
    weekly_fits: dict[date, RiskFit] = {}

    def kde(
        window: float | None, rule: Rule
    ) -> Callable[[datetime, History], list[tuple[float, float]]]:
        def centres(as_of: datetime, history: History) -> list[tuple[float, float]]:
            grid, values = kde_surface(
                history, bandwidth_m=100.0, window_days=window, margin_m=radius_m
            )
            return _latlon_of_discs(values, grid, history, k, radius_m, rule)

        return centres

    def promap(rule: Rule) -> Callable[[datetime, History], list[tuple[float, float]]]:
        def centres(as_of: datetime, history: History) -> list[tuple[float, float]]:
            grid, values = prospective_surface(history, margin_m=radius_m)
            return _latlon_of_discs(values, grid, history, k, radius_m, rule)

        return centres

    def ours(*, refit: bool) -> Callable[[datetime, History], list[tuple[float, float]]]:
        def centres(as_of: datetime, history: History) -> list[tuple[float, float]]:
            fit = fit_risk_params(incidents, as_of=as_of, tz=TZ) if refit else frozen
            if refit:
                weekly_fits[as_of.date()] = fit
            spots = forecast_hotspots(
                incidents, as_of=as_of, count=k, radius_m=radius_m, tz=TZ, fit=fit
            )
            return [(s.lat, s.lon) for s in spots]

        return centres

    def ours_before(as_of: datetime, history: History) -> list[tuple[float, float]]:
        fit = fit_risk_params(
            incidents,
            as_of=as_of,
            tz=TZ,
            prior=LITERATURE_PARAMS,
            prior_sd=1.0,
            min_fit_incidents=50,
        )
        spots = forecast_hotspots(
            incidents, as_of=as_of, count=k, radius_m=radius_m, tz=TZ, fit=fit
        )
        return [(s.lat, s.lon) for s in spots]

    def ablated(**change: float) -> Callable[[datetime, History], list[tuple[float, float]]]:
        def centres(as_of: datetime, history: History) -> list[tuple[float, float]]:
            fit = weekly_fits[as_of.date()]
            fit = replace(fit, params=replace(fit.params, **change))
            spots = forecast_hotspots(
                incidents, as_of=as_of, count=k, radius_m=radius_m, tz=TZ, fit=fit
            )
            return [(s.lat, s.lon) for s in spots]

        return centres

    def ours_peaks(as_of: datetime, history: History) -> list[tuple[float, float]]:
        surface = risk_surface(history, weekly_fits[as_of.date()].params, margin_m=radius_m)
        return _latlon_of_discs(surface.total, surface.grid, history, k, radius_m, "peaks")

    methods = [
        Method("KDE, last 8 weeks, 100 m", "peaks", kde(56.0, "peaks")),
        Method("KDE, last 8 weeks, 100 m", "union", kde(56.0, "union")),
        Method("KDE, all history, 100 m", "peaks", kde(None, "peaks")),
        Method("KDE, all history, 100 m", "union", kde(None, "union")),
        Method("Prospective hotspotting (BJP 2004)", "peaks", promap("peaks")),
        Method("Prospective hotspotting (BJP 2004)", "union", promap("union")),
        Method("**Ours, refitted each week**", "union", ours(refit=True)),
        Method("Ours, refitted each week", "peaks", ours_peaks),
        Method("Ours, fitted once on January", "union", ours(refit=False)),
        Method("Ours before issue 21 (literature prior)", "union", ours_before),
        Method("Ours without near repeats", "union", ablated(near_repeat_strength=0.0)),
        Method("Ours without the fine (same-spot) part", "union", ablated(fine_share=0.0)),
    ]
    hindsight = Method("Hindsight (test week itself)", "union", lambda a, h: [])

    weekly_counts: list[int] = []
    for monday in mondays:
        as_of = datetime.combine(monday, datetime.min.time(), tzinfo=zone)
        test = (days >= monday.toordinal()) & (days < monday.toordinal() + 7)
        tx, ty = all_x[test], all_y[test]
        weekly_counts.append(int(test.sum()))
        history = history_at(incidents, as_of=as_of, tz=zone, history_days=HISTORY_DAYS)
        for method in [*methods, hindsight]:
            started = time.perf_counter()
            if method is hindsight:
                cx, cy = hindsight_centres(tx, ty, k, radius_m)
            else:
                latlon = method.centres(as_of, history)
                cx, cy = bench.to_xy([p[0] for p in latlon], [p[1] for p in latlon])
            method.seconds.append(time.perf_counter() - started)
            distance, _ = cKDTree(np.column_stack([cx, cy])).query(np.column_stack([tx, ty]))
            hits = int(np.count_nonzero(distance <= radius_m + 1e-6))
            area = union_area_km2(cx, cy, radius_m)
            method.hits += hits
            method.hit.append(hits / len(tx))
            method.area_km2.append(area)
            method.pai.append((hits / len(tx)) / (area / CITY_KM2) if area else 0.0)
        print(f"<!-- {monday}: {len(tx)} burglaries -->", file=sys.stderr, flush=True)

    _summary(methods, hindsight, weekly_counts, mondays, k, radius_m, len(incidents), read_s)
    _held_back(methods, mondays, date.fromisoformat(args.held_back))
    _parameters(frozen, weekly_fits)
    _timings([*methods, hindsight])

    after_all = datetime.combine(last_day + timedelta(days=1), datetime.min.time(), tzinfo=zone)
    runs = []
    for _ in range(3):
        started = time.perf_counter()
        spots = forecast_hotspots(incidents, as_of=after_all, count=k, radius_m=radius_m, tz=TZ)
        runs.append(time.perf_counter() - started)
    print(
        f"\nOne forecast on the whole file ({len(incidents)} rows known, "
        f"as_of {after_all:%Y-%m-%d}, K = {k}, {len(spots)} hotspots), fit included: "
        + ", ".join(f"{s:.2f} s" for s in runs)
        + "."
    )
    if args.towns != "none":
        print(f"\nThe town test (bench/hotspots_towns.py), {args.towns} weeks:\n")
        town_test(incidents, args.towns)


def _held_back(methods: list[Method], mondays: list[date], first: date) -> None:
    """The same comparison on the held-back weeks only (from ``first``)."""
    keep = [i for i, m in enumerate(mondays) if m >= first]
    if len(keep) < 2:
        return
    rates = {id(m): [m.hit[i] for i in keep] for m in methods}
    best = max(methods[:6], key=lambda m: statistics.mean(rates[id(m)]))
    base = statistics.mean(rates[id(best)])
    print(
        f"\nHeld-back weeks ({mondays[keep[0]]} to {mondays[keep[-1]]}, {len(keep)} weeks): "
        f"best baseline {best.name} ({best.rule}) {100 * base:.2f} %.\n"
    )
    print(_row("method", "discs", "mean hit rate", "against best baseline", "paired diff (se)"))
    print(_row("---", "---", "---:", "---:", "---:"))
    for m in methods:
        diffs = [a - b for a, b in zip(rates[id(m)], rates[id(best)], strict=True)]
        se = statistics.stdev(diffs) / len(diffs) ** 0.5
        mean = statistics.mean(rates[id(m)])
        print(
            _row(
                m.name,
                m.rule,
                f"{100 * mean:.2f} %",
                f"{mean / base:.3f}x",
                f"{100 * statistics.mean(diffs):+.2f} ({100 * se:.2f})",
            )
        )


def _row(*cells: object) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def _summary(
    methods: list[Method],
    hindsight: Method,
    weekly_counts: list[int],
    mondays: list[date],
    k: int,
    radius_m: float,
    rows: int,
    read_s: float,
) -> None:
    total = sum(weekly_counts)
    print(
        f"K = {k}, radius {radius_m:.0f} m, {len(mondays)} weeks ({mondays[0]} to {mondays[-1]}), "
        f"{total} test burglaries ({min(weekly_counts)}-{max(weekly_counts)} a week); "
        f"reading {rows} rows took {read_s:.2f} s.\n"
    )
    best = max(methods[:6], key=lambda m: statistics.mean(m.hit))
    print(
        _row(
            "method",
            "discs",
            "mean hit rate",
            "sd",
            "min-max",
            "pooled",
            "mean PAI",
            "covered km^2",
            "weeks above best baseline (ties)",
        )
    )
    print(_row("---", "---", "---:", "---:", "---:", "---:", "---:", "---:", "---:"))
    for m in [*methods, hindsight]:
        pairs = list(zip(m.hit, best.hit, strict=True))
        wins = sum(a > b for a, b in pairs)
        ties = sum(a == b for a, b in pairs)
        print(
            _row(
                m.name,
                m.rule,
                f"{100 * statistics.mean(m.hit):.2f} %",
                f"{100 * statistics.stdev(m.hit):.2f}",
                f"{100 * min(m.hit):.1f}-{100 * max(m.hit):.1f}",
                f"{100 * m.hits / total:.2f} %",
                f"{statistics.mean(m.pai):.2f}",
                f"{statistics.mean(m.area_km2):.2f}",
                "-" if m is best else f"{wins} ({ties})",
            )
        )
    ours = methods[6]
    ours_hit, base_hit = statistics.mean(ours.hit), statistics.mean(best.hit)
    diffs = [a - b for a, b in zip(ours.hit, best.hit, strict=True)]
    se = statistics.stdev(diffs) / len(diffs) ** 0.5
    print(
        f"\nOurs (refitted, union) against the best baseline ({best.name}, {best.rule}): "
        f"{100 * ours_hit:.2f} % against {100 * base_hit:.2f} %, "
        f"{100 * (ours_hit / base_hit - 1):+.1f} % relative; paired weekly difference "
        f"{100 * statistics.mean(diffs):+.2f} points (standard error {100 * se:.2f})."
    )


def _parameters(frozen: RiskFit, weekly_fits: dict[date, RiskFit]) -> None:
    print("\nFitted parameters (as_of: the weekly origins scored, at most 12 before it):\n")
    print(
        _row(
            "as_of",
            "origins (n)",
            "burglaries scored",
            "fine share",
            "long-term bandwidth m",
            "long-term memory d",
            "near-repeat strength",
            "near-repeat days",
            "near-repeat bandwidth m",
            "gain nats",
        )
    )
    print(_row("---", "---", *["---:"] * 8))
    for label, fit in [
        ("January (frozen)", frozen),
        *[(str(d), f) for d, f in weekly_fits.items()],
    ]:
        p = fit.params
        first, last = fit.first_origin, fit.last_origin
        origins = f"{first:%m-%d} to {last:%m-%d} ({fit.weeks})" if first and last else "-"
        print(
            _row(
                label,
                origins,
                fit.incidents,
                f"{p.fine_share:.3f}",
                f"{p.long_term_bandwidth_m:.0f}",
                f"{p.long_term_memory_days:.0f}",
                f"{p.near_repeat_strength:.3f}",
                f"{p.near_repeat_days:.1f}",
                f"{p.near_repeat_bandwidth_m:.0f}",
                f"{fit.gain_nats:.3f}" if fit.gain_nats is not None else "-",
            )
        )


def _timings(methods: list[Method]) -> None:
    print("\nSeconds per weekly forecast (ours: fit + surface + discs + explanations):\n")
    print(_row("method", "discs", "mean s", "max s"))
    print(_row("---", "---", "---:", "---:"))
    for m in methods:
        print(_row(m.name, m.rule, f"{statistics.mean(m.seconds):.2f}", f"{max(m.seconds):.2f}"))


if __name__ == "__main__":
    main()
