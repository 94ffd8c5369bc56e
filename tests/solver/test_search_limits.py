"""When a search ends: a fixed effort, convergence alone, and agreement between searches.

Judged by iteration counts and by what each search sees, never by the clock.
"""

from __future__ import annotations

import functools
import math
import multiprocessing
import multiprocessing.forkserver
import sys
import time
from typing import TYPE_CHECKING

import pytest

from solver import Hotspot, RoutingProblem, Shift, SolveParams, solve
from solver.portfolio import (
    PRELOAD_MODULES,
    SharedBoard,
    _collect,
    _main_not_rerun,
    _watch,
    forkserver_context,
    search_beside,
    search_until,
    start_fork_server,
)
from solver.pyvrp_search import SearchLimit, _Converged, search_routes
from solver.route_pool import PACK_AFTER_ITERATIONS

from .conftest import at_effort
from .replay import assert_feasible

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

SPAWN = multiprocessing.get_context("spawn")


def _calls_until_stop(criterion: _Converged, costs: list[float], *, cap: int = 100_000) -> int:
    """Feed ``costs`` (then the last one forever) until the criterion says stop."""
    for call in range(1, cap + 1):
        if criterion(costs[min(call, len(costs)) - 1]):
            return call
    return cap + 1


def test_a_search_alone_stops_once_stalled() -> None:
    """Best found at iteration 50: with stall_iterations 100 and stall_ratio 4 the search
    stops after max(100, 4 * 50) = 200 iterations without a better plan, converged."""
    limit = SearchLimit(deadline=math.inf, stall_iterations=100, stall_ratio=4)
    criterion = _Converged(limit, None, 0)
    costs = [100.0 - i for i in range(51)]  # improves on calls 1..51 (iteration 0..50)
    assert _calls_until_stop(criterion, costs) == 50 + 200
    assert criterion.converged


def test_the_stall_floor_holds_for_an_early_best() -> None:
    """A best found at once (iteration 0) still gets ``stall_iterations`` more tries."""
    criterion = _Converged(SearchLimit(deadline=math.inf, stall_iterations=300), None, 0)
    assert _calls_until_stop(criterion, [5.0]) == 300


def test_a_fixed_effort_is_exactly_that_many_iterations() -> None:
    """``max_iterations`` ends the search after that many iterations, not as converged."""
    criterion = _Converged(SearchLimit(deadline=math.inf, max_iterations=777), None, 0)
    assert _calls_until_stop(criterion, [1.0]) == 778  # PyVRP asks once more before each
    assert criterion.iterations == 777
    assert not criterion.converged


def test_a_passed_deadline_ends_the_search() -> None:
    """A deadline in the past ends the search at its first iteration, not converged."""
    criterion = _Converged(SearchLimit(deadline=0.0, stall_iterations=10), None, 0)
    assert criterion(1.0)
    assert not criterion.converged


def test_searches_that_disagree_go_on() -> None:
    """Two searches on one board, both long stalled but on different costs, keep going
    (one of them can still improve); once the second finds the first's cost and stalls
    there too, both stop, converged."""
    board = SharedBoard(SPAWN, 2)
    limit = SearchLimit(deadline=math.inf, stall_iterations=50, stall_ratio=1)
    first, second = _Converged(limit, board, 0), _Converged(limit, board, 1)
    for _ in range(5_000):
        assert not first(10.0)
        assert not second(12.0)
    # From here the second search has found 10 too (at its iteration 5000): it has stalled
    # after 5000 more (ratio 1). A search that said stop is not asked again (as in PyVRP).
    stops: dict[str, int] = {}
    for call in range(1, 10_000):
        for name, criterion in (("first", first), ("second", second)):
            if name not in stops and criterion(10.0):
                stops[name] = call
        if len(stops) == 2:
            break
    assert set(stops) == {"first", "second"}
    assert 5_000 <= min(stops.values()) <= max(stops.values()) <= 5_000 + 2 * first._POST_EVERY
    assert first.converged
    assert second.converged


def test_a_search_on_borrowed_routes_does_not_agree() -> None:
    """A search that went on from a plan with the other search's routes never counts as
    stalled: the two agreeing on a cost would only say that one took the other's plan.
    Without that, the same two stop together."""
    for borrowed, stops in ((True, False), (False, True)):
        board = SharedBoard(SPAWN, 2)
        limit = SearchLimit(deadline=math.inf, stall_iterations=50, stall_ratio=1)
        first = _Converged(limit, board, 0, borrowed=functools.partial(bool, borrowed))
        second = _Converged(limit, board, 1)
        stopped = False
        for _ in range(2_000):
            stopped = stopped or second(10.0)
            stopped = stopped or first(10.0)
        assert stopped is stops
        assert first.converged is stops


def test_a_seat_left_no_longer_counts() -> None:
    """When a search fails (leaves its seat), the other agrees with itself once stalled."""
    board = SharedBoard(SPAWN, 2)
    board.leave(1)
    criterion = _Converged(SearchLimit(deadline=math.inf, stall_iterations=40), board, 0)
    assert _calls_until_stop(criterion, [3.0]) == 40
    assert criterion.converged


