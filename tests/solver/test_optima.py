"""Tiny instances whose optimum is known: by hand, or by trying every plan (``brute_force``).

The solver searches at a fixed effort (``conftest.at_effort``), so these verdicts hold on
a busy machine as on an idle one.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solver import Hotspot, InfeasibleError, RoutingProblem, Shift, TimeWindow, Visit, solve

from .brute_force import optimum, route_travel
from .conftest import at_effort
from .replay import assert_feasible


def _plan(solution: object) -> list[list[tuple[str, int]]]:
    return [
        [(s.kind, s.ref) for s in route.stops if s.kind in ("hotspot", "visit")]
        for route in solution.routes  # type: ignore[attr-defined]
    ]


def test_the_brute_force_itself_on_a_hand_checked_case(
    line_matrix: npt.NDArray[np.int64],
) -> None:
    """The reference is right where it can be checked by hand: from 0 with 700 s, the
    hotspots at 1 (w 1), 3 (w 2) and 5 (w 4): out to 5 and back is 1000 s, too long; out to 3
    and back is 600 s, so 1 and 3 (weight 3, travel 600) is best."""
    hotspots = (Hotspot("a", 1, 1.0, 0), Hotspot("b", 3, 2.0, 0), Hotspot("c", 5, 4.0, 0))
    problem = RoutingProblem((line_matrix,), (Shift("g", 0, 0, 0, 700),), hotspots)
    assert optimum(problem) == (3.0, 600)
    assert route_travel(problem, 0, (("hotspot", 2),)) is None


def test_a_window_decides_the_order(line_matrix: npt.NDArray[np.int64]) -> None:
    """The far hotspot (5) opens only at 1000 s, the near one (1) closes at 200 s: the only
    plan keeping both goes to 1 first, waits at 5, and comes back (travel 1000)."""
    hotspots = (
        Hotspot("late", 5, 1.0, 0, windows=(TimeWindow(1000, 1200),)),
        Hotspot("early", 1, 1.0, 0, windows=(TimeWindow(0, 200),)),
    )
    problem = RoutingProblem((line_matrix,), (Shift("g", 0, 0, 0, 2000),), hotspots)
    solution = solve(problem, params=at_effort())
    assert_feasible(problem, solution)
    assert _plan(solution) == [[("hotspot", 1), ("hotspot", 0)]]
    assert solution.travel_s == 1000
    stop = next(s for s in solution.routes[0].stops if s.kind == "hotspot" and s.ref == 0)
    assert stop.start_s == 1000  # waited for the window to open


def test_two_shifts_split_the_line_between_them(line_matrix: npt.NDArray[np.int64]) -> None:
    """Guards at 0 and at 5, 250 s each: neither can cover the whole line; the optimum gives
    each the hotspot next to it (1 and 4), weight 2, travel 400."""
    hotspots = (Hotspot("west", 1, 1.0, 0), Hotspot("east", 4, 1.0, 0))
    shifts = (Shift("w", 0, 0, 0, 250), Shift("e", 5, 5, 0, 250))
    problem = RoutingProblem((line_matrix,), shifts, hotspots)
    assert optimum(problem) == (2.0, 400)
    solution = solve(problem, params=at_effort())
    assert_feasible(problem, solution)
    assert _plan(solution) == [[("hotspot", 0)], [("hotspot", 1)]]
    assert solution.travel_s == 400


@st.composite
def tiny_problems(draw: st.DrawFn) -> RoutingProblem:
    """Random asymmetric matrices over 3-7 places, one or two shifts, up to five hotspots
    (some with windows) and up to one mandatory visit: small enough to try every plan."""
    n = draw(st.integers(3, 7))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    matrix = rng.integers(10, 400, size=(n, n)).astype(np.int64)
    np.fill_diagonal(matrix, 0)
    num_shifts = draw(st.integers(1, 2))
    shifts = tuple(
        Shift(f"s{v}", int(rng.integers(n)), int(rng.integers(n)), 0, int(rng.integers(500, 1500)))
        for v in range(num_shifts)
    )
    hotspots = []
    for i in range(draw(st.integers(1, 5 - num_shifts + 1))):
        windows: tuple[TimeWindow, ...] = ()
        if rng.random() < 0.4:
            open_s = int(rng.integers(0, 1000))
            windows = (TimeWindow(open_s, open_s + int(rng.integers(0, 400))),)
        hotspots.append(
            Hotspot(
                f"h{i}",
                int(rng.integers(n)),
                float(rng.integers(1, 6)),
                int(rng.integers(0, 120)),
                windows,
            )
        )
    visits = tuple(
        Visit(f"v{i}", int(rng.integers(n)), int(rng.integers(0, 120)), TimeWindow(0, 1500))
        for i in range(draw(st.integers(0, 1)))
    )
    return RoutingProblem((matrix,), shifts, tuple(hotspots), visits)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
@given(tiny_problems())
def test_tiny_random_problems_are_solved_to_optimality(problem: RoutingProblem) -> None:
    """On every tiny random problem the plan covers the most weight any plan can, and among
    those plans it travels least; where no plan keeps the mandatory visit, the solver says
    so (InfeasibleError) instead of returning a plan."""
    best = optimum(problem)
    if best is None:
        with pytest.raises(InfeasibleError):
            solve(problem, params=at_effort())
        return
    solution = solve(problem, params=at_effort())
    assert_feasible(problem, solution)
    assert solution.covered_weight == pytest.approx(best[0])
    assert solution.travel_s == best[1]
