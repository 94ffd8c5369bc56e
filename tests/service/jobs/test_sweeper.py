"""Jobs are never stuck: heartbeats, the sweeper's moves (lost worker, lost message), a
duplicate message while the job runs, and the in-process pool re-queueing a job whose
worker process was SIGKILLed."""

from __future__ import annotations

import os
import signal
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.auth.keys import create_key
from service.jobs.models import JobRecord
from service.jobs.runner import heartbeat
from service.jobs.service import new_job
from service.jobs.store import Job, JobStore, lost
from service.jobs.sweeper import Sweeper
from service.plans.schemas import PlanRequest
from service.plans.store import PlanStore

from ..api.test_edge import matrix_request
from ..databases import migrated_engine
from ..server import wait_until

if TYPE_CHECKING:
    from pathlib import Path

    from service.config import Settings
    from service.plans.networks import AreaNetworks


@pytest.fixture
def jobs(tmp_path: Path) -> JobStore:
    """A job store on a fresh SQLite file."""
    return JobStore(migrated_engine(f"sqlite:///{tmp_path / 'jobs.db'}"))


def _queued(jobs: JobStore, settings: Settings, backend: str = "celery") -> Job:
    return new_job(
        PlanRequest.model_validate(matrix_request()),
        settings=settings,
        jobs=jobs,
        owner=None,
        backend=backend,
    )


def _age(jobs: JobStore, job_id: str, seconds: float) -> None:
    """Move the job's heartbeat, start and publication ``seconds`` into the past."""
    with jobs.sessions() as session, session.begin():
        record = session.get(JobRecord, job_id)
        assert record is not None
        then = datetime.now(UTC) - timedelta(seconds=seconds)
        record.heartbeat_at = then if record.heartbeat_at is not None else None
        record.started_at = then if record.started_at is not None else None
        record.published_at = then
        record.created_at = then


class Broker:
    """What the sweeper publishes (marked published, as `CeleryQueue.enqueue` does), and
    how many messages the "broker" says it holds."""

    def __init__(self, jobs: JobStore) -> None:
        self.jobs = jobs
        self.published: list[str] = []
        self.holds = 0

    def publish(self, job_id: str, _limit: float) -> None:
        self.published.append(job_id)
        self.jobs.published(job_id)


def _sweeper(settings: Settings, jobs: JobStore, broker: Broker) -> Sweeper:
    return Sweeper(
        settings,
        jobs,
        backend="celery",
        publish=broker.publish,
        broker_holds=lambda: broker.holds,
    )


def test_a_duplicate_message_does_not_start_a_job_whose_worker_lives(
    settings: Settings, jobs: JobStore
) -> None:
    """Started once, a job is not started again while its heartbeat is fresh (a duplicate
    or re-published message is skipped); once its worker is lost another may take it."""
    job = _queued(jobs, settings)
    first = jobs.start(job.id, worker="w1:1")
    assert first is not None
    assert first.attempts == 1
    assert not first.retrying
    assert jobs.start(job.id, worker="w2:2") is None
    _age(jobs, job.id, job.time_limit_s + settings.job_lost_after_s + 1)
    second = jobs.start(job.id, worker="w2:2")
    assert second is not None
    assert (second.attempts, second.worker, second.retrying) == (2, "w2:2", True)
    assert not jobs.heartbeat(job.id, worker="w1:1")  # no longer w1's
    assert jobs.heartbeat(job.id, worker="w2:2")


def test_the_heartbeat_thread_keeps_a_running_job_alive(settings: Settings, jobs: JobStore) -> None:
    """The heartbeat is written every few seconds while the body runs."""
    job = _queued(jobs, settings)
    started = jobs.start(job.id, worker="w1:1")
    assert started is not None
    with heartbeat(jobs, job.id, worker="w1:1", every_s=0.05):
        time.sleep(0.3)
    beat = jobs.get(job.id).heartbeat_at
    assert beat is not None
    assert started.heartbeat_at is not None
    assert beat > started.heartbeat_at


