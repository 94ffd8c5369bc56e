"""Submitting a plan job (a new plan, or a re-plan of a stored one): check the queue's room,
store the job, hand it to the backend."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Protocol

from ..plans.replan import REPLAN_TIME_LIMIT_S
from .runner import REPLAN_KEY, effective_time_limit_s
from .store import Job, job_error

if TYPE_CHECKING:
    from typing import Any

    from ..config import Settings
    from ..plans.replan_schemas import ReplanRequest
    from ..plans.schemas import PlanRequest
    from .store import JobStore


class JobQueue(Protocol):
    """What the API needs of a backend (`LocalQueue` or `CeleryQueue`)."""

    backend: str
    jobs: JobStore

    def start(self) -> None:
        """Start dispatching (with the app)."""

    def stop(self) -> None:
        """Stop dispatching (with the app)."""

    def alive(self) -> bool:
        """Whether jobs are being dispatched."""
        ...

    def check_capacity(self) -> None:
        """Raise `QueueFullError` when no job may be added now."""

    def enqueue(self, job_id: str, *, time_limit_s: float) -> None:
        """Hand a stored job to the workers."""

    def depth(self) -> tuple[int, int]:
        """(queued, running) jobs."""
        ...

    async def wait(self, job_id: str, timeout_s: float) -> None:
        """Return when the job is over or after ``timeout_s``."""


def new_job(
    request: PlanRequest,
    *,
    settings: Settings,
    jobs: JobStore,
    owner: str | None,
    backend: str | None,
) -> Job:
    """Store a queued job for ``request``."""
    return jobs.create(
        uuid.uuid4().hex,
        request=request.model_dump(mode="json"),
        time_limit_s=effective_time_limit_s(request, settings),
        backend=backend or ("celery" if settings.broker_url else "local"),
        owner=owner,
    )


def submit_plan(
    request: PlanRequest, *, queue: JobQueue, settings: Settings, owner: str | None
) -> Job:
    """Queue ``request`` as a job.

    Raises
    ------
    QueueFullError
        When the queue is full (nothing is stored).
    QueueUnavailableError
        When the broker does not take the job (it is stored as failed).
    """
    queue.check_capacity()
    job = new_job(request, settings=settings, jobs=queue.jobs, owner=owner, backend=queue.backend)
    return _enqueue(job, queue)


def submit_replan(
    plan_id: str,
    body: ReplanRequest,
    *,
    queue: JobQueue,
    settings: Settings,
    owner: str | None,
) -> Job:
    """Queue a re-plan of stored plan ``plan_id`` as a job (``service.plans.replan.replan``
    on a worker, like a new plan).

    Raises
    ------
    QueueFullError
        When the queue is full (nothing is stored).
    QueueUnavailableError
        When the broker does not take the job (it is stored as failed).
    """
    queue.check_capacity()
    asked_s = body.options.time_limit_s if body.options else REPLAN_TIME_LIMIT_S
    payload: dict[str, Any] = {REPLAN_KEY: {"plan_id": plan_id, **body.model_dump(mode="json")}}
    job = queue.jobs.create(
        uuid.uuid4().hex,
        request=payload,
        time_limit_s=min(asked_s or settings.default_time_limit_s, settings.max_time_limit_s),
        backend=queue.backend,
        owner=owner,
    )
    return _enqueue(job, queue)


def _enqueue(job: Job, queue: JobQueue) -> Job:
    """Hand a stored job to the backend; a job the broker refuses is stored as failed."""
    try:
        queue.enqueue(job.id, time_limit_s=job.time_limit_s)
    except Exception as exc:
        queue.jobs.fail(job.id, job_error("queue-unavailable", str(exc)))
        raise
    return job


def build_queue(settings: Settings, jobs: JobStore) -> JobQueue:
    """The backend the settings ask for: Celery with a broker URL, else the local pool."""
    if settings.broker_url:
        from .celery_app import CeleryQueue

        return CeleryQueue(settings, jobs)
    from .local import LocalQueue

    return LocalQueue(settings, jobs)
