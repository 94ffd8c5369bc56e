"""Behaviour of ``solver.solve`` on tiny instances with known optima."""

from __future__ import annotations

import numpy as np
import pytest

from solver import (
    Hotspot,
    InfeasibleError,
    RoutingProblem,
    Shift,
    SolveParams,
    TimeWindow,
    Visit,
    check_solution,
    solve,
)

from .replay import assert_feasible


def test_picks_the_best_weight_that_fits(line_matrix: np.ndarray, quick: SolveParams) -> None:
    """From the middle, one 400 s round trip fits: it takes weight 4 over weight 3."""
    shift = Shift("g", 2, 2, 0, 450)
    hotspots = (Hotspot("west", 0, 3.0, 10), Hotspot("east", 4, 4.0, 10))
    problem = RoutingProblem((line_matrix,), (shift,), hotspots)
    solution = solve(problem, params=quick)
    assert_feasible(problem, solution)
    assert solution.covered_weight == pytest.approx(4.0)
    assert [(item.hotspot, item.reason) for item in solution.left_out] == [(0, "not_enough_time")]


def test_tiny_weight_beats_any_travel(line_matrix: np.ndarray, quick: SolveParams) -> None:
    """Coverage comes before travel: a far hotspot of weight 0.001 is still visited."""
    problem = RoutingProblem(
        (line_matrix,), (Shift("g", 0, 0, 0, 2000),), (Hotspot("far", 5, 0.001, 0),)
    )
    solution = solve(problem, params=quick)
    assert solution.covered_weight == pytest.approx(0.001)
    assert solution.travel_s == 1000


def test_travel_is_minimised_after_coverage(line_matrix: np.ndarray, quick: SolveParams) -> None:
    """All hotspots fit; the route visits them in line order, not zigzagging."""
    hotspots = tuple(Hotspot(f"h{i}", i, 1.0, 0) for i in (3, 1, 4, 2))
    problem = RoutingProblem((line_matrix,), (Shift("g", 0, 0, 0, 5000),), hotspots)
    solution = solve(problem, params=quick)
    assert_feasible(problem, solution)
    assert solution.travel_s == 800


def test_mandatory_visit_kept_over_coverage(line_matrix: np.ndarray, quick: SolveParams) -> None:
    """A visit at 5 is kept though the hotspots at 1-2 are worth more than the trip allows."""
    shift = Shift("hc", 0, 0, 0, 1000 + 300)
    hotspots = (Hotspot("h1", 1, 50.0, 0), Hotspot("h2", 2, 50.0, 0))
    visit = Visit("client", 5, 300, TimeWindow(0, 1300))
    problem = RoutingProblem((line_matrix,), (shift,), hotspots, (visit,))
    solution = solve(problem, params=quick)
    assert_feasible(problem, solution)
    # On the way out and back, the hotspots on the line still fit.
    assert solution.covered_weight == pytest.approx(100.0)
    kinds = [stop.kind for stop in solution.routes[0].stops]
    assert kinds.count("visit") == 1


def test_visit_window_outside_every_shift(line_matrix: np.ndarray, quick: SolveParams) -> None:
    """A visit whose window lies outside the shifts fails with a reason naming it."""
    problem = RoutingProblem(
        (line_matrix,),
        (Shift("hc", 0, 0, 1000, 2000),),
        (),
        (Visit("morning-client", 1, 60, TimeWindow(0, 500)),),
    )
    with pytest.raises(InfeasibleError, match="morning-client") as caught:
        solve(problem, params=quick)
    assert caught.value.reason == "window_outside_shifts"
    assert caught.value.visit == 0


def test_visit_unreachable_in_window(line_matrix: np.ndarray, quick: SolveParams) -> None:
    """A visit 500 s away with a window closing at 100 s cannot be kept."""
    problem = RoutingProblem(
        (line_matrix,),
        (Shift("hc", 0, 0, 0, 2000),),
        (),
        (Visit("v", 5, 60, TimeWindow(0, 100)),),
    )
    with pytest.raises(InfeasibleError) as caught:
        solve(problem, params=quick)
    assert caught.value.reason == "unreachable_in_window"


def test_conflicting_visits_name_one(line_matrix: np.ndarray, quick: SolveParams) -> None:
    """Two visits at opposite ends, both at 600-650 s, cannot share one shift."""
    visits = (
        Visit("a", 5, 60, TimeWindow(600, 650)),
        Visit("b", 0, 60, TimeWindow(600, 650)),
    )
    problem = RoutingProblem((line_matrix,), (Shift("hc", 3, 3, 0, 3000),), (), visits)
    with pytest.raises(InfeasibleError) as caught:
        solve(problem, params=quick)
    assert caught.value.reason == "conflict"
    # The error names the visit it clashes with, and the only shift both need.
    other = {0: "b", 1: "a"}[caught.value.visit]
    assert caught.value.clashes_with == (1 - caught.value.visit,)
    assert f"clashes with {other!r} (only 'hc' may serve it)" in str(caught.value)


