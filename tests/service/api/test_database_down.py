"""The database goes away: real PostgreSQL behind a TCP proxy the tests cut and restore,
the API on a real uvicorn server.

While the database is away every request that needs it answers 503
``database-unavailable`` with Retry-After (never a 500), ``/healthz`` still answers and
``/readyz`` says which check failed; an API started while it is away starts, and gets
ready by itself when it returns; the in-process SMS sender goes on by itself.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from sqlalchemy import select

from service.alerts.models import OutboxRecord
from service.alerts.store import AlertStore
from service.api.app import create_app
from service.auth.keys import create_key
from service.config import Settings
from service.db import create_db_engine
from service.plans.store import PlanStore

from ..alerts.helpers import store_alert
from ..conftest import SEARCH_ITERATIONS
from ..databases import migrated_engine
from ..faults import TcpProxy, proxy_for
from ..server import serve, wait_until

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from fastapi import FastAPI

    from service.plans.networks import AreaNetworks

RECOVERED_WITHIN_S = 30.0
"""Generous: the API retries its first check after at most 5 s; a busy machine is slower."""


@pytest.fixture
def proxy(postgres_url: str) -> Iterator[TcpProxy]:
    """A TCP proxy in front of the test PostgreSQL (schema migrated)."""
    migrated_engine(postgres_url).dispose()
    with proxy_for(postgres_url) as running:
        yield running


def _settings(url: str, graph_cache: Path) -> Settings:
    return Settings(
        database_url=url,
        graph_cache_dir=graph_cache,
        default_time_limit_s=1.0,
        preload_area=False,
        plan_wait_s=0,
        solver_max_iterations=SEARCH_ITERATIONS,
        sender_poll_s=0.2,
    )


def _app(proxy: TcpProxy, postgres_url: str, graph_cache: Path, networks: AreaNetworks) -> FastAPI:
    url = proxy.url(postgres_url)
    return create_app(_settings(url, graph_cache), networks=networks, store=PlanStore.from_url(url))


def _key(postgres_url: str, role: str) -> str:
    engine = create_db_engine(postgres_url)
    try:
        return create_key(AlertStore(engine), role)[1]
    finally:
        engine.dispose()


def _assert_database_unavailable(answer: httpx.Response) -> None:
    assert answer.status_code == 503, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert int(answer.headers["retry-after"]) > 0
    body = answer.json()
    assert body["type"].endswith("/database-unavailable"), body
    assert body["status"] == 503
    assert "database" in body["detail"]


def _alert_body() -> dict[str, Any]:
    return {
        "message": "Hold øje med en hvid varevogn.",
        "area_name": "Sindal",
        "area": {"type": "Circle", "center": {"lat": 57.47, "lon": 10.2}, "radius_m": 500},
        "valid_for_min": 60,
    }


@pytest.mark.slow
def test_requests_answer_503_while_the_database_is_away_and_recover(
    proxy: TcpProxy,
    postgres_url: str,
    graph_cache: Path,
    networks: AreaNetworks,
    small_request: dict[str, Any],
) -> None:
    """Cut: plans, alerts and jobs answer 503 database-unavailable with Retry-After (it was
    500 internal), /healthz 200, /readyz 503 naming the database. Restored: a plan is
    accepted again without restarting anything."""
    dispatcher, police = _key(postgres_url, "dispatcher"), _key(postgres_url, "police")
    app = _app(proxy, postgres_url, graph_cache, networks)
    with serve(app) as base, httpx.Client(base_url=base, timeout=30) as http:
        async_plan = {"X-API-Key": dispatcher, "Prefer": "respond-async"}
        assert http.post("/v1/plans", json=small_request, headers=async_plan).status_code == 202
        proxy.cut()
        _assert_database_unavailable(http.post("/v1/plans", json=small_request, headers=async_plan))
        _assert_database_unavailable(
            http.post("/v1/alerts", json=_alert_body(), headers={"X-API-Key": police})
        )
        _assert_database_unavailable(http.get("/v1/jobs/nope", headers={"X-API-Key": dispatcher}))
        assert http.get("/healthz").status_code == 200
        ready = http.get("/readyz")
        assert ready.status_code == 503
        assert not ready.json()["checks"]["database"]["ok"]
        proxy.restore()
        wait_until(
            "a plan accepted again",
            lambda: (
                http.post("/v1/plans", json=small_request, headers=async_plan).status_code == 202
            ),
            timeout_s=RECOVERED_WITHIN_S,
        )
        wait_until("ready", lambda: http.get("/readyz").status_code == 200, timeout_s=30)


@pytest.mark.slow
def test_an_api_started_without_its_database_gets_ready_when_it_returns(
    proxy: TcpProxy,
    postgres_url: str,
    graph_cache: Path,
    networks: AreaNetworks,
    small_request: dict[str, Any],
) -> None:
    """Started while the database is away the API does not exit (it did, with a
    traceback): it answers /healthz, 503 to what needs the database, and once the database
    returns it is ready and plans again, by itself."""
    dispatcher = _key(postgres_url, "dispatcher")
    proxy.cut()
    app = _app(proxy, postgres_url, graph_cache, networks)
    with serve(app) as base, httpx.Client(base_url=base, timeout=30) as http:
        assert http.get("/healthz").status_code == 200
        assert http.get("/readyz").status_code == 503
        headers = {"X-API-Key": dispatcher, "Prefer": "respond-async"}
        _assert_database_unavailable(http.post("/v1/plans", json=small_request, headers=headers))
        proxy.restore()
        wait_until(
            "ready", lambda: http.get("/readyz").status_code == 200, timeout_s=RECOVERED_WITHIN_S
        )
        answer = http.post("/v1/plans", json=small_request, headers=headers)
        assert answer.status_code == 202, answer.text
        job = answer.headers["location"]
        wait_until(
            "the plan solved",
            lambda: http.get(job, headers=headers).json()["state"] == "done",
            timeout_s=60,
        )


@pytest.mark.slow
def test_the_in_process_sender_resumes_by_itself(
    proxy: TcpProxy, postgres_url: str, graph_cache: Path, networks: AreaNetworks
) -> None:
    """The sender loop outlives a database outage: an alert stored while the API could not
    reach the database is sent once it can, nothing lost, nothing twice."""
    app = _app(proxy, postgres_url, graph_cache, networks)
    direct = create_db_engine(postgres_url)
    store = AlertStore(direct)
    try:
        with serve(app):
            first = store_alert(store, 3)
            wait_until(
                "the first alert sent", lambda: _delivered(store, first.id) == 3, timeout_s=30
            )
            proxy.cut()
            # Stored by another API while this one is cut off (another text: the same one to
            # the same phones within minutes would be sent once).
            second = store_alert(store, 4, message="Hold øje med en rød bil.")
            time.sleep(2.0)
            assert _delivered(store, second.id) == 0
            proxy.restore()
            wait_until(
                "the second alert sent",
                lambda: _delivered(store, second.id) == 4,
                timeout_s=RECOVERED_WITHIN_S,
            )
            assert _delivered(store, first.id) == 3
    finally:
        direct.dispose()


def _delivered(store: AlertStore, alert_id: str) -> int:
    with store.sessions() as session:
        rows = session.scalars(select(OutboxRecord).where(OutboxRecord.alert_id == alert_id)).all()
    return sum(row.status in ("sent", "delivered") for row in rows)


def test_a_database_that_does_not_answer_is_503_database_unavailable() -> None:
    """Every error of a database away (a refused connection, a dropped one, a full pool) is
    the outcome database-unavailable: 503 with Retry-After, exit status 1 for the CLI."""
    from sqlalchemy.exc import InterfaceError, OperationalError
    from sqlalchemy.exc import TimeoutError as PoolTimeoutError

    from service.errors import failure_of

    for exc in (
        OperationalError("select 1", {}, ConnectionRefusedError("refused")),
        InterfaceError("select 1", {}, OSError("connection closed")),
        PoolTimeoutError("QueuePool limit reached"),
    ):
        failure = failure_of(exc)
        assert failure.outcome.kind == "database-unavailable"
        assert (failure.outcome.status, failure.outcome.exit_code) == (503, 1)
        assert failure.retry_after_s == 5
        assert "database" in failure.detail


def test_an_api_whose_database_never_answers_starts_and_says_so(
    graph_cache: Path, networks: AreaNetworks, small_request: dict[str, Any]
) -> None:
    """Nothing listens where the database should be: the app is built and started anyway
    (no traceback), /healthz is 200, /readyz 503 naming the database, and a plan or a key
    check is 503 database-unavailable with Retry-After."""
    from fastapi.testclient import TestClient

    from ..faults import free_port

    url = f"postgresql://postgres@127.0.0.1:{free_port()}/nothing?connect_timeout=2"
    app = create_app(_settings(url, graph_cache), networks=networks, store=PlanStore.from_url(url))
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/healthz").status_code == 200
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert not ready.json()["checks"]["database"]["ok"]
        answer = client.post("/v1/plans", json=small_request, headers={"X-API-Key": "k"})
        assert answer.status_code == 503
        assert answer.headers["retry-after"] == "5"
        assert answer.json()["type"].endswith("/database-unavailable")