def test_the_board_needs_a_finite_agreed_cost() -> None:
    """Stalled without any plan (infinite cost) is not agreement."""
    board = SharedBoard(SPAWN, 2)
    board.post(0, math.inf, stalled=True)
    board.post(1, math.inf, stalled=True)
    assert not board.agreed()
    board.post(0, 7.0, stalled=True)
    board.post(1, 7.0, stalled=True)
    assert board.agreed()


def test_a_worker_that_ends_without_a_word_is_not_awaited() -> None:
    """A worker process that ends without sending a result leaves its seat (so the others
    need not wait for it to agree), and collecting the results ends with none, although
    its deadline is an hour away."""
    board = SharedBoard(SPAWN, 2)
    board.post(0, 4.0, stalled=True)
    queue = SPAWN.Queue()
    process = SPAWN.Process(target=time.sleep, args=(0,))
    process.start()
    _watch(process, board, 1)
    assert board.agreed()
    assert _collect(queue, [process], time.time() + 3600) == []
    process.join()


def test_fixed_effort_gives_the_same_plan_every_time(line_matrix: npt.NDArray[np.int64]) -> None:
    """At a fixed effort the plan is a function of the problem and the seed: two solves
    give the same routes and stop times (whatever else runs on the machine)."""
    hotspots = tuple(Hotspot(f"h{i}", i, float(i), 30) for i in range(1, 6))
    problem = RoutingProblem((line_matrix,), (Shift("g", 0, 0, 0, 900),), hotspots)
    runs = [solve(problem, params=at_effort(seed=3)) for _ in range(2)]
    assert_feasible(problem, runs[0])
    assert runs[0].covered_weight > 0
    assert runs[0].routes == runs[1].routes


def test_pyvrp_runs_exactly_the_effort_it_is_given(line_matrix: npt.NDArray[np.int64]) -> None:
    """``search_routes`` at a fixed effort runs that many iterations and reports it."""
    problem = RoutingProblem(
        (line_matrix,), (Shift("g", 0, 0, 0, 900),), (Hotspot("h", 2, 1.0, 0),)
    )
    result = search_routes(problem, limit=SearchLimit(math.inf, max_iterations=250), seed=0)
    assert result.iterations == 250
    assert not result.converged
    assert [[s.ref for s in route] for route in result.routes] == [[0]]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"stall_ratio": -1.0}, "stall_ratio"),
        ({"max_iterations": 0}, "max_iterations"),
    ],
)
def test_search_limits_check_themselves(options: dict[str, float], message: str) -> None:
    """A negative stall ratio or a fixed effort below one iteration is a ValueError."""
    with pytest.raises(ValueError, match=message):
        SolveParams(**options)  # type: ignore[arg-type]


def test_workers_start_without_the_main_script_and_it_is_put_back() -> None:
    """While a worker starts, ``__main__`` shows neither a file nor a spec (so ``spawn``
    does not run the main script again in the worker); afterwards both are as before."""
    main = sys.modules["__main__"]
    before = (main.__dict__.get("__file__"), main.__dict__.get("__spec__"))
    with _main_not_rerun():
        assert "__file__" not in main.__dict__
        assert main.__dict__["__spec__"] is None
    assert (main.__dict__.get("__file__"), main.__dict__.get("__spec__")) == before


def test_one_fork_server_preload_serves_every_user() -> None:
    """Whoever asks for the fork server context first, its preload list holds the solver's
    modules and everything any other user (the service's job pool) asked for."""
    forkserver_context(["json"])
    forkserver_context()
    preload = set(vars(multiprocessing.forkserver._forkserver)["_preload_modules"])
    assert {"json", *PRELOAD_MODULES} <= preload


def test_a_worker_forked_from_the_fork_server_searches_beside(
    line_matrix: npt.NDArray[np.int64],
) -> None:
    """By the clock, a seed beside the local search runs in a process forked from the
    fork server (started ahead, as a job worker does) and its routes come back."""
    start_fork_server()
    hotspots = tuple(Hotspot(f"h{i}", i, float(i), 30) for i in range(1, 6))
    problem = RoutingProblem((line_matrix,), (Shift("g", 0, 0, 0, 900),), hotspots)
    limit = SearchLimit(deadline=time.time() + 3, stall_iterations=200)
    own, results = search_beside(
        problem, limit=limit, seeds=[1], local=lambda board: search_until(problem, limit, 0, board)
    )
    assert own.feasible
    assert [r.feasible for r in results] == [True]


def test_a_search_that_has_just_packed_a_better_plan_has_not_stalled() -> None:
    """A packing falls due on the very iteration a search would count as stalled (here both
    after ``PACK_AFTER_ITERATIONS`` without a better plan). If it packed a plan better than
    the search's best, the search goes on from it (its next best cost is the packed plan's);
    if it did not, the search stops there."""
    limit = SearchLimit(deadline=math.inf, stall_iterations=PACK_AFTER_ITERATIONS)
    for packed_better in (True, False):
        packings: list[float] = []

        def repack(
            time_limit_s: float, packings: list[float] = packings, better: bool = packed_better
        ) -> bool:
            packings.append(time_limit_s)
            return better

        search = _Converged(limit, None, 0, repack=repack)
        calls = 0
        while not packings:
            stopped = search(10.0)
            calls += 1
        assert calls == PACK_AFTER_ITERATIONS
        assert stopped is not packed_better
        if packed_better:
            for _ in range(PACK_AFTER_ITERATIONS - 1):
                assert not search(9.0)
