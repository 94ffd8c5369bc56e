"""Re-planning: the evening as it now is -> a new version of the plan.

Stops done never move; the stop a staff member is at is kept, first; everything else is
planned again from where each staff member is now, starting the search from the plan as
it was (a warm start). The new version is stored linked to the one it re-plans, and says
per staff member what changed.
"""

from __future__ import annotations

import itertools
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from ..errors import FieldProblem, RequestError, problems_from_validation
from ..timeutil import LOCAL_TZ, hhmm, to_local
from .errors import VersionConflictError, VersionTakenError
from .geocode import geocode_request
from .planning import PlannedRoutes, plan_routes
from .schemas import (
    MAX_CLOSED_STREETS,
    PlanOptions,
    PlanRequest,
    PlanResponse,
    RouteOut,
    ShiftIn,
    StaffChange,
    StopMove,
    VariationIn,
)

if TYPE_CHECKING:
    from ..config import Settings
    from ..timeutil import ClockOrDateTime
    from .networks import AreaNetworks
    from .replan_schemas import ReplanRequest
    from .schemas import Location, StopOut
    from .store import PlanStore

# A stop whose start moves by less than this is not reported as moved.
MOVED_MIN = 5
REPLAN_TIME_LIMIT_S = 1.5
# How often a re-plan is planned again on top of one stored meanwhile before it gives up.
MAX_VERSION_TRIES = 5


@dataclass(frozen=True, slots=True)
class Progress:
    """How far one staff member has come: the stops behind them (done, and the one they
    are at, kept), where and when they carry on."""

    staff_id: str
    kept: list[StopOut]
    location: Location
    start: datetime
    finished: bool


def _shift_end(end_time: ClockOrDateTime, day: date, latest_end: time | None) -> datetime:
    """A shift's end on the plan date, capped by the latest end."""
    end = to_local(end_time, day)
    if latest_end is None:
        return end
    return min(end, datetime.combine(day, latest_end, tzinfo=LOCAL_TZ))


def _problem(field: str, message: str, item_id: str | None = None) -> RequestError:
    return RequestError([FieldProblem(field, message, item_id)])


def _stored_request(store: PlanStore, plan_id: str) -> PlanRequest:
    try:
        return PlanRequest.model_validate(store.request(plan_id))
    except ValidationError as exc:
        msg = (
            "its stored request can no longer be planned (past retention, staff phones are "
            "gone): make a new plan"
        )
        raise _problem("plan", msg, plan_id) from exc


def _check_ids(body: ReplanRequest, plan: PlanResponse, request: PlanRequest) -> None:
    """Every id the re-plan names must be in the plan (422 naming the field otherwise)."""
    problems = []
    staff = {route.staff_id for route in plan.routes}
    stop_ids = {s.id for r in plan.routes for s in r.stops if s.id is not None}
    for i, stop_id in enumerate(body.done):
        if stop_id not in stop_ids:
            problems.append(FieldProblem(f"done[{i}]", "no stop of the plan has this id", stop_id))
    for i, position in enumerate(body.positions):
        if position.staff_id not in staff:
            problems.append(
                FieldProblem(
                    f"positions[{i}].staff_id", "no staff member of the plan", position.staff_id
                )
            )
        route = next((r for r in plan.routes if r.staff_id == position.staff_id), None)
        if position.at_stop is not None and (
            route is None or position.at_stop not in {s.id for s in route.stops}
        ):
            problems.append(
                FieldProblem(
                    f"positions[{i}].at_stop",
                    f"not a stop of {position.staff_id!r}'s route",
                    position.at_stop,
                )
            )
    for i, staff_id in enumerate(body.staff_leaving):
        if staff_id not in staff:
            problems.append(
                FieldProblem(f"staff_leaving[{i}]", "no staff member of the plan", staff_id)
            )
    visit_ids = {entry.id for entry in request.visit_entries()}
    for i, visit_id in enumerate(body.visits_cancelled):
        if visit_id not in visit_ids:
            problems.append(
                FieldProblem(f"visits_cancelled[{i}]", "no visit of the plan", visit_id)
            )
    hotspot_ids = {h.id for h in request.hotspots} | {h.id for h in body.hotspots_added}
    for i, item in enumerate(body.hotspots_reweighted):
        if item.id not in hotspot_ids:
            problems.append(
                FieldProblem(f"hotspots_reweighted[{i}].id", "no such hotspot", item.id)
            )
    if problems:
        raise RequestError(problems)


