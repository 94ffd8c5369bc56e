"""The Celery backend: plan jobs on worker processes, and the nightly plans on Celery beat.

With ``EYES_BROKER_URL`` set (e.g. ``redis://127.0.0.1:6379/0``) the API only stores a job
and publishes its id; ``eyes worker`` processes solve it. Job state and results live in the
database (``plan_jobs``, the plans table), not in a Celery result backend: the in-process
backend needs them there anyway, the API answers ``GET /v1/jobs/{id}`` from one place
whichever backend ran the job, and nothing is lost when the broker restarts.

**A solve that outlives its worker is re-queued, not lost.** Tasks are acknowledged late
(after they ran) and rejected back to the queue when their worker process dies
(``task_acks_late``, ``task_reject_on_worker_lost``); each worker takes one task at a time
(``worker_prefetch_multiplier=1``). When a whole worker dies (``kill -9``, a lost machine),
its unacknowledged task goes back to the queue once the broker's visibility timeout
(``EYES_JOB_VISIBILITY_TIMEOUT_S``) has passed, and another worker runs it; a job is
idempotent (a re-delivery of a finished job is skipped). The visibility timeout must exceed
the longest job, or a running job would be handed out twice (the settings check this).

**Nor does it wait for the visibility timeout.** The process running a job writes its
heartbeat; a sweeper in the API and in each worker (``sweeper.py``) queues a job whose
heartbeat stopped again and publishes it (its time limit plus ``EYES_JOB_LOST_AFTER_S``
after the last beat), and publishes again the queued jobs a broker restarted without
persistence lost. When the old message comes back after the visibility timeout it is
skipped (``JobStore.start``: the job is over, or running on a live worker).
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import signal
import threading
import time
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from celery import Celery, signals
from celery.exceptions import SoftTimeLimitExceeded
from celery.schedules import crontab

from solver import start_fork_server

from ..config import get_settings
from ..timeutil import LOCAL_TZ
from .errors import QueueFullError, QueueUnavailableError
from .local import retry_after
from .process import die_with, run_in_thread
from .store import job_error
from .sweeper import Sweeper

if TYPE_CHECKING:
    from ..config import Settings
    from .store import JobStore

log = logging.getLogger(__name__)

PLAN_TASK = "eyes.plan"
NIGHTLY_TASK = "eyes.nightly"


def _nightly_schedule(settings: Settings) -> dict[str, Any]:
    if not settings.nightly_plan_at:
        return {}
    hour, minute = (int(part) for part in settings.nightly_plan_at.split(":"))
    return {
        "nightly-plans": {
            "task": NIGHTLY_TASK,
            "schedule": crontab(hour=hour, minute=minute),
            "options": {"queue": settings.job_queue_name, "expires": 3600},
        }
    }


def make_celery(settings: Settings) -> Celery:
    """The Celery app of ``settings`` (broker, queue, late acks, beat schedule)."""
    app = Celery("eyes", broker=settings.broker_url, set_as_current=False)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_acks_on_failure_or_timeout=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        result_backend=None,
        task_default_queue=settings.job_queue_name,
        task_serializer="json",
        accept_content=["json"],
        timezone=str(LOCAL_TZ),
        enable_utc=True,
        broker_connection_retry_on_startup=True,
        broker_connection_timeout=3,
        broker_transport_options={
            "visibility_timeout": settings.job_visibility_timeout_s,
            "unacked_restore_interval": settings.job_restore_interval_s,
        },
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
        beat_schedule=_nightly_schedule(settings),
    )
    _register_tasks(app)
    return app


@lru_cache(maxsize=1)
def _worker_context() -> tuple[Any, Any, Any, Any]:
    """Settings, networks, plan store and job store of this worker process (kept warm)."""
    from graphs import AreaCatalog

    from ..plans.networks import AreaNetworks
    from ..plans.store import PlanStore
    from .store import JobStore

    settings = get_settings()
    plans = PlanStore.from_url(settings.database_url)
    networks = AreaNetworks(AreaCatalog([settings.areas_dir]), cache_dir=settings.graph_cache_dir)
    return settings, networks, plans, JobStore(plans.engine)


def plan_job(job_id: str) -> str:
    """The body of the plan task: run the job in a thread while this process's main thread
    waits (Celery's soft time limit signal stays deliverable)."""
    from .runner import run_job

    settings, networks, plans, jobs = _worker_context()
    outcome: list[str] = []
    try:
        run_in_thread(
            lambda: outcome.append(
                run_job(job_id, settings=settings, networks=networks, plans=plans, jobs=jobs)
            )
        )
    except SoftTimeLimitExceeded:
        # Past the time limit plus grace: fail the job, then end this pool process and the
        # solve still running in it (its process group); Celery starts a fresh one, and the
        # re-delivered task finds the job over.
        log.warning("job %s: over its hard limit; this pool process stops", job_id)
        jobs.fail(
            job_id,
            job_error("timeout", "solving took far longer than its time limit; try again later."),
        )
        os.killpg(os.getpgid(0), signal.SIGKILL)
    return outcome[0] if outcome else "failed"


def _register_tasks(app: Celery) -> None:
    @app.task(name=PLAN_TASK, acks_late=True, reject_on_worker_lost=True)  # type: ignore[untyped-decorator]
    def plan(job_id: str) -> str:
        return plan_job(job_id)

    @app.task(name=NIGHTLY_TASK)  # type: ignore[untyped-decorator]
    def nightly() -> list[str]:
        from .nightly import nightly_plans

        settings, _, _plans, jobs = _worker_context()
        queue = CeleryQueue(settings, jobs, app=app)
        return nightly_plans(settings, jobs=jobs, enqueue=queue.enqueue)


@signals.worker_ready.connect  # type: ignore[untyped-decorator]
def _on_worker_ready(sender: Any = None, **_: Any) -> None:
    """Each ``eyes worker`` sweeps too (``sweeper.py``): lost jobs are queued again even
    while no API runs."""
    from ..plans.store import PlanStore
    from .store import JobStore

    settings = get_settings()
    app = getattr(sender, "app", None) or make_celery(settings)
    jobs = JobStore(PlanStore.from_url(settings.database_url).engine)
    CeleryQueue(settings, jobs, app=app).sweeper().start()


@signals.worker_process_init.connect  # type: ignore[untyped-decorator]
def _on_worker_process(**_: Any) -> None:
    """Each pool process dies with its worker, and takes its solver processes along; its
    plan searches fork from a fork server started now, so the first plan does not wait."""
    die_with(os.getppid())
    settings = get_settings()
    if settings.solver_workers > 1 and settings.solver_max_iterations is None:
        threading.Thread(target=start_fork_server, name="fork-server", daemon=True).start()


class CeleryQueue:
    """Jobs published to the broker for ``eyes worker`` processes."""

    backend = "celery"

    def __init__(self, settings: Settings, jobs: JobStore, *, app: Celery | None = None) -> None:
        self.settings = settings
        self.jobs = jobs
        self.app = app or make_celery(settings)
        self._sweeper: Sweeper | None = None

    def start(self) -> None:
        """Start the sweeper (``sweeper.py``): the workers are processes of their own."""
        if self._sweeper is None:
            self._sweeper = self.sweeper()
            self._sweeper.start()

    def stop(self) -> None:
        """Stop the sweeper; release the broker connections."""
        if self._sweeper is not None:
            self._sweeper.stop()
            self._sweeper = None
        self.app.close()

    def sweeper(self) -> Sweeper:
        """A sweeper publishing through this queue."""
        return Sweeper(
            self.settings,
            self.jobs,
            backend=self.backend,
            publish=lambda job_id, limit: self.enqueue(job_id, time_limit_s=limit),
            broker_holds=self.broker_holds,
        )

    def broker_holds(self) -> int:
        """Messages waiting in the broker's plan queue (Redis: the lengths of its lists)."""
        with self.app.connection_for_read() as connection:
            channel: Any = connection.default_channel
            return int(channel._size(self.settings.job_queue_name))

    def alive(self) -> bool:
        """The queue object is always usable (the broker is checked by `ready`)."""
        return True

    def check_capacity(self) -> None:
        """Raise `QueueFullError` when ``EYES_JOB_QUEUE_MAX`` jobs are already queued."""
        queued, work = self.jobs.queued_work(backend=self.backend)
        if queued >= self.settings.job_queue_max:
            msg = f"{queued} plans are waiting to be solved; try again later."
            raise QueueFullError(msg, retry_after_s=retry_after(work, self.settings.job_workers))

    def enqueue(self, job_id: str, *, time_limit_s: float) -> None:
        """Publish the job (its hard limit: time limit plus grace, then 30 s more).

        Raises
        ------
        QueueUnavailableError
            If the broker does not take it.
        """
        soft = math.ceil(time_limit_s + self.settings.job_grace_s)
        try:
            self.app.send_task(
                PLAN_TASK,
                args=[job_id],
                queue=self.settings.job_queue_name,
                soft_time_limit=soft,
                time_limit=soft + 30,
                retry=True,
                retry_policy={"max_retries": 2, "interval_start": 0.2, "interval_step": 0.5},
            )
        except Exception as exc:
            msg = f"the job queue is unavailable ({type(exc).__name__}); try again later."
            raise QueueUnavailableError(msg) from exc
        self.jobs.published(job_id)

    def depth(self) -> tuple[int, int]:
        """(queued, running) jobs, from the database."""
        counts = self.jobs.counts()
        return counts.get("queued", 0), counts.get("running", 0)

    async def wait(self, job_id: str, timeout_s: float) -> None:
        """Poll the job's row until it is over or ``timeout_s`` has passed."""
        deadline = time.monotonic() + timeout_s
        pause = 0.05
        while time.monotonic() < deadline:
            job = await asyncio.to_thread(self.jobs.get, job_id)
            if job.state in ("done", "failed"):
                return
            await asyncio.sleep(min(pause, max(0.0, deadline - time.monotonic())))
            pause = min(0.5, pause * 2)

    def ping_workers(self, timeout_s: float = 1.0) -> int:
        """How many workers answer a ping within ``timeout_s``."""
        replies = self.app.control.ping(timeout=timeout_s) or []
        return len(replies)

    def ping_broker(self, timeout_s: float = 2.0) -> None:
        """Raise if the broker does not answer within ``timeout_s``."""
        with self.app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=timeout_s)
