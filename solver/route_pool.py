"""The routes of a PyVRP search's good plans, and the search going on from packed plans.

A search meets many good plans on its way, each good in a different part of the map.
``RoutePool`` (PyVRP search callbacks) keeps their routes; when the search has stalled a
while it packs them into the best plan they make (``recombine.best_packing``), and if that
beats the search's best, PyVRP goes on from it (``GoingOn``, ``solve_going_on``). Searches
side by side on a ``Board`` hand each other their new routes every
``EXCHANGE_EVERY_ITERATIONS`` and before each packing, so that a search packs the others'
routes with its own: one that has fallen behind usually goes on
from a plan as good as theirs, one ahead may find its routes completed by theirs. At the
end the pool goes back with the search's result, for the routes of all searches to be
packed once more (``portfolio.pack_results``).
"""

from __future__ import annotations

import logging
import math
from array import array
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from .recombine import PackableRoute, best_packing

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from collections.abc import Callable

    from pyvrp.stop import StoppingCriterion

    from .pyvrp_search import Board, SearchStop


@dataclass(frozen=True, slots=True)
class PooledRoute:
    """A feasible route the search met in one of its good plans (see ``RoutePool``).

    ``shifts`` are the interchangeable shifts that may drive it (one PyVRP vehicle type);
    ``prize`` and ``distance`` are in PyVRP's units, which are the same for every search
    of one problem.
    """

    shifts: tuple[int, ...]
    stops: tuple[SearchStop, ...]
    prize: int
    distance: int

    def __reduce__(self) -> tuple[Any, ...]:
        # A pool goes back from a search's process with its result, after the deadline:
        # a route's stops as one bytes object of int64s pickle and load in a quarter of
        # the time an object per stop takes (500 routes of 30 stops: 15 ms against 70 ms).
        flat = array("q")
        for stop in self.stops:
            flat.extend((_KINDS.index(stop.kind), stop.ref, stop.start_s))
        return (_pooled_route, (self.shifts, flat.tobytes(), self.prize, self.distance))


_KINDS: tuple[Literal["hotspot", "visit"], ...] = ("hotspot", "visit")


def _pooled_route(shifts: tuple[int, ...], stops: bytes, prize: int, distance: int) -> PooledRoute:
    """A ``PooledRoute`` from its pickled form (``PooledRoute.__reduce__``)."""
    from .pyvrp_search import SearchStop

    flat = array("q")
    flat.frombytes(stops)
    at = iter(flat)
    return PooledRoute(
        shifts,
        tuple(SearchStop(_KINDS[k], r, s) for k, r, s in zip(at, at, at, strict=True)),
        prize,
        distance,
    )


SharedRoute = tuple[int, tuple[tuple[int, int], ...], int, int, int]
"""A pooled route as searches hand it to each other: (vehicle type, stops as (client,
start), prizes, distance, prizes of the best plan it was part of)."""

POOL_SHARE = 0.02
"""A route enters the pool when it is part of a feasible plan whose prizes are within this
share of the best plan's: routes of plans that good pack in milliseconds (a few hundred on a
98-place TOP instance after 10 s), while the pool of every route met (thousands) took
CP-SAT seconds."""

POOL_MAX_ROUTES = 500
"""Routes kept (those of the best plans) whenever the pool has grown to twice as many,
whatever the search's length. Packing and handing back the pool cost in proportion: with
3,000 routes of 10 shifts on 150 hotspots, a packing took 0.2-0.3 s and handing the pool
to the parent process 0.5 s, past the time limit; a TOP instance's pool within 2 % of the
best is 50-400 routes."""

PACK_AFTER_ITERATIONS = 1_000
"""A search packs its pool when it has gone this many iterations without a better plan
(and none since its last packing), if the pool has new routes."""

EXCHANGE_EVERY_ITERATIONS = 250
"""How often searches on a ``Board`` hand each other the routes pooled since they last did
(and before each packing): a search then packs the others' recent routes with its own, also
those of a search that keeps improving and so never packs."""

