"""Time to recover from each fault of issue 19, measured with the real components the fault
tests use: PostgreSQL behind a TCP proxy that is cut and restored, a ``redis-server`` of our
own killed without persistence, ``eyes worker`` and ``eyes serve`` SIGKILLed.

Run: ``.venv/bin/python bench/faults.py [repeats]`` (default 3; PostgreSQL at
``EYES_TEST_POSTGRES_URL``, default ``postgresql://postgres@127.0.0.1:5432/test``, and
``redis-server`` on the PATH). Prints a Markdown table (seconds; min / median / max).
"""

from __future__ import annotations

import os
import signal
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import sqlalchemy
from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from service.alerts.store import AlertStore
from service.api.app import create_app
from service.auth.keys import create_key
from service.config import Settings
from service.db import create_db_engine
from service.jobs.store import JobStore
from service.plans.store import PlanStore
from tests.service.alerts.fake_provider import FakeProvider, FakeProviderState
from tests.service.alerts.helpers import store_alert
from tests.service.alerts.test_fanout_restart import Api, _env, _only_handed_left, _rows
from tests.service.api.test_edge import matrix_request
from tests.service.databases import in_schema, migrated_engine
from tests.service.faults import OwnRedis, free_port, proxy_for
from tests.service.jobs.test_celery_faults import FAULT_ENV
from tests.service.jobs.test_celery_jobs import Workers, _parent
from tests.service.server import serve, wait_until

if TYPE_CHECKING:
    from collections.abc import Callable

