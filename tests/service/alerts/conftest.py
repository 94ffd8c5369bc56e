"""Alert fixtures: an app with auth on and no background sender, keys per role, a stored plan
for tomorrow evening in Sindal, and a real PostgreSQL database where one answers."""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest
from fastapi.testclient import TestClient

from service.alerts.store import AlertStore
from service.api.app import create_app
from service.auth.keys import create_key
from service.config import Settings
from service.timeutil import today_local

from ..conftest import SEARCH_ITERATIONS
from ..databases import migrated_engine

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from fastapi import FastAPI

    from service.plans.networks import AreaNetworks


@pytest.fixture
def alert_settings(tmp_path: Path, graph_cache: Path) -> Settings:
    """Auth on, console SMS, and no background sender: tests drive the worker themselves."""
    return Settings(
        database_url=f"sqlite:///{tmp_path / 'eyes.db'}",
        graph_cache_dir=graph_cache,
        default_time_limit_s=1.0,
        preload_area=False,
        sender_in_process=False,
        plan_wait_s=60,
        solver_max_iterations=SEARCH_ITERATIONS,
    )


@pytest.fixture
def alert_app(alert_settings: Settings, networks: AreaNetworks) -> FastAPI:
    """The app on the real Sindal data with the alert settings."""
    return create_app(alert_settings, networks=networks)


@pytest.fixture
def keys(alert_app: FastAPI) -> dict[str, str]:
    """One API key per role (and a second police key)."""
    store = alert_app.state.alert_store
    made = {role: create_key(store, role)[1] for role in ("police", "dispatcher", "scheduler")}
    made["police2"] = create_key(store, "police")[1]
    made["admin"] = create_key(store, "admin")[1]
    return made


@pytest.fixture
def api(alert_app: FastAPI) -> Iterator[TestClient]:
    """A client without a key (each call passes the key it needs)."""
    with TestClient(alert_app, raise_server_exceptions=False) as client:
        yield client


def as_(key: str) -> dict[str, str]:
    """Headers for a key."""
    return {"X-API-Key": key}


@pytest.fixture
def tomorrow_request(small_request: dict[str, Any]) -> dict[str, Any]:
    """The small Sindal evening (guard-1 and care-1, 17:00-22:00) planned for tomorrow."""
    data = copy.deepcopy(small_request)
    data["date"] = (today_local() + timedelta(days=1)).isoformat()
    return data


@pytest.fixture
def stored_plan(
    api: TestClient, keys: dict[str, str], tomorrow_request: dict[str, Any]
) -> dict[str, Any]:
    """Tomorrow's plan, stored through the API by a dispatcher."""
    answer = api.post("/v1/plans", json=tomorrow_request, headers=as_(keys["dispatcher"]))
    assert answer.status_code == 201, answer.text
    plan: dict[str, Any] = answer.json()
    return plan


@pytest.fixture
def sqlite_store(tmp_path: Path) -> AlertStore:
    """An alert store on a fresh SQLite file."""
    return AlertStore(migrated_engine(f"sqlite:///{tmp_path / 'alerts.db'}"))


@pytest.fixture(autouse=True)
def staff_read_danish(monkeypatch: pytest.MonkeyPatch) -> None:
    """The staff's SMS speak the deployment's language: Danish here, as in Denmark (the
    suite's other texts read English)."""
    monkeypatch.setattr("service.i18n.staff_language", lambda: "da")
