"""A plan request resolved into local times, plan seconds and checked cross-field rules.

Pydantic checks each field; this module checks what spans fields (shift order, the 22:00
end, who may serve a visit, unique ids) and names the field at fault. What it accepts but
changes or doubts (a shift cut to the latest end, a past date, a window on another day,
nothing to cover) becomes a ``Notice``: a warning in the answer, never a silent change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from ..errors import FieldProblem, Notice, RequestError
from ..i18n import _
from ..timeutil import hhmm, seconds_between, to_local, today_local

if TYPE_CHECKING:
    from ..timeutil import ClockOrDateTime
    from .schemas import PlanRequest, Window


@dataclass(frozen=True, slots=True)
class ResolvedShift:
    """A shift's local start and effective end (capped by the latest end)."""

    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class ResolvedRequest:
    """The request's times as aware datetimes, who may serve each visit (all of
    ``PlanRequest.visit_entries``), each shift's fixed sequence, and the notices."""

    day: date
    origin: datetime
    shifts: tuple[ResolvedShift, ...]
    hotspot_windows: tuple[tuple[tuple[datetime, datetime], ...], ...]
    visit_windows: tuple[tuple[datetime, datetime], ...]
    visit_shifts: tuple[frozenset[int], ...]
    sequences: tuple[tuple[int, ...], ...] = ()
    notices: tuple[Notice, ...] = ()

    def offset_s(self, moment: datetime) -> int:
        """Seconds from the plan origin (the earliest shift start)."""
        return seconds_between(self.origin, moment)


class _Collector:
    """Problems (the request fails) and notices (it is planned, with warnings)."""

    def __init__(self, day: date) -> None:
        self.day = day
        self.problems: list[FieldProblem] = []
        self.notices: list[Notice] = []

    def problem(self, field: str, message: str, item_id: str | None = None) -> None:
        self.problems.append(FieldProblem(field, message, id=item_id))

    def notice(self, field: str, code: str, message: str, item_id: str | None = None) -> None:
        self.notices.append(Notice(field, code, message, id=item_id))

    def local(self, value: ClockOrDateTime, field: str, item_id: str | None) -> datetime:
        """``value`` on the plan date; a full datetime on another day gets a notice."""
        moment = to_local(value, self.day)
        if not isinstance(value, time) and moment.date() != self.day:
            self.notice(
                field,
                "window_other_day",
                _(
                    "{moment} is on another day than the plan date {day}",
                    moment=f"{moment:%Y-%m-%d %H:%M}",
                    day=self.day,
                ),
                item_id,
            )
        return moment

    def window(self, window: Window, field: str, item_id: str) -> tuple[datetime, datetime]:
        start = self.local(window.start, f"{field}.start", item_id)
        end = self.local(window.end, f"{field}.end", item_id)
        if end < start:
            self.problem(
                field,
                _("window ends at {end}, before {start}", end=hhmm(end), start=hhmm(start)),
                item_id,
            )
        return start, end


def _duplicates(ids: list[str]) -> set[str]:
    seen: set[str] = set()
    return {i for i in ids if i in seen or seen.add(i)}  # type: ignore[func-returns-value]


def _resolve_shifts(request: PlanRequest, out: _Collector) -> list[ResolvedShift]:
    shifts = []
    for i, shift in enumerate(request.shifts):
        field = f"shifts[{i}]"
        start = out.local(shift.start_time, f"{field}.start_time", shift.id)
        end = out.local(shift.end_time, f"{field}.end_time", shift.id)
        if end <= start:
            out.problem(
                f"{field}.end_time",
                _("shift ends at {end}, before it starts", end=hhmm(end)),
                shift.id,
            )
        if request.latest_end is not None:
            cap = datetime.combine(start.date(), request.latest_end, tzinfo=start.tzinfo)
            latest = f"{request.latest_end:%H:%M}"
            if start >= cap:
                out.problem(
                    f"{field}.start_time",
                    _(
                        "shift starts at {start}, not before the latest end {latest}",
                        start=hhmm(start),
                        latest=latest,
                    ),
                    shift.id,
                )
            elif end > cap:
                out.notice(
                    f"{field}.end_time",
                    "shift_cut",
                    _(
                        "shift ends at {end}, after the latest end {latest}: its route is "
                        "planned to end by {latest} (set latest_end to change that)",
                        end=hhmm(end),
                        latest=latest,
                    ),
                    shift.id,
                )
            end = min(end, cap)
        shifts.append(ResolvedShift(start, end))
    return shifts


