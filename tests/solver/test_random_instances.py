"""Property: on random small instances every plan is feasible and keeps every visit."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solver import Hotspot, InfeasibleError, RoutingProblem, Shift, TimeWindow, Visit
from solver import solve as solve_problem

from .conftest import at_effort
from .replay import assert_feasible


@st.composite
def problems(draw: st.DrawFn) -> RoutingProblem:
    """Random points in a square (Euclidean seconds), 1-3 shifts, hotspots and visits."""
    n = draw(st.integers(4, 14))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 600, size=(n, 2))
    matrix = np.ceil(np.linalg.norm(xy[:, None] - xy[None], axis=2)).astype(np.int64)
    num_shifts = draw(st.integers(1, 3))
    shifts = tuple(
        Shift(f"s{i}", int(rng.integers(n)), int(rng.integers(n)), 0, int(rng.integers(900, 3000)))
        for i in range(num_shifts)
    )
    hotspots = []
    for i in range(draw(st.integers(0, n))):
        windows: tuple[TimeWindow, ...] = ()
        if rng.random() < 0.4:
            open_s = int(rng.integers(0, 2000))
            windows = (TimeWindow(open_s, open_s + int(rng.integers(0, 900))),)
        hotspots.append(
            Hotspot(
                f"h{i}",
                int(rng.integers(n)),
                float(rng.integers(1, 10)),
                int(rng.integers(0, 300)),
                windows,
                max_visits=int(rng.integers(1, 3)),
                min_gap_s=int(rng.integers(0, 600)),
            )
        )
    visits = tuple(
        Visit(
            f"v{i}",
            int(rng.integers(n)),
            int(rng.integers(0, 300)),
            TimeWindow(0, 3000),
            frozenset({int(rng.integers(num_shifts))}) if rng.random() < 0.5 else None,
        )
        for i in range(draw(st.integers(0, 2)))
    )
    return RoutingProblem((matrix,), shifts, tuple(hotspots), visits)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
@given(problems())
def test_random_plans_are_feasible(problem: RoutingProblem) -> None:
    """Replayed from the matrix, every route keeps windows, dwell, gaps and shift ends."""
    failure = None
    try:
        solution = solve_problem(problem, params=at_effort(max_iterations=200))
    except InfeasibleError as exc:
        failure = exc.reason
    if failure is not None:
        # Only a visit that cannot be served (alone or beside the others) may fail the plan.
        assert failure in {"unreachable_in_window", "conflict"}
        return
    assert_feasible(problem, solution)
