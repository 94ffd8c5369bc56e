"""Seed the OR-Tools model with PyVRP routes, searched on both cores.

OR-Tools carries the product's full model (repeat visits with gaps, several windows,
mandatory visits and who may serve them, the latest end), but its search stalls on
prize-collecting problems. PyVRP finds far better routes for the part of the model it can
express; OR-Tools then reads them as its first solution, checks every constraint, and
spends the rest of the time adding what PyVRP did not see (repeat visits) and polishing.
"""

from __future__ import annotations

import contextlib
import importlib.util
import itertools
import logging
import math
import multiprocessing
import multiprocessing.connection
import multiprocessing.forkserver
import queue as queue_module
import sys
import threading
import time
from typing import TYPE_CHECKING, Any, TypeVar

from .pyvrp_search import Board, SearchLimit, SearchResult, SearchStop, search_routes
from .recombine import PackableRoute, best_packing
from .route_mail import RouteMail

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

    from ortools.constraint_solver import pywrapcp

    from .model import RoutingModel
    from .problem import RoutingProblem
    from .route_pool import PooledRoute, SharedRoute

log = logging.getLogger(__name__)

T = TypeVar("T")

_MIN_PARALLEL_S = 1.0
"""Below this budget a worker process costs more than it finds: a fork takes about 10 ms,
but the fork server's own start (once per process, ``start_fork_server``) 0.3 s on an idle
machine and up to a second on a busy one."""

PRELOAD_MODULES = ("solver.portfolio", "pyvrp", "ortools.sat.python.cp_model")
"""What the fork server imports once, so that a search worker forked from it starts in
milliseconds instead of importing the solver and PyVRP again (a second or so), nor CP-SAT
at its first packing (0.2 s)."""

_preload: set[str] = set()

_RESULT_GRACE_S = 30.0
"""How long past the deadline a worker's result is awaited before it is given up."""


def pyvrp_available() -> bool:
    """Whether PyVRP is installed."""
    return importlib.util.find_spec("pyvrp") is not None


class SharedBoard:
    """A ``Board`` in shared memory, for searches in several processes.

    Pass it to a process when starting it (like any ``multiprocessing`` synchronised
    object). A seat whose search failed is ``leave``-d and no longer counted. Routes the
    searches hand each other go through mailboxes in shared memory (``RouteMail``).
    """

    _ACTIVE, _STALLED, _GONE = 0, 1, 2

    def __init__(self, context: Any, seats: int, *, mail: bool = True) -> None:
        self._costs = context.Array("d", [math.inf] * seats)
        self._states = context.Array("b", [self._ACTIVE] * seats)
        self._mail = RouteMail(context, seats) if mail else None

    def share(self, seat: int, routes: list[SharedRoute]) -> None:
        """Hand routes of the search in ``seat`` to every other search (without ``mail``,
        where no other search would read them: nothing)."""
        if self._mail is not None:
            self._mail.send(seat, routes)

    def shared(self, seat: int) -> list[SharedRoute]:
        """The routes handed to the search in ``seat`` since it last asked."""
        return self._mail.receive(seat) if self._mail is not None else []

    def post(self, seat: int, best_cost: float, *, stalled: bool) -> None:
        """Post the search's best cost so far and whether it has stalled."""
        with self._states.get_lock():
            self._costs[seat] = best_cost
            self._states[seat] = self._STALLED if stalled else self._ACTIVE

    def leave(self, seat: int) -> None:
        """The search in ``seat`` failed: agree without it."""
        with self._states.get_lock():
            self._states[seat] = self._GONE

    def settled(self, *, besides: int) -> bool:
        """Whether every search but the one in seat ``besides`` has stalled or left."""
        with self._states.get_lock():
            return all(
                state != self._ACTIVE for seat, state in enumerate(self._states) if seat != besides
            )

    def agreed(self) -> bool:
        """Whether every search still there has stalled on the same (finite) best cost."""
        with self._states.get_lock():
            here = [
                c for c, state in zip(self._costs, self._states, strict=True) if state != self._GONE
            ]
            states = set(self._states) - {self._GONE}
        return states == {self._STALLED} and len(set(here)) == 1 and math.isfinite(here[0])


