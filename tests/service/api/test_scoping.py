"""Keys scoped to areas (issue 18): the matrix of role x (own area, other area) x endpoint
family, admin seeing all, and the lists showing a key its own areas only.

One app for the module (one Sindal plan solved, one alert sent by admin): every key is
scoped either to ``sindal``, where the plan and the alert are ("own"), or to
``liechtenstein`` ("other"). A 403 for the area names it (``area`` in the problem); a 403
for the role does not; another area's object is a 404, as an unknown one.
"""

from __future__ import annotations

import copy
import json
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from service.api.app import create_app
from service.auth.keys import create_key
from service.config import Settings
from service.jobs.models import JobRecord
from service.timeutil import today_local

from ..conftest import SEARCH_ITERATIONS

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from fastapi import FastAPI
    from httpx2 import Response

    from service.plans.networks import AreaNetworks

ROLES = ("police", "dispatcher", "scheduler")
SCOPES = {"own": ["sindal"], "other": ["liechtenstein"]}
TOMORROW = today_local() + timedelta(days=1)


def _alert(**extra: Any) -> dict[str, Any]:
    """An alert in the middle of Sindal for tomorrow evening, to everyone on shift."""
    body = {
        "message": "Hold øje med en hvid varevogn.",
        "area_name": "Sindal",
        "area": {"center": {"lat": 57.47, "lon": 10.2}, "radius_m": 400},
        "valid_from": f"{TOMORROW}T18:00:00",
        "valid_until": f"{TOMORROW}T21:00:00",
        "targeting": "all_on_shift",
    }
    body.update(extra)
    return body


