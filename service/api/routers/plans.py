"""Plans: create (solved as a job, answered when done or with a job link), read, and the
routes as GeoJSON. Thin handlers over ``service.jobs`` and the plan store."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from ...auth.scope import check_area
from ...plans.errors import PlanNotFoundError
from ...plans.examples import PLAN_REQUEST_EXAMPLES
from ...plans.geocode import geocode_request
from ...plans.schemas import PlanRequest, PlanResponse
from ..answers import ERRORS, POST_RESPONSES, PreferHeader, answer_as_job, plan_etag
from ..deps import JobQueueDep, NetworksDep, PlannerDep, PlanStoreDep, SettingsDep
from ..scoping import plan_request_area

router = APIRouter(prefix="/v1/plans", tags=["plans"])


@router.post("", status_code=201, response_model=PlanResponse, responses=POST_RESPONSES)
async def post_plan(
    body: Annotated[PlanRequest, Body(openapi_examples=PLAN_REQUEST_EXAMPLES)],
    queue: JobQueueDep,
    settings: SettingsDep,
    store: PlanStoreDep,
    principal: PlannerDep,
    networks: NetworksDep,
    prefer: PreferHeader = None,
) -> JSONResponse:
    """Plan tonight's routes and store the plan.

    Keeps every mandatory visit (or fails naming it), covers as much hotspot weight as
    the shifts allow, then drives as little as possible. No route ends after
    ``latest_end`` (22:00 by default).

    The plan is solved by a worker, off this request. If it is done within
    ``EYES_PLAN_WAIT_S`` the answer is 201 with the plan (``Location: /v1/plans/{id}``);
    otherwise 202 with the job (``Location: /v1/jobs/{id}``). A full queue is a 503 with
    ``Retry-After``. A key scoped to areas plans on its areas only (403 naming the area).

    A location may be an address (`{"address": "Nørregade 1A, 9870 Sindal"}`), looked up
    in the area's own OSM file before the job is queued: an address not found is a 422
    naming the field and the closest addresses; only the point is kept.
    """
    check_area(principal, plan_request_area(body, default_area=networks.default_area))
    body = await run_in_threadpool(geocode_request, body, networks=networks)
    return await answer_as_job(
        body, queue=queue, settings=settings, store=store, owner=principal.key_id, prefer=prefer
    )


@router.get("/{plan_id}", responses=ERRORS)
def get_plan(
    plan_id: str, store: PlanStoreDep, principal: PlannerDep, response: Response
) -> PlanResponse:
    """A stored plan (one version of it). Its `ETag` names the version: send it as
    `If-Match` with a re-plan to be told (409) when someone else re-planned first.
    A plan of an area outside the key's is a 404, as an unknown one."""
    store.check_area(plan_id, within=principal.visible())
    plan = store.get(plan_id)
    response.headers["ETag"] = plan_etag(plan.version)
    return plan


@router.get(
    "/{plan_id}/routes.geojson",
    responses={
        200: {"content": {"application/geo+json": {}}, "description": "RFC 7946"},
        **ERRORS,
    },
)
def get_plan_geojson(plan_id: str, store: PlanStoreDep, principal: PlannerDep) -> JSONResponse:
    """The plan's routes (LineStrings along the streets) and stops (Points) as GeoJSON."""
    store.check_area(plan_id, within=principal.visible())
    geojson = store.geojson(plan_id)
    if geojson is None:
        msg = f"plan {plan_id!r} was made on an explicit matrix and has no map geometry."
        raise PlanNotFoundError(msg)
    return JSONResponse(geojson, media_type="application/geo+json")