def test_visit_served_only_by_allowed_shift(line_matrix: np.ndarray, quick: SolveParams) -> None:
    """A visit restricted to shift 'b' is on b's route even though 'a' is closer."""
    shifts = (Shift("a", 1, 1, 0, 3000), Shift("b", 5, 5, 0, 3000))
    visit = Visit("v", 1, 60, TimeWindow(0, 3000), shifts=frozenset({1}))
    problem = RoutingProblem((line_matrix,), shifts, (), (visit,))
    solution = solve(problem, params=quick)
    assert_feasible(problem, solution)
    assert [s.kind for s in solution.routes[1].stops] == ["start", "visit", "end"]


def test_hotspot_windows_and_unreachable_reason(
    line_matrix: np.ndarray, quick: SolveParams
) -> None:
    """A window after the shift leaves the hotspot out as unreachable; an open one waits."""
    hotspots = (
        Hotspot("late", 1, 5.0, 60, windows=(TimeWindow(5000, 6000),)),
        Hotspot("evening", 2, 1.0, 60, windows=(TimeWindow(900, 1000),)),
    )
    problem = RoutingProblem((line_matrix,), (Shift("g", 0, 0, 0, 2000),), hotspots)
    solution = solve(problem, params=quick)
    assert_feasible(problem, solution)
    assert [(i.hotspot, i.reason) for i in solution.left_out] == [(0, "unreachable_in_window")]
    stop = next(s for s in solution.routes[0].stops if s.kind == "hotspot")
    assert stop.start_s >= 900
    assert stop.wait_s > 0


def test_repeat_visits_are_gapped_and_worth_less(
    line_matrix: np.ndarray, quick: SolveParams
) -> None:
    """Two visits to one hotspot start at least 600 s apart; the second is worth half."""
    hotspot = Hotspot("hot", 1, 4.0, 60, max_visits=2, min_gap_s=600)
    problem = RoutingProblem((line_matrix,), (Shift("g", 0, 0, 0, 2000),), (hotspot,))
    solution = solve(problem, params=quick)
    assert_feasible(problem, solution)
    starts = [s.start_s for s in solution.routes[0].stops if s.kind == "hotspot"]
    assert len(starts) == 2
    assert starts[1] - starts[0] >= 600
    assert solution.covered_weight == pytest.approx(6.0)


def test_separate_start_and_end(line_matrix: np.ndarray, quick: SolveParams) -> None:
    """A shift from 0 to 5 passes the hotspot at 3 and ends at 5 by 500 s."""
    problem = RoutingProblem(
        (line_matrix,), (Shift("g", 0, 5, 0, 500),), (Hotspot("h", 3, 1.0, 0),)
    )
    solution = solve(problem, params=quick)
    assert_feasible(problem, solution)
    assert solution.routes[0].stops[-1].arrival_s == 500


def test_an_empty_shift_still_travels_from_its_start_to_its_end(
    line_matrix: np.ndarray, quick: SolveParams
) -> None:
    """Shift "a" starts and ends at 0, shift "b" goes from 5 to 0 whatever it does, and the
    hotspot at 1 lies on b's way: b takes it (travel 500 in all), not a (200 for a's round
    trip, and b's 500 all the same: 700)."""
    problem = RoutingProblem(
        (line_matrix,),
        (Shift("a", 0, 0, 0, 1000), Shift("b", 5, 0, 0, 1000)),
        (Hotspot("h", 1, 1.0, 0),),
    )
    solution = solve(problem, params=quick)
    assert_feasible(problem, solution)
    hotspots = [[s.ref for s in r.stops if s.kind == "hotspot"] for r in solution.routes]
    assert hotspots == [[], [0]]
    assert solution.travel_s == 500


def test_each_shift_uses_its_own_profile(line_matrix: np.ndarray, quick: SolveParams) -> None:
    """A walker (times 10x) cannot reach the hotspot in time; the driver can."""
    walk = line_matrix * 10
    shifts = (Shift("walker", 0, 0, 0, 1500, profile=1), Shift("driver", 5, 5, 0, 1500))
    problem = RoutingProblem((line_matrix, walk), shifts, (Hotspot("h", 2, 1.0, 0),))
    solution = solve(problem, params=quick)
    assert_feasible(problem, solution)
    assert solution.routes[0].is_empty
    assert not solution.routes[1].is_empty


def test_route_ends_by_shift_end(line_matrix: np.ndarray, quick: SolveParams) -> None:
    """No route returns after its shift end, however much weight is on offer."""
    hotspots = tuple(Hotspot(f"h{i}", i, 10.0, 300) for i in range(1, 6))
    problem = RoutingProblem((line_matrix,), (Shift("g", 0, 0, 0, 1200),), hotspots)
    solution = solve(problem, params=quick)
    assert_feasible(problem, solution)
    assert solution.routes[0].stops[-1].arrival_s <= 1200
    assert check_solution(problem, solution) == []


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Hotspot("h", 0, 0.0, 0), "above 0"),
        (lambda: Shift("s", 0, 0, 10, 5), "ends before"),
        (lambda: TimeWindow(10, 5), "before it starts"),
        (lambda: SolveParams(time_limit_s=0), "above 0"),
        (
            lambda: RoutingProblem((np.zeros((2, 2), dtype=np.int64),), (Shift("s", 0, 3, 0, 1),)),
            "outside",
        ),
    ],
)
def test_domain_objects_check_themselves(make: object, message: str) -> None:
    """Bad domain values fail at construction with one plain sentence."""
    with pytest.raises(ValueError, match=message):
        make()  # type: ignore[operator]
