"""Plans: create (solved as a job, answered when done or with a job link), read, and the
routes as GeoJSON. Thin handlers over ``service.jobs`` and the plan store."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Body, Header, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from ...jobs.service import submit_plan
from ...plans.errors import PlanNotFoundError
from ...plans.examples import PLAN_REQUEST_EXAMPLES
from ...plans.schemas import PlanRequest, PlanResponse
from ..deps import PlannerDep, PlanStoreDep, SettingsDep
from ..problems import PROBLEM, PROBLEM_JSON, job_problem
from .jobs import JobPublic, current_job, job_public

if TYPE_CHECKING:
    from ...config import Settings
    from ...jobs.service import JobQueue
    from ...jobs.store import Job
    from ...plans.store import PlanStore

router = APIRouter(prefix="/v1/plans", tags=["plans"])

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Malformed JSON", **PROBLEM},
    401: {"description": "No valid API key", **PROBLEM},
    403: {"description": "The key's role may not use plans", **PROBLEM},
    404: {"description": "No such plan", **PROBLEM},
    413: {"description": "Request body too large (EYES_MAX_BODY_BYTES)", **PROBLEM},
    422: {"description": "Invalid request; `errors` names each field", **PROBLEM},
    503: {
        "description": "Too many plans waiting, the solver starved or found no plan in time, "
        "or street data unavailable; see Retry-After",
        **PROBLEM,
    },
}
POST_RESPONSES: dict[int | str, dict[str, Any]] = {
    202: {
        "model": JobPublic,
        "description": "Still solving (or `Prefer: respond-async`): follow `Location` "
        "(/v1/jobs/{id}).",
    },
    **{k: v for k, v in ERRORS.items() if k != 404},
}
PreferHeader = Annotated[
    str | None,
    Header(
        max_length=200,
        description="`respond-async`: answer 202 with the job at once; `wait=N`: wait "
        "at most N seconds for the plan.",
    ),
]
"""The ``Prefer`` header of the routes that answer with a plan or its job."""
_WAIT = re.compile(r"\bwait\s*=\s*(\d+)")


def _wait_s(prefer: str | None, default_s: float) -> float:
    """How long to wait for the job: 0 with ``respond-async``, at most ``wait=N``."""
    if not prefer:
        return default_s
    if "respond-async" in prefer.lower():
        return 0.0
    match = _WAIT.search(prefer)
    return min(default_s, float(match.group(1))) if match else default_s


@router.post("", status_code=201, response_model=PlanResponse, responses=POST_RESPONSES)
async def post_plan(
    body: Annotated[PlanRequest, Body(openapi_examples=PLAN_REQUEST_EXAMPLES)],
    request: Request,
    settings: SettingsDep,
    store: PlanStoreDep,
    principal: PlannerDep,
    prefer: PreferHeader = None,
) -> JSONResponse:
    """Plan tonight's routes and store the plan.

    Keeps every mandatory visit (or fails naming it), covers as much hotspot weight as
    the shifts allow, then drives as little as possible. No route ends after
    ``latest_end`` (22:00 by default).

    The plan is solved by a worker, off this request. If it is done within
    ``EYES_PLAN_WAIT_S`` the answer is 201 with the plan (``Location: /v1/plans/{id}``);
    otherwise 202 with the job (``Location: /v1/jobs/{id}``). A full queue is a 503 with
    ``Retry-After``.
    """
    return await answer_as_job(
        body, request=request, settings=settings, store=store, owner=principal.key_id, prefer=prefer
    )


async def answer_as_job(
    body: PlanRequest,
    *,
    request: Request,
    settings: Settings,
    store: PlanStore,
    owner: str | None,
    prefer: str | None,
) -> JSONResponse:
    """Queue ``body`` as a plan job and answer as `answer_with_job` does."""
    queue = request.app.state.job_queue
    job = await run_in_threadpool(submit_plan, body, queue=queue, settings=settings, owner=owner)
    return await answer_with_job(job, queue=queue, settings=settings, store=store, prefer=prefer)


async def answer_with_job(
    job: Job, *, queue: JobQueue, settings: Settings, store: PlanStore, prefer: str | None
) -> JSONResponse:
    """Answer 201 with the job's plan if it is done within the wait (``EYES_PLAN_WAIT_S``
    or ``Prefer``), the job's problem if it failed, else 202 with the job
    (``Location: /v1/jobs/{id}``)."""
    wait = _wait_s(prefer, settings.plan_wait_s)
    if wait > 0:
        await queue.wait(job.id, wait)
    job = await run_in_threadpool(current_job, queue.jobs, job.id, settings)
    if job.state == "done" and job.plan_id is not None:
        plan = await run_in_threadpool(store.get, job.plan_id)
        return JSONResponse(
            plan.model_dump(mode="json"),
            status_code=201,
            headers={"Location": f"/v1/plans/{plan.id}"},
        )
    if job.state == "failed" and job.error is not None:
        status, problem, headers = job_problem(job.error, limit=settings.max_validation_errors)
        return JSONResponse(problem, status_code=status, media_type=PROBLEM_JSON, headers=headers)
    now = datetime.now(UTC)
    answer = job_public(job, now=now)
    remaining = job.time_limit_s - answer.progress.elapsed_s
    return JSONResponse(
        answer.model_dump(mode="json"),
        status_code=202,
        headers={
            "Location": f"/v1/jobs/{job.id}",
            "Retry-After": str(max(1, math.ceil(remaining))),
        },
    )


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