def _progress(
    route: RouteOut, body: ReplanRequest, now: datetime, shift: tuple[datetime, datetime]
) -> Progress:
    """Which stops of ``route`` stay as they are, and where its staff member carries on
    (never before their ``shift`` starts); ``finished`` once that is at or after its end.

    A stop is done when its departure is at or before ``now``, when ``done`` names it, or
    when an earlier version marked it done; the stop under way (or the one a position names
    with ``at_stop``) is kept. A position says where someone is, never what they did.
    """
    told = next((p for p in body.positions if p.staff_id == route.staff_id), None)
    stops = route.stops[1:-1] if route.stops[-1].kind == "end" else route.stops[1:]
    # A hotspot visited twice appears twice: each mention in ``done`` is one visit.
    done = Counter(body.done)
    kept: list[StopOut] = [route.stops[0]]
    start = now
    for stop in stops:
        named = stop.id is not None and done[stop.id] > 0
        if named and stop.id is not None:
            done[stop.id] -= 1
        finished = stop.done or stop.departure <= now or named
        at_it = (told is not None and told.at_stop is not None and told.at_stop == stop.id) or (
            stop.start <= now < stop.departure
        )
        if finished or at_it:
            kept.append(stop)
            if at_it and not finished:
                start = max(now, stop.departure)
    last = kept[-1]
    location: Location
    if told is not None and told.location is not None:
        location = told.location
    else:
        location = last.location.as_location()
    if last.kind == "start" and (told is None or told.location is None):
        start = max(now, route.start)
    start = max(start, shift[0])
    return Progress(route.staff_id, kept, location, start, finished=start >= shift[1])


def _carried(route: RouteOut, behind: Progress | None) -> RouteOut | None:
    """A route planned no further: a staff member whose evening is over keeps it as it was;
    one who left keeps the stops done and under way (``behind``, or for a route carried
    over from an earlier version, its stops marked done). All are marked done; None when
    nothing was done."""
    if behind is not None and behind.finished:
        stops = list(route.stops)
    else:
        stops = behind.kept if behind is not None else [s for s in route.stops if s.done]
        if len(stops) <= 1:
            return None
    stops = [s.model_copy(update={"done": True}) for s in stops]
    travel_s = sum((b.arrival - a.departure).total_seconds() for a, b in itertools.pairwise(stops))
    return route.model_copy(
        update={
            "stops": stops,
            "end": stops[-1].arrival if stops[-1].kind == "end" else stops[-1].departure,
            "travel_min": round(travel_s / 60, 2),
            "weight_covered": round(sum(s.weight for s in stops), 4),
        }
    )


def _changes(
    old: PlanResponse,
    new: PlanResponse,
    progress: dict[str, Progress],
    now: datetime,
    leaving: set[str],
) -> list[StaffChange]:
    """Per staff member, the stops added, dropped and moved, and a sentence saying so."""
    changes = []
    old_routes = {r.staff_id: r for r in old.routes}
    for route in new.routes:
        if route.staff_id in leaving:
            continue
        behind = progress.get(route.staff_id)
        kept = {s.id for s in behind.kept} if behind is not None else set()
        previous = old_routes[route.staff_id].stops if route.staff_id in old_routes else []
        before = {s.id: s for s in previous if s.id is not None and s.id not in kept}
        after = {s.id: s for s in route.stops if s.id is not None and s.id not in kept}
        added = [i for i in after if i not in before]
        dropped = [i for i in before if i not in after]
        moved = [
            StopMove(id=i, before=hhmm(before[i].start), after=hhmm(after[i].start))
            for i in after
            if i in before and abs(after[i].start - before[i].start) >= timedelta(minutes=MOVED_MIN)
        ]
        words = [f"{i} added at {hhmm(after[i].start)}" for i in added]
        words += [f"{i} dropped" for i in dropped]
        words += [f"{m.id} moved from {m.before} to {m.after}" for m in moved]
        if route.staff_id not in old_routes:
            words.insert(0, "joined")
        text = f"{route.staff_id}: " + ("; ".join(words) if words else "no change")
        changes.append(
            StaffChange(
                staff_id=route.staff_id, added=added, dropped=dropped, moved=moved, text=text
            )
        )
    for staff_id, route in old_routes.items():
        if staff_id in leaving or all(r.staff_id != staff_id for r in new.routes):
            left = [s.id for s in route.stops if s.id is not None and s.start > now]
            changes.append(
                StaffChange(
                    staff_id=staff_id,
                    added=[],
                    dropped=left,
                    moved=[],
                    text=f"{staff_id}: left; their remaining stops go to others or are left out",
                )
            )
    return changes


