"""The routing problem the solver takes: numbers and ids only, no OSM and no HTTP.

Times are integer seconds from a plan origin chosen by the caller; locations are indices
into the travel-time matrices. A travel time larger than any shift means "unreachable".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

Matrix = NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """Allowed start times of a stop, in seconds from the plan origin, both ends included."""

    start_s: int
    end_s: int

    def __post_init__(self) -> None:
        if self.end_s < self.start_s:
            msg = f"time window ends ({self.end_s} s) before it starts ({self.start_s} s)."
            raise ValueError(msg)


@dataclass(frozen=True, slots=True)
class Shift:
    """One staff member's shift: where it starts and ends, and when.

    ``profile`` selects the travel-time matrix (one per travel mode). ``sequence`` lists
    mandatory visits (indices into ``RoutingProblem.visits``) this shift serves in exactly
    this order, as a home-care scheduler planned them; other stops fit between them.
    """

    id: str
    start_location: int
    end_location: int
    start_s: int
    end_s: int
    profile: int = 0
    sequence: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if self.end_s <= self.start_s:
            msg = f"shift {self.id!r} ends before it starts."
            raise ValueError(msg)


@dataclass(frozen=True, slots=True)
class Hotspot:
    """An optional patrol stop worth ``weight`` on its first visit.

    Visit ``k`` (0-based) is worth ``weight * repeat_value ** k``; successive visits start at
    least ``min_gap_s`` apart. Windows bound the start of the dwell; no windows means any time.
    """

    id: str
    location: int
    weight: float
    dwell_s: int
    windows: tuple[TimeWindow, ...] = ()
    max_visits: int = 1
    min_gap_s: int = 0
    repeat_value: float = 0.5

    def __post_init__(self) -> None:
        if not self.weight > 0:
            msg = f"hotspot {self.id!r} has weight {self.weight}; it must be above 0."
            raise ValueError(msg)
        if self.dwell_s < 0 or self.min_gap_s < 0:
            msg = f"hotspot {self.id!r} has a negative dwell or gap."
            raise ValueError(msg)
        if self.max_visits < 1:
            msg = f"hotspot {self.id!r} must allow at least one visit."
            raise ValueError(msg)
        if not 0 < self.repeat_value <= 1:
            msg = f"hotspot {self.id!r} repeat_value must be in (0, 1]."
            raise ValueError(msg)

    def visit_value(self, visit_number: int) -> float:
        """Coverage weight earned by visit ``visit_number`` (1-based)."""
        return self.weight * self.repeat_value ** (visit_number - 1)


@dataclass(frozen=True, slots=True)
class Visit:
    """A mandatory visit (e.g. home care): served once, starting within ``window``.

    ``shifts`` holds the indices of the shifts allowed to serve it; ``None`` means any.
    """

    id: str
    location: int
    service_s: int
    window: TimeWindow
    shifts: frozenset[int] | None = None

    def __post_init__(self) -> None:
        if self.service_s < 0:
            msg = f"visit {self.id!r} has a negative duration."
            raise ValueError(msg)


@dataclass(frozen=True, slots=True, eq=False)
class RoutingProblem:
    """Everything the solver needs.

    Parameters
    ----------
    travel_s
        One square int64 matrix of travel seconds per travel profile.
    shifts, hotspots, visits
        The staff shifts, the optional hotspots and the mandatory visits.
    familiar
        Empty, or per shift the hotspots visited the night before: with
        ``SolveParams.vary_weight`` a repeat costs that much coverage weight.
    """

    travel_s: tuple[Matrix, ...]
    shifts: tuple[Shift, ...]
    hotspots: tuple[Hotspot, ...] = ()
    visits: tuple[Visit, ...] = ()
    familiar: tuple[frozenset[int], ...] = ()
    _sequenced: dict[int, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if not self.travel_s:
            msg = "a problem needs at least one travel-time matrix."
            raise ValueError(msg)
        n = self.travel_s[0].shape[0]
        for matrix in self.travel_s:
            if matrix.shape != (n, n):
                msg = f"travel-time matrices must all be square and {n} x {n}."
                raise ValueError(msg)
            if (matrix < 0).any():
                msg = "travel times must not be negative."
                raise ValueError(msg)
        if not self.shifts:
            msg = "a problem needs at least one shift."
            raise ValueError(msg)
        for shift in self.shifts:
            if not 0 <= shift.profile < len(self.travel_s):
                msg = f"shift {shift.id!r} uses travel profile {shift.profile}, which is missing."
                raise ValueError(msg)
            self._check_location(shift.start_location, f"shift {shift.id!r}", n)
            self._check_location(shift.end_location, f"shift {shift.id!r}", n)
        for hotspot in self.hotspots:
            self._check_location(hotspot.location, f"hotspot {hotspot.id!r}", n)
        for visit in self.visits:
            self._check_location(visit.location, f"visit {visit.id!r}", n)
            if visit.shifts is not None and any(
                not 0 <= s < len(self.shifts) for s in visit.shifts
            ):
                msg = f"visit {visit.id!r} names a shift that does not exist."
                raise ValueError(msg)
        self._check_sequences()
        if self.familiar and len(self.familiar) != len(self.shifts):
            msg = "familiar must be empty or hold one set of hotspots per shift."
            raise ValueError(msg)

    def __reduce__(self) -> tuple[type[RoutingProblem], tuple[Any, ...]]:
        # Built again where it is unpickled (a search worker): who may serve a sequenced
        # visit is looked up by the visit object, and the copies there are new objects.
        return (
            RoutingProblem,
            (self.travel_s, self.shifts, self.hotspots, self.visits, self.familiar),
        )

    def _check_sequences(self) -> None:
        seen: set[int] = set()
        sequenced: dict[int, int] = {}
        for v, shift in enumerate(self.shifts):
            for i in shift.sequence:
                if not 0 <= i < len(self.visits):
                    msg = f"shift {shift.id!r} sequences visit {i}, which does not exist."
                    raise ValueError(msg)
                visit = self.visits[i]
                if i in seen:
                    msg = f"visit {visit.id!r} is in more than one fixed sequence."
                    raise ValueError(msg)
                if visit.shifts is not None and v not in visit.shifts:
                    msg = f"visit {visit.id!r} is in shift {shift.id!r}'s sequence, not its own."
                    raise ValueError(msg)
                seen.add(i)
                sequenced[id(visit)] = v
        object.__setattr__(self, "_sequenced", sequenced)

    @staticmethod
    def _check_location(location: int, owner: str, n: int) -> None:
        if not 0 <= location < n:
            msg = f"{owner} uses location {location}, outside the {n} x {n} matrix."
            raise ValueError(msg)

    @property
    def num_locations(self) -> int:
        """Number of locations (rows of each matrix)."""
        return int(self.travel_s[0].shape[0])

    def travel(self, shift: int, origin: int, destination: int) -> int:
        """Travel seconds from ``origin`` to ``destination`` for shift ``shift``'s profile."""
        matrix = self.travel_s[self.shifts[shift].profile]
        return int(matrix[origin, destination])

    def eligible_shifts(self, visit: Visit) -> list[int]:
        """Indices of the shifts allowed to serve ``visit`` (only its own if it is in a fixed
        sequence)."""
        if id(visit) in self._sequenced:
            return [self._sequenced[id(visit)]]
        if visit.shifts is None:
            return list(range(len(self.shifts)))
        return sorted(visit.shifts)
