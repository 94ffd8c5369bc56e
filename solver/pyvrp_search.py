"""A fast prize-collecting search with PyVRP, whose routes seed the OR-Tools model.

PyVRP sees a relaxation of the product's model: every possible visit of each hotspot as a
client of its own (visit k worth ``visit_value(k)``, its window narrowed so that the gap to
the other visits can fit), one window per stop (the widest, when a hotspot has several),
shift windows with separate start and end depots, one routing profile per travel mode, and
mandatory visits as required clients that the shifts not allowed to serve them cannot
reach; hotspots no shift can reach are left out. PyVRP does not know the minimum gap
between repeat visits: ``portfolio`` repairs that before OR-Tools reads and checks the
routes against the full model. The search keeps the routes of its good plans and goes on
from better plans packed from them, and kicks its plan harder once it has gone a while
without a better one (``route_pool``).
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol

import numpy as np

from . import route_pool
from .coverage import weight_units
from .reach import hotspots_in_reach
from .route_pool import PACK_AFTER_ITERATIONS, PooledRoute, RoutePool, SharedRoute

if TYPE_CHECKING:
    from collections.abc import Callable

    from .problem import RoutingProblem, TimeWindow


class Board(Protocol):
    """Where the parallel searches of one problem post their best cost and whether each
    has stalled (see ``SearchLimit``); each search has a seat of its own."""

    def post(self, seat: int, best_cost: float, *, stalled: bool) -> None:
        """Post the search's best cost so far and whether it has stalled."""
        ...

    def agreed(self) -> bool:
        """Whether every search has stalled on the same best cost."""
        ...

    def settled(self, *, besides: int) -> bool:
        """Whether every search but the one in seat ``besides`` has stalled or left."""
        ...

    def share(self, seat: int, routes: list[SharedRoute]) -> None:
        """Hand routes of the search in ``seat`` to every other search."""
        ...

    def shared(self, seat: int) -> list[SharedRoute]:
        """The routes other searches have handed the search in ``seat`` since it last
        asked."""
        ...


@dataclass(frozen=True, slots=True)
class SearchLimit:
    """When a PyVRP search ends: whichever of these comes first.

    Parameters
    ----------
    deadline
        Wall-clock time (``time.time()``) at which the search ends.
    max_iterations
        Iterations after which the search ends (a fixed effort); ``None`` for no limit.
    stall_iterations, stall_ratio
        A search has stalled once it has gone ``stall_iterations`` iterations, and
        ``stall_ratio`` times the iterations it took to find its best plan, without a
        better one. ``stall_iterations=None``: never (run to the deadline).

    A search alone ends once it has stalled. Searches of one problem side by side (with
    different seeds, sharing a ``Board``) end together once every one of them has stalled
    on the same best cost: independent searches agreeing is what says that the search has
    converged; while they disagree, at least one of them can still improve. Searches that
    hand each other routes (``route_pool``) are no longer independent once one has gone
    on from a plan with the other's routes: that one never counts as stalled, and both
    search until the deadline.
    """

    deadline: float
    max_iterations: int | None = None
    stall_iterations: int | None = None
    stall_ratio: float = 0.0