HISTORY_LENGTH = 1_000
"""How far back PyVRP's late-acceptance rule looks: a candidate plan is accepted when it
beats the current plan or the one the search held this many iterations ago (PyVRP's ring
buffer moves on every iteration). PyVRP's default, 300, kept both searches near their first
good plan on a fifth of TOP set 4's misses (p4.2.j: 931 where another part of the map gives
965); a longer memory lets a search go further downhill before it must climb back, into
parts of the map the shorter one never reaches. One length per seat (500 and 1,500) did
worse over three seed pairs (``bench/RESULTS.md``, "A longer late-acceptance history" and
"Two late-acceptance histories")."""

KICK_HARDER_AFTER_ITERATIONS = HISTORY_LENGTH
"""A search that has gone this many iterations without a better plan (a whole
late-acceptance history: by then it has climbed back to where it was stuck) perturbs its
plan harder, every ``HARDER_KICK_EVERY``-th candidate, until it finds a better one
(``HARDER_PERTURBATIONS``)."""

HARDER_KICK_EVERY = 2
"""While a search is stalled, every this-many-th candidate comes from a harder kick and the
others from PyVRP's usual perturbation. Harder kicks alone (stop 28) escaped TOP set 4's
traps but cost the small late gains of the instances without one; alternating keeps both:
mean gap over three seeds 0.123 % against 0.155 %, better on 36 runs and worse on 19
(``bench/RESULTS.md``, "Harder kicks alternating with the usual ones")."""

HARDER_PERTURBATIONS = 50
"""The most random moves a harder kick makes (PyVRP's own perturbation: 1 to 25). On the
TOP set 4 instances where both searches ended on a poorer plan for the rest of the limit
(p4.2.i 866-872 of 918, p4.2.h 809 of 835), kicks of up to 50 moves after a whole history
without a better plan halved the mean gap over four seeds; the late-acceptance rule still
takes only candidates about as good as the recent plans (``bench/RESULTS.md``, "Harder
kicks for a stalled search")."""

PACK_IN_SEARCH_DETERMINISTIC_S = 0.2
"""CP-SAT's deterministic limit for a packing during a search (``recombine``)."""


