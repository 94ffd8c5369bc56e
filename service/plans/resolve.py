"""A plan request resolved into local times, plan seconds and checked cross-field rules.

Pydantic checks each field; this module checks what spans fields (shift order, the 22:00
end, who may serve a visit, unique ids) and names the field at fault.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from ..errors import FieldProblem, RequestError
from ..timeutil import hhmm, seconds_between, to_local, today_local

if TYPE_CHECKING:
    from .schemas import PlanRequest, Window


@dataclass(frozen=True, slots=True)
class ResolvedShift:
    """A shift's local start and effective end (capped by the latest end)."""

    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class ResolvedRequest:
    """The request's times as aware datetimes, and who may serve each visit."""

    day: date
    origin: datetime
    shifts: tuple[ResolvedShift, ...]
    hotspot_windows: tuple[tuple[tuple[datetime, datetime], ...], ...]
    visit_windows: tuple[tuple[datetime, datetime], ...]
    visit_shifts: tuple[frozenset[int], ...]

    def offset_s(self, moment: datetime) -> int:
        """Seconds from the plan origin (the earliest shift start)."""
        return seconds_between(self.origin, moment)


def _window(
    window: Window, day: date, field: str, problems: list[FieldProblem]
) -> tuple[datetime, datetime]:
    start, end = to_local(window.start, day), to_local(window.end, day)
    if end < start:
        problems.append(FieldProblem(field, f"window ends at {hhmm(end)}, before {hhmm(start)}"))
    return start, end


def _duplicates(ids: list[str]) -> set[str]:
    seen: set[str] = set()
    return {i for i in ids if i in seen or seen.add(i)}  # type: ignore[func-returns-value]


def resolve_request(request: PlanRequest) -> ResolvedRequest:
    """Resolve times and cross-field rules.

    Raises
    ------
    RequestError
        Naming every field at fault.
    """
    day = request.date or today_local()
    problems: list[FieldProblem] = []
    for name, items in (
        ("shifts", request.shifts),
        ("hotspots", request.hotspots),
        ("visits", request.visits),
    ):
        for dup in sorted(_duplicates([item.id for item in items])):
            problems.append(FieldProblem(name, f"id {dup!r} is used more than once"))

    shifts = []
    for i, shift in enumerate(request.shifts):
        start, end = to_local(shift.start_time, day), to_local(shift.end_time, day)
        if end <= start:
            problems.append(
                FieldProblem(
                    f"shifts[{i}].end_time", f"shift ends at {hhmm(end)}, before it starts"
                )
            )
        if request.latest_end is not None:
            cap = datetime.combine(start.date(), request.latest_end, tzinfo=start.tzinfo)
            if start >= cap:
                problems.append(
                    FieldProblem(
                        f"shifts[{i}].start_time",
                        f"shift starts at {hhmm(start)}, not before the latest end "
                        f"{request.latest_end:%H:%M}",
                    )
                )
            end = min(end, cap)
        shifts.append(ResolvedShift(start, end))

    hotspot_windows = tuple(
        tuple(
            _window(w, day, f"hotspots[{i}].windows[{j}]", problems)
            for j, w in enumerate(hotspot.windows)
        )
        for i, hotspot in enumerate(request.hotspots)
    )
    visit_windows = tuple(
        _window(visit.window, day, f"visits[{i}].window", problems)
        for i, visit in enumerate(request.visits)
    )

    shift_ids = {shift.id: i for i, shift in enumerate(request.shifts)}
    visit_shifts = []
    for i, visit in enumerate(request.visits):
        allowed = set(range(len(request.shifts)))
        if visit.staff_ids is not None:
            unknown = [s for s in visit.staff_ids if s not in shift_ids]
            if unknown:
                problems.append(
                    FieldProblem(f"visits[{i}].staff_ids", f"no shift has id {unknown[0]!r}")
                )
            allowed &= {shift_ids[s] for s in visit.staff_ids if s in shift_ids}
        if visit.roles is not None:
            allowed &= {j for j, s in enumerate(request.shifts) if s.role in visit.roles}
        if not allowed:
            problems.append(
                FieldProblem(
                    f"visits[{i}]",
                    f"mandatory visit {visit.id!r} cannot be kept: no shift in the plan may "
                    "serve it (check staff_ids and roles)",
                )
            )
        visit_shifts.append(frozenset(allowed))

    if problems:
        raise RequestError(problems)
    origin = min(shift.start for shift in shifts)
    return ResolvedRequest(
        day=day,
        origin=origin,
        shifts=tuple(shifts),
        hotspot_windows=hotspot_windows,
        visit_windows=visit_windows,
        visit_shifts=tuple(visit_shifts),
    )