class _Converged:
    """PyVRP's stopping criterion for a ``SearchLimit`` (and a seat on a ``Board``).

    It also has the search's route pool packed (``repack``, given half the time left; it
    says whether that beat the search's best) once the search has gone
    ``PACK_AFTER_ITERATIONS`` iterations without a better plan and without a packing.
    """

    _POST_EVERY = 16

    def __init__(
        self,
        limit: SearchLimit,
        board: Board | None,
        seat: int,
        repack: Callable[[float], bool] | None = None,
        borrowed: Callable[[], bool] = lambda: False,
    ) -> None:
        self._limit = limit
        self._board = board
        self._seat = seat
        self._repack = repack
        self._borrowed = borrowed
        self.iterations = 0
        self.converged = False
        self._best = float("inf")
        self._found_at = 0
        self._packed_at = 0
        self._stalled = False

    @property
    def since_best(self) -> int:
        """Iterations since the search's best plan was found."""
        return self.iterations - self._found_at

    def __call__(self, best_cost: float) -> bool:
        limit = self._limit
        improved = best_cost < self._best
        if improved:
            self._best, self._found_at = best_cost, self.iterations
        if limit.max_iterations is not None and self.iterations >= limit.max_iterations:
            return True
        self.iterations += 1
        packed_better = False
        if (
            self._repack is not None
            and self.iterations - max(self._found_at, self._packed_at) >= PACK_AFTER_ITERATIONS
        ):
            self._packed_at = self.iterations
            left_s = limit.deadline - time.time()
            packed_better = self._repack(left_s / 2 if limit.max_iterations is None else math.inf)
        if limit.stall_iterations is not None:
            # A search that went on from a plan with another's routes never counts as
            # stalled: agreeing with that search would prove nothing (``SearchLimit``);
            # nor does one that has just packed a better plan than its best, to go on from.
            stalled = (
                not packed_better
                and not self._borrowed()
                and self.since_best
                >= max(limit.stall_iterations, limit.stall_ratio * self._found_at)
            )
            changed = improved or stalled != self._stalled
            self._stalled = stalled
            if self._board is None:
                self.converged = stalled
            elif changed or self.iterations % self._POST_EVERY == 0:
                self._board.post(self._seat, self._best, stalled=stalled)
                self.converged = self._board.agreed()
            if self.converged:
                return True
        return time.time() >= limit.deadline


@dataclass(frozen=True, slots=True)
class SearchStop:
    """A stop PyVRP routed: a hotspot or a mandatory visit, and when it starts."""

    kind: Literal["hotspot", "visit"]
    ref: int
    start_s: int


@dataclass(frozen=True, slots=True)
class SearchResult:
    """Routes (per shift, the stops between start and end); ``feasible`` as PyVRP judges.

    ``cost`` is PyVRP's cost of the routes (travel less prizes; ``None`` where unknown);
    ``pool`` the routes of the search's good plans, for ``portfolio.pack_results``;
    ``packings`` how often the search went on from a plan packed from its pool;
    ``harder_kicks`` how many of its candidates came from a harder perturbation
    (``route_pool.KICK_HARDER_AFTER_ITERATIONS``).
    """

    routes: list[list[SearchStop]]
    feasible: bool
    iterations: int = 0
    converged: bool = False
    cost: int | None = None
    pool: tuple[PooledRoute, ...] = ()
    packings: int = 0
    harder_kicks: int = 0


def _widest(windows: tuple[TimeWindow, ...], horizon_s: int) -> tuple[int, int]:
    if not windows:
        return 0, horizon_s
    widest = max(windows, key=lambda w: min(w.end_s, horizon_s) - max(w.start_s, 0))
    return max(0, widest.start_s), max(0, min(widest.end_s, horizon_s))


def _clients(problem: RoutingProblem, horizon_s: int) -> list[tuple[SearchStop, int, int, int]]:
    """(stop, problem location, earliest start, latest start) of every client.

    A hotspot that no shift could visit is left out: it cannot be in any plan, and where
    such hotspots are many and valuable they kept PyVRP's search in plans that break the
    shifts' ends, its penalties at their bound, until it found no plan at all.
    """
    out = []
    reach = hotspots_in_reach(problem)
    for h, hotspot in enumerate(problem.hotspots):
        if not reach[h]:
            continue
        early, late = _widest(hotspot.windows, horizon_s)
        for k in range(hotspot.max_visits):
            # Visit k+1 cannot start before k gaps after the window opens, nor so late
            # that the later visits no longer fit.
            lo = early + k * hotspot.min_gap_s
            hi = late - (hotspot.max_visits - 1 - k) * hotspot.min_gap_s
            if k == 0 or lo <= hi:
                out.append((SearchStop("hotspot", h, 0), hotspot.location, lo, max(lo, hi)))
    for i, visit in enumerate(problem.visits):
        lo, hi = max(0, visit.window.start_s), max(0, min(visit.window.end_s, horizon_s))
        out.append((SearchStop("visit", i, 0), visit.location, lo, hi))
    return out