def forkserver_context(preload: Sequence[str] = ()) -> Any:
    """The ``forkserver`` multiprocessing context, with the solver's modules preloaded.

    A process has one fork server; its preload list is set before it starts. Whoever
    else in the process forks from it (the service's job pool) passes its own modules
    here, so that the list is the union of what every user asked for, whoever comes
    first. Where ``forkserver`` does not exist, the ``spawn`` context.
    """
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    _preload.update(PRELOAD_MODULES, preload)
    context.set_forkserver_preload(sorted(_preload))
    return context


def start_fork_server() -> None:
    """Start the fork server now, with the solver imported in it, so that the first plan
    of a long-lived process (a job worker) does not wait for it."""
    forkserver_context()
    if "forkserver" in multiprocessing.get_all_start_methods():
        with _main_not_rerun():
            multiprocessing.forkserver.ensure_running()


def _worker(
    problem: RoutingProblem,
    limit: SearchLimit,
    seed: int,
    board: SharedBoard,
    seat: int,
    results: Any,
) -> None:
    """A search in a process of its own, in ``seat`` of ``board``: puts ``(seat, result or
    None)``."""
    try:
        result: SearchResult | None = search_routes(
            problem, limit=limit, seed=seed, board=board, seat=seat
        )
    except Exception:
        log.exception("a parallel search worker failed")
        board.leave(seat)
        result = None
    results.put((seat, result))


def search_beside(
    problem: RoutingProblem,
    *,
    limit: SearchLimit,
    seeds: Sequence[int],
    local: Callable[[Board | None], T],
    local_takes_routes: bool = True,
) -> tuple[T, list[SearchResult]]:
    """Run PyVRP for each seed beside ``local``, and return what each found.

    By the clock (``limit.max_iterations`` is None) each seed gets a process of its own
    (forked from the fork server, ``forkserver_context``) that stops at the same
    wall-clock deadline as ``local`` should. ``local`` is given seat 0 of
    a ``Board`` the workers share (seats 1, 2, ...): a PyVRP search there ends with them
    once all have converged on the same plan (``SearchLimit``), else at the deadline; the
    PyVRP searches hand each other routes through it (``route_pool``), unless there is
    only one worker and ``local`` is no PyVRP search (``local_takes_routes=False``): then
    nobody would read them. The answer waits for every worker, so the time goes to
    whichever search still improves. A worker that fails only costs its own result.

    At a fixed effort (``limit.max_iterations``) the seeds are searched one after another
    in this process, so that the result depends on nothing but the problem and the seeds.
    """
    if limit.max_iterations is not None:
        own = local(None)
        return own, [search_routes(problem, limit=limit, seed=seed) for seed in seeds]
    if not seeds or limit.deadline - time.time() < _MIN_PARALLEL_S:
        return local(None), []
    context = forkserver_context()
    mail = local_takes_routes or len(seeds) > 1
    board, queue = SharedBoard(context, 1 + len(seeds), mail=mail), context.Queue()
    workers: list[tuple[Any, int]] = []
    for seat, seed in enumerate(seeds, start=1):
        process = context.Process(
            target=_worker, args=(problem, limit, seed, board, seat, queue), daemon=True
        )
        try:
            with _main_not_rerun():
                process.start()
        except OSError:
            log.exception("a parallel search worker could not start")
            board.leave(seat)
            continue
        workers.append((process, seat))
    for process, seat in workers:
        threading.Thread(target=_watch, args=(process, board, seat), daemon=True).start()
    results: list[SearchResult] = []
    try:
        own = local(board)
        board.leave(0)  # an OR-Tools search here has no say in the workers' agreement
        results = _collect(queue, [process for process, _ in workers], limit.deadline)
    finally:
        for process, _ in workers:
            process.join(timeout=5)
            if process.is_alive():
                process.kill()
                process.join()
    return own, results


