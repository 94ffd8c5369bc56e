"""The portfolio: PyVRP's routes seed OR-Tools, which keeps the full model."""

from __future__ import annotations

import math

import numpy as np
import pytest

from solver import Hotspot, RoutingProblem, Shift, SolveParams, TimeWindow, Visit, solve
from solver.model import build_routing_model
from solver.portfolio import gapped_routes, initial_assignment
from solver.pyvrp_search import SearchLimit, SearchResult, SearchStop, search_routes
from solver.reach import hotspots_in_reach
from solver.solve import _as_result, _search_parameters, _value

from .replay import assert_feasible


@pytest.fixture(scope="module")
def grid_problem() -> RoutingProblem:
    """Two shifts on a 6 x 6 grid of hotspots (Manhattan seconds), room for about half."""
    xy = np.array([(x, y) for x in range(6) for y in range(6)]) * 60
    matrix = np.abs(xy[:, None, :] - xy[None, :, :]).sum(axis=2).astype(np.int64)
    rng = np.random.default_rng(5)
    hotspots = tuple(Hotspot(f"h{i}", i, float(rng.integers(1, 10)), 60) for i in range(1, len(xy)))
    shifts = (Shift("a", 0, 0, 0, 1800), Shift("b", 0, 35, 0, 1800))
    return RoutingProblem((matrix,), shifts, hotspots)


def test_parallel_portfolio_gives_a_feasible_plan(grid_problem: RoutingProblem) -> None:
    """With two workers (one spawned process) the plan replays feasibly against the matrix
    and the weight it reports is the weight of the hotspots its routes visit.

    Which engine finds more in a given time is a speed question: it is measured in
    ``bench/orienteering.py`` (OR-Tools alone against the portfolio), not here."""
    params = SolveParams(time_limit_s=4.5, seed=1, workers=2, stop_early=False)
    portfolio = solve(grid_problem, params=params)
    assert_feasible(grid_problem, portfolio)
    visited = {s.ref for r in portfolio.routes for s in r.stops if s.kind == "hotspot"}
    assert portfolio.covered_weight == pytest.approx(
        sum(grid_problem.hotspots[h].weight for h in visited)
    )
    assert len(visited) > len(grid_problem.hotspots) // 3


def test_pyvrp_keeps_visits_and_eligibility() -> None:
    """PyVRP serves the mandatory visit with the only shift allowed to, within its window."""
    matrix = (100 * np.abs(np.arange(5)[:, None] - np.arange(5)[None, :])).astype(np.int64)
    problem = RoutingProblem(
        (matrix,),
        (Shift("a", 0, 0, 0, 2000), Shift("b", 4, 4, 0, 2000)),
        (Hotspot("h", 2, 1.0, 0),),
        (Visit("v", 1, 60, TimeWindow(500, 600), shifts=frozenset({1})),),
    )
    limit = SearchLimit(deadline=math.inf, max_iterations=300)
    result = search_routes(problem, limit=limit, seed=0)
    assert result.feasible
    assert [s.kind for s in result.routes[0]].count("visit") == 0
    (visit,) = [s for s in result.routes[1] if s.kind == "visit"]
    assert 500 <= visit.start_s <= 600


def test_repeat_visits_too_close_are_dropped() -> None:
    """Of three visits 0, 300 and 700 s with a 600 s gap, the one at 300 s is dropped."""
    matrix = np.zeros((2, 2), dtype=np.int64)
    problem = RoutingProblem(
        (matrix,),
        (Shift("a", 0, 0, 0, 2000), Shift("b", 0, 0, 0, 2000)),
        (Hotspot("h", 1, 4.0, 60, max_visits=3, min_gap_s=600),),
    )
    result = SearchResult(
        routes=[
            [SearchStop("hotspot", 0, 0), SearchStop("hotspot", 0, 700)],
            [SearchStop("hotspot", 0, 300)],
        ],
        feasible=True,
    )
    assert gapped_routes(problem, result) == [[("hotspot", 0, 1), ("hotspot", 0, 2)], []]
    assert gapped_routes(problem, result, repeats=False) == [[("hotspot", 0, 1)], []]


def test_full_model_refuses_what_breaks_it() -> None:
    """A searched plan that breaks the full model (a visit on a shift not allowed to serve
    it, or a window missed) is not used as the start; the valid one is."""
    matrix = (100 * np.abs(np.arange(3)[:, None] - np.arange(3)[None, :])).astype(np.int64)
    problem = RoutingProblem(
        (matrix,),
        (Shift("a", 0, 0, 0, 2000), Shift("b", 2, 2, 0, 2000)),
        (Hotspot("h", 1, 1.0, 0, windows=(TimeWindow(0, 50),)),),
        (Visit("v", 1, 60, TimeWindow(0, 2000), shifts=frozenset({1})),),
    )
    model = build_routing_model(problem)
    wrong_shift = SearchResult([[SearchStop("visit", 0, 100)], []], feasible=True)
    assert initial_assignment(model, problem, [wrong_shift]) is None
    too_late = SearchResult(
        [[], [SearchStop("visit", 0, 100), SearchStop("hotspot", 0, 160)]], feasible=True
    )
    assert initial_assignment(model, problem, [too_late]) is None
    valid = SearchResult([[], [SearchStop("visit", 0, 100)]], feasible=True)
    assert initial_assignment(model, problem, [valid, too_late, wrong_shift]) is not None
    assert initial_assignment(model, problem, [SearchResult([[], []], feasible=False)]) is None


