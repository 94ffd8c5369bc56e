"""The best plan packed from routes met in good plans: a set-packing model (CP-SAT).

A search of a prize-collecting problem meets many good plans on its way, each good in a
different part of the map, and two searches (one per core) end on different plans: one
plan's first route and another's second may together beat both. Given routes (each
feasible where it was met), ``best_packing`` chooses the set of them that costs least
(travel less prizes): each place at most once, each required place exactly once, no more
routes of a kind than vehicles of that kind. Used during each PyVRP search
(``route_pool.RoutePool``) and on all searches' routes at the end
(``portfolio.pack_results``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from collections.abc import Collection, Mapping, Sequence

Kind = TypeVar("Kind")
Place = TypeVar("Place")

PACK_DETERMINISTIC_S = 1.0
"""CP-SAT's deterministic time limit for a packing (its own work units, about a second of
one core on an idle machine): the same answer on every machine, at a fixed effort and by
the clock."""


def import_cp_sat() -> None:
    """Import CP-SAT in this process now: the first time it takes a third of a second, which
    a search should not lose at its first packing, nor a plan pay after its deadline at the
    last one."""
    from ortools.sat.python import cp_model  # noqa: F401


@dataclass(frozen=True, slots=True)
class PackableRoute(Generic[Kind, Place]):
    """A route to pack: who may drive it (``kind``), the places it serves, and its cost
    (travel less prizes, in one unit for all routes)."""

    kind: Kind
    places: frozenset[Place]
    cost: int


def best_packing(
    routes: Sequence[PackableRoute[Kind, Place]],
    *,
    capacity: Mapping[Kind, int],
    required: Collection[Place] = (),
    hint: Collection[int] = (),
    time_limit_s: float = math.inf,
    deterministic_s: float = PACK_DETERMINISTIC_S,
) -> tuple[list[int], int] | None:
    """The routes (indices) of the cheapest packing, and its cost.

    Parameters
    ----------
    routes
        The routes to choose from.
    capacity
        How many routes of each kind may be chosen (routes of a kind not given: none).
    required
        Places that must be served, each exactly once.
    hint
        Indices of a packing to start from (the best plan known).
    time_limit_s, deterministic_s
        Wall-clock and deterministic limits for CP-SAT (one thread); at a fixed effort
        pass only the deterministic one, so that the answer is the same everywhere.

    Returns
    -------
    tuple[list[int], int] | None
        ``None`` when no packing was found (none serves every required place, or none
        within the limits).
    """
    from ortools.sat.python import cp_model

    if time_limit_s <= 0 or any(
        not any(place in route.places for route in routes) for place in required
    ):
        return None
    model = cp_model.CpModel()
    chosen = [model.new_bool_var(f"route{i}") for i in range(len(routes))]
    serving: dict[Place, list[cp_model.IntVar]] = {}
    driving: dict[Kind, list[cp_model.IntVar]] = {}
    for var, route in zip(chosen, routes, strict=True):
        for place in route.places:
            serving.setdefault(place, []).append(var)
        driving.setdefault(route.kind, []).append(var)
    must = set(required)
    for place, vars_ in serving.items():
        if place in must:
            model.add_exactly_one(vars_)
        else:
            model.add_at_most_one(vars_)
    for kind, vars_ in driving.items():
        model.add(cp_model.LinearExpr.sum(vars_) <= capacity.get(kind, 0))
    # (LinearExpr's sums: a Python sum of 1,000 terms takes CP-SAT's model a tenth of a second.)
    model.minimize(cp_model.LinearExpr.weighted_sum(chosen, [route.cost for route in routes]))
    hinted = set(hint)
    for i, var in enumerate(chosen):
        model.add_hint(var, i in hinted)

    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_deterministic_time = deterministic_s
    if math.isfinite(time_limit_s):
        solver.parameters.max_time_in_seconds = time_limit_s
    if solver.solve(model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    picked = [i for i, var in enumerate(chosen) if solver.value(var)]
    return picked, sum(routes[i].cost for i in picked)