@contextlib.contextmanager
def _main_not_rerun() -> Iterator[None]:
    """Start workers without running the parent's main script again in them.

    ``spawn`` and ``forkserver`` re-import ``__main__`` in every child (and the fork server
    when it starts) unless it has neither ``__file__`` nor ``__spec__``; a worker needs
    only ``solver`` (its target and arguments are importable from there), and a main
    script that imports the service or a benchmark costs seconds of each worker's search.
    Both are hidden while the worker starts, and put back.
    """
    main = sys.modules.get("__main__")
    if main is None:
        yield
        return
    saved: dict[str, Any] = {
        k: main.__dict__[k] for k in ("__file__", "__spec__") if k in main.__dict__
    }
    main.__dict__.pop("__file__", None)
    main.__dict__["__spec__"] = None
    try:
        yield
    finally:
        main.__dict__.pop("__spec__", None)
        main.__dict__.update(saved)


def _watch(process: Any, board: SharedBoard, seat: int) -> None:
    """A worker that has ended leaves its seat, so that the others do not wait for it to
    agree: one that died without a word (killed, or failed before its search) included.
    (Waits on the process's sentinel only: reaping it is left to the caller.)"""
    multiprocessing.connection.wait([process.sentinel])
    board.leave(seat)


def _collect(queue: Any, processes: list[Any], deadline: float) -> list[SearchResult]:
    """The workers' results, until each has answered, died, or is past the grace time."""
    results: list[SearchResult] = []
    waiting = len(processes)
    while waiting:
        try:
            _, result = queue.get(timeout=0.2)
        except queue_module.Empty:
            if any(p.is_alive() for p in processes) and time.time() < deadline + _RESULT_GRACE_S:
                continue
            try:  # one last look: a result sent just before its process ended
                _, result = queue.get(timeout=0.5)
            except queue_module.Empty:
                log.warning("%d parallel search worker(s) gave no result", waiting)
                break
        waiting -= 1
        if result is not None:
            results.append(result)
    return results


def search_until(
    problem: RoutingProblem, limit: SearchLimit, seed: int, board: Board | None = None
) -> SearchResult:
    """One PyVRP search here, within ``limit``, in seat 0 of ``board``."""
    return search_routes(problem, limit=limit, seed=seed, board=board, seat=0)


def _value(problem: RoutingProblem, routes: list[list[tuple[str, int, int]]]) -> tuple[float, int]:
    """(coverage weight, minus travel) of routes given as (kind, ref, visit number) stops."""
    weight = sum(
        problem.hotspots[ref].visit_value(number)
        for route in routes
        for kind, ref, number in route
        if kind == "hotspot"
    )
    travel = 0
    for v, route in enumerate(routes):
        shift = problem.shifts[v]
        path = [shift.start_location]
        path += [
            problem.hotspots[ref].location if kind == "hotspot" else problem.visits[ref].location
            for kind, ref, _ in route
        ]
        path.append(shift.end_location)
        travel += sum(problem.travel(v, a, b) for a, b in itertools.pairwise(path))
    return weight, -travel


def gapped_routes(
    problem: RoutingProblem, result: SearchResult, *, repeats: bool = True
) -> list[list[tuple[str, int, int]]]:
    """The result's stops as (kind, ref, visit number), repeat visits repaired.

    PyVRP does not know the minimum gap between visits of one hotspot. Visits are taken in
    order of their start; one that starts less than ``min_gap_s`` after the last kept visit
    is dropped (dropping a stop never makes a route infeasible). With ``repeats=False``
    only the first visit of each hotspot is kept.
    """
    kept: dict[int, list[int]] = {}
    keep: set[tuple[int, int]] = set()
    stops = sorted(
        (stop.start_s, v, i)
        for v, route in enumerate(result.routes)
        for i, stop in enumerate(route)
        if stop.kind == "hotspot"
    )
    for start_s, v, i in stops:
        hotspot = result.routes[v][i].ref
        starts = kept.setdefault(hotspot, [])
        limit = problem.hotspots[hotspot].max_visits if repeats else 1
        if len(starts) < limit and (
            not starts or start_s - starts[-1] >= problem.hotspots[hotspot].min_gap_s
        ):
            starts.append(start_s)
            keep.add((v, i))
    out: list[list[tuple[str, int, int]]] = []
    for v, route in enumerate(result.routes):
        stops_out = []
        for i, stop in enumerate(route):
            if stop.kind == "visit":
                stops_out.append(("visit", stop.ref, 0))
            elif (v, i) in keep:
                # Number visits by start time, as the model orders them.
                number = 1 + sorted(kept[stop.ref]).index(stop.start_s)
                stops_out.append(("hotspot", stop.ref, number))
        out.append(stops_out)
    return out