def _matrices(
    problem: RoutingProblem,
    order: list[int],
    clients: list[tuple[SearchStop, int, int, int]],
    first_client: int,
    horizon_s: int,
) -> tuple[list[np.ndarray], list[int]]:
    """One matrix per (travel profile, visits the shift may not serve), in PyVRP order."""
    base = {
        p: np.ascontiguousarray(
            np.minimum(problem.travel_s[p], horizon_s + 1)[np.ix_(order, order)]
        ).astype(np.int64)
        for p in {shift.profile for shift in problem.shifts}
    }
    for matrix in base.values():
        np.fill_diagonal(matrix, 0)
    keys: dict[tuple[int, frozenset[int]], int] = {}
    matrices: list[np.ndarray] = []
    shift_profile = []
    for v, shift in enumerate(problem.shifts):
        banned = frozenset(
            first_client + c
            for c, (stop, *_) in enumerate(clients)
            if stop.kind == "visit" and v not in problem.eligible_shifts(problem.visits[stop.ref])
        )
        key = (shift.profile, banned)
        if key not in keys:
            matrix = base[shift.profile]
            if banned:
                matrix = matrix.copy()
                matrix[:, sorted(banned)] = horizon_s + 1
                np.fill_diagonal(matrix, 0)
            keys[key] = len(matrices)
            matrices.append(matrix)
        shift_profile.append(keys[key])
    return matrices, shift_profile


def _with_gaps(
    problem: RoutingProblem,
    matrices: list[np.ndarray],
    clients: list[tuple[SearchStop, int, int, int]],
    first_client: int,
) -> list[np.ndarray]:
    """Duration matrices where going from one visit of a hotspot straight to another takes
    the minimum gap (less the dwell), so PyVRP does not stack repeat visits back to back."""
    pairs: dict[int, list[int]] = {}
    for c, (stop, *_) in enumerate(clients):
        if stop.kind == "hotspot" and problem.hotspots[stop.ref].max_visits > 1:
            pairs.setdefault(stop.ref, []).append(first_client + c)
    if not pairs:
        return matrices
    out = []
    for matrix in matrices:
        matrix = matrix.copy()
        for h, positions in pairs.items():
            hotspot = problem.hotspots[h]
            wait_s = max(0, hotspot.min_gap_s - hotspot.dwell_s)
            for a in positions:
                for b in positions:
                    if a != b:
                        matrix[a, b] = max(matrix[a, b], wait_s)
        out.append(matrix)
    return out


