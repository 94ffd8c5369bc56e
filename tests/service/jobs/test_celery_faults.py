"""Celery faults for real, on a ``redis-server`` of our own (no persistence) and real
``eyes worker`` processes: a worker SIGKILLed mid-job, and the broker killed and started
again empty. Each job ends done, run to the end once, long before the broker's visibility
timeout (600 s here, as by default: only the sweeper can bring the jobs back in time)."""

from __future__ import annotations

import signal
import time
from typing import TYPE_CHECKING, Any

import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.auth.keys import create_key
from service.jobs.store import JobStore
from service.plans.store import PlanStore

from ..api.test_edge import matrix_request
from ..databases import migrated_engine
from ..faults import OwnRedis
from ..server import wait_until
from .test_celery_jobs import Workers, _alive, _parent

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from service.plans.networks import AreaNetworks

FAULT_ENV = {
    "EYES_JOB_VISIBILITY_TIMEOUT_S": "600",
    "EYES_JOB_HEARTBEAT_S": "1",
    "EYES_JOB_LOST_AFTER_S": "4",
    "EYES_JOB_SWEEP_INTERVAL_S": "1",
    "EYES_JOB_REPUBLISH_AFTER_S": "3",
}
RECOVERED_WITHIN_S = 90.0
"""Generous (a busy machine is slow), and far below the 600 s visibility timeout."""


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[OwnRedis]:
    """A redis-server of our own on a free port, without persistence."""
    try:
        server = OwnRedis(tmp_path)
    except FileNotFoundError:
        pytest.skip("no redis-server binary: the Celery fault tests need one")
    server.start()
    try:
        yield server
    finally:
        server.kill()


@pytest.fixture
def fault_workers(tmp_path: Path, graph_cache: Path, redis_server: OwnRedis) -> Iterator[Workers]:
    """Real workers on our own Redis (not started yet)."""
    pool = Workers(tmp_path, graph_cache)
    pool.env.update({**FAULT_ENV, "EYES_BROKER_URL": redis_server.url})
    try:
        yield pool
    finally:
        pool.stop()


@pytest.fixture
def fault_client(fault_workers: Workers, networks: AreaNetworks) -> Iterator[TestClient]:
    """The API on the same broker and database (its sweeper runs), a dispatcher key."""
    settings = fault_workers.settings()
    app = create_app(settings, networks=networks, store=PlanStore.from_url(settings.database_url))
    _, key = create_key(app.state.alert_store, "dispatcher")
    with TestClient(app, raise_server_exceptions=False, headers={"X-API-Key": key}) as client:
        yield client


def _slow(seconds: int) -> dict[str, Any]:
    request: dict[str, Any] = matrix_request()
    request["options"]["time_limit_s"] = seconds
    request["options"]["stop_early"] = False
    return request


def _submit(client: TestClient, request: dict[str, Any]) -> str:
    answer = client.post("/v1/plans", json=request, headers={"Prefer": "respond-async"})
    assert answer.status_code == 202, answer.text
    return str(answer.headers["location"])


def _final(client: TestClient, location: str, *, timeout_s: float) -> dict[str, Any]:
    seen: list[dict[str, Any]] = []

    def over() -> bool:
        seen.append(client.get(location).json())
        return seen[-1]["state"] in ("done", "failed")

    wait_until(f"{location} over", over, timeout_s=timeout_s)
    last = seen[-1]
    last["was_retrying"] = any(s.get("retrying", False) for s in seen)
    return last


@pytest.mark.slow
def test_a_worker_killed_mid_job_is_replaced_within_the_time_limit_plus_grace(
    fault_client: TestClient, fault_workers: Workers
) -> None:
    """SIGKILL the worker solving a plan: its heartbeat stops, the sweeper queues the job
    again (retrying, attempts 2) and the other worker solves it, within its time limit
    plus EYES_JOB_LOST_AFTER_S and a sweep, not after the 600 s visibility timeout."""
    fault_workers.start("w1")
    fault_workers.start("w2")
    location = _submit(fault_client, _slow(4))
    jobs = JobStore(migrated_engine(fault_workers.db_url))
    job_id = location.rsplit("/", 1)[1]
    wait_until("the job running", lambda: jobs.get(job_id).state == "running", timeout_s=60)
    first = jobs.get(job_id)
    assert first.worker is not None
    pool_pid = int(first.worker.rsplit(":", 1)[1])
    victim = next(n for n, p in fault_workers.processes.items() if p.pid == _parent(pool_pid))
    time.sleep(1.0)
    killed = time.monotonic()
    fault_workers.processes[victim].send_signal(signal.SIGKILL)
    fault_workers.processes[victim].wait(timeout=10)
    wait_until("the pool process gone", lambda: not _alive(pool_pid), timeout_s=10)
    job = _final(fault_client, location, timeout_s=RECOVERED_WITHIN_S)
    recovered_s = time.monotonic() - killed
    assert job["state"] == "done", (job, fault_workers.log("w1")[-2000:])
    assert job["attempts"] == 2
    assert job["was_retrying"] or recovered_s < 60
    assert not job["retrying"]
    assert jobs.get(job_id).worker != first.worker
    assert recovered_s < RECOVERED_WITHIN_S


@pytest.mark.slow
def test_jobs_the_broker_lost_are_published_again(
    fault_client: TestClient, fault_workers: Workers, redis_server: OwnRedis
) -> None:
    """One worker busy, two jobs waiting in Redis; Redis killed (no persistence) and started
    again empty: the waiting jobs are published again by the sweeper and solved, each run
    once (attempts 1); nothing stays queued (it stayed queued for good)."""
    fault_workers.start("w1")
    busy = _submit(fault_client, _slow(4))
    jobs = JobStore(migrated_engine(fault_workers.db_url))
    busy_id = busy.rsplit("/", 1)[1]
    wait_until("the first job running", lambda: jobs.get(busy_id).state == "running", timeout_s=60)
    waiting = [_submit(fault_client, _slow(1)) for _ in range(2)]
    redis_server.kill()
    redis_server.start()
    restarted = time.monotonic()
    for location in [busy, *waiting]:
        job = _final(fault_client, location, timeout_s=RECOVERED_WITHIN_S)
        assert job["state"] == "done", (job, fault_workers.log("w1")[-3000:])
        assert job["attempts"] == 1, job
    assert time.monotonic() - restarted < RECOVERED_WITHIN_S
    wait_until(
        "nothing queued",
        lambda: "0 queued" in fault_client.get("/readyz").json()["checks"]["workers"]["detail"],
        timeout_s=30,
    )
