"""The API: records in by Content-Type with roles and audit, problem+json naming lines and
columns, hotspots and reports from stored records, and a plan made from hotspots_from
that replays feasibly."""

from __future__ import annotations

import copy
import io
import json
from typing import TYPE_CHECKING, Any

import numpy as np
from PIL import Image
from sqlalchemy import select

from graphs import snap_to_streets
from service.auth.models import AuditRecord
from service.plans.store import PlanRecord

from ..replay import replay_plan

if TYPE_CHECKING:
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from service.plans.networks import AreaNetworks

CSV = {"content-type": "text/csv"}


def _import(client: TestClient, data: bytes, **params: Any) -> Any:
    return client.post(
        "/v1/incidents", params={"area": "sindal", **params}, content=data, headers=CSV
    )


def test_police_import_csv_then_reimport_updates(
    police: TestClient, app: FastAPI, sindal_csv: bytes
) -> None:
    """A police key imports the shipped CSV (306 new); the same file again updates all 306
    and adds none; the summary counts them without positions; the audit log has the
    counts and the ids, no coordinates."""
    first = _import(police, sindal_csv)
    assert first.status_code == 200, first.text
    assert first.json() == {
        "area": "sindal",
        "received": 306,
        "created": 306,
        "updated": 0,
        "warnings": [],
    }
    assert _import(police, sindal_csv).json()["updated"] == 306
    summary = police.get("/v1/incidents", params={"area": "sindal"}).json()
    assert summary["records"] == 306
    assert summary["first_day"] == "2025-06-03"
    with app.state.db.sessions() as session:
        entries = session.scalars(
            select(AuditRecord).where(AuditRecord.action == "incidents.import")
        ).all()
    assert [e.outcome for e in entries] == ["306 new, 0 updated", "0 new, 306 updated"]
    assert all(e.target == "sindal: 306 records, ids SND-00001..SND-00306" for e in entries)
    assert all("57." not in (e.target or "") for e in entries)


def test_a_bad_file_is_refused_whole_with_lines_and_columns(
    police: TestClient, sindal_csv: bytes
) -> None:
    """Good rows plus two bad ones: 422 problem+json listing each bad line and column,
    and not one record stored."""
    lines = sindal_csv.decode().splitlines()
    bad = [*lines[:4], "X-1,2026-02-30,,,57.47,10.18,", "X-2,2026-11-01,,,57.47,east,"]
    answer = _import(police, "\n".join(bad).encode())
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("application/problem+json")
    errors = answer.json()["errors"]
    assert [(e["line"], e["column"]) for e in errors] == [(5, "date"), (6, "lon")]
    assert errors[0]["field"] == "line 5, column date"
    assert police.get("/v1/incidents", params={"area": "sindal"}).json()["records"] == 0


def test_geojson_and_json_with_epsg_by_content_type(police: TestClient) -> None:
    """GeoJSON by application/geo+json; JSON x/y with ?epsg=25832; an unknown type is
    415; an unknown area is 422 naming the area."""
    geojson = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [10.184, 57.4719]},
                "properties": {"id": "G-1", "date": "2026-11-02"},
            }
        ],
    }
    answer = police.post(
        "/v1/incidents",
        params={"area": "sindal"},
        content=json.dumps(geojson),
        headers={"content-type": "application/geo+json"},
    )
    assert answer.json()["created"] == 1
    records = [{"id": "U-1", "date": "2026-11-02", "x": 571957.9, "y": 6370530.4}]
    answer = police.post("/v1/incidents", params={"area": "sindal", "epsg": 25832}, json=records)
    assert answer.status_code == 200, answer.text
    text = police.post(
        "/v1/incidents",
        params={"area": "sindal"},
        content=b"x",
        headers={"content-type": "text/plain"},
    )
    assert text.status_code == 415
    unknown = police.post("/v1/incidents", params={"area": "atlantis"}, json=records)
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "area"