def _visit_shifts(request: PlanRequest, out: _Collector) -> list[frozenset[int]]:
    shift_ids = {shift.id: i for i, shift in enumerate(request.shifts)}
    visit_shifts = []
    for i, visit in enumerate(request.visits):
        allowed = set(range(len(request.shifts)))
        if visit.staff_ids is not None:
            unknown = [s for s in visit.staff_ids if s not in shift_ids]
            if unknown:
                out.problem(
                    f"visits[{i}].staff_ids",
                    _("no shift has id {id!r}", id=unknown[0]),
                    visit.id,
                )
            allowed &= {shift_ids[s] for s in visit.staff_ids if s in shift_ids}
        if visit.roles is not None:
            allowed &= {j for j, s in enumerate(request.shifts) if s.role in visit.roles}
        if not allowed:
            out.problem(
                f"visits[{i}]",
                _(
                    "mandatory visit {id!r} cannot be kept: no shift in the plan may "
                    "serve it (check staff_ids and roles)",
                    id=visit.id,
                ),
                visit.id,
            )
        visit_shifts.append(frozenset(allowed))
    return visit_shifts


def _fixed_visits(
    request: PlanRequest, out: _Collector, first: int
) -> tuple[list[tuple[datetime, datetime]], list[frozenset[int]], list[tuple[int, ...]]]:
    """Windows (planned start +- tolerance), shifts and sequences of the fixed visits,
    numbered from ``first`` on."""
    windows, shifts, sequences = [], [], []
    number = first
    for s, shift in enumerate(request.shifts):
        sequence = []
        before: tuple[str, datetime] | None = None
        for j, fixed in enumerate(shift.fixed_visits):
            field = f"shifts[{s}].fixed_visits[{j}]"
            planned = out.local(fixed.planned_start, f"{field}.planned_start", fixed.id)
            if before is not None and planned < before[1]:
                out.problem(
                    f"{field}.planned_start",
                    _(
                        "planned at {planned}, before {other!r} at {other_at}: list a "
                        "shift's fixed visits in the order they are made",
                        planned=hhmm(planned),
                        other=before[0],
                        other_at=hhmm(before[1]),
                    ),
                    fixed.id,
                )
            before = (fixed.id, planned)
            tolerance = timedelta(minutes=fixed.tolerance_min)
            windows.append((planned - tolerance, planned + tolerance))
            shifts.append(frozenset({s}))
            sequence.append(number)
            number += 1
        sequences.append(tuple(sequence))
    return windows, shifts, sequences


def resolve_request(request: PlanRequest) -> ResolvedRequest:
    """Resolve times and cross-field rules.

    Raises
    ------
    RequestError
        Naming every field at fault (and the id of its item).
    """
    today = today_local()
    day = request.date or today
    out = _Collector(day)
    if day < today:
        out.notice(
            "date",
            "past_date",
            _("the plan date {day} is in the past (today is {today})", day=day, today=today),
        )
    for name, ids in (
        ("shifts", [item.id for item in request.shifts]),
        ("hotspots", [item.id for item in request.hotspots]),
        ("visits", [entry.id for entry in request.visit_entries()]),
    ):
        for dup in sorted(_duplicates(ids)):
            out.problem(name, _("id {id!r} is used more than once", id=dup), dup)
    shifts = _resolve_shifts(request, out)
    hotspot_windows = tuple(
        tuple(
            out.window(w, f"hotspots[{i}].windows[{j}]", hotspot.id)
            for j, w in enumerate(hotspot.windows)
        )
        for i, hotspot in enumerate(request.hotspots)
    )
    visit_windows = tuple(
        out.window(visit.window, f"visits[{i}].window", visit.id)
        for i, visit in enumerate(request.visits)
    )
    visit_shifts = _visit_shifts(request, out)
    fixed_windows, fixed_shifts, sequences = _fixed_visits(request, out, len(request.visits))
    if not request.hotspots:
        what = (
            _("nothing to cover: the routes only keep the visits")
            if request.visit_entries()
            else _(
                "nothing to cover: no hotspots and no visits: every staff member stays at the start"
            )
        )
        out.notice("hotspots", "nothing_to_cover", what)
    if out.problems:
        raise RequestError(out.problems)
    return ResolvedRequest(
        day=day,
        origin=min(shift.start for shift in shifts),
        shifts=tuple(shifts),
        hotspot_windows=hotspot_windows,
        visit_windows=(*visit_windows, *fixed_windows),
        visit_shifts=(*visit_shifts, *fixed_shifts),
        sequences=tuple(sequences),
        notices=tuple(out.notices),
    )
