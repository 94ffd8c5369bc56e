"""From hotspot weights to drop penalties, and what a plan covers.

The objective is lexicographic: keep every mandatory visit, then maximise covered weight,
then minimise travel. It is encoded in one integer cost by scaling: a hotspot's penalty
outweighs any possible travel, and a visit's penalty outweighs all hotspots together.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .errors import SolverError

if TYPE_CHECKING:
    from .problem import RoutingProblem

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