class RoutePool:
    """PyVRP search callbacks that keep the routes of the search's good plans, and pack
    them into a better plan (``recombine.best_packing``).

    Every feasible candidate plan whose prizes are within ``POOL_SHARE`` of the best
    feasible plan so far gives its routes; a route (a vehicle type and a set of clients)
    is kept once, in its shortest order. A route already met is known by a fingerprint
    (vehicle type, prizes, distance, clients), so that its stops are read only once.
    """

    def __init__(
        self,
        data: Any,
        clients: list[tuple[SearchStop, int, int, int]],
        shifts_of_type: list[list[int]],
        *,
        board: Board | None = None,
        seat: int = 0,
    ) -> None:
        self._board = board
        self._seat = seat
        self._unshared: set[tuple[int, frozenset[int]]] = set()  # pooled, not yet handed on
        self._received: set[tuple[int, frozenset[int]]] = set()  # handed here by others
        self.borrowed = False
        """Whether the search went on from a plan with another search's routes: its best is
        then not its own, and agreeing with the other search proves nothing
        (``pyvrp_search.SearchLimit``)."""
        self._data = data
        self._clients = clients
        self._shifts = [tuple(members) for members in shifts_of_type]
        self._required = [c for c, (stop, *_) in enumerate(clients) if stop.kind == "visit"]
        self._best = -1
        self._floor = 0
        self._best_plan: Any = None
        # (vehicle type, clients) -> [stops (client, start), prize, distance, best plan prize]
        self._routes: dict[tuple[int, frozenset[int]], list[Any]] = {}
        self._known: dict[tuple[int, int, int, int], tuple[int, frozenset[int]]] = {}
        self._added_since_pack = 0
        self._iterations = 0
        self._packed_borrows = False
        self.packings = 0
        self.packed: Any = None
        """A packed plan better than the search's best (a ``pyvrp.Solution``), to go on from."""

    # PyVRP's IteratedLocalSearchCallbacks interface.
    def on_start(self, ils: Any) -> None:
        """Nothing to do at the start."""

    def on_end(self, result: Any) -> None:
        """Nothing to do at the end."""

    def on_restart(self, best: Any) -> None:
        """Nothing to do at a restart."""

    def on_best(self, best: Any) -> None:
        """A new best plan: its routes are pooled."""
        if best.is_feasible():
            self._best_plan = best
        self._offer(best)

    def on_iteration(self, current: Any, candidate: Any, best: Any, cost_evaluator: Any) -> None:
        """Each candidate plan: pooled if feasible and good enough; on a ``Board``, routes
        handed on and received every ``EXCHANGE_EVERY_ITERATIONS``."""
        self._offer(candidate)
        self._iterations += 1
        if self._board is not None and self._iterations % EXCHANGE_EVERY_ITERATIONS == 0:
            self.exchange()

    def _offer(self, plan: Any) -> None:
        if not plan.is_feasible():
            return
        prizes = int(plan.prizes())
        if prizes < self._floor:
            return
        if prizes > self._best:
            self._best = prizes
            self._floor = prizes - int(POOL_SHARE * prizes)
        for route in plan.routes():
            self._add(route, prizes)
        if len(self._routes) > 2 * POOL_MAX_ROUTES:
            self._prune()

    @staticmethod
    def _fingerprint(route: Any) -> tuple[int, int, int, int]:
        """(vehicle type, prizes, distance, clients): how a route already met is known."""
        distance = int(route.distance())
        return route.vehicle_type(), int(route.prizes()), distance, route.num_clients()

    def _add(self, route: Any, plan_prizes: int) -> None:
        fingerprint = self._fingerprint(route)
        vehicle_type, distance = fingerprint[0], fingerprint[2]
        key = self._known.get(fingerprint)
        if key is not None:
            entry = self._routes.get(key)
            if entry is not None:
                entry[3] = max(entry[3], plan_prizes)
                return
        stops = _starts(route)
        key = (vehicle_type, frozenset(c for c, _ in stops))
        self._known[fingerprint] = key
        new_or_shorter = self._keep(key, stops, fingerprint[1], distance, plan_prizes)
        if new_or_shorter and self._board is not None:
            self._unshared.add(key)

    def _keep(
        self,
        key: tuple[int, frozenset[int]],
        stops: tuple[tuple[int, int], ...],
        prize: int,
        distance: int,
        plan_prizes: int,
    ) -> bool:
        """Pool a route under ``key``, or its order if shorter than the one pooled; whether
        it was new or shorter."""
        entry = self._routes.get(key)
        if entry is None:
            self._routes[key] = [stops, prize, distance, plan_prizes]
            self._added_since_pack += 1
            return True
        entry[3] = max(entry[3], plan_prizes)
        if distance < entry[2]:
            entry[0], entry[2] = stops, distance
            return True
        return False

    def _prune(self) -> None:
        kept = sorted(self._routes.items(), key=lambda item: -item[1][3])
        kept = [(k, e) for k, e in kept if e[3] >= self._floor][:POOL_MAX_ROUTES]
        self._routes = dict(kept)
        self._known = {(k[0], e[1], e[2], len(k[1])): k for k, e in self._routes.items()}
        # A route pruned here and met again later is the search's own, not borrowed.
        self._received &= self._routes.keys()

    def repack(self, time_limit_s: float) -> bool:
        """Pack the pool; ``True`` (and ``packed`` set) if that beats the best plan.

        Nothing is packed while no route has come in since the last packing. On a
        ``Board`` the routes pooled since the last exchange are first handed to the other
        searches, and theirs pooled here (``_exchange``).
        """
        best = self._best_plan
        if self._board is not None:
            self.exchange()
        if not self._added_since_pack or (best is None and not self._received):
            return False
        self._added_since_pack = 0
        self._prune()
        keys = list(self._routes)
        routes = [
            PackableRoute(key[0], key[1], self._routes[key][2] - self._routes[key][1])
            for key in keys
        ]
        # The best plan's routes are pooled: known by their fingerprints, not read again.
        in_best = (
            {self._known.get(self._fingerprint(route)) for route in best.routes()}
            if best is not None
            else set()
        )
        capacity = {t: len(members) for t, members in enumerate(self._shifts)}
        found = best_packing(
            routes,
            capacity=capacity,
            required=self._required,
            hint=[i for i, key in enumerate(keys) if key in in_best],
            time_limit_s=time_limit_s,
            deterministic_s=PACK_IN_SEARCH_DETERMINISTIC_S,
        )
        to_beat = math.inf if best is None else int(best.distance()) - int(best.prizes())
        if found is None or found[1] >= to_beat:
            return False
        import pyvrp

        self._packed_borrows = any(keys[i] in self._received for i in found[0])
        self.packed = pyvrp.Solution(
            self._data,
            [
                pyvrp.Route(self._data, [c for c, _ in self._routes[keys[i]][0]], keys[i][0])
                for i in found[0]
            ],
        )
        return True

    def exchange(self) -> None:
        """Hand routes to the other searches and pool theirs (``_exchange``); a failure is
        logged, never raised: handing routes on helps a search, it must never end one."""
        try:
            self._exchange()
        except Exception:
            log.exception("routes could not be exchanged with the other searches")

    def _exchange(self) -> None:
        """Hand the routes pooled since the last exchange to the other searches, and pool
        those they handed here: the ones of plans good enough for this pool, each checked
        here as a route of this search's own problem (a feasible route of a vehicle type
        there is, its prizes and distance recomputed)."""
        import pyvrp

        board = self._board
        assert board is not None
        mine = [
            (key[0], tuple(entry[0]), entry[1], entry[2], entry[3])
            for key in self._unshared
            if (entry := self._routes.get(key)) is not None
        ]
        self._unshared.clear()
        if mine:
            board.share(self._seat, mine)
        num_clients = len(self._clients)
        for vehicle_type, stops, _, sent_distance, plan_prizes in board.shared(self._seat):
            if plan_prizes < self._floor or not 0 <= vehicle_type < len(self._shifts):
                continue
            visits = [c for c, _ in stops]
            key = (vehicle_type, frozenset(visits))
            pooled = self._routes.get(key)
            if pooled is not None and pooled[2] <= sent_distance:
                # Already pooled, no longer: the common case once the searches agree. (The
                # sender's distance only decides what need not be checked again.)
                pooled[3] = max(pooled[3], plan_prizes)
                continue
            if len(set(visits)) != len(visits) or not all(0 <= c < num_clients for c in visits):
                continue
            route = pyvrp.Route(self._data, visits, vehicle_type)
            if not route.is_feasible():
                continue
            prize, distance = int(route.prizes()), int(route.distance())
            if self._keep(key, _starts(route), prize, distance, plan_prizes):
                self._known[vehicle_type, prize, distance, len(visits)] = key
                self._received.add(key)

    def go_on_from_packed(self) -> Any:
        """The packed plan, now the best the search knows."""
        packed, self.packed = self.packed, None
        self._best_plan = packed
        self.borrowed = self.borrowed or self._packed_borrows
        self.packings += 1
        return packed

    def routes(self) -> tuple[PooledRoute, ...]:
        """The routes of plans within ``POOL_SHARE`` of the best (``POOL_MAX_ROUTES`` at
        most, those of the best plans)."""
        from .pyvrp_search import SearchStop

        self._prune()
        out = []
        client_stops = [stop for stop, *_ in self._clients]
        for (vehicle_type, _), (stops, prize, distance, _) in self._routes.items():
            out.append(
                PooledRoute(
                    shifts=self._shifts[vehicle_type],
                    stops=tuple(
                        SearchStop(client_stops[c].kind, client_stops[c].ref, start_s)
                        for c, start_s in stops
                    ),
                    prize=prize,
                    distance=distance,
                )
            )
        return tuple(out)


