"""Re-planning: the evening as it now is -> the next version of a plan; and its versions."""

from __future__ import annotations

import functools
from typing import Annotated, Any

from fastapi import APIRouter, Header
from fastapi.responses import JSONResponse
from pydantic import WithJsonSchema
from starlette.concurrency import run_in_threadpool

from ...jobs.service import submit_replan
from ...plans.errors import VersionConflictError
from ...plans.geocode import geocode_replan
from ...plans.replan_schemas import ReplanRequest
from ...plans.schemas import PlanResponse, PlanVersion
from ...usecases import with_checkins
from ..answers import POST_RESPONSES, PreferHeader, answer_with_job, version_of_etag
from ..deps import FieldStoreDep, JobQueueDep, NetworksDep, PlannerDep, PlanStoreDep, SettingsDep
from ..problems import BODY_ERRORS, KEY_ERRORS, PROBLEM

router = APIRouter(prefix="/v1/plans", tags=["plans"])

ETAG_PATTERN = r'^[ \t]*(W/)?"v[1-9][0-9]{0,8}"[ \t]*$'
"""A version's ETag as If-Match carries it (`service.api.answers.plan_etag`)."""

ERRORS: dict[int | str, dict[str, Any]] = {
    **KEY_ERRORS,
    **BODY_ERRORS,
    404: {"description": "No such plan", **PROBLEM},
    409: {
        "description": "`base_version` (or `If-Match`) is not the newest version; the problem "
        "names the newest (`current_version`, `current_id`)",
        **PROBLEM,
    },
    422: {"description": "Invalid re-plan; `errors` names each field", **PROBLEM},
    202: POST_RESPONSES[202],
    503: {
        "description": "Too many plans waiting, no plan found in time, or street data "
        "unavailable; see Retry-After",
        **PROBLEM,
    },
}


@router.post("/{plan_id}/replan", status_code=201, response_model=PlanResponse, responses=ERRORS)
async def post_replan(
    plan_id: str,
    body: ReplanRequest,
    queue: JobQueueDep,
    settings: SettingsDep,
    store: PlanStoreDep,
    principal: PlannerDep,
    field: FieldStoreDep,
    networks: NetworksDep,
    prefer: PreferHeader = None,
    if_match: Annotated[
        str | None,
        Header(
            max_length=200,
            description="The ETag of the version this re-plan starts from (as `GET "
            '/v1/plans/{id}` gives it, e.g. `"v2"`): 409 if a newer version exists.',
        ),
        # Documented for clients (a header is absent, never null); checked by
        # version_of_etag (a 422 naming If-Match).
        WithJsonSchema({"type": "string", "maxLength": 200, "pattern": ETAG_PATTERN}),
    ] = None,
) -> JSONResponse:
    """Plan the rest of the evening from where everyone is now.

    Stops done never move; the stop a staff member is at stays theirs, first; the rest is
    planned again (staff leaving or joining, visits added or cancelled, hotspots added or
    re-weighted), starting from the plan as it was. The answer is the next version, linked
    to this one (`parent_id`, `version`), with `changes` saying per staff member what was
    added, dropped or moved.

    Solved as a job, like `POST /v1/plans`: 201 with the new version (`Location`) when it
    is done within the wait, else 202 with the job.

    Re-plans of one plan are serialised: each builds on the newest version. Name the
    version you start from (`base_version`, or its ETag as `If-Match`) to get a 409 instead
    when someone else re-planned first.
    """
    if if_match is not None:
        body = body.model_copy(update={"base_version": version_of_etag(if_match)})
    # An unknown plan (or another area's) is a 404 now, a stale version a 409 now, not a job.
    await run_in_threadpool(store.check_area, plan_id, within=principal.visible())
    newest = await run_in_threadpool(store.newest_version, plan_id)
    if body.base_version is not None and body.base_version != newest.version:
        raise VersionConflictError(plan_id, body.base_version, newest)
    # Addresses become points before the job is stored: their text is never kept.
    body = await run_in_threadpool(geocode_replan, body, area=newest.area, networks=networks)
    body = await run_in_threadpool(
        functools.partial(with_checkins, body, plan_id=plan_id, store=store, field=field)
    )
    job = await run_in_threadpool(
        submit_replan, plan_id, body, queue=queue, settings=settings, owner=principal.key_id
    )
    return await answer_with_job(job, queue=queue, settings=settings, store=store, prefer=prefer)


@router.get("/{plan_id}/versions", responses=ERRORS)
def get_versions(plan_id: str, store: PlanStoreDep, principal: PlannerDep) -> list[PlanVersion]:
    """Every version of the plan (the first plan and each re-plan), oldest first."""
    store.check_area(plan_id, within=principal.visible())
    return store.versions(plan_id)
