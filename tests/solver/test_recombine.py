"""Recombining routes: the searches' pooled routes and the plans packed from them."""

from __future__ import annotations

import itertools
import math
import multiprocessing
import pickle
from typing import TYPE_CHECKING

import numpy as np
import pytest

from solver import Hotspot, RoutingProblem, Shift, TimeWindow, Visit
from solver.portfolio import SharedBoard, pack_results
from solver.pyvrp_search import SearchLimit, SearchResult, SearchStop, search_routes
from solver.recombine import PackableRoute, best_packing
from solver.route_pool import (
    EXCHANGE_EVERY_ITERATIONS,
    HARDER_KICK_EVERY,
    HARDER_PERTURBATIONS,
    HISTORY_LENGTH,
    KICK_HARDER_AFTER_ITERATIONS,
    PACK_AFTER_ITERATIONS,
    PooledRoute,
    SharedRoute,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

SPAWN = multiprocessing.get_context("spawn")


def _hotspot(h: int) -> SearchStop:
    return SearchStop("hotspot", h, 0)


def _line_problem(visits: tuple[Visit, ...] = ()) -> RoutingProblem:
    """Two interchangeable shifts from place 0; four hotspots at places 1-4 on a line."""
    matrix = (100 * np.abs(np.arange(6)[:, None] - np.arange(6)[None, :])).astype(np.int64)
    shifts = (Shift("a", 0, 0, 0, 3600), Shift("b", 0, 0, 0, 3600))
    hotspots = tuple(Hotspot(f"h{h}", h + 1, 1.0, 0) for h in range(4))
    return RoutingProblem((matrix,), shifts, hotspots, visits)


def _route(*stops: SearchStop, prize: int, distance: int) -> PooledRoute:
    return PooledRoute(shifts=(0, 1), stops=stops, prize=prize, distance=distance)


def _plan(routes: Sequence[Sequence[SearchStop]]) -> set[tuple[tuple[str, int], ...]]:
    """A plan's non-empty routes as (kind, ref) sequences, whichever shift drives them."""
    return {tuple((s.kind, s.ref) for s in route) for route in routes if route}


def _result(pool: tuple[PooledRoute, ...], *routes: PooledRoute) -> SearchResult:
    plan = [list(r.stops) for r in routes] + [[] for _ in range(2 - len(routes))]
    cost = sum(r.distance - r.prize for r in routes)
    return SearchResult(plan, feasible=True, cost=cost, pool=pool)


def test_routes_of_two_searches_pack_into_a_plan_better_than_either() -> None:
    """Search A's first route and search B's second together cover all four hotspots, where
    each search alone covers three: the packed plan takes one route of each."""
    a1 = _route(_hotspot(0), _hotspot(1), prize=2000, distance=400)
    a2 = _route(_hotspot(2), prize=1000, distance=600)
    b1 = _route(_hotspot(0), prize=1000, distance=200)
    b2 = _route(_hotspot(2), _hotspot(3), prize=2000, distance=800)
    a = _result((a1, a2), a1, a2)
    b = _result((b1, b2), b1, b2)

    packed = pack_results(_line_problem(), [a, b], time_limit_s=math.inf)

    assert packed is not None
    assert _plan(packed.routes) == _plan([a1.stops, b2.stops])
    assert packed.cost == (400 - 2000) + (800 - 2000)
    covered = [s.ref for route in packed.routes for s in route]
    assert sorted(covered) == [0, 1, 2, 3]  # each hotspot once


def test_no_plan_when_packing_is_no_better() -> None:
    """A pool holding only the best plan's own routes packs into nothing new."""
    r1 = _route(_hotspot(0), _hotspot(1), prize=2000, distance=400)
    r2 = _route(_hotspot(2), prize=1000, distance=600)
    assert pack_results(_line_problem(), [_result((r1, r2), r1, r2)], time_limit_s=10) is None


def test_a_mandatory_visit_is_kept_even_where_hotspots_pay_more() -> None:
    """The richest packing drops the route with the mandatory visit; the packed plan keeps
    it, and packs the rest around it."""
    problem = _line_problem((Visit("v", 5, 60, TimeWindow(0, 3600)),))
    visit = SearchStop("visit", 0, 500)
    with_visit = _route(visit, prize=0, distance=1000)
    rich = _route(_hotspot(0), _hotspot(1), prize=2000, distance=400)
    richer = _route(_hotspot(2), _hotspot(3), prize=2000, distance=800)
    visit_and_one = _route(_hotspot(3), visit, prize=1000, distance=1000)
    pool = (with_visit, rich, richer, visit_and_one)
    best = _result(pool, with_visit, rich)

    packed = pack_results(problem, [best], time_limit_s=math.inf)

    assert packed is not None
    assert _plan(packed.routes) == _plan([rich.stops, visit_and_one.stops])


def test_no_plan_when_no_pooled_route_serves_a_mandatory_visit() -> None:
    problem = _line_problem((Visit("v", 5, 60, TimeWindow(0, 3600)),))
    r1 = _route(_hotspot(0), prize=1000, distance=200)
    infeasible_best = SearchResult([[], []], feasible=True, cost=0, pool=(r1,))
    assert pack_results(problem, [infeasible_best], time_limit_s=math.inf) is None


def test_routes_of_one_kind_go_to_the_shifts_of_that_kind() -> None:
    """Two routes only shift 1 may drive cannot both be packed; the plan puts one there."""
    only_b = [
        PooledRoute((1,), (_hotspot(0),), prize=1000, distance=200),
        PooledRoute((1,), (_hotspot(1),), prize=1000, distance=400),
    ]
    a_route = PooledRoute((0,), (_hotspot(2),), prize=1000, distance=600)
    worse = SearchResult([[], list(only_b[0].stops)], True, cost=-800, pool=(*only_b, a_route))

    packed = pack_results(_line_problem(), [worse], time_limit_s=math.inf)

    assert packed is not None
    assert packed.routes[0] == list(a_route.stops)
    assert packed.routes[1] in (list(only_b[0].stops), list(only_b[1].stops))


def _replayed(problem: RoutingProblem, route: PooledRoute) -> tuple[int, bool]:
    """(distance, feasible) of a pooled route, recomputed from the matrix for each shift
    that may drive it: travel, wait for the window, dwell, back by the shift's end."""
    feasible = True
    distance = 0
    for v in route.shifts:
        shift = problem.shifts[v]
        at, clock_s, distance = shift.start_location, shift.start_s, 0
        for stop in route.stops:
            hotspot = problem.hotspots[stop.ref]
            leg = int(problem.travel_s[0][at, hotspot.location])
            distance += leg
            clock_s += leg
            window = hotspot.windows[0] if hotspot.windows else TimeWindow(0, shift.end_s)
            clock_s = max(clock_s, window.start_s)
            feasible &= clock_s <= window.end_s
            clock_s += hotspot.dwell_s
            at = hotspot.location
        leg = int(problem.travel_s[0][at, shift.end_location])
        distance += leg
        feasible &= clock_s + leg <= shift.end_s
    return distance, feasible


@pytest.mark.parametrize("seed", [0, 1])
def test_every_pooled_route_is_feasible_and_the_best_plan_is_pooled(seed: int) -> None:
    """A search's pool holds only routes that replay feasibly against the matrix, with the
    distance it says, no hotspot twice; the routes of its best plan are among them."""
    rng = np.random.default_rng(seed)
    xy = rng.integers(0, 1000, size=(41, 2))
    matrix = np.rint(np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1)))
    problem = RoutingProblem(
        (matrix.astype(np.int64),),
        (Shift("a", 0, 0, 0, 2500), Shift("b", 0, 0, 0, 2500)),
        tuple(
            Hotspot(
                f"h{i}",
                i,
                float(rng.integers(1, 10)),
                30,
                windows=(TimeWindow(int(lo), int(lo) + 900),),
            )
            for i, lo in zip(range(1, 41), rng.integers(0, 1600, size=40), strict=True)
        ),
    )

    result = search_routes(problem, limit=SearchLimit(math.inf, max_iterations=400), seed=seed)

    assert result.feasible
    assert len(result.pool) > 2
    for route in result.pool:
        refs = [s.ref for s in route.stops]
        assert len(refs) == len(set(refs))
        assert route.shifts == (0, 1)
        assert _replayed(problem, route) == (route.distance, True)
    pooled = {frozenset(s.ref for s in r.stops) for r in result.pool}
    for stops in result.routes:
        if stops:
            assert frozenset(s.ref for s in stops) in pooled
    # The pool holds routes of several plans, not only the best one's.
    assert len(pooled) > sum(1 for stops in result.routes if stops)
    assert not any(a == b for a, b in itertools.combinations(result.pool, 2))


