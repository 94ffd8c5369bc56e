"""The use cases the job runner and the ``eyes`` command share.

``plan_request``: a plan request as sent, planned and stored - its ``hotspots_from``
forecast from the area's burglary records first (``service.incidents.expand``), then
``service.plans.planning.create_plan``. The API never calls it in its own process: a plan
job's worker does (``service.jobs.runner``), and so does ``eyes plan``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .incidents.expand import expand_hotspots_from
from .plans.planning import create_plan

if TYPE_CHECKING:
    from .config import Settings
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
