"""Rules every plan keeps, on hand-made and random problems: mandatory visits are always
kept, and no route ends after the latest end (22:00 for the product's evenings).

Feasibility is recomputed from the matrix by ``replay.assert_feasible``, apart from the
solver's own check; the solver searches at a fixed effort.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solver import (
    Hotspot,
    RoutingProblem,
    Shift,
    ShiftError,
    Solution,
    TimeWindow,
    Visit,
    solve,
)

from .conftest import at_effort
from .replay import assert_feasible

EVENING_START_S = 0
"""17:00, the plan origin in these tests."""

LATEST_END_S = 5 * 3600
"""22:00: the product caps every shift's end there (``latest_end``)."""


def _last_moment(solution: Solution) -> int:
    """When the last route gets back to its end."""
    return max(route.stops[-1].arrival_s for route in solution.routes)


def test_a_rich_hotspot_after_22_is_left_out() -> None:
    """A hotspot worth 100 opens at 21:55 ten minutes away with a ten-minute dwell: serving
    it would end the route after 22:00, so it is left out (as unreachable in its window)
    while a hotspot worth 1 is covered; the route is back by 22:00."""
    matrix = np.array([[0, 600, 60], [600, 0, 600], [60, 600, 0]], dtype=np.int64)
    late = Hotspot("late", 1, 100.0, 600, windows=(TimeWindow(LATEST_END_S - 300, 6 * 3600),))
    near = Hotspot("near", 2, 1.0, 600)
    problem = RoutingProblem(
        (matrix,), (Shift("g", 0, 0, EVENING_START_S, LATEST_END_S),), (late, near)
    )
    solution = solve(problem, params=at_effort())
    assert_feasible(problem, solution)
    assert solution.covered_weight == pytest.approx(1.0)
    assert [(item.hotspot, item.reason) for item in solution.left_out] == [
        (0, "unreachable_in_window")
    ]
    assert _last_moment(solution) <= LATEST_END_S


def test_a_shift_that_cannot_reach_its_end_in_time_is_named() -> None:
    """A shift of 20 min from a start to an end 30 min apart: no route fits, not even an
    empty one, so the solver names the shift at once (more time would not help), even
    when another shift could be planned."""
    matrix = np.array([[0, 1800, 60], [1800, 0, 60], [60, 60, 0]], dtype=np.int64)
    shifts = (
        Shift("fine", 2, 2, EVENING_START_S, LATEST_END_S),
        Shift("apart", 0, 1, LATEST_END_S - 1200, LATEST_END_S),
    )
    problem = RoutingProblem((matrix,), shifts, (Hotspot("h", 2, 1.0, 60),))
    with pytest.raises(ShiftError) as raised:
        solve(problem, params=at_effort())
    assert (raised.value.shift, raised.value.reason) == (1, "end_unreachable")
    assert (raised.value.travel_s, raised.value.length_s) == (1800, 1200)
    assert "'apart'" in str(raised.value)
    assert "30 min" in str(raised.value)


@st.composite
def evenings(draw: st.DrawFn) -> RoutingProblem:
    """Random evenings 17:00-22:00: 1-3 shifts, 4-12 places on random (asymmetric) drive
    times, hotspots with long dwells and windows running past 22:00, and mandatory visits
    that each fit in an empty shift (wide windows, short service), so every one of them
    can always be kept."""
    n = draw(st.integers(4, 12))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    matrix = rng.integers(60, 900, size=(n, n)).astype(np.int64)
    np.fill_diagonal(matrix, 0)
    num_shifts = draw(st.integers(1, 3))
    shifts = tuple(
        Shift(
            f"s{v}",
            int(rng.integers(n)),
            int(rng.integers(n)),
            int(rng.integers(0, 3600)),
            LATEST_END_S,
        )
        for v in range(num_shifts)
    )
    hotspots = tuple(
        Hotspot(
            f"h{i}",
            int(rng.integers(n)),
            float(rng.integers(1, 100)),
            int(rng.integers(300, 2400)),
            windows=(TimeWindow(int(rng.integers(0, LATEST_END_S)), 7 * 3600),),
        )
        for i in range(draw(st.integers(0, 10)))
    )
    # Few, short visits with windows over the whole evening: with at most 3 per shift and
    # every leg under 15 min, each shift can serve all of them in any order.
    visits = tuple(
        Visit(f"v{i}", int(rng.integers(n)), int(rng.integers(0, 900)), TimeWindow(3600, 4 * 3600))
        for i in range(draw(st.integers(0, 3)))
    )
    return RoutingProblem((matrix,), shifts, hotspots, visits)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
@given(evenings())
def test_visits_are_kept_and_routes_end_by_22(problem: RoutingProblem) -> None:
    """Whatever the hotspots are worth, every mandatory visit is served exactly once by a
    shift allowed to, every route is back by 22:00 with windows and dwells kept (replayed
    from the matrix), and a plan with a visit or a reachable hotspot is never empty."""
    solution = solve(problem, params=at_effort(max_iterations=300))
    assert_feasible(problem, solution)
    served = sorted(s.ref for r in solution.routes for s in r.stops if s.kind == "visit")
    assert served == list(range(len(problem.visits)))
    assert _last_moment(solution) <= LATEST_END_S
    reachable = [
        h
        for h in range(len(problem.hotspots))
        if h not in {i.hotspot for i in solution.left_out if i.reason == "unreachable_in_window"}
    ]
    if problem.visits or reachable:
        assert any(len(r.stops) > 2 for r in solution.routes)
