"""``solver.check_solution`` catches every broken rule of a plan.

One tiny plan is solved once; it passes the check. Each corruption below breaks one rule in a
copy of that plan (``dataclasses.replace`` on the frozen Stop/Route/Solution) and expects that
rule, and only that rule, to be reported.
"""

from __future__ import annotations

import itertools
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest

from solver import (
    Hotspot,
    LeftOut,
    RoutingProblem,
    Shift,
    Solution,
    SolveParams,
    Stop,
    TimeWindow,
    Visit,
    check_solution,
    solve,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    Corruption = Callable[[RoutingProblem, Solution], Solution]

# Location 6 is a twin of the depot 0: the same travel time to everywhere, 0 s between them.
# Moving a stop from 0 to 6 changes where it is without changing any travel time.
TWIN_OF_DEPOT = 6
SHIFT_START_S, SHIFT_END_S = 100, 3000
# Route indices: shift "a" has nothing to do; shift "b" does everything.
IDLE, BUSY = 0, 1
# Hotspot indices.
HOT, PARK, LATE = 0, 1, 2
# Stop positions on the busy route: start, hot, park, client, hot again, end.
HOT_STOP, PARK_STOP, VISIT_STOP, HOT_AGAIN_STOP, END_STOP = 1, 2, 3, 4, 5


@pytest.fixture(scope="module")
def problem(line_matrix: np.ndarray) -> RoutingProblem:
    """Two identical depot shifts (100-3000 s) on the line, plus a twin of the depot.

    Hotspots: "hot" at 1 (two visits at least 600 s apart), "park" at 3 (start 300-700 s),
    "late" at 2 (window after the shifts, so left out). Visit "client" at 4 (start
    900-1500 s, 120 s) may only be served by shift "b".
    """
    matrix = np.vstack([line_matrix, line_matrix[:1]])
    matrix = np.hstack([matrix, matrix[:, :1]])
    shifts = (
        Shift("a", 0, 0, SHIFT_START_S, SHIFT_END_S),
        Shift("b", 0, 0, SHIFT_START_S, SHIFT_END_S),
    )
    hotspots = (
        Hotspot("hot", 1, 4.0, 60, max_visits=2, min_gap_s=600),
        Hotspot("park", 3, 2.0, 60, windows=(TimeWindow(300, 700),)),
        Hotspot("late", 2, 1.0, 60, windows=(TimeWindow(5000, 6000),)),
    )
    visits = (Visit("client", 4, 120, TimeWindow(900, 1500), shifts=frozenset({1})),)
    return RoutingProblem((matrix,), shifts, hotspots, visits)


@pytest.fixture(scope="module")
def plan(problem: RoutingProblem, quick: SolveParams) -> Solution:
    """The solved plan of ``problem``: shift "a" stays home, shift "b" does the round.

    OR-Tools alone gives this plan's exact stop order, which the corruptions below index.
    """
    return solve(problem, params=replace(quick, engine="ortools"))


def _retimed(problem: RoutingProblem, solution: Solution, v: int, stops: list[Stop]) -> Solution:
    """``solution`` with route ``v`` holding ``stops``, re-timed so no other rule breaks.

    From the second stop on, each arrival is the previous departure plus the matrix travel; a
    stop starts at its given start or on arrival, whichever is later, and keeps its given
    duration. The route's travel is recomputed.
    """
    timed = [stops[0]]
    for stop in stops[1:]:
        prev = timed[-1]
        arrival_s = prev.departure_s + problem.travel(v, prev.location, stop.location)
        start_s = max(stop.start_s, arrival_s)
        duration_s = stop.departure_s - stop.start_s
        timed.append(
            replace(stop, arrival_s=arrival_s, start_s=start_s, departure_s=start_s + duration_s)
        )
    travel_s = sum(problem.travel(v, a.location, b.location) for a, b in itertools.pairwise(timed))
    routes = list(solution.routes)
    routes[v] = replace(routes[v], stops=tuple(timed), travel_s=travel_s)
    return replace(solution, routes=tuple(routes))


def _with_stop(solution: Solution, v: int, i: int, **changes: Any) -> Solution:
    """``solution`` with fields of stop ``i`` of route ``v`` changed, nothing re-timed."""
    routes = list(solution.routes)
    stops = list(routes[v].stops)
    stops[i] = replace(stops[i], **changes)
    routes[v] = replace(routes[v], stops=tuple(stops))
    return replace(solution, routes=tuple(routes))


def _delayed(problem: RoutingProblem, solution: Solution, v: int, i: int, by_s: int) -> Solution:
    """Stop ``i`` of route ``v`` starts ``by_s`` later (it waits longer); later stops follow."""
    stops = list(solution.routes[v].stops)
    stop = stops[i]
    stops[i] = replace(stop, start_s=stop.start_s + by_s, departure_s=stop.departure_s + by_s)
    return _retimed(problem, solution, v, stops)


def _shortened(problem: RoutingProblem, solution: Solution, v: int, i: int) -> Solution:
    """Stop ``i`` of route ``v`` leaves 10 s early; later stops follow."""
    stops = list(solution.routes[v].stops)
    stops[i] = replace(stops[i], departure_s=stops[i].departure_s - 10)
    return _retimed(problem, solution, v, stops)


def _dropped(problem: RoutingProblem, solution: Solution, v: int, i: int) -> Solution:
    """Stop ``i`` of route ``v`` removed; the next stop is reached straight from the one before."""
    stops = list(solution.routes[v].stops)
    del stops[i]
    return _retimed(problem, solution, v, stops)


def _repeated(
    problem: RoutingProblem, solution: Solution, v: int, i: int, *, after_s: int
) -> Solution:
    """Stop ``i`` of route ``v`` served again on the spot, starting ``after_s`` after it."""
    stops = list(solution.routes[v].stops)
    again = replace(
        stops[i], start_s=stops[i].start_s + after_s, departure_s=stops[i].departure_s + after_s
    )
    stops.insert(i + 1, again)
    return _retimed(problem, solution, v, stops)


def _too_few_routes(problem: RoutingProblem, solution: Solution) -> Solution:
    """One route for two shifts."""
    return replace(solution, routes=solution.routes[:1])


def _route_without_start(problem: RoutingProblem, solution: Solution) -> Solution:
    """The idle route's first stop is an end stop."""
    return _with_stop(solution, IDLE, 0, kind="end")


def _route_without_end(problem: RoutingProblem, solution: Solution) -> Solution:
    """The idle route's last stop is a start stop."""
    return _with_stop(solution, IDLE, -1, kind="start")


def _starts_elsewhere(problem: RoutingProblem, solution: Solution) -> Solution:
    """The idle route starts at the depot's twin, not at the depot."""
    return _with_stop(solution, IDLE, 0, location=TWIN_OF_DEPOT)


def _ends_elsewhere(problem: RoutingProblem, solution: Solution) -> Solution:
    """The busy route ends at the depot's twin, not at the depot."""
    return _with_stop(solution, BUSY, END_STOP, location=TWIN_OF_DEPOT)


def _leaves_early(problem: RoutingProblem, solution: Solution) -> Solution:
    """The idle route starts 1 s before its shift."""
    return _with_stop(solution, IDLE, 0, start_s=SHIFT_START_S - 1)


def _ends_late(problem: RoutingProblem, solution: Solution) -> Solution:
    """The idle route waits at its start until it can only be back 1 s after the shift end."""
    back_s = solution.routes[IDLE].stops[-1].arrival_s
    return _delayed(problem, solution, IDLE, 0, SHIFT_END_S + 1 - back_s)


def _arrives_too_early(problem: RoutingProblem, solution: Solution) -> Solution:
    """The first hotspot is reached 10 s sooner than the matrix allows."""
    arrival_s = solution.routes[BUSY].stops[HOT_STOP].arrival_s
    return _with_stop(solution, BUSY, HOT_STOP, arrival_s=arrival_s - 10)


def _starts_before_arrival(problem: RoutingProblem, solution: Solution) -> Solution:
    """The busy route's end stop 'starts' 1 s before it is reached."""
    arrival_s = solution.routes[BUSY].stops[END_STOP].arrival_s
    return _with_stop(solution, BUSY, END_STOP, start_s=arrival_s - 1)


def _hotspot_after_window(problem: RoutingProblem, solution: Solution) -> Solution:
    """The park is patrolled from 1 s after its window closes."""
    close_s = problem.hotspots[PARK].windows[-1].end_s
    start_s = solution.routes[BUSY].stops[PARK_STOP].start_s
    return _delayed(problem, solution, BUSY, PARK_STOP, close_s + 1 - start_s)


def _dwell_cut(problem: RoutingProblem, solution: Solution) -> Solution:
    """The first hotspot is left 10 s before its dwell is done."""
    return _shortened(problem, solution, BUSY, HOT_STOP)


def _visit_after_window(problem: RoutingProblem, solution: Solution) -> Solution:
    """The client visit starts 1 s after its window closes."""
    close_s = problem.visits[0].window.end_s
    start_s = solution.routes[BUSY].stops[VISIT_STOP].start_s
    return _delayed(problem, solution, BUSY, VISIT_STOP, close_s + 1 - start_s)


def _visit_cut(problem: RoutingProblem, solution: Solution) -> Solution:
    """The client visit ends 10 s early."""
    return _shortened(problem, solution, BUSY, VISIT_STOP)


def _visit_by_wrong_shift(problem: RoutingProblem, solution: Solution) -> Solution:
    """The two identical shifts swap routes, so shift "a" serves the client reserved for "b"."""
    swapped = [replace(route, shift=v) for v, route in enumerate(solution.routes[::-1])]
    return replace(solution, routes=tuple(swapped))


def _visit_missing(problem: RoutingProblem, solution: Solution) -> Solution:
    """The client visit is skipped."""
    return _dropped(problem, solution, BUSY, VISIT_STOP)


def _visit_twice(problem: RoutingProblem, solution: Solution) -> Solution:
    """The client visit is served twice, back to back."""
    service_s = problem.visits[0].service_s
    return _repeated(problem, solution, BUSY, VISIT_STOP, after_s=service_s)


def _hotspot_too_often(problem: RoutingProblem, solution: Solution) -> Solution:
    """The park (one visit allowed) is patrolled twice, back to back."""
    dwell_s = problem.hotspots[PARK].dwell_s
    return _repeated(problem, solution, BUSY, PARK_STOP, after_s=dwell_s)


def _hotspot_revisited_soon(problem: RoutingProblem, solution: Solution) -> Solution:
    """The second visit to "hot" moves from the way back to right after the first one."""
    skipped = _dropped(problem, solution, BUSY, HOT_AGAIN_STOP)
    hot = problem.hotspots[HOT]
    repeated = _repeated(problem, skipped, BUSY, HOT_STOP, after_s=hot.dwell_s)
    return _with_stop(repeated, BUSY, HOT_STOP + 1, visit_number=2, value=hot.visit_value(2))


def _visited_and_left_out(problem: RoutingProblem, solution: Solution) -> Solution:
    """The hotspot "hot" is visited and also listed as left out."""
    return replace(solution, left_out=(*solution.left_out, LeftOut(HOT, "not_enough_time")))


def _travel_miscounted(problem: RoutingProblem, solution: Solution) -> Solution:
    """The busy route reports 1 s more travel than its legs add up to."""
    route = solution.routes[BUSY]
    return replace(
        solution, routes=(solution.routes[IDLE], replace(route, travel_s=route.travel_s + 1))
    )


BROKEN_RULES = [
    pytest.param(_too_few_routes, "1 routes for 2 shifts", id="wrong-number-of-routes"),
    pytest.param(_route_without_start, "from a start to an end stop", id="no-start-stop"),
    pytest.param(_route_without_end, "from a start to an end stop", id="no-end-stop"),
    pytest.param(_starts_elsewhere, "shift's locations", id="wrong-start-location"),
    pytest.param(_ends_elsewhere, "shift's locations", id="wrong-end-location"),
    pytest.param(_leaves_early, "leaves before the shift starts", id="leaves-early"),
    pytest.param(_ends_late, "after the shift end", id="ends-late"),
    pytest.param(_arrives_too_early, "is not reachable", id="arrival-not-reachable"),
    pytest.param(_starts_before_arrival, "starts before arrival", id="start-before-arrival"),
    pytest.param(_hotspot_after_window, "'park' outside its windows", id="hotspot-window"),
    pytest.param(_dwell_cut, "'hot' dwell not kept", id="hotspot-dwell"),
    pytest.param(_visit_after_window, "'client' outside its window", id="visit-window"),
    pytest.param(_visit_cut, "'client' duration not kept", id="visit-duration"),
    pytest.param(_visit_by_wrong_shift, "served by a shift not allowed", id="visit-wrong-shift"),
    pytest.param(_visit_missing, "'client' served 0 times", id="visit-missing"),
    pytest.param(_visit_twice, "'client' served 2 times", id="visit-twice"),
    pytest.param(_hotspot_too_often, "'park' visited 2 times", id="hotspot-max-visits"),
    pytest.param(_hotspot_revisited_soon, "'hot' revisited within 600 s", id="hotspot-min-gap"),
    pytest.param(_visited_and_left_out, "both visited and left out", id="visited-and-left-out"),
    pytest.param(_travel_miscounted, "recomputed", id="route-travel"),
    pytest.param(
        lambda p, s: replace(s, left_out=()), "neither visited nor listed", id="hotspot-lost"
    ),
    pytest.param(
        lambda p, s: replace(s, left_out=(*s.left_out, *s.left_out)),
        "repeated or do not exist",
        id="left-out-repeated",
    ),
    pytest.param(
        lambda p, s: _with_stop(s, BUSY, HOT_STOP, value=40.0), "wrong values", id="value"
    ),
    pytest.param(
        lambda p, s: replace(s, routes=(replace(s.routes[0], shift=1), s.routes[1])),
        "labelled as shift",
        id="route-label",
    ),
]


def test_solved_plan_passes(problem: RoutingProblem, plan: Solution) -> None:
    """The solver's plan is the expected round and breaks no rule.

    The corruptions below index into this shape: "a" stays home; "b" patrols hot, park,
    serves the client and patrols hot again on the way back; "late" is left out.
    """
    assert [(s.kind, s.ref) for s in plan.routes[IDLE].stops] == [("start", 0), ("end", 0)]
    assert [(s.kind, s.ref) for s in plan.routes[BUSY].stops] == [
        ("start", 1),
        ("hotspot", HOT),
        ("hotspot", PARK),
        ("visit", 0),
        ("hotspot", HOT),
        ("end", 1),
    ]
    assert [(item.hotspot, item.reason) for item in plan.left_out] == [
        (LATE, "unreachable_in_window")
    ]
    assert check_solution(problem, plan) == []


@pytest.mark.parametrize(("corrupt", "fragment"), BROKEN_RULES)
def test_each_broken_rule_is_reported_alone(
    problem: RoutingProblem, plan: Solution, corrupt: Corruption, fragment: str
) -> None:
    """A plan breaking one rule gets exactly one sentence, naming that rule."""
    broken = corrupt(problem, plan)
    assert broken != plan
    errors = check_solution(problem, broken)
    assert len(errors) == 1, errors
    assert fragment in errors[0]


def test_every_broken_rule_is_reported(problem: RoutingProblem, plan: Solution) -> None:
    """The check does not stop at the first problem: two broken rules give two sentences."""
    broken = _travel_miscounted(problem, _visit_missing(problem, plan))
    errors = check_solution(problem, broken)
    assert len(errors) == 2, errors
    assert any("recomputed" in error for error in errors)
    assert any("served 0 times" in error for error in errors)
