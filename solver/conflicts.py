"""Proofs that two mandatory visits cannot both be kept.

A search that ends without a visit proves nothing: it may only have run out of time. A
visit is declared impossible only with a proof: for every shift that could serve it alone,
another visit that only that shift may serve cannot share the route with it in either
order (windows, service times, travel, the shift's end). Anything less is the solver's
failure, not the caller's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .coverage import earliest_start, reachable_alone

if TYPE_CHECKING:
    from .problem import RoutingProblem, Visit


def _in_order(problem: RoutingProblem, shift: int, first: Visit, second: Visit) -> bool:
    """Whether ``shift`` can serve ``first`` then ``second`` (nothing else) and end on time.

    Starting each visit as early as possible is optimal for two visits, so this is exact.
    """
    s = problem.shifts[shift]
    start = earliest_start(
        (first.window,), s.start_s + problem.travel(shift, s.start_location, first.location)
    )
    if start is None:
        return False
    arrival = start + first.service_s + problem.travel(shift, first.location, second.location)
    then = earliest_start((second.window,), arrival)
    if then is None:
        return False
    end = then + second.service_s + problem.travel(shift, second.location, s.end_location)
    return end <= s.end_s


def can_share_shift(problem: RoutingProblem, shift: int, a: int, b: int) -> bool:
    """Whether visits ``a`` and ``b`` fit on one route of ``shift``, in some order (the
    shift's fixed sequence, when both are in it)."""
    va, vb = problem.visits[a], problem.visits[b]
    sequence = problem.shifts[shift].sequence
    if a in sequence and b in sequence:
        first, second = (va, vb) if sequence.index(a) < sequence.index(b) else (vb, va)
        return _in_order(problem, shift, first, second)
    return _in_order(problem, shift, va, vb) or _in_order(problem, shift, vb, va)


def clashing_visits(problem: RoutingProblem, visit: int) -> dict[int, int]:
    """The visits that make ``visit`` impossible to keep, by the shift they block.

    Returns
    -------
    dict
        For each shift that could serve ``visit`` on its own, a visit that only that shift
        may serve and that cannot share the route with ``visit``. Empty when no such proof
        covers every shift: the visit is then not proven impossible.
    """
    target = problem.visits[visit]
    blocking: dict[int, int] = {}
    for shift in problem.eligible_shifts(target):
        if not reachable_alone(problem, shift, target.location, target.service_s, (target.window,)):
            continue
        pinned = (
            j
            for j, other in enumerate(problem.visits)
            if j != visit and problem.eligible_shifts(other) == [shift]
        )
        clash = next((j for j in pinned if not can_share_shift(problem, shift, visit, j)), None)
        if clash is None:
            return {}
        blocking[shift] = clash
    return blocking