def _starts(route: Any) -> tuple[tuple[int, int], ...]:
    """A PyVRP route's stops as (client, start)."""
    return tuple((a.idx, int(a.start_time)) for a in route.schedule() if a.is_client())


class GoingOn:
    """PyVRP's local search, handing the iterated local search a packed plan when one is
    waiting (``RoutePool.packed``) instead of its next candidate: PyVRP takes it as its
    new best (searching it exhaustively) and goes on from it, with its random stream,
    penalties and history as they were. While ``stalled()`` says the search has gone
    ``KICK_HARDER_AFTER_ITERATIONS`` without a better plan, every ``HARDER_KICK_EVERY``-th
    candidate comes from ``harder``: the same local search after a harder perturbation."""

    def __init__(
        self,
        local_search: Any,
        pool: RoutePool,
        *,
        harder: Any,
        stalled: Callable[[], bool],
    ) -> None:
        self._local_search = local_search
        self._pool = pool
        self._harder = harder
        self._stalled = stalled
        self.harder_kicks = 0
        self._stalled_candidates = 0

    def __call__(self, solution: Any, cost_evaluator: Any, exhaustive: bool = False) -> Any:
        if not exhaustive and self._pool.packed is not None:
            return self._pool.go_on_from_packed()
        if not exhaustive and self._stalled():
            self._stalled_candidates += 1
            if self._stalled_candidates % HARDER_KICK_EVERY == 0:
                self.harder_kicks += 1
                return self._harder(solution, cost_evaluator, exhaustive=False)
        return self._local_search(solution, cost_evaluator, exhaustive=exhaustive)


