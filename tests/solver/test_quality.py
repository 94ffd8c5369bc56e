"""Plan quality at a fixed search effort, against optima computed here exactly.

Mid-size single-route orienteering problems (13 places, too many to try every order) are
solved exactly by dynamic programming over the sets of places visited (Held-Karp), written
apart from the solver. The solver searches at a fixed effort (``conftest.at_effort``), so
the verdict is the same on a busy machine as on an idle one.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from solver import Hotspot, RoutingProblem, Shift, solve

from .conftest import at_effort
from .replay import assert_feasible

PLACES = 13


def exact_optimum(
    travel_s: npt.NDArray[np.int64], dwell_s: int, weights: list[float], end_s: int
) -> float:
    """The most weight one route from place 0 back to it can collect within ``end_s``.

    ``shortest[mask, last]`` is the least time to leave ``last`` having served the places
    in ``mask`` (bit i for place i + 1), starting at 0 at time 0.
    """
    n = len(weights)
    full = 1 << n
    shortest = np.full((full, n), np.iinfo(np.int64).max // 4, dtype=np.int64)
    for i in range(n):
        shortest[1 << i, i] = travel_s[0, i + 1] + dwell_s
    legs = travel_s[1:, 1:] + dwell_s
    back = travel_s[1:, 0]
    weight_of = np.array([sum(w for i, w in enumerate(weights) if m >> i & 1) for m in range(full)])
    best = 0.0
    for mask in range(1, full):
        row = shortest[mask]
        if (row + back <= end_s).any():
            best = max(best, float(weight_of[mask]))
        for nxt in range(n):
            if mask >> nxt & 1:
                continue
            arrive = (row + legs[:, nxt]).min()
            target = mask | 1 << nxt
            if arrive < shortest[target, nxt]:
                shortest[target, nxt] = arrive
    return best


def _problem(seed: int) -> tuple[RoutingProblem, float]:
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 1000, size=(PLACES + 1, 2))
    travel_s = np.ceil(np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1)))
    travel_s = travel_s.astype(np.int64)
    weights = [float(w) for w in rng.integers(1, 11, size=PLACES)]
    dwell_s = 60
    end_s = int(rng.uniform(1500, 2500))
    hotspots = tuple(Hotspot(f"h{i}", i + 1, weights[i], dwell_s) for i in range(PLACES))
    problem = RoutingProblem((travel_s,), (Shift("guard", 0, 0, 0, end_s),), hotspots)
    return problem, exact_optimum(travel_s, dwell_s, weights, end_s)


def test_the_exact_optimum_agrees_with_a_hand_count() -> None:
    """Three places on a line at 100, 200 and 900 s from the start, 10 s dwell, 500 s: the
    first two fit (out 200 + 20 dwell + back 200), the far one does not."""
    at = np.array([0, 100, 200, 900])
    travel_s = np.abs(at[:, None] - at[None, :]).astype(np.int64)
    assert exact_optimum(travel_s, 10, [1.0, 2.0, 50.0], 500) == 3.0
    assert exact_optimum(travel_s, 10, [1.0, 2.0, 50.0], 1900) == 53.0


@pytest.mark.parametrize("seed", range(6))
def test_a_fixed_effort_finds_the_exact_optimum(seed: int) -> None:
    """On each problem the plan replays feasibly and collects the exact optimum's weight."""
    problem, best = _problem(seed)
    solution = solve(problem, params=at_effort(seed=seed))
    assert_feasible(problem, solution)
    assert 0 < best < sum(h.weight for h in problem.hotspots)  # a choice had to be made
    assert solution.covered_weight == pytest.approx(best)
