"""Patrol alerts: an alert's area becomes a priority stop of tonight's plans there.

Police ask for presence, not only watchfulness: each newest plan whose area's streets hold
the alert's centre, for each day of the validity, is re-planned from now with the area's
centre as a hotspot of the given weight, open while the alert is valid. The re-plan runs
where the caller says (the API hands it to the plan workers and waits); the alert's
recipients are then chosen from the new versions.
"""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

from .alerts.targeting import area_centre
from .plans.replan_schemas import ReplanRequest
from .timeutil import LOCAL_TZ

if TYPE_CHECKING:
    from collections.abc import Callable

    from .alerts.schemas import AlertCreate
    from .plans.networks import AreaNetworks
    from .plans.store import PlanStore

log = logging.getLogger(__name__)


def patrol_replans(
    body: AlertCreate,
    alert_key: str,
    *,
    valid_from: datetime,
    valid_until: datetime,
    now: datetime,
    networks: AreaNetworks,
    plans: PlanStore,
    run_replan: Callable[[str, ReplanRequest], str | None],
    may_act: Callable[[str], bool] = lambda _area: True,
) -> list[str]:
    """Re-plan tonight's plans in the alert's area with its centre as a stop; returns the new
    plan versions' ids (none when no plan of those days is in the area, or their evenings
    are over).

    ``run_replan(plan_id, change)`` re-plans one stored plan and gives the new version's id,
    or None when it could not (the plan's evening is over, no plan found in time, ...).
    Only plans of areas ``may_act`` allows are re-planned (the alert's key's areas).
    """
    assert body.patrol is not None
    lat, lon = area_centre(body.area)
    start = max(now, valid_from).astimezone(LOCAL_TZ)
    stop = {
        "id": f"alert-{alert_key[:12]}",
        "location": {"lat": lat, "lon": lon},
        "weight": body.patrol.weight,
        "dwell_min": body.patrol.dwell_min,
        "windows": [
            {
                "start": start.replace(tzinfo=None).isoformat(timespec="minutes"),
                "end": valid_until.astimezone(LOCAL_TZ)
                .replace(tzinfo=None)
                .isoformat(timespec="minutes"),
            }
        ],
    }
    made = []
    day = start.date()
    while day <= valid_until.astimezone(LOCAL_TZ).date():
        for area in networks.catalog.names():
            if not may_act(area) or not networks.bounds(area, "drive").contains(lat, lon):
                continue
            plan = plans.newest_for_day(area, day)
            if plan is None:
                continue
            # The first evening from now; a later one from its start (nothing done yet).
            moment = start if day == start.date() else datetime.combine(day, time(), LOCAL_TZ)
            change = ReplanRequest.model_validate(
                {"now": moment.isoformat(), "hotspots_added": [stop]}
            )
            made_id = run_replan(plan.id, change)
            if made_id is None:
                log.info("patrol: plan %s not re-planned", plan.id)
            else:
                made.append(made_id)
        day += timedelta(days=1)
    return made
