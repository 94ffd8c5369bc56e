"""Plans persist: on SQLite across a restart, and on a real PostgreSQL where one answers."""

from __future__ import annotations

import socket
import threading
import time
from typing import TYPE_CHECKING, Any

import httpx
import pytest
import uvicorn

from service.api.app import create_app
from service.auth.keys import create_key
from service.config import Settings
from service.plans.store import PlanStore

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from sqlalchemy.engine import Engine

    from service.plans.networks import AreaNetworks


@pytest.fixture
def postgres_store(postgres_engine: Engine) -> PlanStore:
    """A plan store on real PostgreSQL (skipped where none answers)."""
    return PlanStore(postgres_engine)


def _post_plan(base_url: str, request: dict[str, Any], key: str) -> dict[str, Any]:
    answer = httpx.post(
        f"{base_url}/v1/plans", json=request, headers={"X-API-Key": key}, timeout=60
    )
    assert answer.status_code == 201, answer.text
    plan: dict[str, Any] = answer.json()
    return plan


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def live_server(settings: Settings, networks: AreaNetworks) -> Iterator[tuple[str, str]]:
    """The app served by a real uvicorn on loopback, and a dispatcher's API key."""
    app = create_app(settings, networks=networks)
    _, key = create_key(app.state.alert_store, "dispatcher")
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", key
    server.should_exit = True
    thread.join(timeout=10)


def test_plan_survives_restart_on_sqlite(
    live_server: tuple[str, str], settings: Settings, small_request: dict[str, Any]
) -> None:
    """A plan made over real HTTP is read back by a new store on the same SQLite file."""
    base_url, key = live_server
    plan = _post_plan(base_url, small_request, key)
    geojson = httpx.get(
        f"{base_url}/v1/plans/{plan['id']}/routes.geojson",
        headers={"X-API-Key": key},
        timeout=10,
    )
    assert geojson.status_code == 200
    reopened = PlanStore.from_url(settings.database_url)
    assert reopened.get(plan["id"]).model_dump(mode="json") == plan
    assert reopened.geojson(plan["id"]) == geojson.json()
    assert [p.id for p in reopened.recent()] == [plan["id"]]


@pytest.mark.postgres
def test_plan_store_on_postgres(
    postgres_store: PlanStore,
    settings: Settings,
    networks: AreaNetworks,
    small_request: dict[str, Any],
) -> None:
    """DATABASE_URL=postgresql://... stores and reads plans on a real PostgreSQL."""
    from fastapi.testclient import TestClient

    app = create_app(settings, networks=networks, store=postgres_store)
    _, key = create_key(app.state.alert_store, "dispatcher")
    with TestClient(app, headers={"X-API-Key": key}) as client:
        answer = client.post("/v1/plans", json=small_request)
        assert answer.status_code == 201
        plan = answer.json()
        assert client.get(f"/v1/plans/{plan['id']}").json() == plan
    assert postgres_store.get(plan["id"]).id == plan["id"]


def test_settings_accept_database_url_alias(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """DATABASE_URL works as well as EYES_DATABASE_URL."""
    monkeypatch.delenv("EYES_DATABASE_URL", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    assert Settings().database_url.endswith("x.db")


def test_settings_refuse_placeholder_secret_in_prod(monkeypatch: pytest.MonkeyPatch) -> None:
    """Production refuses the placeholder SMS token."""
    monkeypatch.setenv("EYES_ENVIRONMENT", "prod")
    with pytest.raises(ValueError, match="EYES_SMS_TOKEN"):
        Settings()
