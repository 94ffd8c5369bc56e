"""The sweeper: no plan job stays stuck when its worker or the broker goes away (Celery).

Every ``EYES_JOB_SWEEP_INTERVAL_S`` it

1. queues again each running job whose heartbeat stopped (`store.lost`: older than its time
   limit plus ``EYES_JOB_LOST_AFTER_S``; its worker was killed or its machine lost) and
   publishes it, or fails it as ``worker-lost`` once ``EYES_JOB_MAX_ATTEMPTS`` workers were
   lost: the job says so (``attempts``, ``retrying``) instead of showing ``running`` until
   the broker's visibility timeout;
2. publishes again the queued jobs the broker no longer holds (Redis restarted without
   persistence): when the broker's queue holds fewer messages than the database has
   queued jobs, the oldest queued jobs not published for ``EYES_JOB_REPUBLISH_AFTER_S``
   are published again, as many as are missing.

It runs in the API process and in each ``eyes worker``; any number may run at once (a move
is a compare-and-set on the row, and a job published twice runs once: ``JobStore.start``
skips a job running on a live worker or over).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

    from ..config import Settings
    from .store import JobStore

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Swept:
    """What one sweep did (job ids)."""

    requeued: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    republished: list[str] = field(default_factory=list)


class Sweeper:
    """Sweeps ``backend``'s jobs; ``publish(job_id, time_limit_s)`` hands one to the broker,
    ``broker_holds()`` counts the messages the broker's queue holds."""

    def __init__(
        self,
        settings: Settings,
        jobs: JobStore,
        *,
        backend: str,
        publish: Callable[[str, float], None],
        broker_holds: Callable[[], int],
    ) -> None:
        self.settings = settings
        self.jobs = jobs
        self.backend = backend
        self.publish = publish
        self.broker_holds = broker_holds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def sweep(self, now: datetime | None = None) -> Swept:
        """One sweep (see the module)."""
        now = now or datetime.now(UTC)
        requeued, failed = self.jobs.sweep_lost(
            backend=self.backend,
            lost_after_s=self.settings.job_lost_after_s,
            max_attempts=self.settings.job_max_attempts,
        )
        for job in failed:
            log.warning("job %s: worker lost %d times; failed", job.id, job.attempts)
        for job in requeued:
            log.warning(
                "job %s: its worker was lost (attempt %d); queued again", job.id, job.attempts
            )
            self._publish(job.id, job.time_limit_s)
        return Swept(
            requeued=[j.id for j in requeued],
            failed=[j.id for j in failed],
            republished=self._republish(now),
        )

    def _publish(self, job_id: str, time_limit_s: float) -> bool:
        try:
            self.publish(job_id, time_limit_s)
        except Exception as exc:  # the next sweeps publish it once the broker answers
            log.warning("job %s: not published (%s); tried again later", job_id, exc)
            return False
        return True

    def _republish(self, now: datetime) -> list[str]:
        before = now - timedelta(seconds=self.settings.job_republish_after_s)
        candidates = self.jobs.unpublished(
            backend=self.backend, before=before, limit=self.settings.job_queue_max
        )
        if not candidates:
            return []
        queued, _ = self.jobs.queued_work(backend=self.backend)
        missing = queued - self.broker_holds()
        done = []
        for job in candidates[: max(0, missing)]:
            if self._publish(job.id, job.time_limit_s):
                log.warning("job %s: queued but not in the broker; published again", job.id)
                done.append(job.id)
        return done

    def run(self) -> None:
        """Sweep every ``EYES_JOB_SWEEP_INTERVAL_S`` until `stop`."""
        while not self._stop.wait(self.settings.job_sweep_interval_s):
            try:
                self.sweep()
            except Exception as exc:  # the database or the broker away: next time
                log.warning("job sweep skipped (%s)", type(exc).__name__)

    def start(self) -> None:
        """Sweep in a daemon thread."""
        self._stop.clear()
        self._thread = threading.Thread(target=self.run, name="eyes-job-sweeper", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop sweeping."""
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout=10)
