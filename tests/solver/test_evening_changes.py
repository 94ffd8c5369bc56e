"""The solver's answers to a changing evening: fixed home-care sequences kept in order,
variation from last night's routes, workload balance, and a warm start from a plan."""

from __future__ import annotations

import pickle

import numpy as np
import numpy.typing as npt
import pytest

from solver import Hotspot, RoutingProblem, Shift, TimeWindow, Visit, solve

from .conftest import at_effort
from .replay import assert_feasible


def _order(solution: object, shift: int) -> list[tuple[str, int]]:
    return [
        (s.kind, s.ref)
        for s in solution.routes[shift].stops  # type: ignore[attr-defined]
        if s.kind in ("hotspot", "visit")
    ]


def test_a_fixed_sequence_is_kept_in_its_order(line_matrix: npt.NDArray[np.int64]) -> None:
    """Visits sequenced 5 then 1 are served in that order although 1 then 5 is shorter,
    and a hotspot is fitted into the slack between them."""
    visits = (
        Visit("far", 5, 60, TimeWindow(0, 3000)),
        Visit("near", 1, 60, TimeWindow(0, 3000)),
    )
    shift = Shift("care", 0, 0, 0, 3000, sequence=(0, 1))
    problem = RoutingProblem((line_matrix,), (shift,), (Hotspot("h", 3, 1.0, 30),), visits)
    solution = solve(problem, params=at_effort())
    assert_feasible(problem, solution)
    served = [ref for kind, ref in _order(solution, 0) if kind == "visit"]
    assert served == [0, 1]
    assert solution.covered_weight == pytest.approx(1.0)


def test_a_sequenced_visit_stays_with_its_shift_in_a_search_worker() -> None:
    """A problem goes to each search worker pickled: there, as here, only the shift that
    sequences a visit may serve it (the copy's visits are new objects)."""
    matrix = np.zeros((2, 2), dtype=np.int64)
    visits = (Visit("v", 1, 0, TimeWindow(0, 10)), Visit("w", 1, 0, TimeWindow(0, 10)))
    shifts = (Shift("a", 0, 0, 0, 9, sequence=(0,)), Shift("b", 0, 0, 0, 9))
    problem = RoutingProblem((matrix,), shifts, (), visits)
    copy = pickle.loads(pickle.dumps(problem))
    assert [copy.eligible_shifts(v) for v in copy.visits] == [[0], [0, 1]]


def test_a_sequence_that_cannot_be_kept_is_refused() -> None:
    """Sequencing a visit on another shift than the one it is reserved for is a ValueError
    naming the visit."""
    matrix = np.zeros((2, 2), dtype=np.int64)
    visit = Visit("v", 1, 0, TimeWindow(0, 10), shifts=frozenset({1}))
    with pytest.raises(ValueError, match="'v'"):
        RoutingProblem(
            (matrix,), (Shift("a", 0, 0, 0, 9, sequence=(0,)), Shift("b", 0, 0, 0, 9)), (), (visit,)
        )


def test_last_nights_hotspot_gives_way_with_vary_weight(
    line_matrix: npt.NDArray[np.int64],
) -> None:
    """Time for one of two equal hotspots: the nearer one wins, unless the staff member
    visited it last night and a repeat costs coverage: then the other one."""
    hotspots = (Hotspot("near", 1, 1.0, 0), Hotspot("far", 4, 1.0, 0))
    shift = Shift("g", 2, 2, 0, 450)
    plain = RoutingProblem((line_matrix,), (shift,), hotspots)
    assert _order(solve(plain, params=at_effort()), 0) == [("hotspot", 0)]
    varied = RoutingProblem((line_matrix,), (shift,), hotspots, familiar=(frozenset({0}),))
    params = at_effort(vary_weight=0.5)
    solution = solve(varied, params=params)
    assert_feasible(varied, solution)
    assert _order(solution, 0) == [("hotspot", 1)]
    # The weight reported is the coverage earned, not lowered by the variation cost.
    assert solution.covered_weight == pytest.approx(1.0)


def _busy_s(solution: object, shift: int) -> int:
    route = solution.routes[shift]  # type: ignore[attr-defined]
    stops = route.stops
    return int(route.travel_s + sum(s.departure_s - s.start_s for s in stops))


def test_balance_spreads_the_work_between_staff() -> None:
    """Six hotspots beside guard A's start and one guard B must drive to: unbalanced, A does
    all six; with balance the longest busy time drops, and coverage stays full."""
    xy = np.array([0, 1, 2, 3, 4, 5, 6, 30])
    matrix = (20 * np.abs(xy[:, None] - xy[None, :])).astype(np.int64)
    hotspots = tuple(Hotspot(f"h{i}", i, 1.0, 300) for i in range(1, 7))
    shifts = (Shift("a", 0, 0, 0, 4000), Shift("b", 7, 7, 0, 4000))
    problem = RoutingProblem((matrix,), shifts, hotspots)
    plain = solve(problem, params=at_effort(engine="ortools"))
    balanced = solve(problem, params=at_effort(engine="ortools", balance_weight_per_hour=0.5))
    assert_feasible(problem, balanced)
    assert balanced.covered_weight == pytest.approx(plain.covered_weight)
    longest = max(_busy_s(plain, 0), _busy_s(plain, 1))
    assert max(_busy_s(balanced, 0), _busy_s(balanced, 1)) < longest


def test_a_warm_start_is_used_and_a_broken_one_ignored(
    line_matrix: npt.NDArray[np.int64],
) -> None:
    """A hint holding the best plan is kept (full coverage at once); a hint that breaks a
    window is dropped and the search plans as without it."""
    hotspots = (Hotspot("a", 1, 1.0, 0), Hotspot("b", 4, 1.0, 0, windows=(TimeWindow(0, 450),)))
    problem = RoutingProblem((line_matrix,), (Shift("g", 0, 0, 0, 1000),), hotspots)
    params = at_effort(engine="ortools")
    good = solve(problem, params=params, hint=[[("hotspot", 0, 100), ("hotspot", 1, 400)]])
    assert good.covered_weight == pytest.approx(2.0)
    broken = solve(problem, params=params, hint=[[("hotspot", 1, 900), ("hotspot", 0, 1200)]])
    assert_feasible(problem, broken)
    assert broken.covered_weight == pytest.approx(2.0)
