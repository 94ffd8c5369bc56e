"""What the solver returns: routes with their schedule, and the hotspots left out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

StopKind = Literal["start", "hotspot", "visit", "end"]
LeftOutReason = Literal["unreachable_in_window", "not_enough_time"]


@dataclass(frozen=True, slots=True)
class Stop:
    """One stop of a route.

    ``ref`` indexes ``problem.shifts`` (start/end), ``problem.hotspots`` or ``problem.visits``.
    ``start_s`` is when the dwell or service starts (after any wait), ``departure_s`` when it
    ends. ``visit_number`` counts visits to the same hotspot (1-based; 0 for other stops).
    """

    kind: StopKind
    ref: int
    location: int
    arrival_s: int
    start_s: int
    departure_s: int
    value: float = 0.0
    visit_number: int = 0

    @property
    def wait_s(self) -> int:
        """Seconds spent waiting for the window to open."""
        return self.start_s - self.arrival_s


@dataclass(frozen=True, slots=True)
class Route:
    """The route of one shift, from its start stop to its end stop."""

    shift: int
    stops: tuple[Stop, ...]
    travel_s: int

    @property
    def weight(self) -> float:
        """Coverage weight earned on this route."""
        return sum(stop.value for stop in self.stops)

    @property
    def is_empty(self) -> bool:
        """True when the route serves nothing between start and end."""
        return len(self.stops) <= 2


@dataclass(frozen=True, slots=True)
class LeftOut:
    """A hotspot that no route visits, and why."""

    hotspot: int
    reason: LeftOutReason


@dataclass(frozen=True, slots=True)
class Solution:
    """A solved plan: one route per shift, in shift order."""

    routes: tuple[Route, ...]
    left_out: tuple[LeftOut, ...]
    objective: int
    solve_time_s: float

    @property
    def covered_weight(self) -> float:
        """Total coverage weight over all routes."""
        return sum(route.weight for route in self.routes)

    @property
    def visited_hotspots(self) -> set[int]:
        """Indices of the hotspots visited at least once."""
        return {s.ref for route in self.routes for s in route.stops if s.kind == "hotspot"}

    @property
    def travel_s(self) -> int:
        """Total travel seconds over all routes."""
        return sum(route.travel_s for route in self.routes)

    def summary(self) -> str:
        """One line for logs: routes used, weight covered, travel, hotspots left out."""
        used = sum(not r.is_empty for r in self.routes)
        return (
            f"{used}/{len(self.routes)} routes, weight {self.covered_weight:.2f}, "
            f"travel {self.travel_s / 60:.0f} min, {len(self.left_out)} hotspots left out"
        )
