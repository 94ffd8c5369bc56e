"""Submitting a plan job: check the queue's room, store the job, hand it to the backend."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Protocol

from .runner import effective_time_limit_s
from .store import Job, job_error

if TYPE_CHECKING:
    from ..config import Settings
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
