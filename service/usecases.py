"""The use cases the job runner and the ``eyes`` command share.

``plan_request``: a plan request as sent, planned and stored - its ``hotspots_from``
forecast from the area's burglary records first (``service.incidents.expand``), then
``service.plans.planning.create_plan``. The API never calls it in its own process: a plan
job's worker does (``service.jobs.runner``), and so does ``eyes plan``.

``with_checkins``: a re-plan request told what the staff's check-ins say (the API calls it
before it queues the re-plan, so the stored job says what it was told).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .field.view import evening_facts
from .geo import Point
from .incidents.expand import expand_hotspots_from
from .plans.planning import create_plan
from .plans.replan_schemas import ReplanRequest, StaffNow

if TYPE_CHECKING:
    from .config import Settings
    from .field.store import FieldStore
    from .plans.networks import AreaNetworks
    from .plans.planning import PlannedRoutes
    from .plans.schemas import PlanRequest
    from .plans.store import PlanStore


def plan_request(
    request: PlanRequest, *, networks: AreaNetworks, settings: Settings, store: PlanStore
) -> PlannedRoutes:
    """Forecast ``request``'s hotspots if it asks for them, then plan and store it.

    Raises
    ------
    RequestError
        Bad input, naming the field (a forecast with no records, a visit that cannot be
        kept, ...).
    UnknownAreaError
        The named area is not registered.
    SolverError
        No plan could be found in the time limit.
    """
    if request.hotspots_from is not None:
        request = expand_hotspots_from(
            request, db=store, networks=networks, max_snap_m=settings.max_snap_m
        )
    return create_plan(request, networks=networks, settings=settings, store=store)


def with_checkins(
    body: ReplanRequest, *, plan_id: str, store: PlanStore, field: FieldStore
) -> ReplanRequest:
    """``body`` with the stops the staff checked in at added to ``done`` and, for staff whose
    position it does not give, the newest position they checked in from; unchanged when it
    says ``use_checkins: false``.

    Raises
    ------
    PlanNotFoundError
        If there is no such plan.
    """
    if not body.use_checkins:
        return body
    lineage = store.lineage_of(plan_id)
    checkins = field.checkins(lineage)
    if not checkins:
        return body
    plan = store.newest_version(plan_id)
    facts = evening_facts(lineage, plan.routes, checkins)
    on_plan = {route.staff_id for route in plan.routes}
    told = {p.staff_id for p in body.positions}
    positions = list(body.positions) + [
        StaffNow(staff_id=staff, location=Point(lat=lat, lon=lon))
        for staff, (lat, lon, _at) in sorted(facts.positions.items())
        if staff not in told and staff in on_plan and staff not in body.staff_leaving
    ]
    done = list(dict.fromkeys([*body.done, *sorted(facts.done)]))
    return body.model_copy(update={"done": done, "positions": positions})
