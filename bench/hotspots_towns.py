"""The town test: hotspot forecasts on town-sized squares of the Chicago extract.

A Danish municipality of about 25 km^2 records one to two hundred residential burglaries a
year; Chicago as a whole records thousands. To see how the forecast does with a town's
evidence, the city is cut into squares and each square is forecast from its own records
only, as a town's police export would be.

The squares (fixed before any forecast was scored on them):

- a grid of 5 km x 5 km squares (25 km^2), aligned on multiples of 5,000 m east and north
  of 41.84 N, 87.68 W on ``forecast.projection.LocalProjection(41.84, -87.68)``;
- every square whose records, scaled to a year (count x 365.25 / 183 days of the extract),
  number 50 to 250 is a town; no other square is used, none is dropped.

Per square and test Monday, each method sees the square's records before that Monday and
names K = 5 disc centres (5 discs of 150 m are 0.35 km^2, 1.4 % of the square); a hit is a
burglary of the square's next 7 days inside a disc. Summed over the squares and weeks.

Weeks: the 21 Mondays 2016-02-01 to 2016-06-20, split before measuring into development
weeks (the first 9, 2016-02-01 to 2016-03-28: design choices may look at these) and
held-back weeks (the last 12, 2016-04-04 to 2016-06-20: reported, not tuned on).

Noise on one square: the burglaries hit by one method and missed by the other are the
only ones that tell them apart. Under "equally good" each of those is a coin toss
(McNemar's exact sign test); a square is behind the long-term KDE by more than noise
when the one-sided p-value of so few wins is below 0.05.

Run: ``.venv/bin/python bench/hotspots_towns.py [--weeks held-back|development|all]``
(held-back by default); ``--prior`` prints the pooled fit behind ``forecast.DEFAULT_PARAMS``.
Prints Markdown.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import numpy as np
from scipy.spatial import cKDTree
from scipy.stats import binom

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from forecast import forecast_hotspots, incidents_from_rows
from forecast.baselines import kde_surface, prospective_surface
from forecast.fit import fit_pooled_params, fit_risk_params
from forecast.history import History, history_at
from forecast.model import LITERATURE_PARAMS
from forecast.projection import LocalProjection
from forecast.selection import select_discs

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from forecast import Incident, RiskFit
    from forecast.grid import Grid
    from forecast.projection import FloatArray

DATA = (
    Path(__file__).resolve().parents[2]
    / "shared/data/incidents/chicago-residential-burglary-2016-h1.csv"
)
TZ = "America/Chicago"
SQUARE_M = 5000.0
ORIGIN = (41.84, -87.68)
EXTRACT_DAYS = 183.0
PER_YEAR = (50.0, 250.0)
K = 5
RADIUS_M = 150.0
FIRST_MONDAY = date(2016, 2, 1)
DEVELOPMENT_WEEKS = 9
HELD_BACK_WEEKS = 12
NOISE_P = 0.05
PRIOR_SD_POOLING = 1.0
"""The pooled fit's own prior (around the literature's values) is the old, weak one."""

Centres = list[tuple[float, float]]
"""Disc centres in the bench's metres."""


@dataclass
class Square:
    """A town-sized square: its records and where they are in the bench's metres."""

    key: tuple[int, int]
    incidents: list[Incident]
    x_m: FloatArray
    y_m: FloatArray
    days: np.ndarray

    @property
    def per_year(self) -> float:
        """Records scaled to a year."""
        return len(self.incidents) * 365.25 / EXTRACT_DAYS

    @property
    def label(self) -> str:
        """Where the square is: its south-west corner in km east and north of the origin."""
        e, n = self.key
        return f"{e * 5:+d} km E, {n * 5:+d} km N"


@dataclass
class Score:
    """A method's hits, per square, and which burglaries it hit."""

    name: str
    hits: dict[tuple[int, int], int] = field(default_factory=dict)
    tests: dict[tuple[int, int], int] = field(default_factory=dict)
    hit_ids: set[str] = field(default_factory=set)
    seconds: float = 0.0

    @property
    def total(self) -> int:
        """Summed hits."""
        return sum(self.hits.values())


def load(path: Path = DATA) -> list[Incident]:
    """The extract's records."""
    with path.open(newline="") as handle:
        return incidents_from_rows(csv.DictReader(handle), tz=TZ)


def squares(incidents: Sequence[Incident], *, all_squares: bool = False) -> list[Square]:
    """The town squares (or every square with a record), in a fixed order."""
    place = LocalProjection(*ORIGIN)
    x, y = place.to_xy([i.lat for i in incidents], [i.lon for i in incidents])
    x, y = np.asarray(x, dtype=float).reshape(-1), np.asarray(y, dtype=float).reshape(-1)
    e = np.floor(x / SQUARE_M).astype(int)
    n = np.floor(y / SQUARE_M).astype(int)
    days = np.array([i.start.toordinal() for i in incidents])  # date-only records
    found: list[Square] = []
    for key in sorted(set(zip(e.tolist(), n.tolist(), strict=True))):
        inside = np.flatnonzero((e == key[0]) & (n == key[1]))
        square = Square(
            key, [incidents[int(i)] for i in inside], x[inside], y[inside], days[inside]
        )
        if all_squares or PER_YEAR[0] <= square.per_year <= PER_YEAR[1]:
            found.append(square)
    return found


