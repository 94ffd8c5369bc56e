"""Generated orienteering instances: families the solver was never tuned on.

Each seed gives the same instances every time. They vary what the solver's choices could
be tuned to: size (20-150 scoring places), points uniform or in clusters, no time windows
(a route-length limit, as Chao's TOP), wide or tight time windows with service times (as
the OPTW sets), 1-4 routes, start and end apart or together, and the product's own street
travel times (Sindal, drive) where the street graph can be read.

Travel is the Euclidean distance truncated to whole units (``decimals=0``), or the street
matrix in whole seconds; there is no best-known score, so engines are compared with each
other.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from orienteering_instances import Instance

if TYPE_CHECKING:
    from numpy.typing import NDArray

SIZES = (20, 40, 70, 100, 150)
WINDOWS = ("none", "wide", "tight")
SIDE = 100.0


def _points(rng: np.random.Generator, n: int, *, clustered: bool) -> NDArray[np.float64]:
    if not clustered:
        return rng.uniform(0, SIDE, size=(n, 2))
    centres = rng.uniform(10, SIDE - 10, size=(int(rng.integers(3, 7)), 2))
    picks = rng.integers(len(centres), size=n)
    return np.clip(centres[picks] + rng.normal(0, SIDE / 20, size=(n, 2)), 0, SIDE)


def _tour_length(n: int, area: float) -> float:
    """About the length of a good tour through ``n`` random points in ``area`` (BHH)."""
    return 0.7124 * math.sqrt(n * area)


def euclidean_instance(seed: int, index: int) -> Instance:
    """The ``index``-th generated instance of ``seed`` (deterministic)."""
    rng = np.random.default_rng([seed, index])
    n = SIZES[index % len(SIZES)]
    windows_kind = WINDOWS[(index // len(SIZES)) % len(WINDOWS)]
    clustered = bool(rng.random() < 0.5)
    m = int(rng.integers(1, 5))
    xy = _points(rng, n + 2, clustered=clustered)
    together = bool(rng.random() < 0.7)
    if together:
        xy[1] = xy[0]
    # Room for a share of what a tour through every place takes, split between the routes.
    share = rng.uniform(0.25, 0.6)
    tour = _tour_length(n, SIDE * SIDE)
    scores = [0.0] + [float(s) for s in rng.integers(1, 11, size=n)] + [0.0]
    if windows_kind == "none":
        tmax = math.floor(share * tour / m)
        service = [0.0] * (n + 2)
        windows = None
    else:
        service_each = rng.integers(0, 11, size=n)
        tmax = math.floor((share * tour + share * float(service_each.sum())) / m * 1.5)
        service = [0.0, *(float(s) for s in service_each), 0.0]
        opens = rng.uniform(0, 0.8 * tmax, size=n)
        if windows_kind == "wide":
            widths = rng.uniform(0.2 * tmax, 0.6 * tmax, size=n)
        else:
            widths = rng.uniform(5, 0.1 * tmax + 5, size=n)
        windows = [(0.0, float(tmax))]
        windows += [
            (float(math.floor(o)), float(math.floor(min(o + w, tmax))))
            for o, w in zip(opens, widths, strict=True)
        ]
        windows.append((0.0, float(tmax)))
    name = f"g{seed}-{index:02d}-n{n}-{windows_kind}-{'clu' if clustered else 'uni'}-m{m}" + (
        "" if together else "-apart"
    )
    return Instance(
        name=name,
        family="top" if windows is None else "optw",
        x=tuple(float(v) for v in xy[:, 0]),
        y=tuple(float(v) for v in xy[:, 1]),
        scores=tuple(scores),
        service=tuple(service),
        windows=None if windows is None else tuple(windows),
        num_routes=m,
        tmax=float(tmax),
        start=0,
        end=1 if not together else 0,
        decimals=0,
    )


def street_instance(seed: int, index: int, travel_s: NDArray[np.int64]) -> Instance:
    """An evening on real streets: places drawn from ``travel_s`` (seconds, vertex 0 the
    depot), 10-20 min dwell, evening windows, one to three routes of at most four hours."""
    rng = np.random.default_rng([seed, 1000 + index])
    total = len(travel_s) - 1
    n = int(rng.integers(20, min(total, 80) + 1))
    chosen = [0, *sorted(int(v) + 1 for v in rng.choice(total, size=n, replace=False))]
    matrix = travel_s[np.ix_(chosen, chosen)]
    m = int(rng.integers(1, 4))
    tmax = int(rng.integers(2, 5)) * 3600
    service = [0.0, *(float(s) for s in rng.integers(10, 21, size=n) * 60)]
    opens = rng.uniform(0, 0.7 * tmax, size=n)
    widths = rng.uniform(1800, 0.6 * tmax, size=n)
    windows = [(0.0, float(tmax))] + [
        (float(math.floor(o)), float(math.floor(min(o + w, tmax))))
        for o, w in zip(opens, widths, strict=True)
    ]
    return Instance(
        name=f"s{seed}-{index:02d}-n{n}-streets-m{m}",
        family="optw",
        x=tuple(0.0 for _ in chosen),
        y=tuple(0.0 for _ in chosen),
        scores=(0.0, *(float(s) for s in rng.integers(1, 11, size=n))),
        service=tuple(service),
        windows=tuple(windows),
        num_routes=m,
        tmax=float(tmax),
        start=0,
        end=0,
        decimals=0,
        matrix=tuple(tuple(float(v) for v in row) for row in matrix),
    )


def sindal_travel_s(points: int = 120, *, seed: int = 0) -> NDArray[np.int64] | None:
    """Drive times (s) between ``points`` random street points of Sindal, the first the
    depot; None when the street graph cannot be read here. Places that cannot reach each
    other both ways are left out."""
    try:
        from pathlib import Path

        import graphs

        root = Path(__file__).resolve().parents[1]
        cache = root / "var" / "bench-cache"
        G = graphs.load_graph(
            root / "data" / "areas" / "sindal.osm.bz2", mode="drive", cache_dir=cache
        )
        net = graphs.StreetNetwork.from_graph(G)
    except Exception:  # the generated set is still useful without the street family
        return None
    rng = np.random.default_rng(seed)
    lats = rng.uniform(57.462, 57.482, size=points)
    lons = rng.uniform(10.180, 10.225, size=points)
    matrix = graphs.street_travel_matrix(net, graphs.snap_to_streets(net, lats, lons))
    ok = np.ones(len(matrix), dtype=bool)
    while True:
        sub = matrix[np.ix_(ok, ok)]
        bad = (sub > 4 * 3600).any(axis=0) | (sub > 4 * 3600).any(axis=1)
        if not bad.any():
            break
        ok[np.flatnonzero(ok)[bad.argmax()]] = False
    return np.ascontiguousarray(matrix[np.ix_(ok, ok)]).astype(np.int64)


def generated_set(seeds: tuple[int, ...], per_seed: int, streets: int) -> list[Instance]:
    """``per_seed`` Euclidean and ``streets`` street instances for each seed."""
    travel_s = sindal_travel_s() if streets else None
    out = []
    for seed in seeds:
        out += [euclidean_instance(seed, i) for i in range(per_seed)]
        if travel_s is not None:
            out += [street_instance(seed, i, travel_s) for i in range(streets)]
    return out
