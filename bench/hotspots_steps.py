"""Candidate steps on the road to 1.5x city-wide, each against the shipped forecast.

Every Monday of the standard test (``bench/hotspots.py``: K = 85 discs of 150 m, the
Chicago 2016 extract), the shipped model is fitted on the weeks before it, and each
candidate changes only its surface before the same greedy union selection:

- ``middle scale``: part of the broad long-term density (``share``) moved to a 100 m
  kernel, between the 10 m same-spot part and the broad one (block-level concentration);
- ``same-spot repeats``: each record's near-repeat weight (the burglaries it brings in the
  next week) added again, ``share`` times, on a 10 m kernel at the record itself: repeat
  victimisation of the same address, fading as the near repeats do.

The shares are set by hand, not fitted: a step that wins here must still become a fitted
parameter of the model before it is shipped. Development weeks (to 2016-03-28) chose the
shares; the held-back weeks (from 2016-04-04) were looked at once, after that.

Run: ``.venv/bin/python bench/hotspots_steps.py``. Prints Markdown.
"""

from __future__ import annotations

import statistics
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import numpy as np
from scipy.spatial import cKDTree

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hotspots_towns import DEVELOPMENT_WEEKS, ORIGIN, TZ, load, mondays

from forecast.fit import fit_risk_params
from forecast.history import history_at
from forecast.model import (
    long_term_weights,
    near_repeat_weights,
    rate_per_horizon,
    risk_surface,
)
from forecast.projection import LocalProjection
from forecast.selection import select_discs

if TYPE_CHECKING:
    from forecast.history import History
    from forecast.model import RiskParams, RiskSurface
    from forecast.projection import FloatArray

K = 85
RADIUS_M = 150.0
STEPS: dict[str, tuple[str, float]] = {
    "shipped forecast": ("none", 0.0),
    "middle scale 100 m, share 0.2": ("middle", 0.2),
    "same-spot repeats, share 0.3": ("repeats", 0.3),
    "same-spot repeats, share 1.0": ("repeats", 1.0),
}


def _hit_rate(
    total: FloatArray,
    surface: RiskSurface,
    history: History,
    place: LocalProjection,
    test_x: FloatArray,
    test_y: FloatArray,
) -> float:
    discs = select_discs(
        total,
        surface.grid,
        count=K,
        radius_m=RADIUS_M,
        record_x_m=history.x_m,
        record_y_m=history.y_m,
    )
    lat, lon = history.projection.to_latlon([d.x_m for d in discs], [d.y_m for d in discs])
    cx, cy = place.to_xy(lat, lon)
    distance, _ = cKDTree(np.column_stack([np.ravel(cx), np.ravel(cy)])).query(
        np.column_stack([test_x, test_y])
    )
    return float(np.count_nonzero(distance <= RADIUS_M + 1e-6)) / len(test_x)


def candidates(surface: RiskSurface, history: History, params: RiskParams) -> dict[str, FloatArray]:
    """Each step's surface (see the module docstring), the shipped one first."""
    u = long_term_weights(history.age_days, params)
    v = near_repeat_weights(history.age_days, params, surface.horizon_days)
    mean = rate_per_horizon(len(history), history.span_days, surface.horizon_days)
    scale = surface.expected_total / max(mean + float(v.sum()), 1e-300)
    grid, hx, hy = surface.grid, history.x_m, history.y_m
    broad = grid.smooth(hx, hy, u, bandwidth_m=params.long_term_bandwidth_m)
    middle = grid.smooth(hx, hy, u, bandwidth_m=100.0)
    same = grid.smooth(hx, hy, v, bandwidth_m=params.fine_bandwidth_m)
    broad_weight = scale * mean * (1.0 - params.fine_share) / float(u.sum())
    out: dict[str, FloatArray] = {}
    for name, (kind, share) in STEPS.items():
        if kind == "middle":
            out[name] = surface.total + broad_weight * share * (middle - broad)
        elif kind == "repeats":
            out[name] = surface.total + scale * share * same
        else:
            out[name] = surface.total
    return out


def main() -> None:
    incidents = load()
    zone = ZoneInfo(TZ)
    place = LocalProjection(*ORIGIN)
    x, y = place.to_xy([i.lat for i in incidents], [i.lon for i in incidents])
    x, y = np.ravel(x), np.ravel(y)
    days = np.array([i.start.toordinal() for i in incidents])
    weeks = mondays("all")
    rates: dict[str, list[float]] = {name: [] for name in STEPS}
    for monday in weeks:
        as_of = datetime.combine(monday, datetime.min.time(), tzinfo=zone)
        test = (days >= monday.toordinal()) & (days < monday.toordinal() + 7)
        history = history_at(incidents, as_of=as_of, tz=zone, history_days=365.0)
        params = fit_risk_params(incidents, as_of=as_of, tz=TZ).params
        surface = risk_surface(history, params, margin_m=RADIUS_M)
        for name, total in candidates(surface, history, params).items():
            rates[name].append(_hit_rate(total, surface, history, place, x[test], y[test]))
        print(f"<!-- {monday} -->", file=sys.stderr, flush=True)
    print(f"K = {K}, radius {RADIUS_M:.0f} m; mean weekly hit rate, and the paired weekly")
    print("difference from the shipped forecast (standard error).\n")
    print("| step | development weeks | difference | held-back weeks | difference |")
    print("| --- | ---: | ---: | ---: | ---: |")
    shipped = rates["shipped forecast"]
    for name, rate in rates.items():
        cells = [name]
        for part in (slice(0, DEVELOPMENT_WEEKS), slice(DEVELOPMENT_WEEKS, None)):
            diffs = [a - b for a, b in zip(rate[part], shipped[part], strict=True)]
            se = statistics.stdev(diffs) / len(diffs) ** 0.5
            cells += [
                f"{100 * statistics.mean(rate[part]):.2f} %",
                "-"
                if name == "shipped forecast"
                else f"{100 * statistics.mean(diffs):+.2f} ({100 * se:.2f})",
            ]
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
