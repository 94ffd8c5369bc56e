"""The in-process backend: a bounded pool of job processes run by a dispatcher thread.

Without a broker (``EYES_BROKER_URL`` unset) the API solves plans itself, but never on its
event loop nor in its own process: ``EYES_JOB_WORKERS`` worker processes (forked from a
server process that has the planner imported) each solve one plan at a time, keep the
street networks they loaded, run at a lower priority and lead a process group of their
own, which the solver's search processes join. At most ``EYES_JOB_QUEUE_MAX`` jobs wait.

A job that outlives its hard limit (time limit plus ``EYES_JOB_GRACE_S``) is killed with
its worker's whole group and fails as ``timeout``; a job whose worker dies is queued again
first in line (``attempts``, ``retrying``), and fails as ``worker-lost`` once
``EYES_JOB_MAX_ATTEMPTS`` workers died on it; either way a fresh worker takes the dead
one's place. The queue lives in
this process's memory: jobs left queued or running by a previous run fail at start-up
(``restarted``), and the worker processes die with this process (``process.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import threading
import time
from collections import deque
from dataclasses import dataclass
from multiprocessing.connection import wait as wait_for
from typing import TYPE_CHECKING, Any

from solver import forkserver_context, start_fork_server

from ..i18n import use_language
from .errors import QueueFullError
from .process import die_with, kill_group, run_in_thread
from .store import FINAL, job_error, lost_error

if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.context import ForkServerProcess

    from ..config import Settings
    from .store import JobStore

log = logging.getLogger(__name__)

_PRELOAD = ["service.jobs.runner", "service.jobs.local"]


def _context() -> multiprocessing.context.ForkServerContext:
    # One fork server per process: its preload list also holds the solver's modules.
    context: multiprocessing.context.ForkServerContext = forkserver_context(_PRELOAD)
    return context


def _worker_main(conn: Connection, settings: Settings, server_pid: int) -> None:
    """A worker process: dies with the server; solves the job ids it receives, one at a
    time, and answers each with the id when the job is over."""
    die_with(server_pid)
    from graphs import AreaCatalog

    from ..plans.networks import AreaNetworks
    from ..plans.store import PlanStore
    from .runner import run_job
    from .store import JobStore

    plans = PlanStore.from_url(settings.database_url)
    networks = AreaNetworks(AreaCatalog([settings.areas_dir]), cache_dir=settings.graph_cache_dir)
    jobs = JobStore(plans.engine)
    worker = f"local:{os.getpid()}"
    if settings.solver_workers > 1 and settings.solver_max_iterations is None:
        # The plan searches fork from it: started now, the first plan does not wait.
        threading.Thread(target=start_fork_server, name="fork-server", daemon=True).start()
    if settings.preload_area:
        run_in_thread(lambda: networks.get(settings.default_area, "drive"))
    while True:
        try:
            job_id = conn.recv()
        except (EOFError, OSError):
            return
        if job_id is None:
            return

        def work(job_id: str = job_id) -> None:
            run_job(
                job_id, settings=settings, networks=networks, plans=plans, jobs=jobs, worker=worker
            )

        run_in_thread(work)
        conn.send(job_id)


@dataclass(slots=True)
class _Worker:
    process: ForkServerProcess
    conn: Connection
    job_id: str | None = None
    deadline: float = 0.0
    time_limit_s: float = 0.0


class LocalQueue:
    """Jobs on a bounded pool of worker processes of this server."""

    backend = "local"

    def __init__(self, settings: Settings, jobs: JobStore) -> None:
        # The workers open the database the job store uses (a test may pass another).
        url = jobs.engine.url.render_as_string(hide_password=False)
        self.settings = settings.model_copy(update={"database_url": url})
        self.jobs = jobs
        self.size = settings.job_workers
        self.queue_max = settings.job_queue_max
        self._pending: deque[tuple[str, float]] = deque()
        self._workers: list[_Worker] = []
        self._finished: dict[str, threading.Event] = {}
        self._lock = threading.Lock()
        self._wake_r, self._wake_w = os.pipe()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        """Fail what a previous run left unfinished; start the dispatcher and the workers."""
        with self._lock:
            if self._thread is not None:
                return
            self._stopping.clear()
            self._thread = threading.Thread(target=self._run, name="plan-jobs", daemon=True)
        lost = self.jobs.fail_unfinished(
            backend=self.backend,
            error=job_error("restarted", "the server restarted before this plan was solved."),
        )
        if lost:
            log.warning("%d plan jobs of an earlier run failed as restarted", lost)
        self._thread.start()

    def stop(self) -> None:
        """Stop the workers (killing running jobs) and fail what was not solved."""
        self._stopping.set()
        self._wake()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout=15)
        error = job_error("shutdown", "the server shut down before this plan was solved.")
        with self._lock:
            workers, self._workers = self._workers, []
            pending = [job_id for job_id, _ in self._pending]
            self._pending.clear()
        for worker in workers:
            if worker.job_id is not None:
                kill_group(worker.process.pid or 0)
                pending.append(worker.job_id)
            else:
                with contextlib.suppress(OSError):
                    worker.conn.send(None)
            worker.process.join(timeout=5)
            if worker.process.is_alive():
                kill_group(worker.process.pid or 0)
                worker.process.join(timeout=5)
            worker.conn.close()
        for job_id in pending:
            if self.jobs.get(job_id).state not in FINAL:
                self.jobs.fail(job_id, error)
            self._done(job_id)

    def alive(self) -> bool:
        """Whether the dispatcher runs."""
        return self._thread is not None and self._thread.is_alive()

    # -- the queue -------------------------------------------------------------------------

    def check_capacity(self) -> None:
        """Raise `QueueFullError` when ``EYES_JOB_QUEUE_MAX`` jobs already wait."""
        now = time.monotonic()
        with self._lock:
            queued = len(self._pending)
            work = sum(limit for _, limit in self._pending) + sum(
                max(0.0, w.deadline - now - self.settings.job_grace_s)
                for w in self._workers
                if w.job_id is not None
            )
        if queued >= self.queue_max:
            msg = f"{queued} plans are waiting to be solved; try again later."
            raise QueueFullError(msg, retry_after_s=retry_after(work, self.size))

    def enqueue(self, job_id: str, *, time_limit_s: float) -> None:
        """Queue a stored job (the caller checked capacity first)."""
        if self._thread is None:
            self.start()
        with self._lock:
            self._finished.setdefault(job_id, threading.Event())
            self._pending.append((job_id, time_limit_s))
        self._wake()

    def depth(self) -> tuple[int, int]:
        """(queued, running) jobs."""
        with self._lock:
            return len(self._pending), sum(w.job_id is not None for w in self._workers)

    async def wait(self, job_id: str, timeout_s: float) -> None:
        """Wait up to ``timeout_s`` for the job to end (without holding a thread)."""
        with self._lock:
            event = self._finished.get(job_id)
        if event is None:
            return
        deadline = time.monotonic() + timeout_s
        while not event.is_set() and time.monotonic() < deadline:
            await asyncio.sleep(0.05)

    # -- the dispatcher --------------------------------------------------------------------

    def _wake(self) -> None:
        with contextlib.suppress(OSError):  # a full pipe wakes the dispatcher all the same
            os.write(self._wake_w, b"x")

    def _done(self, job_id: str) -> None:
        with self._lock:
            event = self._finished.pop(job_id, None)
        if event is not None:
            event.set()

    def _spawn(self) -> _Worker:
        parent, child = multiprocessing.Pipe()
        process = _context().Process(
            target=_worker_main,
            args=(child, self.settings, os.getpid()),
            name="eyes-plan-worker",
        )
        process.start()
        child.close()
        return _Worker(process, parent)

    def _assign(self) -> None:
        with self._lock:
            while len(self._workers) < self.size and not self._stopping.is_set():
                self._workers.append(self._spawn())
            for worker in self._workers:
                if worker.job_id is None and self._pending:
                    job_id, limit = self._pending.popleft()
                    worker.job_id = job_id
                    worker.time_limit_s = limit
                    worker.deadline = time.monotonic() + limit + self.settings.job_grace_s
                    worker.conn.send(job_id)

    def _retire(self, worker: _Worker, error: dict[str, Any], *, retry: bool = False) -> None:
        """Kill ``worker``'s group and drop it (a fresh one is spawned); its job fails with
        ``error``, or with ``retry`` is queued again first in line while it has attempts
        left (a worker that died, not a job over its limit)."""
        kill_group(worker.process.pid or 0)
        worker.process.join(timeout=5)
        worker.conn.close()
        with self._lock:
            self._workers.remove(worker)
        if worker.job_id is None:
            return
        job = self.jobs.get(worker.job_id)
        if job.state in FINAL:
            self._done(worker.job_id)
        elif retry and job.attempts < self.settings.job_max_attempts and self.jobs.requeue(job.id):
            log.warning("job %s: its worker died; queued again", job.id)
            with self._lock:
                self._pending.appendleft((job.id, worker.time_limit_s))
        else:
            with use_language(job.language):  # the request's
                self.jobs.fail(job.id, lost_error(job.attempts) if retry else error)
            self._done(job.id)

    def _reap(self, ready: list[Any]) -> None:
        now = time.monotonic()
        with self._lock:
            workers = list(self._workers)
        for worker in workers:
            if worker.conn in ready:
                try:
                    finished = worker.conn.recv()
                except (EOFError, OSError):
                    finished = None
                if finished is not None and finished == worker.job_id:
                    worker.job_id = None
                    self._done(finished)
                    continue
            if not worker.process.is_alive():
                code = worker.process.exitcode
                log.warning("plan worker %s stopped (exit code %s)", worker.process.pid, code)
                self._retire(
                    worker,
                    job_error(
                        "worker-lost",
                        f"the process solving this plan stopped (exit code {code}).",
                    ),
                    retry=True,
                )
            elif worker.job_id is not None and now > worker.deadline:
                log.warning("job %s: over its hard limit; its worker is killed", worker.job_id)
                self._retire(
                    worker,
                    job_error(
                        "timeout", "solving took far longer than its time limit; try again later."
                    ),
                )

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                self._assign()
                with self._lock:
                    watched: list[Any] = [self._wake_r]
                    for worker in self._workers:
                        watched += [worker.conn, worker.process.sentinel]
                ready = wait_for(watched, timeout=0.5)
                if self._wake_r in ready:
                    os.read(self._wake_r, 4096)
                self._reap(ready)
            except Exception:  # keep dispatching: one bad job must not stop the pool
                log.exception("plan job dispatcher")
                time.sleep(0.5)


def retry_after(work_s: float, workers: int) -> int:
    """Seconds until a queue with ``work_s`` of solving ahead has room again (1 to 600)."""
    return max(1, min(600, round(work_s / max(1, workers))))