def test_the_sweeper_queues_a_lost_job_again_then_fails_it(
    settings: Settings, jobs: JobStore
) -> None:
    """A running job whose heartbeat stopped is queued again and published, saying so
    (attempts, retrying); after EYES_JOB_MAX_ATTEMPTS lost workers it fails as
    worker-lost, saying why. A live job is left alone."""
    broker = Broker(jobs)
    sweeper = _sweeper(settings.model_copy(update={"job_max_attempts": 2}), jobs, broker)
    job = _queued(jobs, settings)
    alive = _queued(jobs, settings)
    assert jobs.start(alive.id, worker="w9:9") is not None
    for attempt in (1, 2):
        assert jobs.start(job.id, worker=f"w{attempt}:{attempt}") is not None
        assert sweeper.sweep().requeued == []  # its heartbeat is fresh
        _age(jobs, job.id, job.time_limit_s + settings.job_lost_after_s + 1)
        assert lost(jobs.get(job.id), now=datetime.now(UTC), lost_after_s=20)
        swept = sweeper.sweep()
        if attempt == 1:
            assert swept.requeued == [job.id]
            assert broker.published == [job.id]
            again = jobs.get(job.id)
            assert (again.state, again.attempts, again.retrying) == ("queued", 1, True)
    assert swept.failed == [job.id]
    failed = jobs.get(job.id)
    assert failed.state == "failed"
    assert failed.error is not None
    assert failed.error["kind"] == "worker-lost"
    assert "stopped 2 times" in failed.error["detail"]
    assert failed.request == {}
    assert jobs.get(alive.id).state == "running"


def test_the_sweeper_publishes_again_what_the_broker_lost(
    settings: Settings, jobs: JobStore
) -> None:
    """Queued jobs older than EYES_JOB_REPUBLISH_AFTER_S are published again only as many
    as the broker is missing; a young job waits."""
    broker = Broker(jobs)
    sweeper = _sweeper(settings, jobs, broker)
    old = [_queued(jobs, settings) for _ in range(3)]
    young = _queued(jobs, settings)
    for job in old:
        _age(jobs, job.id, settings.job_republish_after_s + 5)
    broker.holds = 4  # every message still there
    assert sweeper.sweep().republished == []
    broker.holds = 2  # two lost (the young one counts as held)
    assert len(sweeper.sweep().republished) == 2
    broker.holds = 0
    jobs_published = set(broker.published)
    assert young.id not in jobs_published
    for job_id in jobs_published:  # published just now: not again for a while
        assert jobs.get(job_id).state == "queued"
    assert sweeper.sweep().republished == sorted(
        {j.id for j in old} - jobs_published, key=[j.id for j in old].index
    )


def _job_pids(worker: str | None) -> int:
    assert worker is not None
    return int(worker.rsplit(":", 1)[1])


@pytest.mark.slow
def test_a_pool_process_killed_mid_job_is_replaced_and_the_job_run_again(
    settings: Settings, networks: AreaNetworks
) -> None:
    """In-process pool: SIGKILL the process solving a plan; the job is queued again at
    once (retrying, attempt 2) on a fresh process and done (it failed as worker-lost)."""
    changed = settings.model_copy(update={"solver_max_iterations": None, "job_workers": 1})
    app = create_app(changed, networks=networks, store=PlanStore.from_url(changed.database_url))
    _, key = create_key(app.state.alert_store, "dispatcher")
    slow: dict[str, Any] = matrix_request()
    slow["options"]["time_limit_s"] = 4
    slow["options"]["stop_early"] = False
    with TestClient(app, raise_server_exceptions=False, headers={"X-API-Key": key}) as client:
        answer = client.post("/v1/plans", json=slow, headers={"Prefer": "respond-async"})
        assert answer.status_code == 202, answer.text
        location = answer.headers["location"]
        jobs: JobStore = app.state.job_store
        job_id = answer.json()["id"]
        wait_until("running", lambda: jobs.get(job_id).state == "running", timeout_s=60)
        time.sleep(0.5)
        os.kill(_job_pids(jobs.get(job_id).worker), signal.SIGKILL)
        wait_until(
            "the job over",
            lambda: client.get(location).json()["state"] in ("done", "failed"),
            timeout_s=90,
        )
        job = client.get(location).json()
    assert job["state"] == "done", job
    assert job["attempts"] == 2
    assert not job["retrying"]