def initial_assignment(
    model: RoutingModel, problem: RoutingProblem, results: list[SearchResult]
) -> pywrapcp.Assignment | None:
    """The best search result that the full model accepts, as an OR-Tools assignment.

    Each result is tried with its repeat visits (gaps repaired), then with first visits
    only; OR-Tools' own check decides.
    """
    node_of: dict[tuple[str, int, int], int] = {}
    for node_id, node in enumerate(model.nodes):
        if node.kind in ("hotspot", "visit"):
            node_of[node.kind, node.ref, node.visit_number] = node_id
    candidates = [
        gapped_routes(problem, result, repeats=repeats)
        for result in results
        if result.feasible
        for repeats in (True, False)
    ]
    candidates.sort(key=lambda routes: _value(problem, routes), reverse=True)
    for routes in candidates:
        indices = [[model.manager.NodeToIndex(node_of[stop]) for stop in route] for route in routes]
        assignment: pywrapcp.Assignment | None = model.routing.ReadAssignmentFromRoutes(
            indices, True
        )
        if assignment is not None:
            return assignment
        log.info("the full model refused a searched plan; trying the next one")
    return None


def pack_results(
    problem: RoutingProblem, results: Sequence[SearchResult], *, time_limit_s: float
) -> SearchResult | None:
    """The best plan made of the searches' pooled routes, if it beats every search's.

    Each search ends on its own plan; one search's route and another's may together beat
    both (``recombine``). ``time_limit_s`` is CP-SAT's wall-clock limit besides its
    deterministic one (``math.inf`` at a fixed effort). ``None`` when nothing better is
    packed; the packed plan's ``cost`` is in PyVRP's units, as the searches'.
    """
    scored = [r for r in results if r.feasible and r.cost is not None and r.pool]
    if not scored:
        return None
    best_cost = min(r.cost for r in scored if r.cost is not None)
    best = next(r for r in scored if r.cost == best_cost)
    pooled: dict[tuple[tuple[int, ...], frozenset[tuple[str, int]]], PooledRoute] = {}
    for result in scored:
        for route in result.pool:
            key = (route.shifts, frozenset((s.kind, s.ref) for s in route.stops))
            if key not in pooled or route.distance < pooled[key].distance:
                pooled[key] = route
    keys = list(pooled)
    kind_of = {v: kind for kind, _ in keys for v in kind}
    in_best = {
        (kind_of.get(v, (v,)), frozenset((s.kind, s.ref) for s in stops))
        for v, stops in enumerate(best.routes)
        if stops
    }
    found = best_packing(
        [PackableRoute(k[0], k[1], pooled[k].distance - pooled[k].prize) for k in keys],
        capacity={kind: len(kind) for kind, _ in keys},
        required=[("visit", i) for i in range(len(problem.visits))],
        hint=[i for i, key in enumerate(keys) if key in in_best],
        time_limit_s=time_limit_s,
    )
    if found is None or found[1] >= best_cost:
        return None
    log.info("routes of %d searches packed: cost %d -> %d", len(scored), best_cost, found[1])
    routes: list[list[SearchStop]] = [[] for _ in problem.shifts]
    for i in found[0]:
        kind = keys[i][0]
        shift = next(v for v in kind if not routes[v])
        routes[shift] = list(pooled[keys[i]].stops)
    return SearchResult(routes=routes, feasible=True, cost=found[1])