def _compose(old: PlanResponse, new: PlanResponse, progress: dict[str, Progress]) -> PlanResponse:
    """The new routes with each staff member's kept stops first (they never move); every
    route planned no further keeps what was done on it (`_carried`)."""
    planned = {r.staff_id for r in new.routes}
    routes = [
        carried
        for r in old.routes
        if r.staff_id not in planned
        and (carried := _carried(r, progress.get(r.staff_id))) is not None
    ]
    for route in new.routes:
        behind = progress.get(route.staff_id)
        if behind is None or len(behind.kept) == 1:
            routes.append(route)
            continue
        kept = [s.model_copy(update={"done": True}) for s in behind.kept]
        travel_done = sum(
            (b.arrival - a.departure).total_seconds() for a, b in itertools.pairwise(kept)
        )
        routes.append(
            route.model_copy(
                update={
                    "stops": [*kept, *route.stops[1:]],
                    "start": kept[0].start,
                    "travel_min": round(route.travel_min + travel_done / 60, 2),
                    "weight_covered": round(route.weight_covered + sum(s.weight for s in kept), 4),
                }
            )
        )
    return new.model_copy(update={"routes": routes})


def _behind_ids(progress: dict[str, Progress]) -> set[str]:
    """The ids of every stop done or under way: they are planned no more."""
    return {p.id for behind in progress.values() for p in behind.kept if p.id is not None}


def _next_request(
    request: PlanRequest, body: ReplanRequest, progress: dict[str, Progress], behind: set[str]
) -> PlanRequest:
    """The request for the rest of the evening, edited as typed objects: each staff member
    still on shift carries on from where they are, staff joining are added, hotspots and
    visits done or cancelled are gone, the rest are planned again.

    Raises
    ------
    RequestError
        When no one is left to plan for, or too many streets are closed.
    """
    gone = behind | set(body.visits_cancelled)
    weights = {item.id: item.weight for item in body.hotspots_reweighted}
    shifts: list[ShiftIn] = []
    for shift in request.shifts:
        carrying_on = progress.get(shift.id)
        if carrying_on is None or carrying_on.finished or shift.id in body.staff_leaving:
            continue
        # Carry on from here, and still end where the shift was to end.
        shifts.append(
            shift.model_copy(
                update={
                    "end_location": shift.end_location or shift.start_location,
                    "start_location": carrying_on.location,
                    "start_time": carrying_on.start,
                    "fixed_visits": [f for f in shift.fixed_visits if f.id not in gone],
                }
            )
        )
    shifts += body.staff_joining
    if not shifts:
        raise _problem("now", "every staff member's evening is over: nothing left to plan")
    closed = [*request.streets_closed, *body.streets_closed]
    if len(closed) > MAX_CLOSED_STREETS:
        raise _problem(
            "streets_closed",
            f"{len(closed)} streets closed with those of the plan; at most {MAX_CLOSED_STREETS}",
        )
    options = body.options or PlanOptions(
        time_limit_s=REPLAN_TIME_LIMIT_S, seed=request.options.seed
    )
    edited = request.model_copy(
        update={
            "shifts": shifts,
            "hotspots": [
                h.model_copy(update={"weight": weights.get(h.id, h.weight)})
                for h in [*request.hotspots, *body.hotspots_added]
                if h.id not in gone
            ],
            "visits": [v for v in [*request.visits, *body.visits_added] if v.id not in gone],
            "streets_closed": closed,
            "options": options.model_copy(update={"variation": VariationIn(enabled=False)}),
        }
    )
    # The edits are checked as a request sent would be (ids, sizes, dates, phones).
    try:
        return PlanRequest.model_validate(edited.model_dump())
    except ValidationError as exc:
        raise RequestError(problems_from_validation(exc.errors())) from exc


