"""A plan request turned, once, into typed domain objects: every shift, hotspot and visit with
its resolved times (Europe/Copenhagen) and its placed location (an index into the travel
matrices), the search options and the notices.

``resolve`` (times, cross-field rules) and ``locations`` (snapping, matrices) read the
HTTP schema; everything after them - the solver's problem, the answer, geometry, passing
coverage, re-planning - reads only a `PlanInput`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..timeutil import seconds_between
from .locations import place_on_area, place_on_matrix
from .resolve import resolve_request
from .schemas import MatrixArea

if TYPE_CHECKING:
    from datetime import date, datetime, time

    from ..errors import Notice
    from .locations import Placed
    from .networks import AreaNetworks
    from .schemas import PlanOptions, PlanRequest, Role, TravelMode

Span = tuple["datetime", "datetime"]


@dataclass(frozen=True, slots=True)
class ShiftInput:
    """One staff member on shift: local start and effective end (capped by the latest
    end), where they start and end (matrix indices), and the fixed visits they keep in
    order (visit numbers)."""

    id: str
    name: str
    role: Role
    mode: TravelMode
    start: datetime
    end: datetime
    start_location: int
    end_location: int
    sequence: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class HotspotInput:
    """A place to patrol, worth ``weight`` on the first visit."""

    id: str
    location: int
    weight: float
    dwell_min: float
    windows: tuple[Span, ...]
    max_visits: int
    min_gap_min: float
    repeat_value: float
    passing_counts: bool


@dataclass(frozen=True, slots=True)
class VisitInput:
    """A mandatory visit: free (``fixed_in`` None) or fixed in a shift's sequence.

    ``field`` is where the request gave it (``visits[2]``), for errors that name it;
    ``shifts`` are the indices of the shifts that may serve it.
    """

    id: str
    field: str
    location: int
    duration_min: float
    window: Span
    shifts: frozenset[int]
    fixed_in: int | None


@dataclass(frozen=True, slots=True)
class VariationOptions:
    """Routes that vary from the night before, at a bounded price in coverage."""

    enabled: bool
    max_coverage_loss_pct: float
    repeat_cost: float


@dataclass(frozen=True, slots=True)
class SearchOptions:
    """How to search, and the evening's preferences."""

    time_limit_s: float | None
    seed: int
    stop_early: bool
    variation: VariationOptions
    passing_within_m: float
    balance_weight_per_hour: float

    @classmethod
    def from_request(cls, options: PlanOptions) -> SearchOptions:
        """The request's options as domain values."""
        return cls(
            time_limit_s=options.time_limit_s,
            seed=options.seed,
            stop_early=options.stop_early,
            variation=VariationOptions(
                enabled=options.variation.enabled,
                max_coverage_loss_pct=options.variation.max_coverage_loss_pct,
                repeat_cost=options.variation.repeat_cost,
            ),
            passing_within_m=options.passing_within_m,
            balance_weight_per_hour=options.balance_weight_per_hour,
        )


@dataclass(frozen=True, slots=True)
class PlanInput:
    """Tonight's plan as domain objects: times resolved, locations placed."""

    day: date
    origin: datetime
    """The earliest shift start: plan seconds count from here."""
    latest_end: time | None
    shifts: tuple[ShiftInput, ...]
    hotspots: tuple[HotspotInput, ...]
    visits: tuple[VisitInput, ...]
    """The free visits, then each shift's fixed visits in order: the solver's numbering."""
    placed: Placed
    options: SearchOptions
    notices: tuple[Notice, ...] = ()

    @property
    def area(self) -> str:
        """The named area, or ``"matrix"``."""
        return self.placed.area

    def offset_s(self, moment: datetime) -> int:
        """Seconds from the plan origin."""
        return seconds_between(self.origin, moment)

    def point(self, location: int) -> tuple[float, float] | None:
        """(lat, lon) of a location as requested (None on an explicit matrix)."""
        point = self.placed.points[location]
        return None if point is None else (point.lat, point.lon)


def plan_input(request: PlanRequest, *, networks: AreaNetworks, max_snap_m: float) -> PlanInput:
    """Resolve ``request``'s times and rules and place its locations, once.

    Raises
    ------
    RequestError
        Naming every field at fault.
    UnknownAreaError
        The named area is not registered.
    """
    resolved = resolve_request(request)
    if isinstance(request.area, MatrixArea):
        placed = place_on_matrix(request, request.area)
    else:
        area = request.area or networks.default_area
        placed = place_on_area(request, area, networks, max_snap_m=max_snap_m)
    shifts = tuple(
        ShiftInput(
            id=shift.id,
            name=shift.name,
            role=shift.role,
            mode=shift.mode,
            start=resolved.shifts[i].start,
            end=resolved.shifts[i].end,
            start_location=placed.shift_starts[i],
            end_location=placed.shift_ends[i],
            sequence=resolved.sequences[i] if resolved.sequences else (),
        )
        for i, shift in enumerate(request.shifts)
    )
    hotspots = tuple(
        HotspotInput(
            id=h.id,
            location=placed.hotspots[i],
            weight=h.weight,
            dwell_min=h.dwell_min,
            windows=resolved.hotspot_windows[i],
            max_visits=h.max_visits,
            min_gap_min=h.min_gap_min,
            repeat_value=h.repeat_value,
            passing_counts=h.passing_counts,
        )
        for i, h in enumerate(request.hotspots)
    )
    visits = tuple(
        VisitInput(
            id=entry.id,
            field=entry.field,
            location=placed.visits[i],
            duration_min=entry.duration_min,
            window=resolved.visit_windows[i],
            shifts=resolved.visit_shifts[i],
            fixed_in=entry.shift,
        )
        for i, entry in enumerate(request.visit_entries())
    )
    return PlanInput(
        day=resolved.day,
        origin=resolved.origin,
        latest_end=request.latest_end,
        shifts=shifts,
        hotspots=hotspots,
        visits=visits,
        placed=placed,
        options=SearchOptions.from_request(request.options),
        notices=(*resolved.notices, *placed.notices),
    )
