"""The Celery backend for real: worker processes started here against the local Redis,
the API publishing to them, the nightly task, and a worker killed mid-solve whose job
finishes on the other worker. Skipped, saying so, where no Redis answers."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.auth.keys import create_key
from service.config import Settings
from service.jobs.celery_app import NIGHTLY_TASK, make_celery
from service.jobs.store import JobStore
from service.plans.store import PlanStore

from ..api.test_edge import matrix_request
from ..databases import migrated_engine
from ..server import wait_until

if TYPE_CHECKING:
    from collections.abc import Iterator

    from service.plans.networks import AreaNetworks

REDIS_URL = os.environ.get("EYES_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
REPO = Path(__file__).resolve().parents[3]


def _redis_or_skip() -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except Exception as exc:
        pytest.skip(f"no Redis at {REDIS_URL} ({type(exc).__name__}): the Celery tests need one")


class Workers:
    """Two `eyes worker` processes (each with one pool process) on one queue and database."""

    def __init__(self, tmp: Path, graph_cache: Path) -> None:
        self.tmp = tmp
        self.db_url = f"sqlite:///{tmp / 'eyes.db'}"
        migrated_engine(self.db_url).dispose()
        self.nightly_dir = tmp / "nightly"
        self.nightly_dir.mkdir()
        self.env = {
            **os.environ,
            "EYES_BROKER_URL": REDIS_URL,
            "EYES_DATABASE_URL": self.db_url,
            "EYES_JOB_QUEUE_NAME": f"plans-test-{uuid.uuid4().hex[:8]}",
            "EYES_GRAPH_CACHE_DIR": str(graph_cache),
            "EYES_PRELOAD_AREA": "false",
            "EYES_PLAN_WAIT_S": "60",
            "EYES_MAX_TIME_LIMIT_S": "8",
            "EYES_JOB_GRACE_S": "5",
            "EYES_JOB_VISIBILITY_TIMEOUT_S": "24",
            "EYES_JOB_RESTORE_INTERVAL_S": "1",
            "EYES_SOLVER_WORKERS": "1",
            "EYES_NIGHTLY_DIR": str(self.nightly_dir),
        }
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def settings(self, **changes: Any) -> Settings:
        """The same configuration for the API in this process."""
        keys = {
            k.removeprefix("EYES_").lower(): v for k, v in self.env.items() if k.startswith("EYES_")
        }
        return Settings(**{**keys, **changes})

    def start(self, name: str) -> None:
        """Start worker ``name`` and wait until it is ready."""
        log = self.tmp / f"{name}.log"
        with log.open("ab") as out:
            self.processes[name] = subprocess.Popen(
                [sys.executable, "-m", "service.cli", "worker", f"--hostname={name}@%h"],
                cwd=REPO,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_until(f"worker {name} ready", lambda: b" ready." in log.read_bytes(), timeout_s=90)

    def log(self, name: str) -> str:
        """What worker ``name`` wrote."""
        return (self.tmp / f"{name}.log").read_text(errors="replace")

    def stop(self) -> None:
        """Stop every worker still running (its whole session)."""
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


@pytest.fixture(scope="module")
def workers(tmp_path_factory: pytest.TempPathFactory, graph_cache: Path) -> Iterator[Workers]:
    """Two real Celery workers on the local Redis (a queue of their own)."""
    _redis_or_skip()
    pool = Workers(tmp_path_factory.mktemp("celery"), graph_cache)
    try:
        pool.start("w1")
        pool.start("w2")
        yield pool
    finally:
        pool.stop()


@pytest.fixture
def celery_client(workers: Workers, networks: AreaNetworks) -> Iterator[TestClient]:
    """The API publishing plan jobs to the workers, with a dispatcher key."""
    settings = workers.settings()
    app = create_app(settings, networks=networks, store=PlanStore.from_url(settings.database_url))
    _, key = create_key(app.state.alert_store, "dispatcher")
    with TestClient(app, raise_server_exceptions=False, headers={"X-API-Key": key}) as client:
        yield client


@pytest.mark.slow
def test_plans_are_solved_by_celery_workers(celery_client: TestClient, workers: Workers) -> None:
    """With EYES_BROKER_URL the API only queues: a worker process solves the plan, the API
    answers 201 with it, and /readyz sees the broker and both workers."""
    answer = celery_client.post("/v1/plans", json=matrix_request())
    assert answer.status_code == 201, answer.text
    plan_id = answer.json()["id"]
    assert celery_client.get(f"/v1/plans/{plan_id}").status_code == 200
    jobs = JobStore(migrated_engine(workers.db_url))
    (job,) = [j for j in _all_jobs(jobs) if j.plan_id == plan_id]
    assert job.backend == "celery"
    assert job.worker is not None
    assert int(job.worker.rsplit(":", 1)[1]) != os.getpid()  # solved elsewhere
    ready = celery_client.get("/readyz")
    assert ready.status_code == 200, ready.text
    checks = ready.json()["checks"]
    assert checks["broker"]["ok"]
    assert checks["workers"]["detail"].startswith("2 answered")


def _all_jobs(jobs: JobStore) -> list[Any]:
    from sqlalchemy import select

    from service.jobs.models import JobRecord

    with jobs.sessions() as session:
        ids = list(session.scalars(select(JobRecord.id)).all())
    return [jobs.get(i) for i in ids]


@pytest.mark.slow
def test_the_nightly_task_plans_the_templates_on_the_workers(
    workers: Workers, small_request: dict[str, Any]
) -> None:
    """Beat's nightly task, run by a real worker, turns each template into a plan job for
    today that the workers solve; the beat schedule is 15:00 Copenhagen time."""
    import json

    (workers.nightly_dir / "sindal.json").write_text(json.dumps(small_request))
    app = make_celery(workers.settings())
    schedule = app.conf.beat_schedule["nightly-plans"]
    assert (schedule["task"], schedule["schedule"].hour, schedule["schedule"].minute) == (
        NIGHTLY_TASK,
        {15},
        {0},
    )
    assert app.conf.timezone == "Europe/Copenhagen"
    jobs = JobStore(migrated_engine(workers.db_url))
    before = {j.id for j in _all_jobs(jobs)}
    app.send_task(NIGHTLY_TASK, queue=workers.env["EYES_JOB_QUEUE_NAME"])
    wait_until(
        "the nightly plan",
        lambda: any(
            j.owner == "nightly" and j.state == "done"
            for j in _all_jobs(jobs)
            if j.id not in before
        ),
        timeout_s=90,
    )
    app.close()


def _parent(pid: int) -> int:
    stat = Path(f"/proc/{pid}/stat").read_text()
    return int(stat.rsplit(")", 1)[1].split()[1])


@pytest.mark.slow
def test_a_job_whose_worker_is_killed_finishes_on_the_other(
    celery_client: TestClient, workers: Workers
) -> None:
    """kill -9 the worker solving a plan: its pool process dies with it, the broker gives
    the unacknowledged job back after the visibility timeout, the other worker solves it
    (attempt 2), and the API reports it done with the plan."""
    slow = matrix_request()
    slow["options"]["time_limit_s"] = 6
    slow["options"]["stop_early"] = False  # a whole 6 s solve, to be killed in the middle
    answer = celery_client.post("/v1/plans", json=slow, headers={"Prefer": "respond-async"})
    assert answer.status_code == 202, answer.text
    location = answer.headers["location"]
    jobs = JobStore(migrated_engine(workers.db_url))
    job_id = answer.json()["id"]
    wait_until("the job running", lambda: jobs.get(job_id).state == "running", timeout_s=60)
    first = jobs.get(job_id)
    assert first.worker is not None
    pool_pid = int(first.worker.rsplit(":", 1)[1])
    victim = next(n for n, p in workers.processes.items() if p.pid == _parent(pool_pid))
    time.sleep(1.0)  # mid-solve
    workers.processes[victim].send_signal(signal.SIGKILL)
    workers.processes[victim].wait(timeout=10)
    wait_until(
        "the pool process to die with its worker", lambda: not _alive(pool_pid), timeout_s=10
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        job = celery_client.get(location).json()
        if job["state"] in ("done", "failed"):
            break
        time.sleep(0.5)
    assert job["state"] == "done", (job, workers.log("w1")[-2000:], workers.log("w2")[-2000:])
    assert job["attempts"] == 2
    assert celery_client.get(job["plan"]).status_code == 200
    last = jobs.get(job_id)
    assert last.worker != first.worker
    survivor = next(n for n in workers.processes if n != victim)
    assert re.search(job_id, workers.log(survivor))


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"
