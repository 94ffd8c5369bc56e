"""Plan requests from CSV files, and re-plans of stored plans (used by the map page).

``POST /v1/imports/csv`` turns the files into a plan request, checked as ``POST /v1/plans``
checks one, with every problem naming the file, line and column; the caller then posts
that request to ``/v1/plans``. ``POST /v1/plans/{id}/rerun`` plans a stored request again.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from ...auth.scope import check_area
from ...errors import RequestError
from ...plans.imports import CsvImport, request_from_csv
from ...plans.rerun import Rerun, rerun_request
from ...plans.schemas import PlanRequest, PlanResponse
from ...plans.whereabouts import far_from_area
from ..answers import POST_RESPONSES, PreferHeader, answer_as_job
from ..deps import JobQueueDep, NetworksDep, PlannerDep, PlanStoreDep, SettingsDep
from ..problems import BODY_ERRORS, KEY_ERRORS, PROBLEM
from ..scoping import plan_request_area

router = APIRouter(tags=["imports"])

ERRORS: dict[int | str, dict[str, Any]] = {
    **KEY_ERRORS,
    **BODY_ERRORS,
    422: {"description": "Invalid files or request; `errors` names each place", **PROBLEM},
}


@router.post("/v1/imports/csv", responses=ERRORS)
def import_csv(body: CsvImport, principal: PlannerDep, networks: NetworksDep) -> PlanRequest:
    """A plan request from the shifts, hotspots and visits CSV files (their text).

    Nothing is planned or stored: post the answer to `/v1/plans`. A problem is a 422 whose
    `errors` name the file, line and column (`visits CSV line 4, column window_start`).
    When every location lies far outside the area, that is one problem on `area` naming
    the area they lie in. A location may be an address (an `address` or `adresse`
    column): it is looked up in the area's OSM file, and the request holds its point.
    """
    request = request_from_csv(body, networks=networks)
    check_area(principal, plan_request_area(request, default_area=networks.default_area))
    far = far_from_area(request, catalog=networks.catalog, default_area=networks.default_area)
    if far is not None:
        raise RequestError([far])
    return request


@router.post(
    "/v1/plans/{plan_id}/rerun",
    status_code=201,
    response_model=PlanResponse,
    responses={404: {"description": "No such plan", **PROBLEM}, **POST_RESPONSES},
)
async def rerun(
    plan_id: str,
    body: Rerun,
    queue: JobQueueDep,
    settings: SettingsDep,
    store: PlanStoreDep,
    principal: PlannerDep,
    prefer: PreferHeader = None,
) -> JSONResponse:
    """Plan a stored plan's request again (same date) with another time limit or seed.

    Solved as a job, like `POST /v1/plans`: 201 with the new plan (`Location`) when it is
    done within the wait, else 202 with the job. The old plan is kept.
    """
    await run_in_threadpool(store.check_area, plan_id, within=principal.visible())
    again = await run_in_threadpool(rerun_request, store, plan_id, body)
    return await answer_as_job(
        again,
        queue=queue,
        settings=settings,
        store=store,
        owner=principal.key_id,
        prefer=prefer,
    )
