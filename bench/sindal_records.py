"""Synthetic burglary records on Sindal's residential streets, for the demo, tests and docs.

No Danish police publishes geolocated records, so the shipped demo area gets made-up ones
with the shape real ones have: homes beside residential streets (a point along a
``residential`` or ``living_street`` edge, 12-25 m to one side), more in the dark months
(peak in early December), a few streets with a raised long-term rate, near repeats (a
burglary raises the chance of another within about 200 m for a few weeks, sometimes at the
same address), and a planted series in the last ten days before ``--last``. Times are like
a police export's: mostly spans ("between 08:00 and 16:00"), some evening spans, some
weekend spans as full datetimes, some dates only; kinds "residential" or "attempt".

Run: ``.venv/bin/python bench/sindal_records.py [--out examples/sindal_burglaries.csv]``.
The output is deterministic (``--seed``); ``tests/service/incidents`` checks that the
shipped file is what this script writes.
"""

from __future__ import annotations

import argparse
import csv
import io
import math
import sys
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from graphs import StreetNetwork, load_graph

if TYPE_CHECKING:
    from numpy.random import Generator

ROOT = Path(__file__).resolve().parents[1]
AREA_FILE = ROOT / "data" / "areas" / "sindal.osm.bz2"
OUT = ROOT / "examples" / "sindal_burglaries.csv"
FIRST = date(2025, 6, 2)
LAST = date(2026, 11, 22)
"""The records run from ``FIRST`` to ``LAST`` (a Sunday): the demo forecasts as of Monday
2026-11-23."""
COLUMNS = ("id", "date", "from", "to", "lat", "lon", "kind")
RESIDENTIAL = frozenset({"residential", "living_street"})


class Streets:
    """Residential edges of Sindal's drive network, in metres, to sample homes along."""

    def __init__(self, network: StreetNetwork) -> None:
        highway = [
            network.graph.edges[int(u), int(v), int(k)].get("highway")
            for u, v, k in zip(network.edge_u, network.edge_v, network.edge_key, strict=True)
        ]
        keep = np.array([isinstance(h, str) and h in RESIDENTIAL for h in highway])
        self.lines = network.edge_geoms_m[keep]
        self.lengths = shapely.length(self.lines)
        self.network = network
        from pyproj import Transformer

        self.to_degrees = Transformer.from_crs(network.crs_m, "EPSG:4326", always_xy=True)

    def home(self, rng: Generator, edge: int) -> tuple[float, float]:
        """A point 12-25 m beside a random point of residential edge ``edge`` (metres)."""
        line = self.lines[edge]
        along = float(rng.uniform(0.1, 0.9)) * float(self.lengths[edge])
        a = line.interpolate(max(along - 1.0, 0.0))
        b = line.interpolate(min(along + 1.0, float(self.lengths[edge])))
        dx, dy = b.x - a.x, b.y - a.y
        norm = math.hypot(dx, dy) or 1.0
        side = float(rng.choice([-1.0, 1.0])) * float(rng.uniform(12.0, 25.0))
        mid = line.interpolate(along)
        return mid.x - dy / norm * side, mid.y + dx / norm * side

    def near(self, rng: Generator, x: float, y: float, within_m: float) -> int:
        """A residential edge within ``within_m`` of (x, y) (the nearest when none)."""
        found = shapely.STRtree(self.lines).query(shapely.Point(x, y).buffer(within_m))
        if len(found) == 0:
            return int(np.argmin(shapely.distance(self.lines, shapely.Point(x, y))))
        return int(rng.choice(found))

    def degrees(self, x: float, y: float) -> tuple[float, float]:
        """(lat, lon) of a metric point."""
        lon, lat = self.to_degrees.transform(x, y)
        return float(lat), float(lon)


