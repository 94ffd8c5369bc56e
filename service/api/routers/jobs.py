"""Plan jobs: where a plan sent with ``POST /v1/plans`` is, and how it ended."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter

from ...jobs.service import current_job
from ..answers import JobPublic, job_public
from ..deps import JobStoreDep, PlannerDep, SettingsDep
from ..problems import PROBLEM

router = APIRouter(prefix="/v1/jobs", tags=["plans"])

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No valid API key", **PROBLEM},
    403: {"description": "The key's role may not use plans", **PROBLEM},
    404: {"description": "No such job", **PROBLEM},
}


@router.get("/{job_id}", responses=ERRORS)
def get_job(
    job_id: str, jobs: JobStoreDep, settings: SettingsDep, principal: PlannerDep
) -> JobPublic:
    """Where a plan job is: queued, running (with elapsed time against the time limit),
    done (``plan`` links to the plan) or failed (``error`` is the problem it ended with).
    A key scoped to areas reads the jobs it queued (another key's is a 404)."""
    owner = principal.owner if principal.scoped else None
    job = current_job(jobs, job_id, settings, owner=owner)
    return job_public(job, now=datetime.now(UTC))