def test_a_search_result_comes_back_from_a_worker_process_as_it_was() -> None:
    """A worker's result crosses to the parent pickled, its pool in a compact form of its
    own (``PooledRoute.__reduce__``): the visits, hotspots and start times come back as
    they were."""
    problem = _line_problem((Visit("v", 5, 60, TimeWindow(900, 1200)),))
    result = search_routes(problem, limit=SearchLimit(math.inf, max_iterations=200), seed=0)
    assert any(stop.kind == "visit" for route in result.pool for stop in route.stops)

    back = pickle.loads(pickle.dumps(result))

    assert back == result
    for route, route_back in zip(result.pool, back.pool, strict=True):
        assert [type(s) for s in route_back.stops] == [SearchStop] * len(route.stops)
        assert [(s.kind, s.ref, s.start_s) for s in route_back.stops] == [
            (s.kind, s.ref, s.start_s) for s in route.stops
        ]


def test_the_cheapest_packing_serves_each_place_once_within_each_kinds_capacity() -> None:
    """Checked against every subset of a small pool (brute force)."""
    rng = np.random.default_rng(3)
    routes = [
        PackableRoute(
            int(rng.integers(0, 2)),
            frozenset(int(p) for p in rng.choice(8, size=int(rng.integers(1, 4)), replace=False)),
            int(rng.integers(-900, 100)),
        )
        for _ in range(14)
    ]
    capacity = {0: 2, 1: 1}
    required = {7}

    def allowed(subset: tuple[int, ...]) -> bool:
        places = [p for i in subset for p in routes[i].places]
        kinds = [routes[i].kind for i in subset]
        return (
            len(places) == len(set(places))
            and all(kinds.count(k) <= n for k, n in capacity.items())
            and required <= set(places)
        )

    feasible = [
        subset
        for size in range(len(routes) + 1)
        for subset in itertools.combinations(range(len(routes)), size)
        if allowed(subset)
    ]
    assert feasible  # the random pool leaves something to pack
    optimum = min(sum(routes[i].cost for i in subset) for subset in feasible)

    found = best_packing(routes, capacity=capacity, required=required)

    assert found is not None
    picked, cost = found
    assert allowed(tuple(picked))
    assert cost == sum(routes[i].cost for i in picked) == optimum