def search_routes(
    problem: RoutingProblem,
    *,
    limit: SearchLimit,
    seed: int,
    board: Board | None = None,
    seat: int = 0,
) -> SearchResult:
    """Run PyVRP on the relaxation of ``problem``.

    Parameters
    ----------
    problem
        The product's problem.
    limit
        When the search ends (deadline, iterations, convergence).
    seed
        PyVRP's random seed.
    board, seat
        Where this search and the others beside it post their progress (``SearchLimit``);
        ``None`` for a search alone.

    Returns
    -------
    SearchResult
        The best routes found, by shift, with PyVRP's start times, and how many
        iterations the search ran and whether it ended because it had converged (alone:
        stalled; beside others: all stalled on the same cost).
    """
    import pyvrp

    horizon_s = max(shift.end_s for shift in problem.shifts)
    depot_locations = sorted(
        {s.start_location for s in problem.shifts} | {s.end_location for s in problem.shifts}
    )
    clients = _clients(problem, horizon_s)
    # Each depot and client gets a PyVRP location of its own (a copy of its matrix row
    # and column), so stops sharing a place never collide.
    order = depot_locations + [location for _, location, _, _ in clients]
    first_client = len(depot_locations)
    matrices, shift_profile = _matrices(problem, order, clients, first_client, horizon_s)
    durations = _with_gaps(problem, matrices, clients, first_client)
    # Prizes far above travel, yet small enough for PyVRP's penalty manager to work with:
    # a weight of 1 is worth 100 typical legs.
    finite = matrices[0][matrices[0] <= horizon_s]
    prize_per_unit = max(1, int(np.median(finite)) // 10 if finite.size else 1)

    depot_index = {location: i for i, location in enumerate(depot_locations)}
    pyvrp_clients = []
    for c, (stop, _, lo, hi) in enumerate(clients):
        if stop.kind == "hotspot":
            hotspot = problem.hotspots[stop.ref]
            number = sum(1 for s, *_ in clients[:c] if s.kind == "hotspot" and s.ref == stop.ref)
            pyvrp_clients.append(
                pyvrp.Client(
                    location=first_client + c,
                    service_duration=hotspot.dwell_s,
                    tw_early=lo,
                    tw_late=hi,
                    prize=weight_units(hotspot.visit_value(number + 1)) * prize_per_unit,
                    required=False,
                )
            )
        else:
            pyvrp_clients.append(
                pyvrp.Client(
                    location=first_client + c,
                    service_duration=problem.visits[stop.ref].service_s,
                    tw_early=lo,
                    tw_late=hi,
                    required=True,
                )
            )
    # Interchangeable shifts (same places, times and matrix, no fixed sequence) share one
    # vehicle type: PyVRP then need not try which of them drives a route.
    type_of: dict[tuple[int, ...], int] = {}
    shifts_of_type: list[list[int]] = []
    for v, shift in enumerate(problem.shifts):
        key = (
            (shift.start_location, shift.end_location, shift.start_s, shift.end_s, shift_profile[v])
            if not shift.sequence
            else (-1 - v,)
        )
        if key not in type_of:
            type_of[key] = len(shifts_of_type)
            shifts_of_type.append([])
        shifts_of_type[type_of[key]].append(v)
    vehicle_types = []
    for members in shifts_of_type:
        shift = problem.shifts[members[0]]
        vehicle_types.append(
            pyvrp.VehicleType(
                num_available=len(members),
                start_depot=depot_index[shift.start_location],
                end_depot=depot_index[shift.end_location],
                tw_early=shift.start_s,
                tw_late=shift.end_s,
                shift_duration=shift.end_s - shift.start_s,
                unit_distance_cost=1,
                profile=shift_profile[members[0]],
            )
        )
    data = pyvrp.ProblemData(
        locations=[pyvrp.Location(0, 0) for _ in order],
        clients=pyvrp_clients,
        depots=[pyvrp.Depot(location=i) for i in range(first_client)],
        vehicle_types=vehicle_types,
        distance_matrices=matrices,  # type: ignore[arg-type]  # PyVRP's stub: ndarray[int]
        duration_matrices=durations,  # type: ignore[arg-type]
    )
    with warnings.catch_warnings():
        # PyVRP warns when its penalties hit their bound; the result is still checked below
        # and again by OR-Tools, so the warning carries no news for the caller.
        warnings.simplefilter("ignore", pyvrp.exceptions.PenaltyBoundWarning)
        pool = RoutePool(data, clients, shifts_of_type, board=board, seat=seat)
        criterion = _Converged(
            limit, board, seat, repack=pool.repack, borrowed=lambda: pool.borrowed
        )
        result, harder_kicks = route_pool.solve_going_on(
            data, criterion, seed, pool, since_best=lambda: criterion.since_best
        )
    best = result.best
    routes: list[list[SearchStop]] = [[] for _ in problem.shifts]
    free = [list(members) for members in shifts_of_type]
    for route in best.routes():
        routes[free[route.vehicle_type()].pop(0)] = [
            SearchStop(clients[a.idx][0].kind, clients[a.idx][0].ref, int(a.start_time))
            for a in route.schedule()
            if a.is_client()
        ]
    return SearchResult(
        routes=routes,
        feasible=best.is_feasible(),
        iterations=criterion.iterations,
        converged=criterion.converged,
        cost=int(best.distance()) - int(best.prizes()),
        pool=pool.routes(),
        packings=pool.packings,
        harder_kicks=harder_kicks,
    )
