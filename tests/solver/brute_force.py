"""Optimal plans of tiny problems by exhaustive search, for tests only.

Written apart from the solver: it tries every assignment of stops to shifts and every
order, replays each route from the matrix (earliest start in a window, waiting allowed),
and keeps the plan with the most weight, then the least travel. Only for problems whose
hotspots allow one visit each.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from solver import RoutingProblem, TimeWindow


def _start(windows: tuple[TimeWindow, ...], arrival_s: int) -> int | None:
    if not windows:
        return arrival_s
    starts = [max(arrival_s, w.start_s) for w in windows if max(arrival_s, w.start_s) <= w.end_s]
    return min(starts) if starts else None


def route_travel(
    problem: RoutingProblem, shift: int, stops: tuple[tuple[str, int], ...]
) -> int | None:
    """Travel of the route serving ``stops`` in this order, or None if it breaks a rule."""
    s = problem.shifts[shift]
    matrix = problem.travel_s[s.profile]
    clock, here, travel = s.start_s, s.start_location, 0
    for kind, ref in stops:
        if kind == "hotspot":
            hotspot = problem.hotspots[ref]
            location, windows, service = hotspot.location, hotspot.windows, hotspot.dwell_s
        else:
            visit = problem.visits[ref]
            if visit.shifts is not None and shift not in visit.shifts:
                return None
            location, windows, service = visit.location, (visit.window,), visit.service_s
        leg = int(matrix[here, location])
        start = _start(windows, clock + leg)
        if start is None:
            return None
        clock, here, travel = start + service, location, travel + leg
    leg = int(matrix[here, s.end_location])
    if clock + leg > s.end_s:
        return None
    return travel + leg


def _best_order(
    problem: RoutingProblem, shift: int, stops: tuple[tuple[str, int], ...]
) -> int | None:
    travels = [route_travel(problem, shift, order) for order in itertools.permutations(stops)]
    feasible = [t for t in travels if t is not None]
    return min(feasible) if feasible else None


def optimum(problem: RoutingProblem) -> tuple[float, int] | None:
    """(most weight, least travel at that weight) over every plan keeping every visit;
    None when no plan keeps them all."""
    assert all(h.max_visits == 1 for h in problem.hotspots), "one visit per hotspot only"
    stops = [("hotspot", h) for h in range(len(problem.hotspots))]
    stops += [("visit", v) for v in range(len(problem.visits))]
    num_shifts = len(problem.shifts)
    best: tuple[float, int] | None = None
    # Each stop goes to a shift or (hotspots only) nowhere: -1.
    for owners in itertools.product(range(-1, num_shifts), repeat=len(stops)):
        if any(o == -1 and kind == "visit" for o, (kind, _) in zip(owners, stops, strict=True)):
            continue
        total = 0
        for v in range(num_shifts):
            mine = tuple(stop for o, stop in zip(owners, stops, strict=True) if o == v)
            travel = _best_order(problem, v, mine)
            if travel is None:
                break
            total += travel
        else:
            weight = sum(
                problem.hotspots[ref].weight
                for o, (kind, ref) in zip(owners, stops, strict=True)
                if o != -1 and kind == "hotspot"
            )
            key = (round(weight, 9), -total)
            if best is None or key > (round(best[0], 9), -best[1]):
                best = (weight, total)
    return best
