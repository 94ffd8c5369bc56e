"""Plan jobs: where a plan sent with ``POST /v1/plans`` is, and how it ended."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from ..deps import PlannerDep, SettingsDep
from ..problems import PROBLEM, job_problem

if TYPE_CHECKING:
    from ...config import Settings
    from ...jobs.store import Job, JobStore

router = APIRouter(prefix="/v1/jobs", tags=["plans"])

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No valid API key", **PROBLEM},
    403: {"description": "The key's role may not use plans", **PROBLEM},
    404: {"description": "No such job", **PROBLEM},
}


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
    progress: JobProgress
    plan_id: str | None
    plan: str | None = Field(description="Link to the plan when done: /v1/plans/{plan_id}.")
    error: JobProblem | None


def lost_after(job: Job, settings: Settings) -> timedelta:
    """How long a job may show running before it counts as lost (no worker holds it)."""
    hard = job.time_limit_s + settings.job_grace_s + 60
    if job.backend == "celery":  # a dead worker's job comes back after the visibility timeout
        hard += settings.job_visibility_timeout_s + 2 * settings.job_restore_interval_s
    return timedelta(seconds=hard)


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
        progress=JobProgress(
            elapsed_s=round(elapsed, 3),
            time_limit_s=job.time_limit_s,
            fraction=1.0 if job.state == "done" else min(1.0, elapsed / job.time_limit_s),
        ),
        plan_id=job.plan_id,
        plan=f"/v1/plans/{job.plan_id}" if job.plan_id else None,
        error=error,
    )


def current_job(store: JobStore, job_id: str, settings: Settings) -> Job:
    """The job, failed as lost if it has shown running for far too long."""
    job = store.get(job_id)
    now = datetime.now(UTC)
    return store.expire_lost(job, lost_after=lost_after(job, settings), now=now)


@router.get("/{job_id}", responses=ERRORS)
def get_job(job_id: str, request: Request, settings: SettingsDep, _: PlannerDep) -> JobPublic:
    """Where a plan job is: queued, running (with elapsed time against the time limit),
    done (``plan`` links to the plan) or failed (``error`` is the problem it ended with)."""
    job = current_job(request.app.state.job_store, job_id, settings)
    return job_public(job, now=datetime.now(UTC))
