"""Running one plan job: the function both backends call (a pool process or a Celery task).

``run_job`` claims the job, plans it with ``service.usecases.plan_request`` (the same
call the CLI makes), and records the plan or the error. An error is stored as a kind the
API maps to a status (``service.api.problems``), so the feature stays web-free.

**A starved solve is not the caller's fault.** The solver calls a mandatory visit
impossible (``InfeasibleError``, a 422) only with a proof (``solver.conflicts``); a search
that ran out of time without keeping every visit is a ``SolverError`` (``no-plan-found``,
503, try again). The CPU share a plan got (this process and the solver's search
processes, over the wall time times the cores the search may use) is logged with every
failure, so an overloaded machine shows in the logs.
"""

from __future__ import annotations

import contextlib
import logging
import os
import resource
import socket
import threading
import time
from typing import TYPE_CHECKING, Any

from ..errors import FieldProblem, RequestError, failure_of
from ..i18n import use_language
from ..plans.errors import PlanNotFoundError
from ..plans.planning import capped_time_limit_s
from ..plans.replan import replan
from ..plans.replan_schemas import ReplanRequest
from ..plans.schemas import PlanRequest
from ..usecases import plan_request
from .store import job_error

if TYPE_CHECKING:
    from collections.abc import Iterator

    from ..config import Settings
    from ..plans.networks import AreaNetworks
    from ..plans.planning import PlannedRoutes
    from ..plans.store import PlanStore
    from .store import JobStore

log = logging.getLogger(__name__)


def cpu_seconds() -> tuple[float, float]:
    """CPU time (user + system) of this process, and of its children that have ended."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def cpu_share(
    before: tuple[float, float], after: tuple[float, float], wall_s: float, *, settings: Settings
) -> float:
    """The share of its cores a plan got between two `cpu_seconds` readings ``wall_s``
    apart: one core if the solver started no search processes, else its workers' (at most
    the machine's)."""
    own, children = after[0] - before[0], after[1] - before[1]
    cores = 1 if children <= 0 else max(1, min(settings.solver_workers, os.cpu_count() or 1))
    return (own + children) / (wall_s * cores) if wall_s > 0 else 1.0


def worker_name() -> str:
    """host:pid of this process."""
    return f"{socket.gethostname()}:{os.getpid()}"


def effective_time_limit_s(request: PlanRequest, settings: Settings) -> float:
    """The solver budget ``create_plan`` will use (the request's, capped by the settings)."""
    return capped_time_limit_s(request.options.time_limit_s, settings)


REPLAN_KEY = "replan"
"""A job whose stored request is ``{REPLAN_KEY: {"plan_id": ..., ...ReplanRequest}}`` re-plans
a stored plan; any other request is a `PlanRequest`."""


def plan_job(
    stored: dict[str, Any], *, networks: AreaNetworks, settings: Settings, plans: PlanStore
) -> PlannedRoutes:
    """Run a job's stored request: a new plan (its ``hotspots_from`` forecast first), or a
    re-plan of a stored one."""
    if REPLAN_KEY in stored:
        asked = dict(stored[REPLAN_KEY])
        plan_id = str(asked.pop("plan_id"))
        body = ReplanRequest.model_validate(asked)
        return replan(plan_id, body, networks=networks, settings=settings, store=plans)
    request = PlanRequest.model_validate(stored)  # its forecast runs here, on the worker
    return plan_request(request, networks=networks, settings=settings, store=plans)


def classify(exc: BaseException) -> dict[str, Any]:
    """The stored error of a job that raised ``exc`` (its outcome from
    ``service.errors.failure_of``: the API answers it with the same status)."""
    if isinstance(exc, PlanNotFoundError):  # the job's plan_id field is at fault
        exc = RequestError([FieldProblem("plan_id", str(exc))])
    failure = failure_of(exc)
    error = job_error(
        failure.outcome.kind, failure.detail, [(p.field, p.message, p.id) for p in failure.problems]
    )
    return {**error, "extra": failure.extra} if failure.extra else error


@contextlib.contextmanager
def heartbeat(jobs: JobStore, job_id: str, *, worker: str, every_s: float) -> Iterator[None]:
    """Write the job's heartbeat every ``every_s`` from a thread while the body runs; it
    stops when the job is no longer this worker's. A database that does not answer is
    logged and tried again at the next beat."""
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(every_s):
            try:
                if not jobs.heartbeat(job_id, worker=worker):
                    return
            except Exception as exc:
                log.warning("job %s: heartbeat not written (%s)", job_id, type(exc).__name__)

    thread = threading.Thread(target=beat, name="job-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=every_s + 5)


def run_job(
    job_id: str,
    *,
    settings: Settings,
    networks: AreaNetworks,
    plans: PlanStore,
    jobs: JobStore,
    worker: str | None = None,
) -> str:
    """Plan job ``job_id`` and record the outcome; returns ``done``, ``failed`` or
    ``skipped`` (already over: a re-delivery of a job finished elsewhere).

    Never raises for a planning error: every error ends as the job's stored error.
    """
    worker = worker or worker_name()
    job = jobs.start(job_id, worker=worker, lost_after_s=settings.job_lost_after_s)
    if job is None:
        log.info("job %s: already over or running elsewhere, skipped", job_id)
        return "skipped"
    wall0, cpu0 = time.perf_counter(), cpu_seconds()
    with (
        use_language(job.language),  # the request's: its warnings and errors speak it
        heartbeat(jobs, job_id, worker=worker, every_s=settings.job_heartbeat_s),
    ):
        try:
            planned = plan_job(job.request, networks=networks, settings=settings, plans=plans)
        except Exception as exc:
            share = cpu_share(cpu0, cpu_seconds(), time.perf_counter() - wall0, settings=settings)
            error = classify(exc)
            if error["kind"] == "internal":
                log.exception("job %s: unexpected error", job_id)
            else:
                log.info(
                    "job %s: %s, CPU share %.2f (%s)", job_id, error["kind"], share, error["detail"]
                )
            jobs.fail(job_id, error)
            return "failed"
    jobs.finish(job_id, plan_id=planned.plan.id, run_s=time.perf_counter() - wall0)
    log.info("job %s: plan %s", job_id, planned.plan.id)
    return "done"
