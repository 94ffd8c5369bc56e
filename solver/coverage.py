"""From hotspot weights to drop penalties, and what a plan covers.

The objective is lexicographic: keep every mandatory visit, then maximise covered weight,
then minimise travel. It is encoded in one integer cost by scaling: a hotspot's penalty
outweighs any possible travel, and a visit's penalty outweighs all hotspots together.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from .errors import SolverError

if TYPE_CHECKING:
    from .problem import RoutingProblem, Shift, TimeWindow

WEIGHT_UNITS = 1000
"""Weights are resolved to 1/1000 before scaling."""

_MAX_OBJECTIVE = 2**62


def travel_bound_s(problem: RoutingProblem) -> int:
    """An upper bound on the total travel of any feasible plan: the sum of shift lengths."""
    return sum(shift.end_s - shift.start_s for shift in problem.shifts)


def weight_units(value: float) -> int:
    """A coverage value as whole units (at least 1, so every hotspot is worth something)."""
    return max(1, round(value * WEIGHT_UNITS))


def hotspot_penalties(problem: RoutingProblem) -> list[list[int]]:
    """Drop penalty of each visit of each hotspot, in visit order.

    Raises
    ------
    SolverError
        If the scaled objective would not fit in 64 bits.
    """
    scale = travel_bound_s(problem) + 1
    penalties = [
        [weight_units(h.visit_value(k)) * scale for k in range(1, h.max_visits + 1)]
        for h in problem.hotspots
    ]
    if sum(map(sum, penalties)) > _MAX_OBJECTIVE:
        msg = "hotspot weights are too large to plan with; scale them down."
        raise SolverError(msg)
    return penalties


def visit_penalty(problem: RoutingProblem, hotspot_total: int) -> int:
    """Penalty for dropping one mandatory visit: more than every hotspot and all travel."""
    penalty = hotspot_total + travel_bound_s(problem) + 1
    if penalty * max(1, len(problem.visits)) > _MAX_OBJECTIVE:
        msg = "too many mandatory visits for the hotspot weights given; scale weights down."
        raise SolverError(msg)
    return penalty


def earliest_start(windows: tuple[TimeWindow, ...], arrival_s: int) -> int | None:
    """First start at or after ``arrival_s`` allowed by ``windows`` (``None``: too late)."""
    if not windows:
        return arrival_s
    starts = [max(arrival_s, w.start_s) for w in windows if arrival_s <= w.end_s]
    return min(starts) if starts else None


def fits_alone(
    shift: Shift, out_s: float, back_s: float, service_s: int, windows: tuple[TimeWindow, ...]
) -> bool:
    """Whether ``shift`` could serve a stop on its own, ``out_s`` away from its start and
    ``back_s`` from its end: out, serve within a window, back."""
    start = earliest_start(windows, math.ceil(shift.start_s + out_s - 1e-6))
    return start is not None and start + service_s + back_s <= shift.end_s + 1e-6


def reachable_alone(
    problem: RoutingProblem,
    shift: int,
    location: int,
    service_s: int,
    windows: tuple[TimeWindow, ...],
) -> bool:
    """Whether ``shift`` could serve a stop on its own by its direct legs."""
    s = problem.shifts[shift]
    out_s = problem.travel(shift, s.start_location, location)
    return fits_alone(s, out_s, problem.travel(shift, location, s.end_location), service_s, windows)


def hotspots_in_reach(problem: RoutingProblem) -> list[bool]:
    """Whether any shift could get to each hotspot, visit it within a window and still end
    on time, by the quickest way through the matrix (through other stops too: a matrix
    need not keep the triangle inequality, so the direct leg is no bound)."""
    from scipy.sparse.csgraph import dijkstra

    out_s: dict[tuple[int, int], np.ndarray] = {}  # (profile, start) -> seconds to each place
    back_s: dict[tuple[int, int], np.ndarray] = {}  # (profile, end) -> seconds from each place
    for profile in {shift.profile for shift in problem.shifts}:
        graph = problem.travel_s[profile].astype(np.float64)
        graph[graph == 0] = 1e-9  # a dense graph's 0 means "no edge"; these are legs of 0 s
        shifts = [s for s in problem.shifts if s.profile == profile]
        for table, sources, matrix in (
            (out_s, sorted({s.start_location for s in shifts}), graph),
            (back_s, sorted({s.end_location for s in shifts}), graph.T),
        ):
            # One call for every source: the graph is converted once, not once a shift.
            for source, row in zip(sources, dijkstra(matrix, indices=sources), strict=True):
                table[profile, source] = row
    return [
        any(
            fits_alone(
                shift,
                out_s[shift.profile, shift.start_location][hotspot.location],
                back_s[shift.profile, shift.end_location][hotspot.location],
                hotspot.dwell_s,
                hotspot.windows,
            )
            for shift in problem.shifts
        )
        for hotspot in problem.hotspots
    ]