def replan(
    plan_id: str,
    body: ReplanRequest,
    *,
    networks: AreaNetworks,
    settings: Settings,
    store: PlanStore,
) -> PlannedRoutes:
    """Plan the rest of the evening of plan ``plan_id`` from where everyone is now, and
    store it as the next version.

    The re-plan starts from the newest version of the plan (``body.base_version``, when
    given, must be it). Re-plans of one plan are serialised: one that finds its version
    number taken by another re-plan stored meanwhile is planned again on top of it.

    Raises
    ------
    PlanNotFoundError
        No plan has that id.
    VersionConflictError
        ``body.base_version`` is not the newest version.
    RequestError
        An id not in the plan, a position off the streets, a fixed sequence that cannot be
        kept, ... naming the field.
    SolverError
        No plan found in time.
    """
    for _ in range(MAX_VERSION_TRIES):
        old = store.newest_version(plan_id)
        if body.base_version is not None and old.version != body.base_version:
            raise VersionConflictError(plan_id, body.base_version, old)
        planned = _replan_version(old, body, networks=networks, settings=settings, store=store)
        stored = planned.request.model_dump(mode="json")
        try:
            store.save(planned.plan, request=stored, geojson=planned.geojson)
        except VersionTakenError:
            if body.base_version is not None:
                newest = store.newest_version(plan_id)
                raise VersionConflictError(plan_id, body.base_version, newest) from None
            continue
        return PlannedRoutes(plan=planned.plan, geojson=planned.geojson)
    msg = f"plan {plan_id!r} is being re-planned by others all the time; try again"
    raise VersionConflictError(plan_id, None, store.newest_version(plan_id), message=msg)


@dataclass(frozen=True, slots=True)
class _Version:
    """A re-planned version ready to store, with the request it answers."""

    plan: PlanResponse
    request: PlanRequest
    geojson: dict[str, Any] | None


def _replan_version(
    old: PlanResponse,
    body: ReplanRequest,
    *,
    networks: AreaNetworks,
    settings: Settings,
    store: PlanStore,
) -> _Version:
    """The version after ``old`` for ``body`` (not stored)."""
    request = _stored_request(store, old.id)
    _check_ids(body, old, request)
    now = to_local(body.now, old.date) if body.now is not None else datetime.now(LOCAL_TZ)
    shifts = {
        shift.id: (
            to_local(shift.start_time, old.date),
            _shift_end(shift.end_time, old.date, request.latest_end),
        )
        for shift in request.shifts
    }
    progress = {
        r.staff_id: _progress(r, body, now, shifts[r.staff_id])
        for r in old.routes
        if r.staff_id in shifts
    }
    gone = _behind_ids(progress)
    new_request = geocode_request(_next_request(request, body, progress, gone), networks=networks)
    hint = {
        r.staff_id: [
            (s.kind, s.id, s.start)
            for s in r.stops
            if s.id is not None and s.id not in gone and s.kind in ("hotspot", "visit")
        ]
        for r in old.routes
    }
    planned = plan_routes(
        new_request,
        networks=networks,
        settings=settings,
        plan_id=uuid.uuid4().hex,
        created_at=datetime.now(UTC),
        hint=hint,
        lineage=(old.id, old.version + 1),
    )
    plan = _compose(old, planned.plan, progress)
    plan = plan.model_copy(
        update={"changes": _changes(old, plan, progress, now, set(body.staff_leaving))}
    )
    return _Version(plan=plan, request=new_request, geojson=planned.geojson)