def test_a_plan_moves_from_a_searched_model_into_a_fresh_one(grid_problem: RoutingProblem) -> None:
    """A model that has searched until its time limit refuses plans read into it
    afterwards (OR-Tools checks them under the spent limit; how often depends on how far
    the search got, so on the machine's load: not asserted here), so the portfolio moves
    plans between models as stops: a fresh model accepts the searched model's plan, with
    the same weight and travel."""
    searched = build_routing_model(grid_problem, seed=0)
    params = _search_parameters(SolveParams(time_limit_s=0.3))
    found = searched.routing.SolveWithParameters(params)
    assert found is not None
    plan = _as_result(searched, grid_problem, found)
    fresh = build_routing_model(grid_problem, seed=0)
    read = initial_assignment(fresh, grid_problem, [plan])
    assert read is not None
    assert _value(fresh, grid_problem, read) == _value(searched, grid_problem, found)


def test_pyvrp_plans_the_few_hotspots_in_reach_among_many_just_out_of_it() -> None:
    """Shifts that barely have the time to cross from start to end, three hotspots on the
    way and 60 valuable ones just out of reach (the shape of TOP p4.4.d, where PyVRP's
    search alone ended on no plan at all): the search covers the three."""
    rng = np.random.default_rng(7)
    near = np.column_stack([rng.uniform(40, 60, 3), rng.uniform(-2, 2, 3)])
    off_the_way = rng.choice([-1, 1], 60) * rng.uniform(8, 30, 60)
    far = np.column_stack([rng.uniform(20, 80, 60), off_the_way])
    points = np.vstack([[[0.0, 0.0], [100.0, 0.0]], near, far])
    deltas = points[:, None, :] - points[None, :, :]
    matrix = np.ceil(1000 * np.hypot(deltas[..., 0], deltas[..., 1])).astype(np.int64)
    problem = RoutingProblem(
        (matrix,),
        tuple(Shift(f"s{k}", 0, 1, 0, 100_500) for k in range(4)),
        tuple(Hotspot(f"h{i}", i, 1.0 if i < 5 else 20.0, 0) for i in range(2, len(points))),
    )
    result = search_routes(problem, limit=SearchLimit(math.inf, max_iterations=500), seed=0)
    assert result.feasible
    covered = {stop.ref for route in result.routes for stop in route}
    assert covered == {0, 1, 2}


def test_a_hotspot_reached_only_by_way_of_another_is_kept() -> None:
    """Where the matrix breaks the triangle inequality, a hotspot whose direct legs do not
    fit the shift may still be reached through another stop: it stays in the search (here
    the plan covers both, travel 100 + 100 + 100)."""
    big = 10_000
    matrix = np.array(
        [[0, 100, big], [big, 0, 100], [100, big, 0]],  # 0 -> 2 and 2 -> ... only by way of 1
        dtype=np.int64,
    )
    matrix[2, 0] = 100
    problem = RoutingProblem(
        (matrix,),
        (Shift("g", 0, 0, 0, 300),),
        (Hotspot("via", 1, 1.0, 0), Hotspot("beyond", 2, 5.0, 0)),
    )
    result = search_routes(problem, limit=SearchLimit(math.inf, max_iterations=200), seed=0)
    assert [(stop.kind, stop.ref) for stop in result.routes[0]] == [("hotspot", 0), ("hotspot", 1)]


def test_reach_goes_by_way_of_other_stops_and_windows() -> None:
    """On the same matrix: 2 is out of reach by its direct legs but in reach through 1
    (out 200 s, back 100 s within 300 s); with a window closing before the quickest
    arrival it is out of reach; and a shift too short for the detour does not reach it."""
    big = 10_000
    matrix = np.array([[0, 100, big], [big, 0, 100], [100, big, 0]], dtype=np.int64)
    beyond = Hotspot("beyond", 2, 5.0, 0)
    closed = Hotspot("closed", 2, 5.0, 0, windows=(TimeWindow(0, 199),))
    problem = RoutingProblem((matrix,), (Shift("g", 0, 0, 0, 300),), (beyond, closed))
    assert hotspots_in_reach(problem) == [True, False]
    short = RoutingProblem((matrix,), (Shift("g", 0, 0, 0, 299),), (beyond,))
    assert hotspots_in_reach(short) == [False]
