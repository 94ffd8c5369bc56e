"""Solving with the evening's preferences: routes that vary from the night before within a
bounded loss of coverage, and a balanced workload with its price reported.

Each preference is a second solve beside a reference one (each gets half the time limit);
the answer says what the preference changed against the reference.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from solver import RoutingProblem, solve

from ..geo import LocalProjection
from .schemas import BalanceOut, VariationOut

if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Literal

    Hint = Sequence[Sequence[tuple[Literal["hotspot", "visit"], int, int]]]

    from solver import Route, Solution, SolveParams

    from .plan_input import SearchOptions
    from .schemas import PlanResponse

# A hotspot within this distance of one visited last night counts as the same place.
SAME_PLACE_M = 50.0


@dataclass(frozen=True, slots=True)
class PreviousNight:
    """The newest plan of the day before: which places each staff member patrolled."""

    plan_id: str
    places: dict[str, list[tuple[str, float | None, float | None]]]
    """Per staff id, each hotspot stop's (id, lat, lon)."""

    @classmethod
    def from_plan(cls, plan: PlanResponse) -> PreviousNight:
        """The previous night's hotspot stops, per staff member."""
        return cls(
            plan.id,
            {
                route.staff_id: [
                    (stop.id or "", stop.location.lat, stop.location.lon)
                    for stop in route.stops
                    if stop.kind == "hotspot"
                ]
                for route in plan.routes
            },
        )


@dataclass(frozen=True, slots=True)
class Outcome:
    """The solution chosen and what the preferences did."""

    solution: Solution
    familiar: tuple[frozenset[int], ...]
    variation: VariationOut | None
    balance: BalanceOut | None


def familiar_hotspots(
    staff_ids: Sequence[str],
    hotspots: Sequence[tuple[str, tuple[float, float] | None]],
    previous: PreviousNight,
) -> tuple[frozenset[int], ...]:
    """Per shift, tonight's hotspots its staff member patrolled last night: the same id, or
    within ``SAME_PLACE_M`` of a place they stopped at (every point projected once, on one
    local projection)."""
    known = [point for _, point in hotspots if point is not None]
    proj = LocalProjection(*known[0]) if known else None
    metres = _project(proj, [point for _, point in hotspots])
    out = []
    for staff_id in staff_ids:
        places = previous.places.get(staff_id, [])
        ids = {place_id for place_id, _, _ in places}
        points = [(lat, lon) for _, lat, lon in places if lat is not None and lon is not None]
        stopped = [xy for xy in _project(proj, points) if xy is not None]
        out.append(
            frozenset(
                h
                for h, (hotspot_id, _) in enumerate(hotspots)
                if hotspot_id in ids
                or (
                    (here := metres[h]) is not None
                    and any(math.dist(here, there) <= SAME_PLACE_M for there in stopped)
                )
            )
        )
    return tuple(out)


def _project(
    proj: LocalProjection | None, points: Sequence[tuple[float, float] | None]
) -> list[tuple[float, float] | None]:
    """(lat, lon) points in metres on ``proj``, in one call (None stays None)."""
    given = [p for p in points if p is not None]
    if proj is None or not given:
        return [None] * len(points)
    projected = iter(proj.xy_many([(lon, lat) for lat, lon in given]))
    return [None if p is None else next(projected) for p in points]


def overlap(route: Route, familiar: frozenset[int]) -> float:
    """Share of the route's hotspot stops that are in ``familiar`` (0 with none)."""
    stops = [s.ref for s in route.stops if s.kind == "hotspot"]
    return sum(ref in familiar for ref in stops) / len(stops) if stops else 0.0


def mean_overlap(solution: Solution, familiar: tuple[frozenset[int], ...]) -> float:
    """Mean overlap over the routes that have hotspot stops."""
    shares = [
        overlap(route, familiar[route.shift])
        for route in solution.routes
        if any(s.kind == "hotspot" for s in route.stops)
    ]
    return round(statistics.fmean(shares), 4) if shares else 0.0


def busy_s(route: Route) -> int:
    """Travel plus time spent at stops (waiting left out)."""
    return route.travel_s + sum(s.departure_s - s.start_s for s in route.stops)


def _longest_busy_min(solution: Solution) -> float:
    return round(max((busy_s(r) for r in solution.routes), default=0) / 60, 2)


def solve_for_evening(
    problem: RoutingProblem,
    params: SolveParams,
    options: SearchOptions,
    familiar: tuple[frozenset[int], ...],
    previous_plan_id: str | None,
    hint: Hint | None = None,
) -> Outcome:
    """Solve ``problem`` with the evening's preferences.

    Parameters
    ----------
    familiar
        Per shift, the hotspots patrolled the night before (empty: no previous night).
    previous_plan_id
        The previous night's plan, reported in the variation.
    hint
        A plan to start from (re-planning), per shift ``(kind, ref, start_s)``.

    Raises
    ------
    InfeasibleError, SolverError
        As ``solver.solve``.
    """
    vary = options.variation.enabled and any(familiar)
    balance = options.balance_weight_per_hour > 0
    if not vary and not balance:
        return Outcome(solve(problem, params=params, hint=hint), familiar, None, None)
    half = replace(params, time_limit_s=params.time_limit_s / 2)
    best = solve(problem, params=half, hint=hint)
    chosen = best
    balance_out = None
    if balance:
        balanced = solve(
            problem, params=replace(half, balance_weight_per_hour=options.balance_weight_per_hour)
        )
        balance_out = BalanceOut(
            longest_busy_min=_longest_busy_min(balanced),
            longest_busy_min_unbalanced=_longest_busy_min(best),
            price_weight=round(max(0.0, best.covered_weight - balanced.covered_weight), 4),
        )
        chosen = balanced
    variation_out = None
    if vary:
        weights = [h.weight for h in problem.hotspots] or [1.0]
        varied = solve(
            replace_familiar(problem, familiar),
            params=replace(
                half,
                vary_weight=options.variation.repeat_cost * statistics.median(weights),
                balance_weight_per_hour=options.balance_weight_per_hour,
            ),
        )
        floor = (1 - options.variation.max_coverage_loss_pct / 100) * chosen.covered_weight
        applied = varied.covered_weight >= floor - 1e-9
        reference = chosen
        if applied:
            chosen = varied
        variation_out = VariationOut(
            previous_plan_id=previous_plan_id or "",
            overlap=mean_overlap(chosen, familiar),
            overlap_best=mean_overlap(reference, familiar),
            coverage_vs_best_pct=round(
                100 * chosen.covered_weight / best.covered_weight if best.covered_weight else 100,
                2,
            ),
            applied=applied,
        )
    return Outcome(chosen, familiar, variation_out, balance_out)


def replace_familiar(
    problem: RoutingProblem, familiar: tuple[frozenset[int], ...]
) -> RoutingProblem:
    """``problem`` with last night's hotspots per shift."""
    return RoutingProblem(
        problem.travel_s, problem.shifts, problem.hotspots, problem.visits, familiar
    )
