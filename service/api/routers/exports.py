"""A stored plan as files: GPX for phones, CSV for schedulers, iCalendar per staff member.

Same roles and areas as reading plans (another area's plan is a 404). The files name staff
and stops by id only. Each file is of the plan's newest version, whichever version's id it
is asked by (a calendar subscribed to follows re-plans); ``Content-Location`` names that
version.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Query, Response

from ...plans.exports import plan_to_csv, plan_to_gpx, route_to_ics
from ..deps import PlannerDep, PlanStoreDep
from ..problems import PROBLEM

if TYPE_CHECKING:
    from ...plans.schemas import PlanResponse

router = APIRouter(prefix="/v1/plans", tags=["exports"])

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No valid API key", **PROBLEM},
    403: {"description": "The key's role may not use plans", **PROBLEM},
    404: {"description": "No such plan, or no route for that staff member", **PROBLEM},
}
StaffQuery = Annotated[
    str | None, Query(description="Only this staff member's route (default: everyone).")
]


def _file(body: str, media_type: str, filename: str, plan: PlanResponse) -> Response:
    return Response(
        body,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Content-Location": f"/v1/plans/{plan.id}",
        },
    )


def _stem(plan_id: str, staff: str | None) -> str:
    return f"plan-{plan_id[:8]}" + (f"-{staff}" if staff else "")


@router.get(
    "/{plan_id}/routes.gpx",
    responses={200: {"content": {"application/gpx+xml": {}}, "description": "GPX 1.1"}, **ERRORS},
)
def get_plan_gpx(
    plan_id: str, store: PlanStoreDep, principal: PlannerDep, staff: StaffQuery = None
) -> Response:
    """The routes as GPX 1.1: per staff member a track along the streets and a waypoint per
    stop (times in UTC, as GPX requires; descriptions in Copenhagen time)."""
    store.check_area(plan_id, within=principal.visible())
    plan = store.newest_version(plan_id)
    body = plan_to_gpx(plan, store.geojson(plan.id), staff_id=staff)
    return _file(body, "application/gpx+xml", f"{_stem(plan_id, staff)}.gpx", plan)


@router.get(
    "/{plan_id}/routes.csv",
    responses={200: {"content": {"text/csv": {}}, "description": "One row per stop"}, **ERRORS},
)
def get_plan_csv(
    plan_id: str, store: PlanStoreDep, principal: PlannerDep, staff: StaffQuery = None
) -> Response:
    """One row per stop: staff, order, kind, id, arrival, start, departure, lat, lon (times
    ISO 8601 with the Copenhagen offset)."""
    store.check_area(plan_id, within=principal.visible())
    plan = store.newest_version(plan_id)
    body = plan_to_csv(plan, staff_id=staff)
    return _file(body, "text/csv; charset=utf-8", f"{_stem(plan_id, staff)}.csv", plan)


@router.get(
    "/{plan_id}/staff/{staff_id}.ics",
    responses={200: {"content": {"text/calendar": {}}, "description": "RFC 5545"}, **ERRORS},
)
def get_staff_ics(
    plan_id: str, staff_id: str, store: PlanStoreDep, principal: PlannerDep
) -> Response:
    """One staff member's route as a calendar: an event per stop, Europe/Copenhagen times."""
    store.check_area(plan_id, within=principal.visible())
    plan = store.newest_version(plan_id)
    body = route_to_ics(plan, staff_id)
    return _file(body, "text/calendar; charset=utf-8", f"{_stem(plan_id, staff_id)}.ics", plan)
