"""How the API answers with a plan that is solved as a job: 201 with the plan when the job
ends within the wait, the job's problem when it failed, else 202 with the job; the job as
answered; and a plan version's ETag.

Shared by the routes that queue plans (plans, re-plans, reruns, CSV imports); the routers
themselves do not import each other.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import Header
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from ..errors import FieldProblem, RequestError
from ..jobs.service import current_job, submit_plan
from .problems import PROBLEM, PROBLEM_JSON, job_problem

if TYPE_CHECKING:
    from ..config import Settings
    from ..jobs.service import JobQueue
    from ..jobs.store import Job
    from ..plans.schemas import PlanRequest
    from ..plans.store import PlanStore


class JobProgress(BaseModel):
    """How far the solve is: elapsed time against the time limit."""

    elapsed_s: float = Field(description="Seconds since a worker started the job.")
    time_limit_s: float = Field(description="The solver's budget for this plan.")
    fraction: float = Field(ge=0, le=1, description="elapsed / time limit, at most 1.")


class FieldError(BaseModel):
    """One field at fault."""

    field: str
    message: str


class JobProblem(BaseModel):
    """The RFC 9457 problem the job ended with (what ``POST /v1/plans`` would have said)."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[FieldError] = Field(default_factory=list)
    errors_omitted: int = Field(default=0, description="Field problems not listed.")


class JobPublic(BaseModel):
    """A plan job: queued, running, done (with a link to the plan) or failed (with the
    problem)."""

    id: str
    state: Literal["queued", "running", "done", "failed"]
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    attempts: int = Field(description="Workers that started it (more than 1: re-delivered).")
    retrying: bool = Field(
        description="An earlier attempt lost its worker and the job is being tried again."
    )
    progress: JobProgress
    plan_id: str | None
    plan: str | None = Field(description="Link to the plan when done: /v1/plans/{plan_id}.")
    error: JobProblem | None


def job_public(job: Job, *, now: datetime) -> JobPublic:
    """The answer for ``job``."""
    end = job.finished_at or now
    elapsed = 0.0 if job.started_at is None else max(0.0, (end - job.started_at).total_seconds())
    error = None
    if job.state == "failed" and job.error is not None:
        _, body, _ = job_problem(job.error)
        error = JobProblem.model_validate(body)
    return JobPublic(
        id=job.id,
        state=job.state,
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
        attempts=job.attempts,
        retrying=job.retrying,
        progress=JobProgress(
            elapsed_s=round(elapsed, 3),
            time_limit_s=job.time_limit_s,
            fraction=1.0 if job.state == "done" else min(1.0, elapsed / job.time_limit_s),
        ),
        plan_id=job.plan_id,
        plan=f"/v1/plans/{job.plan_id}" if job.plan_id else None,
        error=error,
    )


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
"""The plan routes' documented errors."""
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


async def answer_as_job(
    body: PlanRequest,
    *,
    queue: JobQueue,
    settings: Settings,
    store: PlanStore,
    owner: str | None,
    prefer: str | None,
) -> JSONResponse:
    """Queue ``body`` as a plan job and answer as `answer_with_job` does."""
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


def plan_etag(version: int) -> str:
    """The ETag of a plan's version (versions of one plan never share a number)."""
    return f'"v{version}"'


def version_of_etag(value: str) -> int:
    """The version an ``If-Match`` ETag names.

    Raises
    ------
    RequestError
        For anything but one ETag as `plan_etag` writes it.
    """
    tag = value.strip(" \t\r\n").removeprefix("W/")
    number = tag[2:-1] if tag.startswith('"v') and tag.endswith('"') else ""
    if number.isascii() and number.isdigit() and 0 < int(number) < 10**9:
        return int(number)
    msg = 'expected the ETag of one version of the plan, e.g. "v2" (as GET /v1/plans/{id} gives)'
    raise RequestError([FieldProblem("If-Match", msg)])
