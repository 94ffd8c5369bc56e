"""Submitting a plan job (a new plan, or a re-plan of a stored one): check the queue's room,
store the job, hand it to the backend; and reading one back, failed as lost when no worker
can still hold it."""

from __future__ import annotations

import logging
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from ..i18n import language
from ..plans.planning import capped_time_limit_s
from ..plans.replan import REPLAN_TIME_LIMIT_S
from .errors import QueueFullError, QueueUnavailableError
from .runner import REPLAN_KEY, effective_time_limit_s
from .store import Job, job_error

log = logging.getLogger(__name__)

if TYPE_CHECKING:
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
    return _store_job(
        request.model_dump(mode="json"),
        effective_time_limit_s(request, settings),
        settings=settings,
        jobs=jobs,
        owner=owner,
        backend=backend,
    )


def _store_job(
    stored: dict[str, Any],
    time_limit_s: float,
    *,
    settings: Settings,
    jobs: JobStore,
    owner: str | None,
    backend: str | None,
) -> Job:
    """Store a queued job whose request (what `plan_job` runs) is ``stored``."""
    return jobs.create(
        uuid.uuid4().hex,
        request=stored,
        time_limit_s=time_limit_s,
        language=language(),
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
    job = _store_job(
        {REPLAN_KEY: {"plan_id": plan_id, **body.model_dump(mode="json")}},
        capped_time_limit_s(asked_s, settings),
        settings=settings,
        jobs=queue.jobs,
        owner=owner,
        backend=queue.backend,
    )
    return _enqueue(job, queue)


def replan_and_wait(
    plan_id: str,
    body: ReplanRequest,
    *,
    queue: JobQueue,
    settings: Settings,
    owner: str | None,
    poll_s: float = 0.1,
) -> str | None:
    """Re-plan stored plan ``plan_id`` on the workers and wait in this thread (never the
    event loop) until the job ends; the new version's id, or None when the queue had no room
    or no broker took it, the job failed, or it outlived its time limit and grace (the reason
    is logged; a job still running goes on). Never raises for those: what waits on it (a
    police alert) goes on with the plans as they are.
    """
    try:
        job = submit_replan(plan_id, body, queue=queue, settings=settings, owner=owner)
    except (QueueFullError, QueueUnavailableError) as exc:
        log.warning("re-plan of %s not queued: %s", plan_id, exc)
        return None
    deadline = time.monotonic() + job.time_limit_s + settings.job_grace_s + 5.0
    while time.monotonic() < deadline:
        current = queue.jobs.get(job.id)
        if current.state == "done":
            return current.plan_id
        if current.state == "failed":
            log.info("re-plan of %s (job %s) failed: %s", plan_id, job.id, current.error)
            return None
        time.sleep(poll_s)
    log.warning("re-plan of %s (job %s) still running; not waited for", plan_id, job.id)
    return None


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


def lost_after(job: Job, settings: Settings) -> timedelta:
    """How long a job may show running before it counts as lost (no worker holds it)."""
    hard = job.time_limit_s + settings.job_grace_s + 60
    if job.backend == "celery":  # a dead worker's job comes back after the visibility timeout
        hard += settings.job_visibility_timeout_s + 2 * settings.job_restore_interval_s
    return timedelta(seconds=hard)


def current_job(
    store: JobStore, job_id: str, settings: Settings, *, owner: str | None = None
) -> Job:
    """The job, failed as lost if it has shown running for far too long; with ``owner``,
    only a job that key queued.

    Raises
    ------
    JobNotFoundError
        If there is none (or another key's, when ``owner`` is given).
    """
    job = store.get(job_id, owner=owner)
    return store.expire_lost(job, lost_after=lost_after(job, settings), now=datetime.now(UTC))
