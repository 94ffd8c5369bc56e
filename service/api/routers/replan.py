"""Re-planning: the evening as it now is -> the next version of a plan; and its versions."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from ...plans.replan import replan
from ...plans.replan_schemas import ReplanRequest
from ...plans.schemas import PlanResponse, PlanVersion
from ..deps import NetworksDep, PlannerDep, PlanStoreDep, SettingsDep
from ..problems import BODY_ERRORS, KEY_ERRORS, PROBLEM

router = APIRouter(prefix="/v1/plans", tags=["plans"])

ERRORS: dict[int | str, dict[str, Any]] = {
    **KEY_ERRORS,
    **BODY_ERRORS,
    404: {"description": "No such plan", **PROBLEM},
    422: {"description": "Invalid re-plan; `errors` names each field", **PROBLEM},
    503: {"description": "No plan found in time, or street data unavailable", **PROBLEM},
}


@router.post("/{plan_id}/replan", status_code=201, responses=ERRORS)
def post_replan(
    plan_id: str,
    body: ReplanRequest,
    response: Response,
    networks: NetworksDep,
    settings: SettingsDep,
    store: PlanStoreDep,
    _: PlannerDep,
) -> PlanResponse:
    """Plan the rest of the evening from where everyone is now.

    Stops done never move; the stop a staff member is at stays theirs, first; the rest is
    planned again (staff leaving or joining, visits added or cancelled, hotspots added or
    re-weighted), starting from the plan as it was. The answer is the next version, linked
    to this one (`parent_id`, `version`), with `changes` saying per staff member what was
    added, dropped or moved.
    """
    planned = replan(plan_id, body, networks=networks, settings=settings, store=store)
    response.headers["Location"] = f"/v1/plans/{planned.plan.id}"
    return planned.plan


@router.get("/{plan_id}/versions", responses=ERRORS)
def get_versions(plan_id: str, store: PlanStoreDep, _: PlannerDep) -> list[PlanVersion]:
    """Every version of the plan (the first plan and each re-plan), oldest first."""
    return store.versions(plan_id)
