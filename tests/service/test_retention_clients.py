"""Retention of home-care clients (issue 19): after EYES_RETENTION_DAYS no table holds a
client visit's location (as requested or as placed on the street) or its times, in any
copy - the request, the plan, its GeoJSON, the staff rows, the jobs, a re-plan - while the
figures (weight, kilometres, counts) stay and a recent plan keeps its visits."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, text

from service.db import Base
from service.retention import forget_before

from .answers import planned

if TYPE_CHECKING:
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

AGED_TABLES = ("plans", "plan_staff", "plan_jobs")


def _traces(plan: dict[str, Any]) -> set[str]:
    """Every way a client visit of ``plan`` is written: coordinates and start times."""
    found = set()
    for route in plan["routes"]:
        for stop in route["stops"]:
            if stop["kind"] != "visit":
                continue
            for point in (stop["location"], stop["street"]):
                found |= {json.dumps(point["lat"]), json.dumps(point["lon"])}
            found.add(stop["start"][:16])
    return found


def _every_row(app: FastAPI) -> str:
    engine = app.state.plan_store.engine
    rows = []
    with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            rows += [json.dumps(list(r), default=str) for r in connection.execute(select(table))]
    return "\n".join(rows)


def test_no_copy_of_a_client_visit_outlives_retention(
    app: FastAPI, client: TestClient, small_request: dict[str, Any]
) -> None:
    first = planned(client, "/v1/plans", small_request)
    second = planned(client, f"/v1/plans/{first['id']}/replan", {"now": "16:20"})
    traces = _traces(first) | _traces(second)
    assert traces
    assert all(t in _every_row(app) for t in traces)  # the scan sees them before
    engine = app.state.plan_store.engine
    with engine.begin() as connection:
        for table in AGED_TABLES:
            for row in connection.execute(text(f"SELECT id, created_at FROM {table}")):
                aged = datetime.fromisoformat(str(row[1])) - timedelta(days=40)
                connection.execute(
                    text(f"UPDATE {table} SET created_at = :at WHERE id = :id"),
                    {"at": aged, "id": row[0]},
                )
    forgotten = forget_before(app.state.db, datetime.now(UTC) - timedelta(days=30))
    assert forgotten.visits == 2  # the plan and its re-plan (a finished job keeps no request)
    everything = _every_row(app)
    assert not [t for t in traces if t in everything]
    kept = client.get(f"/v1/plans/{first['id']}").json()
    assert kept["summary"] == first["summary"]
    assert client.get(f"/v1/plans/{first['id']}/routes.csv").status_code == 200

    recent = copy.deepcopy(small_request)
    fresh = planned(client, "/v1/plans", recent)
    forget_before(app.state.db, datetime.now(UTC) - timedelta(days=30))
    stored = client.get(f"/v1/plans/{fresh['id']}").json()
    assert _traces(stored) == _traces(fresh)
