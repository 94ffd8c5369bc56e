"""Service fixtures: the real Sindal street network, a SQLite store per test, the app."""

from __future__ import annotations

import copy
import json
import os
import uuid
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import sqlalchemy
from fastapi.testclient import TestClient

from graphs import AreaCatalog
from service.api.app import create_app
from service.auth.keys import create_key
from service.config import SHIPPED_AREAS_DIR, Settings
from service.db import create_db_engine
from service.plans.networks import AreaNetworks
from service.plans.store import PlanStore
from service.timeutil import today_local

from .databases import in_schema, migrated_engine

if TYPE_CHECKING:
    from collections.abc import Iterator

    from fastapi import FastAPI
    from sqlalchemy.engine import Engine

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _next_late_november() -> date:
    """The next 26 November after today: a winter evening (CET, no DST change near it), in
    the future, and within the year ahead that plan dates may lie in."""
    today = today_local()
    day = date(today.year, 11, 26)
    return day if day > today else date(today.year + 1, 11, 26)


PLAN_DAY = _next_late_november()
"""The evening the test plans are for."""

SEARCH_ITERATIONS = 300
"""The tests' fixed search effort (EYES_SOLVER_MAX_ITERATIONS)."""

POSTGRES_URL = os.environ.get("EYES_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture(scope="session")
def graph_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One graph cache folder for the whole session."""
    return tmp_path_factory.mktemp("graph-cache")


@pytest.fixture(scope="session")
def networks(graph_cache: Path) -> AreaNetworks:
    """The shipped areas; each (area, mode) network loads once per session."""
    return AreaNetworks(AreaCatalog([SHIPPED_AREAS_DIR]), cache_dir=graph_cache)


@pytest.fixture
def settings(tmp_path: Path, graph_cache: Path) -> Settings:
    """Settings with a fresh SQLite file; plans are searched at a fixed effort (never a
    verdict of the machine's speed: a busy machine is slower, not worse), and a plan's
    answer waits up to a minute for its job (tests that must not wait follow the 202)."""
    return Settings(
        database_url=f"sqlite:///{tmp_path / 'eyes.db'}",
        graph_cache_dir=graph_cache,
        default_time_limit_s=1.0,
        preload_area=False,
        plan_wait_s=60,
        solver_max_iterations=SEARCH_ITERATIONS,
    )


@pytest.fixture
def app(settings: Settings, networks: AreaNetworks) -> FastAPI:
    """The app on the real street data and a fresh store."""
    return create_app(settings, networks=networks, store=PlanStore.from_url(settings.database_url))


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """A test client that runs the app's lifespan, with a dispatcher's API key."""
    _, key = create_key(app.state.alert_store, "dispatcher")
    with TestClient(app, raise_server_exceptions=False, headers={"X-API-Key": key}) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def demo_request() -> dict[str, Any]:
    """The shipped sample evening in Sindal (4 shifts, 65 hotspots, 4 client visits)."""
    data: dict[str, Any] = json.loads((EXAMPLES / "sindal_request.json").read_text())
    data["date"] = PLAN_DAY.isoformat()
    data["options"] = {"time_limit_s": 2, "seed": 3}
    return data


@pytest.fixture
def small_request(demo_request: dict[str, Any]) -> dict[str, Any]:
    """Two shifts, eight hotspots and two client visits from the sample (a fresh copy)."""
    data = copy.deepcopy(demo_request)
    data["shifts"] = [s for s in data["shifts"] if s["id"] in {"guard-1", "care-1"}]
    data["hotspots"] = data["hotspots"][:8]
    data["visits"] = data["visits"][:2]
    data["options"] = {"time_limit_s": 1}
    return data


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A URL on real PostgreSQL whose connections work in an empty schema of their own
    (dropped afterwards); skipped where no server answers."""
    try:
        admin = create_db_engine(POSTGRES_URL)
        with admin.connect() as connection:
            connection.execute(sqlalchemy.text("select 1"))
    except Exception as exc:
        pytest.skip(f"no PostgreSQL at {POSTGRES_URL}: {type(exc).__name__}")
    schema = f"eyes_test_{uuid.uuid4().hex[:8]}"
    with admin.begin() as connection:
        connection.execute(sqlalchemy.text(f'create schema "{schema}"'))
    yield in_schema(POSTGRES_URL, schema)
    with admin.begin() as connection:
        connection.execute(sqlalchemy.text(f'drop schema "{schema}" cascade'))
    admin.dispose()


@pytest.fixture
def postgres_engine(postgres_url: str) -> Iterator[Engine]:
    """An engine on real PostgreSQL in a schema of its own, migrated to the newest revision;
    skipped where no server answers."""
    engine = migrated_engine(postgres_url)
    yield engine
    engine.dispose()
