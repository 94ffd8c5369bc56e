"""A fast prize-collecting search with PyVRP, whose routes seed the OR-Tools model.

PyVRP sees a relaxation that is never looser than the product's model: the first visit of
each hotspot (repeats are left to OR-Tools), one window per stop (the widest, when a
hotspot has several), shift windows and separate start and end depots, one routing profile
per travel mode, and mandatory visits as required clients. A shift not allowed to serve a
visit sees that visit as unreachable. Whatever PyVRP returns is checked again by OR-Tools.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .coverage import weight_units

if TYPE_CHECKING:
    from .problem import RoutingProblem, TimeWindow

Stop = tuple[str, int]
"""``("hotspot", index)`` or ``("visit", index)``."""


@dataclass(frozen=True, slots=True)
class SearchResult:
    """Routes (per shift, the stops between start and end); ``feasible`` as PyVRP judges."""

    routes: list[list[Stop]]
    feasible: bool


def _widest(windows: tuple[TimeWindow, ...], horizon_s: int) -> tuple[int, int]:
    if not windows:
        return 0, horizon_s
    widest = max(windows, key=lambda w: min(w.end_s, horizon_s) - max(w.start_s, 0))
    return max(0, widest.start_s), max(0, min(widest.end_s, horizon_s))


def _profiles(problem: RoutingProblem, horizon_s: int) -> tuple[list[np.ndarray], list[int]]:
    """One matrix per (travel profile, visits this shift may not serve) pattern."""
    keys: dict[tuple[int, frozenset[int]], int] = {}
    matrices: list[np.ndarray] = []
    shift_profile = []
    for v, shift in enumerate(problem.shifts):
        banned = frozenset(
            problem.visits[i].location
            for i in range(len(problem.visits))
            if v not in problem.eligible_shifts(problem.visits[i])
        )
        key = (shift.profile, banned)
        if key not in keys:
            matrix = np.minimum(problem.travel_s[shift.profile], horizon_s + 1).astype(np.int64)
            if banned:
                matrix = matrix.copy()
                matrix[:, sorted(banned)] = horizon_s + 1
            keys[key] = len(matrices)
            matrices.append(matrix)
        shift_profile.append(keys[key])
    return matrices, shift_profile


def search_routes(problem: RoutingProblem, *, time_limit_s: float, seed: int) -> SearchResult:
    """Run PyVRP on the relaxation of ``problem``.

    Parameters
    ----------
    problem
        The product's problem.
    time_limit_s
        PyVRP's run time.
    seed
        PyVRP's random seed.

    Returns
    -------
    SearchResult
        The best routes found, by shift.
    """
    import pyvrp
    from pyvrp.stop import MaxRuntime

    horizon_s = max(shift.end_s for shift in problem.shifts)
    # Several visits may share a location: PyVRP's stops each get their own location index
    # (a copy of the matrix row and column) so depots and clients never collide.
    stops: list[tuple[str, int, int]] = []  # (kind, ref, problem location)
    depot_locations = sorted(
        {s.start_location for s in problem.shifts} | {s.end_location for s in problem.shifts}
    )
    for h, hotspot in enumerate(problem.hotspots):
        stops.append(("hotspot", h, hotspot.location))
    for i, visit in enumerate(problem.visits):
        stops.append(("visit", i, visit.location))
    order = depot_locations + [location for _, _, location in stops]
    matrices, shift_profile = _profiles(problem, horizon_s)
    matrices = [np.ascontiguousarray(m[np.ix_(order, order)]) for m in matrices]
    for matrix in matrices:
        np.fill_diagonal(matrix, 0)
    # Prizes far above travel, yet small enough for PyVRP's penalty manager to work with:
    # a weight of 1 is worth 100 typical legs.
    finite = matrices[0][matrices[0] <= horizon_s]
    typical_leg = int(np.median(finite)) if finite.size else 1
    prize_per_unit = max(1, typical_leg // 10)

    depot_index = {location: i for i, location in enumerate(depot_locations)}
    locations = [pyvrp.Location(0, 0) for _ in order]
    depots = [pyvrp.Depot(location=i) for i in range(len(depot_locations))]
    clients = []
    for k, (kind, ref, _) in enumerate(stops):
        location = len(depot_locations) + k
        if kind == "hotspot":
            hotspot = problem.hotspots[ref]
            early, late = _widest(hotspot.windows, horizon_s)
            clients.append(
                pyvrp.Client(
                    location=location,
                    service_duration=hotspot.dwell_s,
                    tw_early=early,
                    tw_late=max(early, late),
                    prize=weight_units(hotspot.weight) * prize_per_unit,
                    required=False,
                )
            )
        else:
            visit = problem.visits[ref]
            clients.append(
                pyvrp.Client(
                    location=location,
                    service_duration=visit.service_s,
                    tw_early=max(0, visit.window.start_s),
                    tw_late=max(0, min(visit.window.end_s, horizon_s)),
                    required=True,
                )
            )
    vehicle_types = [
        pyvrp.VehicleType(
            num_available=1,
            start_depot=depot_index[shift.start_location],
            end_depot=depot_index[shift.end_location],
            tw_early=shift.start_s,
            tw_late=shift.end_s,
            shift_duration=shift.end_s - shift.start_s,
            unit_distance_cost=1,
            profile=shift_profile[v],
        )
        for v, shift in enumerate(problem.shifts)
    ]
    data = pyvrp.ProblemData(
        locations=locations,
        clients=clients,
        depots=depots,
        vehicle_types=vehicle_types,
        distance_matrices=matrices,  # type: ignore[arg-type]  # PyVRP's stub: ndarray[int]
        duration_matrices=matrices,  # type: ignore[arg-type]
    )
    with warnings.catch_warnings():
        # PyVRP warns when its penalties hit their bound; the result is still checked below
        # and again by OR-Tools, so the warning carries no news for the caller.
        warnings.simplefilter("ignore", pyvrp.exceptions.PenaltyBoundWarning)
        result = pyvrp.solve(data, stop=MaxRuntime(time_limit_s), seed=seed, collect_stats=False)
    best = result.best
    routes: list[list[Stop]] = [[] for _ in problem.shifts]
    for route in best.routes():
        routes[route.vehicle_type()] = [
            (stops[a.idx][0], stops[a.idx][1]) for a in route.schedule() if a.is_client()
        ]
    return SearchResult(routes=routes, feasible=best.is_feasible())