class World:
    """The module's app, keys and stored objects."""

    def __init__(self, app: FastAPI, client: TestClient, plan_request: dict[str, Any]) -> None:
        self.app = app
        self.client = client
        self.plan_request = plan_request
        store = app.state.alert_store
        self.keys: dict[tuple[str, str], str] = {}
        self.key_ids: dict[tuple[str, str], str] = {}
        for role in ROLES:
            for scope, areas in SCOPES.items():
                key_id, key = create_key(store, role, areas=areas)
                self.keys[role, scope] = key
                self.key_ids[role, scope] = key_id
        admin_id, admin = create_key(store, "admin")
        self.keys["admin", "all"] = admin
        self.key_ids["admin", "all"] = admin_id
        answer = client.post("/v1/plans", json=plan_request, headers=self.as_(admin))
        assert answer.status_code == 201, answer.text
        self.plan: dict[str, Any] = answer.json()
        with app.state.job_store.sessions() as session:
            self.plan_job: str = session.scalars(
                select(JobRecord.id).where(JobRecord.plan_id == self.plan["id"])
            ).one()
        alert = client.post("/v1/alerts", json=_alert(), headers=self.as_(admin))
        assert alert.status_code == 202, alert.text
        assert alert.json()["recipients"] >= 1
        self.alert_id: str = alert.json()["id"]

    @staticmethod
    def as_(key: str) -> dict[str, str]:
        return {"X-API-Key": key}

    def call(
        self,
        role: str,
        scope: str,
        method: str,
        path: str,
        *,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> Response:
        headers = self.as_(self.keys[role, scope]) | (headers or {})
        return self.client.request(method, path, headers=headers, **kwargs)


@pytest.fixture(scope="module")
def world(
    tmp_path_factory: pytest.TempPathFactory,
    graph_cache: Path,
    networks: AreaNetworks,
    demo_request: dict[str, Any],
) -> Iterator[World]:
    """Auth on, a Sindal plan for tomorrow (two staff), an admin's alert reaching them."""
    folder = tmp_path_factory.mktemp("scoping")
    settings = Settings(
        database_url=f"sqlite:///{folder / 'eyes.db'}",
        graph_cache_dir=graph_cache,
        default_time_limit_s=1.0,
        preload_area=False,
        sender_in_process=False,
        plan_wait_s=60,
        solver_max_iterations=SEARCH_ITERATIONS,
    )
    request = copy.deepcopy(demo_request)
    request["shifts"] = [s for s in request["shifts"] if s["id"] in {"guard-1", "care-1"}]
    request["hotspots"] = request["hotspots"][:8]
    request["visits"] = request["visits"][:2]
    request["options"] = {"time_limit_s": 1}
    request["date"] = TOMORROW.isoformat()
    request["area"] = "sindal"
    app = create_app(settings, networks=networks)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield World(app, client, request)


def _plans_list(w: World, role: str, scope: str) -> Response:
    return w.call(role, scope, "GET", "/v1/map/plans")


def _plans_get(w: World, role: str, scope: str) -> Response:
    return w.call(role, scope, "GET", f"/v1/plans/{w.plan['id']}")


def _plans_geojson(w: World, role: str, scope: str) -> Response:
    return w.call(role, scope, "GET", f"/v1/plans/{w.plan['id']}/routes.geojson")


def _plans_versions(w: World, role: str, scope: str) -> Response:
    return w.call(role, scope, "GET", f"/v1/plans/{w.plan['id']}/versions")


def _plans_create(w: World, role: str, scope: str) -> Response:
    # The queue is full (see test_scoping_matrix): a 503 says the area check passed.
    return w.call(role, scope, "POST", "/v1/plans", json=w.plan_request)


def _replan(w: World, role: str, scope: str) -> Response:
    # An unknown base version: a 409 says the plan was found and the area check passed.
    return w.call(role, scope, "POST", f"/v1/plans/{w.plan['id']}/replan", json={"base_version": 9})


def _exports(w: World, role: str, scope: str) -> Response:
    return w.call(role, scope, "GET", f"/v1/plans/{w.plan['id']}/routes.csv")


def _ics(w: World, role: str, scope: str) -> Response:
    return w.call(role, scope, "GET", f"/v1/plans/{w.plan['id']}/staff/guard-1.ics")


def _streets(w: World, role: str, scope: str) -> Response:
    return w.call(role, scope, "GET", "/v1/areas/sindal/streets.geojson")


def _alerts_create(w: World, role: str, scope: str) -> Response:
    return w.call(role, scope, "POST", "/v1/alerts", json=_alert(message=f"{role} {scope}"))


def _alerts_list(w: World, role: str, scope: str) -> Response:
    return w.call(role, scope, "GET", "/v1/alerts")


def _alerts_get(w: World, role: str, scope: str) -> Response:
    return w.call(role, scope, "GET", f"/v1/alerts/{w.alert_id}")


def _incidents(w: World, role: str, scope: str) -> Response:
    return w.call(role, scope, "GET", "/v1/incidents", params={"area": "sindal"})


def _incidents_import(w: World, role: str, scope: str) -> Response:
    # An empty CSV: a 422 says the area check passed (nothing is stored).
    return w.call(
        role,
        scope,
        "POST",
        "/v1/incidents",
        params={"area": "sindal"},
        content=b"id,date,lat,lon\n",
        headers={"Content-Type": "text/csv"},
    )


def _hotspots(w: World, role: str, scope: str) -> Response:
    # Sindal has no records here: a 404 says the area check passed.
    return w.call(role, scope, "GET", "/v1/hotspots", params={"area": "sindal"})


def _reports(w: World, role: str, scope: str) -> Response:
    return w.call(role, scope, "GET", "/v1/reports/sindal")


def _jobs(w: World, role: str, scope: str) -> Response:
    # The plan's job, queued by the admin: a scoped key reads only the jobs it queued.
    return w.call(role, scope, "GET", f"/v1/jobs/{w.plan_job}")


FAMILIES: dict[str, Callable[[World, str, str], Response]] = {
    "plans list": _plans_list,
    "plans get": _plans_get,
    "plans geojson": _plans_geojson,
    "plans versions": _plans_versions,
    "plans create": _plans_create,
    "replan": _replan,
    "exports csv": _exports,
    "exports ics": _ics,
    "map streets": _streets,
    "alerts create": _alerts_create,
    "alerts list": _alerts_list,
    "alerts get": _alerts_get,
    "incidents": _incidents,
    "incidents import": _incidents_import,
    "hotspots": _hotspots,
    "reports": _reports,
    "jobs": _jobs,
}

ROLE = "403 role"
AREA = "403 area"

# family -> role -> (own area, other area); admin's answer is the own-area one of the
# most permitted role in the same family (given below as "admin").
EXPECTED: dict[str, dict[str, tuple[object, object]]] = {
    "plans list": {
        "police": (ROLE, ROLE),
        "dispatcher": (200, 200),
        "scheduler": (200, 200),
        "admin": (200, 200),
    },
    "plans get": {
        "police": (ROLE, ROLE),
        "dispatcher": (200, 404),
        "scheduler": (200, 404),
        "admin": (200, 200),
    },
    "plans create": {
        "police": (ROLE, ROLE),
        "dispatcher": (503, AREA),
        "scheduler": (503, AREA),
        "admin": (503, 503),
    },
    "replan": {
        "police": (ROLE, ROLE),
        "dispatcher": (409, 404),
        "scheduler": (409, 404),
        "admin": (409, 409),
    },
    "map streets": {
        "police": (200, AREA),
        "dispatcher": (200, AREA),
        "scheduler": (200, AREA),
        "admin": (200, 200),
    },
    "alerts create": {
        "police": (202, AREA),
        "dispatcher": (ROLE, ROLE),
        "scheduler": (ROLE, ROLE),
        "admin": (202, 202),
    },
    "alerts list": {
        "police": (200, 200),
        "dispatcher": (200, 200),
        "scheduler": (ROLE, ROLE),
        "admin": (200, 200),
    },
    "alerts get": {
        "police": (404, 404),  # police read their own alerts only, as before
        "dispatcher": (200, 404),
        "scheduler": (ROLE, ROLE),
        "admin": (200, 200),
    },
    "incidents": {
        "police": (200, AREA),
        "dispatcher": (200, AREA),
        "scheduler": (ROLE, ROLE),
        "admin": (200, 200),
    },
    "incidents import": {
        "police": (422, AREA),
        "dispatcher": (422, AREA),
        "scheduler": (ROLE, ROLE),
        "admin": (422, 422),
    },
    "hotspots": {
        "police": (404, AREA),
        "dispatcher": (404, AREA),
        "scheduler": (404, AREA),
        "admin": (404, 404),
    },
    "jobs": {
        "police": (ROLE, ROLE),
        "dispatcher": (404, 404),
        "scheduler": (404, 404),
        "admin": (200, 200),
    },
}
EXPECTED["plans geojson"] = EXPECTED["plans versions"] = EXPECTED["plans get"]
EXPECTED["exports csv"] = EXPECTED["exports ics"] = EXPECTED["plans get"]
EXPECTED["reports"] = EXPECTED["hotspots"]
assert set(EXPECTED) == set(FAMILIES)

CASES = [
    pytest.param(family, role, scope, id=f"{family}-{role}-{scope}")
    for family in FAMILIES
    for role in (*ROLES, "admin")
    for scope in (("own", "other") if role != "admin" else ("all",))
]


@pytest.fixture
def full_queue(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """No room for another plan: a plan that passes every check is a 503, never solved."""
    monkeypatch.setattr(world.app.state.job_queue, "queue_max", 0)


@pytest.mark.usefixtures("full_queue")
@pytest.mark.parametrize(("family", "role", "scope"), CASES)
def test_scoping_matrix(world: World, family: str, role: str, scope: str) -> None:
    """Each role, with a key of the area the objects are in ("own") or of another area
    ("other"), gets the expected answer from each endpoint family: acting on another area
    is a 403 naming it, another area's object a 404, and admin sees all."""
    own, other = EXPECTED[family][role]
    expected = other if scope == "other" else own
    answer = FAMILIES[family](world, role, scope)
    wanted = 403 if expected in (ROLE, AREA) else expected
    assert answer.status_code == wanted, answer.text
    if answer.status_code >= 400:
        assert answer.headers["content-type"] == "application/problem+json"
        problem = answer.json()
        if expected == AREA:
            assert problem["area"] == "sindal"
            assert problem["detail"] == "this key may not act on area sindal"
            assert problem["type"].endswith("/area-forbidden")
        else:
            assert "area" not in problem


@pytest.mark.parametrize("role", ["dispatcher", "scheduler"])
def test_plan_lists_show_the_keys_areas_only(world: World, role: str) -> None:
    """The map's plan list holds the Sindal plan for a Sindal key and admin, not for a key
    of another area; each item names the area as people read it and its municipality."""
    own = world.call(role, "own", "GET", "/v1/map/plans").json()
    assert [p["id"] for p in own] == [world.plan["id"]]
    assert own[0]["area_display_name"] == "Sindal"
    assert own[0]["municipality"] == "Hjørring"
    assert world.call(role, "other", "GET", "/v1/map/plans").json() == []
    everything = world.call("admin", "all", "GET", "/v1/map/plans").json()
    assert world.plan["id"] in [p["id"] for p in everything]


@pytest.mark.parametrize("role", ROLES)
def test_areas_list_shows_the_keys_areas_with_display_names(world: World, role: str) -> None:
    """GET /v1/areas lists a scoped key's own areas (its default one of them), with their
    display names and municipalities; admin sees every area."""
    own = world.call(role, "own", "GET", "/v1/areas").json()
    assert own["areas"] == ["sindal"]
    assert own["default"] == "sindal"
    assert own["details"] == [
        {"name": "sindal", "display_name": "Sindal", "municipality": "Hjørring"}
    ]
    other = world.call(role, "other", "GET", "/v1/areas").json()
    assert other["areas"] == ["liechtenstein"]
    assert other["default"] == "liechtenstein"
    admin = world.call("admin", "all", "GET", "/v1/areas").json()
    assert admin["areas"] == ["liechtenstein", "sindal"]


def test_alert_lists_show_the_keys_areas_only(world: World) -> None:
    """The admin's Sindal alert is listed for a Sindal dispatcher, with its recipients, and
    not for a dispatcher of another area; a police key lists its own alerts only."""
    own = world.call("dispatcher", "own", "GET", "/v1/alerts").json()
    assert world.alert_id in [a["id"] for a in own]
    other = world.call("dispatcher", "other", "GET", "/v1/alerts").json()
    assert world.alert_id not in [a["id"] for a in other]
    police = world.call("police", "own", "GET", "/v1/alerts").json()
    assert world.alert_id not in [a["id"] for a in police]
    alert = world.call("dispatcher", "own", "GET", f"/v1/alerts/{world.alert_id}").json()
    assert alert["recipient_count"] == len(alert["recipients"]) >= 1


def test_a_key_of_another_area_reaches_none_of_sindals_staff(world: World) -> None:
    """The reported bug: a police key of another municipality alerting everyone on shift,
    its centre outside every area, reaches nobody (Sindal's staff are not its staff)."""
    body = _alert(
        message="Another municipality's alert.",
        area={"center": {"lat": 55.1, "lon": 14.7}, "radius_m": 400},  # Rønne, no area here
    )
    answer = world.call("police", "other", "POST", "/v1/alerts", json=body)
    assert answer.status_code == 202, answer.text
    assert answer.json()["recipients"] == 0  # all_on_shift: police see the count
    admin = world.call("admin", "all", "GET", f"/v1/alerts/{answer.json()['id']}").json()
    assert admin["recipient_count"] == 0
    # What the report saw, and still so for a key made without --areas: everyone on shift.
    _, unscoped = create_key(world.app.state.alert_store, "police")
    answer = world.client.post(
        "/v1/alerts", json=body | {"message": "Unscoped."}, headers=world.as_(unscoped)
    )
    assert answer.status_code == 202, answer.text
    admin = world.call("admin", "all", "GET", f"/v1/alerts/{answer.json()['id']}").json()
    assert admin["recipient_count"] >= 1


@pytest.mark.parametrize("language", ["en", "da"])
@pytest.mark.parametrize("kind", ["plans", "alerts", "jobs"])
def test_another_areas_object_reads_exactly_as_an_unknown_one(
    world: World, kind: str, language: str
) -> None:
    """In either language, a dispatcher of another area gets for the Sindal plan, alert
    and job the very 404 it gets for an id that does not exist (the id aside): nothing
    tells that the object exists."""
    real = {"plans": world.plan["id"], "alerts": world.alert_id, "jobs": world.plan_job}[kind]
    fake = "0" * len(real)
    lang = {"Accept-Language": language}
    seen = world.call("dispatcher", "other", "GET", f"/v1/{kind}/{real}", headers=lang)
    unknown = world.call("dispatcher", "other", "GET", f"/v1/{kind}/{fake}", headers=lang)
    assert seen.status_code == unknown.status_code == 404
    assert seen.json() == json.loads(unknown.text.replace(fake, real))
    assert seen.headers.get("content-language") == unknown.headers.get("content-language")
