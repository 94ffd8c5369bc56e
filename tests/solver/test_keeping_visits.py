"""A search that drops a mandatory visit blames the caller only with a proof.

Two visits clash when some shift must serve both and no order fits; otherwise a dropped
visit is the search's failure: the visits are planned alone and the plan rebuilt from
there, or the answer says no plan was found in time (a ``SolverError``, not the caller's
``InfeasibleError``).
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from solver import (
    Hotspot,
    InfeasibleError,
    RoutingProblem,
    Shift,
    SolveParams,
    SolverError,
    TimeWindow,
    Visit,
    solve,
)
from solver.conflicts import can_share_shift, clashing_visits
from solver.pyvrp_search import SearchLimit, search_routes
from solver.reach import QuickestTravel
from solver.solve import _keep_every_visit, _read_routes

from .conftest import at_effort
from .replay import assert_feasible


def _opposite_ends(shifts: tuple[Shift, ...], *, pinned: bool) -> RoutingProblem:
    """Visits at 0 and 5 (500 s apart), both starting within 600-650 s."""
    only = frozenset({0}) if pinned else None
    visits = (
        Visit("a", 5, 60, TimeWindow(600, 650), shifts=only),
        Visit("b", 0, 60, TimeWindow(600, 650), shifts=only),
    )
    matrix = (100 * np.abs(np.arange(6)[:, None] - np.arange(6)[None, :])).astype(np.int64)
    return RoutingProblem((matrix,), shifts, (Hotspot("h", 3, 1.0, 0),), visits)


def test_a_clash_is_proven_pairwise() -> None:
    """Visits pinned to one shift that cannot share it, in either order, clash; with a
    second shift allowed for both, nothing is proven."""
    one = _opposite_ends((Shift("hc", 3, 3, 0, 3000),), pinned=True)
    assert not can_share_shift(QuickestTravel(one), 0, 0, 1)
    assert clashing_visits(one, 0) == {0: 1}
    two = _opposite_ends((Shift("hc", 3, 3, 0, 3000), Shift("g", 3, 3, 0, 3000)), pinned=False)
    assert clashing_visits(two, 0) == {}


def test_a_dropped_visit_without_a_clash_is_planned_again() -> None:
    """Given routes that keep no visit (a starved search), the visits are planned alone
    and the full plan rebuilt, on a model of its own (the searched one may have spent its
    time limit): both visits kept, on different shifts, feasibly."""
    problem = _opposite_ends((Shift("hc", 3, 3, 0, 3000), Shift("g", 3, 3, 0, 3000)), pinned=False)
    params = at_effort()
    model, assignment = _keep_every_visit(problem, params, [], QuickestTravel(problem))
    routes = _read_routes(model, problem, assignment)
    served = sorted(
        (route.shift, stop.ref) for route in routes for stop in route.stops if stop.kind == "visit"
    )
    assert [ref for _, ref in served] == [0, 1]
    assert served[0][0] != served[1][0]


def test_an_unproven_impossibility_is_the_solvers_failure() -> None:
    """Three visits at the same moment at three far places, two shifts that may serve any:
    impossible, but no pair proves it, so the answer is a SolverError (more time cannot
    help here, yet the caller is not blamed without proof), never an InfeasibleError."""
    matrix = (100 * np.abs(np.arange(6)[:, None] - np.arange(6)[None, :])).astype(np.int64)
    visits = tuple(
        Visit(v, loc, 60, TimeWindow(600, 610)) for v, loc in (("a", 0), ("b", 3), ("c", 5))
    )
    shifts = (Shift("x", 0, 0, 0, 3000), Shift("y", 5, 5, 0, 3000))
    problem = RoutingProblem((matrix,), shifts, (), visits)
    with pytest.raises(SolverError, match="none is proven impossible"):
        _keep_every_visit(problem, at_effort(), [], QuickestTravel(problem))


def _shortcut_matrix() -> np.ndarray:
    """Places 0-3 where the direct legs between 0, 1 and 2 take 1,000 s but going by way of
    place 3 takes 2 x 50 s: a matrix without the triangle inequality, as a caller's own
    matrix may be."""
    matrix = np.full((4, 4), 1000, dtype=np.int64)
    matrix[3, :] = matrix[:, 3] = 50
    np.fill_diagonal(matrix, 0)
    return matrix


@pytest.mark.parametrize("sequence", [(), (0,)], ids=["free", "in a fixed sequence"])
def test_a_visit_reached_only_by_way_of_another_place_is_kept(sequence: tuple[int, ...]) -> None:
    """A visit whose direct legs from and to the shift's base are too long, but which the
    shift reaches and leaves in time by way of two hotspots at place 3, is kept between
    them: it is not refused as out of reach, nor (in the shift's fixed sequence) as a
    sequence that cannot be kept."""
    problem = RoutingProblem(
        (_shortcut_matrix(),),
        (Shift("g", 0, 0, 0, 600, sequence=sequence),),
        (Hotspot("h1", 3, 1.0, 0), Hotspot("h2", 3, 1.0, 0)),
        (Visit("v", 1, 60, TimeWindow(0, 300)),),
    )
    solution = solve(problem, params=at_effort())
    kinds = [stop.kind for stop in solution.routes[0].stops]
    assert kinds == ["start", "hotspot", "visit", "hotspot", "end"]
    assert_feasible(problem, solution)


def test_two_visits_joined_by_a_shortcut_are_no_clash() -> None:
    """Two visits pinned to one shift, 1,000 s apart by their direct leg but 100 s by way
    of another place: nothing proves they clash, and the plan keeps both."""
    visits = (
        Visit("a", 1, 60, TimeWindow(100, 200), shifts=frozenset({0})),
        Visit("b", 2, 60, TimeWindow(300, 400), shifts=frozenset({0})),
    )
    problem = RoutingProblem(
        (_shortcut_matrix(),), (Shift("g", 3, 3, 0, 1000),), (Hotspot("h", 3, 1.0, 0),), visits
    )
    assert can_share_shift(QuickestTravel(problem), 0, 0, 1)
    assert clashing_visits(problem, 0) == {}
    solution = solve(problem, params=at_effort())
    assert {stop.ref for stop in solution.routes[0].stops if stop.kind == "visit"} == {0, 1}
    assert_feasible(problem, solution)


def test_a_small_plan_converges_long_before_its_limit(line_matrix: np.ndarray) -> None:
    """The time limit is a maximum: on a three-hotspot plan the PyVRP search ends because
    it has converged (stalled on its best plan), with an hour still left on its clock and
    every hotspot covered. Judged by why and after how many iterations it stopped, never
    by the clock."""
    hotspots = tuple(Hotspot(f"h{i}", i, 1.0, 0) for i in (1, 3, 5))
    problem = RoutingProblem((line_matrix,), (Shift("g", 0, 0, 0, 5000),), hotspots)
    params = SolveParams()
    limit = SearchLimit(
        deadline=time.time() + 3600,
        stall_iterations=params.stall_iterations,
        stall_ratio=params.stall_ratio,
    )
    result = search_routes(problem, limit=limit, seed=0)
    assert result.converged
    assert result.iterations < 10 * params.stall_iterations
    assert sorted(s.ref for route in result.routes for s in route) == [0, 1, 2]


def test_infeasible_error_keeps_its_fields() -> None:
    """``InfeasibleError`` carries the visit, the reason code and what it clashes with."""
    error = InfeasibleError(2, "conflict", "text", clashes_with=(0,))
    assert (error.visit, error.reason, error.clashes_with, str(error)) == (
        2,
        "conflict",
        (0,),
        "text",
    )
