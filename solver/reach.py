"""How soon a shift can be anywhere, and what it could reach at all.

A travel matrix need not keep the triangle inequality (a caller's own matrix, a router's
turn costs): the quickest way from one place to another may pass through others. What is
declared out of reach, or impossible, must be so by every way, so the bounds here follow
the quickest way through the matrix (Dijkstra, ``scipy.sparse.csgraph``), never the
direct leg alone. Stops on the way only add their dwell, so these are lower bounds on
any route's travel.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Iterable

    from .problem import RoutingProblem, Shift, TimeWindow


class QuickestTravel:
    """The quickest travel seconds through a problem's matrices, from and to the places
    asked for (each Dijkstra row computed once, many sources in one call)."""

    def __init__(self, problem: RoutingProblem) -> None:
        self.problem = problem
        self._graphs: dict[int, np.ndarray] = {}
        self._rows: dict[tuple[int, bool, int], np.ndarray] = {}

    def _graph(self, profile: int, *, backward: bool) -> np.ndarray:
        """The profile's matrix as a graph (once a profile; backward: its transpose, a view)."""
        if profile not in self._graphs:
            graph = self.problem.travel_s[profile].astype(np.float64)
            graph[graph == 0] = 1e-9  # a dense graph's 0 means "no edge"; these are legs of 0 s
            self._graphs[profile] = graph
        return self._graphs[profile].T if backward else self._graphs[profile]

    def prepare(self, profile: int, places: Iterable[int], *, backward: bool = False) -> None:
        """Compute the rows of ``places`` (from them; ``backward``: to them) in one call."""
        from scipy.sparse.csgraph import dijkstra

        missing = sorted({p for p in places if (profile, backward, p) not in self._rows})
        if not missing:
            return
        # Sums of whole seconds: rounding takes off the 1e-9 stand-ins for legs of 0 s.
        rows = np.rint(dijkstra(self._graph(profile, backward=backward), indices=missing))
        for place, row in zip(missing, rows, strict=True):
            self._rows[profile, backward, place] = row

    def from_place(self, profile: int, origin: int) -> np.ndarray:
        """Seconds from ``origin`` to every place."""
        self.prepare(profile, (origin,))
        return self._rows[profile, False, origin]

    def to_place(self, profile: int, destination: int) -> np.ndarray:
        """Seconds from every place to ``destination``."""
        self.prepare(profile, (destination,), backward=True)
        return self._rows[profile, True, destination]

    def travel(self, shift: int, origin: int, destination: int) -> float:
        """The quickest seconds from ``origin`` to ``destination`` for ``shift``'s profile."""
        return float(self.from_place(self.problem.shifts[shift].profile, origin)[destination])

    def prepare_shifts(self) -> None:
        """Every shift's start (forward) and end (backward) rows, one call per profile."""
        problem = self.problem
        for profile in {shift.profile for shift in problem.shifts}:
            shifts = [s for s in problem.shifts if s.profile == profile]
            self.prepare(profile, (s.start_location for s in shifts))
            self.prepare(profile, (s.end_location for s in shifts), backward=True)


def earliest_start(windows: tuple[TimeWindow, ...], arrival_s: float) -> int | None:
    """First start at or after ``arrival_s`` allowed by ``windows`` (``None``: too late).

    A fractional arrival (a quickest way of legs of 0 s) starts at the next whole second.
    """
    arrival = math.ceil(arrival_s - 1e-6)
    if not windows:
        return arrival
    starts = [max(arrival, w.start_s) for w in windows if arrival <= w.end_s]
    return min(starts) if starts else None


def fits_alone(
    shift: Shift, out_s: float, back_s: float, service_s: int, windows: tuple[TimeWindow, ...]
) -> bool:
    """Whether ``shift`` could serve a stop on its own, ``out_s`` away from its start and
    ``back_s`` from its end: out, serve within a window, back."""
    start = earliest_start(windows, shift.start_s + out_s)
    return start is not None and start + service_s + back_s <= shift.end_s + 1e-6


def reachable_alone(
    quickest: QuickestTravel,
    shift: int,
    location: int,
    service_s: int,
    windows: tuple[TimeWindow, ...],
) -> bool:
    """Whether ``shift`` could serve a stop at ``location`` and still end on time, by the
    quickest ways out and back (through other places too)."""
    problem = quickest.problem
    s = problem.shifts[shift]
    out_s = quickest.from_place(s.profile, s.start_location)[location]
    back_s = quickest.to_place(s.profile, s.end_location)[location]
    return fits_alone(s, out_s, back_s, service_s, windows)


def hotspots_in_reach(
    problem: RoutingProblem, quickest: QuickestTravel | None = None
) -> list[bool]:
    """Whether any shift could get to each hotspot, visit it within a window and still end
    on time, by the quickest way through the matrix."""
    quickest = quickest or QuickestTravel(problem)
    quickest.prepare_shifts()
    return [
        any(
            reachable_alone(quickest, v, hotspot.location, hotspot.dwell_s, hotspot.windows)
            for v in range(len(problem.shifts))
        )
        for hotspot in problem.hotspots
    ]