def solve_going_on(
    data: Any,
    stop: StoppingCriterion,
    seed: int,
    pool: RoutePool,
    *,
    since_best: Callable[[], int],
) -> tuple[Any, int]:
    """``pyvrp.solve`` with PyVRP's default parameters but the late-acceptance history
    (``HISTORY_LENGTH``), step by step as it does it, with the search going on from packed
    plans (``GoingOn``), harder kicks once ``since_best()`` (iterations without a better
    plan) reaches ``KICK_HARDER_AFTER_ITERATIONS`` (every ``HARDER_KICK_EVERY``-th candidate),
    and ``pool`` as callbacks.

    Returns PyVRP's result and how many candidates came from a harder kick.
    """
    import pyvrp
    from pyvrp import search

    ils_params = pyvrp.IteratedLocalSearchParams(callbacks=pool, history_length=HISTORY_LENGTH)  # type: ignore[arg-type]
    params = pyvrp.SolveParams(ils=ils_params)
    rng = pyvrp.RandomNumberGenerator(seed=seed)
    neighbours = search.compute_neighbours(data, params.neighbourhood)

    def local_search(perturbation: Any) -> Any:
        found = search.LocalSearch(data, rng, neighbours, search.PerturbationManager(perturbation))
        for operator in params.operators:
            if operator.supports(data):
                found.add_operator(operator(data))
        return found

    usual = local_search(params.perturbation)
    harder = local_search(
        search.PerturbationParams(params.perturbation.min_perturbations, HARDER_PERTURBATIONS)
    )
    penalties = pyvrp.PenaltyManager(params.penalty.midpoint_penalties(data), params.penalty)
    start = usual(
        pyvrp.Solution.make_random(data, rng), penalties.max_cost_evaluator(), exhaustive=True
    )
    going_on = GoingOn(
        usual,
        pool,
        harder=harder,
        stalled=lambda: since_best() >= KICK_HARDER_AFTER_ITERATIONS,
    )
    ils = pyvrp.IteratedLocalSearch(data, penalties, going_on, start, params.ils)
    return ils.run(stop, collect_stats=False), going_on.harder_kicks