def mondays(which: str) -> list[date]:
    """The test Mondays: ``development``, ``held-back`` or ``all``."""
    every = [FIRST_MONDAY + timedelta(weeks=w) for w in range(DEVELOPMENT_WEEKS + HELD_BACK_WEEKS)]
    if which == "development":
        return every[:DEVELOPMENT_WEEKS]
    if which == "held-back":
        return every[DEVELOPMENT_WEEKS:]
    return every


def _centres(values: FloatArray, grid: Grid, history: History, place: LocalProjection) -> Centres:
    discs = select_discs(
        values,
        grid,
        count=K,
        radius_m=RADIUS_M,
        record_x_m=history.x_m,
        record_y_m=history.y_m,
    )
    lat, lon = history.projection.to_latlon([d.x_m for d in discs], [d.y_m for d in discs])
    x, y = place.to_xy(lat, lon)
    return list(zip(np.ravel(x).tolist(), np.ravel(y).tolist(), strict=True))


def baselines(place: LocalProjection) -> dict[str, Callable[..., Centres]]:
    """The standard methods, on the square's own records."""

    def kde_all(sq: Square, as_of: datetime, h: History, pooled: object) -> Centres:
        grid, values = kde_surface(h, bandwidth_m=100.0, margin_m=RADIUS_M)
        return _centres(values, grid, h, place)

    def kde_recent(sq: Square, as_of: datetime, h: History, pooled: object) -> Centres:
        grid, values = kde_surface(h, bandwidth_m=100.0, window_days=56.0, margin_m=RADIUS_M)
        return _centres(values, grid, h, place)

    def promap(sq: Square, as_of: datetime, h: History, pooled: object) -> Centres:
        grid, values = prospective_surface(h, margin_m=RADIUS_M)
        return _centres(values, grid, h, place)

    return {
        "KDE, all history, 100 m": kde_all,
        "KDE, last 8 weeks, 100 m": kde_recent,
        "Prospective hotspotting (BJP 2004)": promap,
    }


def ours(place: LocalProjection, **fit_options: object) -> Callable[..., Centres]:
    """``forecast_hotspots`` on the square's records; ``fit_options`` go to the fit,
    ``prior="pooled"`` puts the pooled fit of the week in as the prior's centre."""

    def centres(sq: Square, as_of: datetime, h: History, pooled: dict[str, RiskFit]) -> Centres:
        options = dict(fit_options)
        if options.get("prior") == "pooled":
            options["prior"] = pooled["pooled"].params
        fit = fit_risk_params(sq.incidents, as_of=as_of, tz=TZ, **options)  # type: ignore[arg-type]
        spots = forecast_hotspots(sq.incidents, as_of=as_of, count=K, tz=TZ, fit=fit)
        x, y = place.to_xy([s.lat for s in spots], [s.lon for s in spots])
        return list(zip(np.ravel(x).tolist(), np.ravel(y).tolist(), strict=True))

    return centres


def run(
    towns: Sequence[Square],
    methods: dict[str, Callable[..., Centres]],
    weeks: Sequence[date],
    *,
    pooled_over: Sequence[Square] = (),
) -> list[Score]:
    """Every method on every town and week."""
    zone = ZoneInfo(TZ)
    scores = [Score(name) for name in methods]
    for monday in weeks:
        as_of = datetime.combine(monday, datetime.min.time(), tzinfo=zone)
        pooled: dict[str, RiskFit] = {}
        if pooled_over:
            pooled["pooled"] = fit_pooled_params(
                [sq.incidents for sq in pooled_over], as_of=as_of, tz=TZ
            )
        for sq in towns:
            test = np.flatnonzero(
                (sq.days >= monday.toordinal()) & (sq.days < monday.toordinal() + 7)
            )
            history = history_at(sq.incidents, as_of=as_of, tz=zone, history_days=365.0)
            for score, method in zip(scores, methods.values(), strict=True):
                score.tests[sq.key] = score.tests.get(sq.key, 0) + test.size
                score.hits.setdefault(sq.key, 0)
                if len(history) == 0 or test.size == 0:
                    continue
                started = time.perf_counter()
                centres = method(sq, as_of, history, pooled)
                score.seconds += time.perf_counter() - started
                if not centres:
                    continue
                distance, _ = cKDTree(np.array(centres)).query(
                    np.column_stack([sq.x_m[test], sq.y_m[test]])
                )
                hit = test[distance <= RADIUS_M + 1e-6]
                score.hits[sq.key] += hit.size
                score.hit_ids.update(sq.incidents[i].id for i in hit)
        print(f"<!-- {monday} -->", file=sys.stderr, flush=True)
    return scores