def test_only_police_and_dispatchers_import(scheduler: TestClient, sindal_csv: bytes) -> None:
    """A scheduler key may read hotspots but not import records (403)."""
    assert _import(scheduler, sindal_csv).status_code == 403


def test_hotspots_from_stored_records(
    police: TestClient, scheduler: TestClient, sindal_csv: bytes
) -> None:
    """GET /v1/hotspots answers ranked hotspots on the streets with reasons and windows in
    HH:MM; an area without records is a 404 saying how to import them."""
    empty = scheduler.get("/v1/hotspots", params={"area": "sindal", "as_of": "2026-11-23"})
    assert empty.status_code == 404
    assert "POST /v1/incidents" in empty.json()["detail"]
    _import(police, sindal_csv)
    answer = scheduler.get(
        "/v1/hotspots", params={"area": "sindal", "as_of": "2026-11-23", "count": 5}
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["as_of"] == "2026-11-23T00:00:00+01:00"
    hotspots = body["hotspots"]
    assert next(h["id"] for h in hotspots) == "hs-01-odinsvej"
    assert [h["weight"] for h in hotspots] == sorted((h["weight"] for h in hotspots), reverse=True)
    assert all(h["street"] and h["why"].startswith(h["street"]) for h in hotspots)
    assert {k: hotspots[0]["windows"][0][k] for k in ("start", "end")} == {
        "start": "19:00",
        "end": "22:00",
    }
    assert 0.5 <= hotspots[0]["windows"][0]["share"] <= 1.0


def test_a_plan_from_hotspots_from_replays_feasibly(
    client: TestClient,
    police: TestClient,
    app: FastAPI,
    sindal_csv: bytes,
    small_request: dict[str, Any],
    networks: AreaNetworks,
) -> None:
    """A dispatcher's plan request with hotspots_from instead of hotspots: the plan covers
    forecast hotspots (ids hs-NN-street), keeps its visits, and replays against the street
    matrix with the hotspots the stored request holds."""
    _import(police, sindal_csv)
    request = copy.deepcopy(small_request)
    del request["hotspots"]
    request["hotspots_from"] = {"as_of": "2026-11-23", "count": 8, "dwell_min": 12}
    answer = client.post("/v1/plans", json=request)
    assert answer.status_code == 201, answer.text
    plan = answer.json()
    visited = [s["id"] for r in plan["routes"] for s in r["stops"] if s["kind"] == "hotspot"]
    assert visited
    assert all(v.startswith("hs-") for v in visited)
    with app.state.db.sessions() as session:
        stored = session.get(PlanRecord, plan["id"])
        assert stored is not None
        planned = stored.request
    assert planned["hotspots_from"] is None
    assert len(planned["hotspots"]) == 8
    assert planned["hotspots"][0]["weight"] == 100
    assert planned["hotspots"][0]["dwell_min"] == 12
    replay_plan(planned, plan, networks)


def test_hotspots_from_errors_name_the_field(
    client: TestClient, small_request: dict[str, Any]
) -> None:
    """Both hotspots and hotspots_from, or hotspots_from on a matrix, is a 422 on
    hotspots_from; an area without records is a 422 that says how to import them."""
    both = {**small_request, "hotspots_from": {"count": 3}}
    answer = client.post("/v1/plans", json=both)
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "hotspots_from"
    assert "not both" in answer.json()["errors"][0]["message"]
    matrix = {
        **small_request,
        "area": {"travel_time_s": [[0]]},
        "hotspots": [],
        "hotspots_from": {"count": 3},
    }
    assert "named area" in client.post("/v1/plans", json=matrix).json()["errors"][0]["message"]
    none = {**small_request, "hotspots": [], "hotspots_from": {"count": 3}}
    answer = client.post("/v1/plans", json=none)
    assert answer.status_code == 422
    problem = answer.json()["errors"][0]
    assert problem["field"] == "hotspots_from"
    assert "no burglary records" in problem["message"]


def test_report_json_and_map_png(
    police: TestClient, scheduler: TestClient, sindal_csv: bytes
) -> None:
    """The report answers per local area (grid cells without imported ones) and points at
    its PNG, which is a 1200 x 960 image; imported local areas then replace the grid."""
    _import(police, sindal_csv)
    answer = scheduler.get("/v1/reports/sindal", params={"as_of": "2026-11-23"})
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report["local_areas_from"] == "grid of 1 km cells"
    assert report["total"]["last_4_weeks"] == sum(a["last_4_weeks"] for a in report["local_areas"])
    assert report["map_png"] == "/v1/reports/sindal/map.png?as_of=2026-11-23"
    early = scheduler.get("/v1/reports/sindal", params={"as_of": "2025-01-01"})
    assert early.status_code == 404
    assert early.json()["detail"].endswith("before 2025-01-01; the first is 2025-06-03")
    png = scheduler.get(report["map_png"])
    assert png.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(png.content)).size == (1200, 960)
    town = {
        "type": "Feature",
        "properties": {"navn": "Sindal by"},
        "geometry": {
            "type": "Polygon",
            "coordinates": [
                [[10.15, 57.46], [10.22, 57.46], [10.22, 57.49], [10.15, 57.49], [10.15, 57.46]]
            ],
        },
    }
    imported = police.post(
        "/v1/areas/sindal/local-areas", json={"type": "FeatureCollection", "features": [town]}
    )
    assert imported.json() == {"area": "sindal", "names": ["Sindal by"]}
    again = scheduler.get("/v1/reports/sindal", params={"as_of": "2026-11-23"}).json()
    assert again["local_areas_from"] == "imported"
    assert again["local_areas"][0]["name"] == "Sindal by"
    bad = police.post(
        "/v1/areas/sindal/local-areas",
        json={"type": "FeatureCollection", "features": [{**town, "properties": {}}]},
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["row"] == "features[0]"


def test_a_forecast_hotspot_off_the_streets_is_named_on_hotspots_from(
    client: TestClient,
    police: TestClient,
    small_request: dict[str, Any],
    networks: AreaNetworks,
) -> None:
    """Burglaries recorded in a field far from every street the shifts can use: a plan from
    hotspots_from is a 422 on hotspots_from naming the forecast hotspot and its distance
    (the field the caller sent), not on a hotspots[i] the caller never wrote."""
    modes = sorted({shift.get("mode", "drive") for shift in small_request["shifts"]})
    grid_lons, grid_lats = np.meshgrid(np.linspace(10.12, 10.26, 50), np.linspace(57.44, 57.50, 50))
    lats, lons = grid_lats.ravel(), grid_lons.ravel()
    nearest = np.min(
        [snap_to_streets(networks.get("sindal", m), lats, lons).snap_m for m in modes], axis=0
    )
    k = int(np.argmax(nearest > 600.0))
    assert nearest[k] > 600.0, "Sindal has no field 600 m from its streets any more"
    rows = ["id,date,lat,lon"] + [
        f"F-{n},2026-11-{n + 1:02d},{lats[k] + 0.0003 * (n % 3):.6f},"
        f"{lons[k] + 0.0005 * (n // 3):.6f}"
        for n in range(6)
    ]
    assert _import(police, "\n".join(rows).encode()).status_code == 200
    request = copy.deepcopy(small_request)
    del request["hotspots"]
    request["hotspots_from"] = {"as_of": "2026-11-23", "count": 1}
    answer = client.post("/v1/plans", json=request)
    assert answer.status_code == 422, answer.text
    [problem] = answer.json()["errors"]
    assert problem["field"] == "hotspots_from"
    assert problem["id"] == "hs-01"
    assert problem["message"].startswith("forecast hotspot hs-01 lies ")
    assert "m from the nearest street its staff can use (at most 300 m)" in problem["message"]