POSTGRES_URL = os.environ.get("EYES_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
OUTAGE_S = 5.0


def _timed(condition: Callable[[], bool], *, timeout_s: float = 300) -> float:
    started = time.monotonic()
    wait_until("recovery", condition, timeout_s=timeout_s)
    return time.monotonic() - started


def _pg_schema() -> str:
    schema = f"eyes_bench_{uuid.uuid4().hex[:8]}"
    admin = create_db_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(sqlalchemy.text(f'create schema "{schema}"'))
    admin.dispose()
    url = in_schema(POSTGRES_URL, schema)
    migrated_engine(url).dispose()
    return url


def _settings(url: str, cache: Path, **changes: Any) -> Settings:
    return Settings(
        database_url=url,
        graph_cache_dir=cache,
        preload_area=False,
        plan_wait_s=0,
        sender_poll_s=0.2,
        **changes,
    )


def database_outage(_tmp: Path, cache: Path) -> dict[str, float]:
    """Cut PostgreSQL for OUTAGE_S under a running API: how long a request takes to be
    refused (503), and after the restore, until a plan is accepted again and an alert
    stored meanwhile (by another API) is sent."""
    url = _pg_schema()
    key = create_key(AlertStore(create_db_engine(url)), "dispatcher")[1]
    headers = {"X-API-Key": key, "Prefer": "respond-async"}
    direct = AlertStore(create_db_engine(url))
    with proxy_for(url) as proxy:
        app = create_app(_settings(proxy.url(url), cache))
        with serve(app) as base, httpx.Client(base_url=base, timeout=30) as http:
            proxy.cut()
            started = time.monotonic()
            refused = http.post("/v1/plans", json=matrix_request(), headers=headers)
            refused_s = time.monotonic() - started
            assert refused.status_code == 503, refused.text
            alert = store_alert(direct, 5)
            time.sleep(OUTAGE_S)
            proxy.restore()
            started = time.monotonic()
            wait_until(
                "a plan accepted",
                lambda: (
                    http.post("/v1/plans", json=matrix_request(), headers=headers).status_code
                    == 202
                ),
                timeout_s=120,
            )
            plans_s = time.monotonic() - started
            wait_until(
                "the alert sent",
                lambda: direct.counts(alert.id)["sent"] + direct.counts(alert.id)["delivered"] == 5,
                timeout_s=120,
            )
            sent_s = time.monotonic() - started
    return {"503 answered in": refused_s, "plans again after": plans_s, "alert sent after": sent_s}


def started_without_database(_tmp: Path, cache: Path) -> dict[str, float]:
    """Start the API while PostgreSQL is cut off; restore it after OUTAGE_S: until ready."""
    url = _pg_schema()
    with proxy_for(url) as proxy:
        proxy.cut()
        app = create_app(_settings(proxy.url(url), cache))
        with serve(app) as base, httpx.Client(base_url=base, timeout=30) as http:
            assert http.get("/readyz").status_code == 503
            time.sleep(OUTAGE_S)
            proxy.restore()
            ready_s = _timed(lambda: http.get("/readyz").status_code == 200, timeout_s=120)
    return {"ready after": ready_s}


def _celery(tmp: Path, cache: Path, redis: OwnRedis) -> tuple[Workers, TestClient, JobStore]:
    workers = Workers(tmp, cache)
    workers.env.update({**FAULT_ENV, "EYES_BROKER_URL": redis.url})
    settings = workers.settings()
    app = create_app(settings, store=PlanStore.from_url(settings.database_url))
    _, key = create_key(app.state.alert_store, "dispatcher")
    client = TestClient(app, raise_server_exceptions=False, headers={"X-API-Key": key})
    return workers, client, JobStore(migrated_engine(workers.db_url))


def _slow(seconds: int) -> dict[str, Any]:
    request = matrix_request()
    request["options"]["time_limit_s"] = seconds
    request["options"]["stop_early"] = False
    return request


def _submit(client: TestClient, request: dict[str, Any]) -> str:
    answer = client.post("/v1/plans", json=request, headers={"Prefer": "respond-async"})
    assert answer.status_code == 202, answer.text
    return str(answer.json()["id"])


def worker_killed(tmp: Path, cache: Path) -> dict[str, float]:
    """SIGKILL the Celery worker running a 4 s job: until it is queued again, and done."""
    redis = OwnRedis(tmp)
    redis.start()
    workers, client, jobs = _celery(tmp, cache, redis)
    try:
        workers.start("w1")
        workers.start("w2")
        with client:
            job_id = _submit(client, _slow(4))
            wait_until("running", lambda: jobs.get(job_id).state == "running", timeout_s=60)
            worker = jobs.get(job_id).worker
            assert worker is not None
            pid = _parent(int(worker.rsplit(":", 1)[1]))
            victim = next(p for p in workers.processes.values() if p.pid == pid)
            time.sleep(1.0)
            victim.send_signal(signal.SIGKILL)
            victim.wait(timeout=10)
            killed = time.monotonic()
            wait_until("requeued", lambda: jobs.get(job_id).attempts >= 2, timeout_s=300)
            requeued_s = time.monotonic() - killed
            wait_until("done", lambda: jobs.get(job_id).state == "done", timeout_s=300)
            done_s = time.monotonic() - killed
    finally:
        workers.stop()
        redis.kill()
    return {"running elsewhere after": requeued_s, "done after": done_s}


def broker_lost(tmp: Path, cache: Path) -> dict[str, float]:
    """Redis killed (no persistence) and restarted with two jobs waiting behind a busy
    worker: until both are done."""
    redis = OwnRedis(tmp)
    redis.start()
    workers, client, jobs = _celery(tmp, cache, redis)
    try:
        workers.start("w1")
        with client:
            busy = _submit(client, _slow(4))
            wait_until("running", lambda: jobs.get(busy).state == "running", timeout_s=60)
            waiting = [_submit(client, _slow(1)) for _ in range(2)]
            redis.kill()
            redis.start()
            started = time.monotonic()
            wait_until(
                "all done",
                lambda: all(jobs.get(j).state == "done" for j in [busy, *waiting]),
                timeout_s=300,
            )
            done_s = time.monotonic() - started
            assert all(jobs.get(j).attempts == 1 for j in waiting)
    finally:
        workers.stop()
        redis.kill()
    return {"waiting jobs done after": done_s}


def api_killed_mid_fanout(tmp: Path, cache: Path) -> dict[str, float]:
    """SIGKILL ``eyes serve`` during an 18-SMS fan-out (lease 30 s); start it again: until
    every message not yet handed over is sent, and until every row is final."""
    db_url = f"sqlite:///{tmp / 'eyes.db'}"
    store = AlertStore(migrated_engine(db_url))
    state = FakeProviderState(delay_s=0.4)
    with FakeProvider(state) as provider:
        port = free_port()
        api = Api(_env(db_url, provider.url, port, cache), tmp / "api.log")
        try:
            api.start()
            wait_until("up", lambda: _up(f"http://127.0.0.1:{port}/healthz"), timeout_s=90)
            alert = store_alert(store, 18)
            wait_until("5 sent", lambda: len(state.messages) >= 5, timeout_s=60)
            api.kill()
            api.start()
            rest_s = _timed(lambda: _only_handed_left(store, alert.id))
            all_s = _timed(
                lambda: all(r.status in ("sent", "delivered") for r in _rows(store, alert.id))
            )
            all_s += rest_s
            assert max(Counter(m["to"] for m in state.messages).values()) == 1
        finally:
            api.stop()
    return {"not handed over sent after": rest_s, "every row final after": all_s}


def _up(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def main() -> None:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    scenarios: list[tuple[str, Callable[[Path, Path], dict[str, float]]]] = [
        ("PostgreSQL cut for 5 s under a running API", database_outage),
        (
            "API started while PostgreSQL is cut off (5 s)",
            started_without_database,
        ),
        ("Celery worker SIGKILLed mid-job (4 s limit, lost after +4 s)", worker_killed),
        ("Redis SIGKILLed (no persistence) and restarted, 2 jobs waiting", broker_lost),
        ("`eyes serve` SIGKILLed mid 18-SMS fan-out (lease 30 s)", api_killed_mid_fanout),
    ]
    print("| Fault | Measured | min | median | max |")
    print("|---|---|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as cache_dir:
        cache = Path(cache_dir)
        for name, run in scenarios:
            results: dict[str, list[float]] = {}
            for _ in range(repeats):
                with tempfile.TemporaryDirectory() as tmp:
                    for what, seconds in run(Path(tmp), cache).items():
                        results.setdefault(what, []).append(seconds)
            for what, values in results.items():
                print(
                    f"| {name} | {what} | {min(values):.2f} | "
                    f"{statistics.median(values):.2f} | {max(values):.2f} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