def _clustered_problem(seed: int) -> RoutingProblem:
    """Three shifts, 60 hotspots in four clusters, room for about half of them."""
    rng = np.random.default_rng(seed)
    centres = rng.integers(0, 2000, size=(4, 2))
    xy = np.vstack(
        [[1000, 1000], centres[rng.integers(0, 4, size=60)] + rng.normal(0, 150, (60, 2))]
    )
    matrix = np.rint(np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1)))
    return RoutingProblem(
        (matrix.astype(np.int64),),
        tuple(Shift(name, 0, 0, 0, 3000) for name in "abc"),
        tuple(Hotspot(f"h{i}", i, float(rng.integers(1, 10)), 20) for i in range(1, 61)),
    )


def test_a_search_goes_on_from_a_packed_plan_and_its_plan_stays_feasible() -> None:
    """At a fixed effort, both searches of this problem pack a better plan from their pools
    and go on from it: their results replay feasibly, each hotspot at most once."""
    problem = _clustered_problem(2)
    limit = SearchLimit(math.inf, max_iterations=4000)
    results = [search_routes(problem, limit=limit, seed=seed) for seed in range(2)]

    assert all(result.packings for result in results)
    for result in results:
        assert result.feasible
        refs = [s.ref for route in result.routes for s in route]
        assert len(refs) == len(set(refs))
        for v, stops in enumerate(result.routes):
            route = PooledRoute((v,), tuple(stops), prize=0, distance=0)
            assert _replayed(problem, route)[1]


