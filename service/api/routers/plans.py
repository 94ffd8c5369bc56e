"""Plans: create, read, and the routes as GeoJSON. Thin handlers over ``planning``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Response
from fastapi.responses import JSONResponse

from ...incidents.expand import expand_hotspots_from
from ...plans.errors import PlanNotFoundError
from ...plans.examples import PLAN_REQUEST_EXAMPLES
from ...plans.planning import create_plan
from ...plans.schemas import PlanRequest, PlanResponse
from ..deps import NetworksDep, PlannerDep, PlanStoreDep, SettingsDep

router = APIRouter(prefix="/v1/plans", tags=["plans"])

PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Malformed JSON", **PROBLEM},
    401: {"description": "No valid API key", **PROBLEM},
    403: {"description": "The key's role may not use plans", **PROBLEM},
    404: {"description": "No such plan", **PROBLEM},
    422: {"description": "Invalid request; `errors` names each field", **PROBLEM},
    503: {"description": "No plan found in time, or street data unavailable", **PROBLEM},
}


@router.post("", status_code=201, responses=ERRORS)
def post_plan(
    body: Annotated[PlanRequest, Body(openapi_examples=PLAN_REQUEST_EXAMPLES)],
    response: Response,
    networks: NetworksDep,
    settings: SettingsDep,
    store: PlanStoreDep,
    _: PlannerDep,
) -> PlanResponse:
    """Plan tonight's routes and store the plan.

    Keeps every mandatory visit (or fails naming it), covers as much hotspot weight as
    the shifts allow, then drives as little as possible. No route ends after
    ``latest_end`` (22:00 by default).
    """
    body = expand_hotspots_from(body, db=store, networks=networks)
    planned = create_plan(body, networks=networks, settings=settings, store=store)
    response.headers["Location"] = f"/v1/plans/{planned.plan.id}"
    return planned.plan


@router.get("/{plan_id}", responses=ERRORS)
def get_plan(plan_id: str, store: PlanStoreDep, _: PlannerDep) -> PlanResponse:
    """A stored plan."""
    return store.get(plan_id)


@router.get(
    "/{plan_id}/routes.geojson",
    responses={
        200: {"content": {"application/geo+json": {}}, "description": "RFC 7946"},
        **ERRORS,
    },
)
def get_plan_geojson(plan_id: str, store: PlanStoreDep, _: PlannerDep) -> JSONResponse:
    """The plan's routes (LineStrings along the streets) and stops (Points) as GeoJSON."""
    geojson = store.geojson(plan_id)
    if geojson is None:
        msg = f"plan {plan_id!r} was made on an explicit matrix and has no map geometry."
        raise PlanNotFoundError(msg)
    return JSONResponse(geojson, media_type="application/geo+json")
