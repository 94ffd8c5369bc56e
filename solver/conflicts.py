"""Proofs that two mandatory visits cannot both be kept.

A search that ends without a visit proves nothing: it may only have run out of time. A
visit is declared impossible only with a proof: for every shift that could serve it alone,
another visit that only that shift may serve cannot share the route with it in either
order (windows, service times, travel, the shift's end). Anything less is the solver's
failure, not the caller's. Travel is counted by the quickest way through the matrix
(``reach.QuickestTravel``): a matrix need not keep the triangle inequality, and a route
may pass other stops between the two visits.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .reach import QuickestTravel, earliest_start, reachable_alone

if TYPE_CHECKING:
    from .problem import RoutingProblem, Visit


def _in_order(quickest: QuickestTravel, shift: int, first: Visit, second: Visit) -> bool:
    """Whether ``shift`` could serve ``first`` then ``second`` and end on time.

    Each leg by its quickest way and each visit started as early as possible: if even that
    is too late, so is every route with both visits in this order (a relaxation, exact
    where the matrix keeps the triangle inequality and nothing else is served).
    """
    s = quickest.problem.shifts[shift]
    start = earliest_start(
        (first.window,), s.start_s + quickest.travel(shift, s.start_location, first.location)
    )
    if start is None:
        return False
    arrival = start + first.service_s + quickest.travel(shift, first.location, second.location)
    then = earliest_start((second.window,), arrival)
    if then is None:
        return False
    end = then + second.service_s + quickest.travel(shift, second.location, s.end_location)
    return end <= s.end_s + 1e-6


def can_share_shift(quickest: QuickestTravel, shift: int, a: int, b: int) -> bool:
    """Whether visits ``a`` and ``b`` could fit on one route of ``shift``, in some order (the
    shift's fixed sequence, when both are in it)."""
    problem = quickest.problem
    va, vb = problem.visits[a], problem.visits[b]
    sequence = problem.shifts[shift].sequence
    if a in sequence and b in sequence:
        first, second = (va, vb) if sequence.index(a) < sequence.index(b) else (vb, va)
        return _in_order(quickest, shift, first, second)
    return _in_order(quickest, shift, va, vb) or _in_order(quickest, shift, vb, va)


def clashing_visits(
    problem: RoutingProblem, visit: int, quickest: QuickestTravel | None = None
) -> dict[int, int]:
    """The visits that make ``visit`` impossible to keep, by the shift they block.

    Returns
    -------
    dict
        For each shift that could serve ``visit`` on its own, a visit that only that shift
        may serve and that cannot share the route with ``visit``. Empty when no such proof
        covers every shift: the visit is then not proven impossible.
    """
    quickest = quickest or QuickestTravel(problem)
    target = problem.visits[visit]
    blocking: dict[int, int] = {}
    for shift in problem.eligible_shifts(target):
        if not reachable_alone(
            quickest, shift, target.location, target.service_s, (target.window,)
        ):
            continue
        pinned = (
            j
            for j, other in enumerate(problem.visits)
            if j != visit and problem.eligible_shifts(other) == [shift]
        )
        clash = next((j for j in pinned if not can_share_shift(quickest, shift, visit, j)), None)
        if clash is None:
            return {}
        blocking[shift] = clash
    return blocking