def test_the_search_accepts_late_by_the_longer_history(monkeypatch: pytest.MonkeyPatch) -> None:
    """PyVRP's iterated local search runs with the solver's late-acceptance history
    (``route_pool.HISTORY_LENGTH``), longer than PyVRP's own default."""
    import pyvrp

    lengths: list[int] = []

    class Recording(pyvrp.IteratedLocalSearch):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)  # type: ignore[arg-type]
            lengths.append(self.params.history_length)

    monkeypatch.setattr(pyvrp, "IteratedLocalSearch", Recording)
    limit = SearchLimit(deadline=math.inf, max_iterations=50)
    result = search_routes(_line_problem(), limit=limit, seed=0)
    assert lengths == [HISTORY_LENGTH]
    assert pyvrp.IteratedLocalSearchParams().history_length < HISTORY_LENGTH
    assert result.feasible


def test_a_search_stalled_for_a_whole_history_kicks_harder(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A search with no better plan for ``KICK_HARDER_AFTER_ITERATIONS`` iterations takes
    every ``HARDER_KICK_EVERY``-th candidate from a perturbation of up to
    ``HARDER_PERTURBATIONS`` moves (more than PyVRP's own), the others from PyVRP's own, and
    its plan stays the best and feasible; before that, none."""
    import pyvrp.search

    made = pyvrp.search.PerturbationManager
    most_moves: list[int] = []

    def recording(params: pyvrp.search.PerturbationParams) -> object:
        most_moves.append(params.max_perturbations)
        return made(params)

    monkeypatch.setattr(pyvrp.search, "PerturbationManager", recording)
    problem = _line_problem()  # its best plan (every hotspot) is found at once
    extra = 200
    limit = SearchLimit(deadline=math.inf, max_iterations=KICK_HARDER_AFTER_ITERATIONS + extra)
    stalled = search_routes(problem, limit=limit, seed=0)
    early = SearchLimit(deadline=math.inf, max_iterations=KICK_HARDER_AFTER_ITERATIONS - 1)
    not_yet = search_routes(problem, limit=early, seed=0)

    assert sorted(set(most_moves)) == [
        pyvrp.search.PerturbationParams().max_perturbations,
        HARDER_PERTURBATIONS,
    ]
    assert pyvrp.search.PerturbationParams().max_perturbations < HARDER_PERTURBATIONS
    assert HARDER_KICK_EVERY > 1
    harder_due = extra // HARDER_KICK_EVERY
    assert harder_due - 25 <= stalled.harder_kicks <= harder_due + 1
    assert not_yet.harder_kicks == 0
    for result in (stalled, not_yet):
        assert result.feasible
        assert sorted(s.ref for route in result.routes for s in route) == [0, 1, 2, 3]


class _Inboxes:
    """A board for searches run one after another in this process: the routes one search
    hands on wait in the others' inboxes (``SharedBoard`` does this across processes)."""

    def __init__(self, seats: int) -> None:
        self.inboxes: list[list[SharedRoute]] = [[] for _ in range(seats)]
        self.handed = [0] * seats

    def post(self, seat: int, best_cost: float, *, stalled: bool) -> None:
        """Progress is not followed here."""

    def agreed(self) -> bool:
        return False

    def settled(self, *, besides: int) -> bool:
        return False

    def share(self, seat: int, routes: list[SharedRoute]) -> None:
        self.handed[seat] += len(routes)
        for other, inbox in enumerate(self.inboxes):
            if other != seat:
                inbox.extend(routes)

    def shared(self, seat: int) -> list[SharedRoute]:
        routes, self.inboxes[seat] = self.inboxes[seat], []
        return routes


def test_a_search_behind_goes_on_from_the_routes_of_the_one_ahead() -> None:
    """At a fixed effort seed 1 finds a better plan than seed 2 on this problem. With their
    routes handed between them, seed 2 packs a plan from seed 1's routes and its own that
    is at least as good as seed 1's, where alone it ends behind; seed 1, which searched
    first and found nothing in its inbox, ends where it did alone."""
    problem = _clustered_problem(0)
    limit = SearchLimit(math.inf, max_iterations=3000)
    ahead_alone = search_routes(problem, limit=limit, seed=1)
    behind_alone = search_routes(problem, limit=limit, seed=2)
    assert ahead_alone.cost is not None
    assert behind_alone.cost is not None
    assert ahead_alone.cost < behind_alone.cost

    board = _Inboxes(2)
    first = search_routes(problem, limit=limit, seed=1, board=board, seat=1)
    behind = search_routes(problem, limit=limit, seed=2, board=board, seat=0)

    assert board.handed[1] > 0
    assert first.cost == ahead_alone.cost
    assert behind.cost is not None
    assert behind.cost <= ahead_alone.cost < behind_alone.cost
    assert behind.feasible
    refs = [s.ref for route in behind.routes for s in route]
    assert len(refs) == len(set(refs))


def test_a_search_that_has_not_packed_yet_hands_its_routes_on() -> None:
    """Routes go to the other searches every ``EXCHANGE_EVERY_ITERATIONS``, not only when a
    search packs: in fewer iterations than a packing waits for, a search has handed on
    routes of its pool, and the other has them to pack."""
    problem = _clustered_problem(0)
    iterations = 2 * EXCHANGE_EVERY_ITERATIONS
    assert iterations < PACK_AFTER_ITERATIONS
    board = _Inboxes(2)

    result = search_routes(
        problem, limit=SearchLimit(math.inf, max_iterations=iterations), seed=1, board=board, seat=1
    )

    assert result.packings == 0
    assert board.handed[1] > 0
    assert len(board.inboxes[0]) == board.handed[1]


def test_a_search_pools_the_routes_handed_to_it_before_it_packs() -> None:
    """What another search handed on is read every ``EXCHANGE_EVERY_ITERATIONS``: in fewer
    iterations than a packing waits for, a search's pool holds routes of the other's that
    its own search did not meet, and its inbox has been emptied."""
    problem = _clustered_problem(0)
    board = _Inboxes(2)
    ahead = search_routes(
        problem, limit=SearchLimit(math.inf, max_iterations=3000), seed=1, board=board, seat=1
    )
    assert board.inboxes[0]
    short = SearchLimit(math.inf, max_iterations=2 * EXCHANGE_EVERY_ITERATIONS)
    alone = search_routes(problem, limit=short, seed=0)

    behind = search_routes(problem, limit=short, seed=0, board=board, seat=0)

    def keys(pool: tuple[PooledRoute, ...]) -> set[tuple[tuple[int, ...], frozenset[int]]]:
        return {(r.shifts, frozenset(s.ref for s in r.stops)) for r in pool}

    assert behind.packings == 0
    assert board.inboxes[0] == []
    assert (keys(behind.pool) - keys(alone.pool)) & keys(ahead.pool)


def _search_in_seat(
    problem: RoutingProblem, limit: SearchLimit, seed: int, board: SharedBoard, seat: int
) -> None:
    search_routes(problem, limit=limit, seed=seed, board=board, seat=seat)


def test_routes_go_between_searches_in_two_processes() -> None:
    """The same through a ``SharedBoard``: seed 1 searches in a process of its own (the
    problem pickled there), then seed 0 here takes its routes: each is checked against
    this search's own problem and packs into a plan at least as good as seed 1's."""
    problem = _clustered_problem(0)
    limit = SearchLimit(math.inf, max_iterations=3000)
    ahead = search_routes(problem, limit=limit, seed=1)
    board = SharedBoard(SPAWN, 2)
    worker = SPAWN.Process(target=_search_in_seat, args=(problem, limit, 1, board, 1))
    worker.start()
    worker.join(timeout=120)
    assert worker.exitcode == 0

    behind = search_routes(problem, limit=limit, seed=0, board=board, seat=0)

    assert ahead.cost is not None
    assert behind.cost is not None
    assert behind.cost <= ahead.cost
    assert behind.feasible