def _times(rng: Generator, day: date) -> tuple[str, str, str]:
    """(date, from, to) as a police export gives them."""
    pick = float(rng.uniform())
    if pick < 0.50:  # "between 08:00 and 16:00": a workday span
        start = time(int(rng.integers(7, 10)), int(rng.choice([0, 15, 30, 45])))
        end = time(int(rng.integers(14, 18)), int(rng.choice([0, 30])))
        return day.isoformat(), start.strftime("%H:%M"), end.strftime("%H:%M")
    if pick < 0.80:  # an evening span, sometimes past midnight
        start = time(int(rng.integers(17, 20)), int(rng.choice([0, 30])))
        end = time(int(rng.choice([20, 21, 22, 23, 0])), int(rng.choice([0, 30])))
        return day.isoformat(), start.strftime("%H:%M"), end.strftime("%H:%M")
    if pick < 0.90:  # away for the weekend: full datetimes
        first = datetime.combine(day, time(16, 0))
        last = first + timedelta(days=int(rng.integers(1, 3)), hours=int(rng.integers(0, 5)))
        return "", first.isoformat(timespec="minutes"), last.isoformat(timespec="minutes")
    return day.isoformat(), "", ""


def _seasonal_rate(day: date, per_year: float) -> float:
    """Burglaries per day: peak around 6 December, low in June (about 2:1)."""
    phase = 2 * math.pi * (day.timetuple().tm_yday - 340) / 365.25
    return per_year / 365.25 * (1.0 + 0.35 * math.cos(phase))


def synthetic_rows(
    network: StreetNetwork,
    *,
    seed: int = 7,
    first: date = FIRST,
    last: date = LAST,
    per_year: float = 150.0,
) -> list[dict[str, str]]:
    """Records between ``first`` and ``last`` (see the module docstring), date order.

    Returns
    -------
    list of dict
        One per record with the columns of ``COLUMNS`` as text.
    """
    rng = np.random.default_rng(seed)
    streets = Streets(network)
    weights = streets.lengths.copy()
    hot = rng.choice(len(weights), size=4, replace=False, p=weights / weights.sum())
    weights[hot] *= 6.0  # a few streets with a raised long-term rate
    p = weights / weights.sum()
    events: list[tuple[date, float, float]] = []
    day = first
    while day <= last:
        for _ in range(int(rng.poisson(_seasonal_rate(day, per_year)))):
            x, y = streets.home(rng, int(rng.choice(len(p), p=p)))
            events.append((day, x, y))
        day += timedelta(days=1)
    repeats: list[tuple[date, float, float]] = []
    for when, x, y in events:
        if rng.uniform() < 0.3:
            for _ in range(int(rng.poisson(1.2))):
                later = when + timedelta(days=int(rng.exponential(10.0)) + 1)
                if rng.uniform() < 0.15:
                    repeats.append((later, x, y))  # the same home again
                else:
                    rx, ry = streets.home(rng, streets.near(rng, x, y, 200.0))
                    repeats.append((later, rx, ry))
    # A planted series: five burglaries around one street in the last ten days.
    sx, sy = streets.home(rng, int(hot[0]))
    for offset in (9, 6, 4, 2, 1):
        rx, ry = streets.home(rng, streets.near(rng, sx, sy, 150.0))
        repeats.append((last - timedelta(days=offset - 1), rx, ry))
    records = sorted(e for e in events + repeats if first <= e[0] <= last)
    rows: list[dict[str, str]] = []
    for n, (when, x, y) in enumerate(records, start=1):
        lat, lon = streets.degrees(x, y)
        day_text, start, end = _times(rng, when)
        rows.append(
            {
                "id": f"SND-{n:05d}",
                "date": day_text,
                "from": start,
                "to": end,
                "lat": f"{lat:.6f}",
                "lon": f"{lon:.6f}",
                "kind": "attempt" if rng.uniform() < 0.15 else "residential",
            }
        )
    return rows


def rows_to_csv(rows: list[dict[str, str]]) -> str:
    """The rows as CSV text with a header."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def sindal_network(cache_dir: Path | None = None) -> StreetNetwork:
    """Sindal's drive network from the shipped OSM file."""
    return StreetNetwork.from_graph(load_graph(AREA_FILE, mode="drive", cache_dir=cache_dir))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rows = synthetic_rows(sindal_network(ROOT / "var" / "graph-cache"), seed=args.seed)
    args.out.write_text(rows_to_csv(rows), encoding="utf-8")
    print(f"{len(rows)} records from {rows[0]['date']} to {LAST} written to {args.out}")


if __name__ == "__main__":
    main()