def behind_by_noise(ours_ids: set[str], base_ids: set[str]) -> tuple[int, int, float]:
    """Burglaries hit only by ours, only by the baseline, and the one-sided sign-test
    p-value of ours winning so few of them."""
    only_ours, only_base = len(ours_ids - base_ids), len(base_ids - ours_ids)
    n = only_ours + only_base
    p = float(binom.cdf(only_ours, n, 0.5)) if n else 1.0
    return only_ours, only_base, p


def report(towns: Sequence[Square], scores: Sequence[Score], weeks: Sequence[date]) -> None:
    """Markdown: summed hits per method, and per square against the long-term KDE."""
    tests = sum(scores[0].tests.values())
    print(
        f"{len(towns)} town squares, {len(weeks)} weeks ({weeks[0]} to {weeks[-1]}), "
        f"K = {K}, {tests} test burglaries.\n"
    )
    base = scores[:3]
    best = max(base, key=lambda s: s.total)
    print("| method | hits | hit rate | against best baseline | seconds |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for s in scores:
        print(
            f"| {s.name} | {s.total} | {100 * s.total / max(tests, 1):.2f} % | "
            f"{s.total / max(best.total, 1):.2f}x | {s.seconds:.1f} |"
        )
    kde, ours_now = scores[0], scores[4]
    print(
        f"\nPer square: hits of each method; only ours / only KDE are the burglaries hit by "
        f"{ours_now.name.strip('*')} and missed by {kde.name} and the other way round; p is "
        "the one-sided sign-test p-value of ours winning so few of them (behind by more than "
        f"noise when below {NOISE_P}).\n"
    )
    others = [s for s in scores if s is not kde]
    print(
        "| square | records a year | tests | "
        + " | ".join(s.name.strip("*").split(" (")[0] for s in [kde, *others])
        + " | only ours | only KDE | p |"
    )
    print("| --- | ---: | ---: | " + " | ".join("---:" for _ in scores) + " | ---: | ---: | ---: |")
    for sq in towns:
        ids = {i.id for i in sq.incidents}
        a, b, p = behind_by_noise(ours_now.hit_ids & ids, kde.hit_ids & ids)
        flag = " **behind**" if p < NOISE_P else ""
        print(
            f"| {sq.label} | {sq.per_year:.0f} | {kde.tests[sq.key]} | "
            + " | ".join(str(s.hits[sq.key]) for s in [kde, *others])
            + f" | {a} | {b} | {p:.2f}{flag} |"
        )


def methods_compared(place: LocalProjection) -> dict[str, Callable[..., Centres]]:
    """The baselines, the forecast before issue 21 and now."""
    return {
        **baselines(place),
        "Ours before (literature prior, sd 1, fit from 50 burglaries)": ours(
            place, prior=LITERATURE_PARAMS, prior_sd=1.0, min_fit_incidents=50
        ),
        "**Ours (shipped pooled prior, sd 0.5)**": ours(place),
        "Ours, pooled prior refitted each week": ours(place, prior="pooled"),
    }


def town_test(incidents: Sequence[Incident], which: str) -> None:
    """Run and print the town test on the ``which`` weeks."""
    towns = squares(incidents)
    everyone = squares(incidents, all_squares=True)
    weeks = mondays(which)
    scores = run(towns, methods_compared(LocalProjection(*ORIGIN)), weeks, pooled_over=everyone)
    report(towns, scores, weeks)


def shipped_prior(incidents: Sequence[Incident]) -> RiskFit:
    """The pooled fit behind ``forecast.DEFAULT_PARAMS``: every 5 km square with a record,
    12 weekly origins before the first held-back Monday, the long-term memory pinned at
    the literature's year (three months of history cannot tell it apart)."""
    first_held_back = mondays("held-back")[0]
    pin_memory = np.array([PRIOR_SD_POOLING] * 6)
    pin_memory[2] = 1e-3
    return fit_pooled_params(
        [sq.incidents for sq in squares(incidents, all_squares=True)],
        as_of=datetime.combine(first_held_back, datetime.min.time(), tzinfo=ZoneInfo(TZ)),
        tz=TZ,
        prior=LITERATURE_PARAMS,
        prior_sd=pin_memory,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weeks", choices=["held-back", "development", "all"], default="held-back")
    parser.add_argument(
        "--prior", action="store_true", help="print the pooled fit behind DEFAULT_PARAMS instead"
    )
    args = parser.parse_args()
    if args.prior:
        print(shipped_prior(load()))
        return
    town_test(load(), args.weeks)


if __name__ == "__main__":
    main()
