"""The plans API end to end on the real Sindal street network."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

import pytest
import shapely
from shapely.geometry import LineString, Point

from service.plans.examples import MATRIX_PLAN

from ..conftest import PLAN_DAY
from ..replay import replay_plan

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from service.plans.networks import AreaNetworks


def test_demo_plan_is_feasible_and_stored(
    client: TestClient, demo_request: dict[str, Any], networks: AreaNetworks
) -> None:
    """The sample evening plans (201), keeps all visits, respects 22:00, and reads back."""
    answer = client.post("/v1/plans", json=demo_request)
    assert answer.status_code == 201, answer.text
    plan = answer.json()
    assert answer.headers["location"] == f"/v1/plans/{plan['id']}"
    replay_plan(demo_request, plan, networks)
    assert plan["summary"]["visits_kept"] == 4
    assert plan["summary"]["hotspots_visited"] >= 50
    left = {item["hotspot_id"]: item["reason"] for item in plan["left_out"]}
    assert left["hs-farm"] == "unreachable_in_window"
    again = client.get(f"/v1/plans/{plan['id']}")
    assert again.status_code == 200
    assert again.json() == plan


def test_geojson_routes_follow_the_streets(
    client: TestClient, small_request: dict[str, Any], networks: AreaNetworks
) -> None:
    """Each route is an RFC 7946 LineString whose every vertex lies on a street edge."""
    plan = client.post("/v1/plans", json=small_request).json()
    answer = client.get(f"/v1/plans/{plan['id']}/routes.geojson")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/geo+json")
    collection = answer.json()
    assert collection["type"] == "FeatureCollection"
    lines = [f for f in collection["features"] if f["geometry"]["type"] == "LineString"]
    busy = [r for r in plan["routes"] if len(r["stops"]) > 2]
    assert len(lines) == len(busy) >= 1
    graph = networks.get("sindal", "drive").graph
    edges = []
    for u, v, data in graph.edges(data=True):
        geometry = data.get("geometry")
        if geometry is None:
            geometry = LineString(
                [
                    (graph.nodes[u]["x"], graph.nodes[u]["y"]),
                    (graph.nodes[v]["x"], graph.nodes[v]["y"]),
                ]
            )
        edges.append(geometry)
    tree = shapely.STRtree(edges)
    for line in lines:
        coords = line["geometry"]["coordinates"]
        assert len(coords) >= 2
        for lon, lat in coords:
            nearest = edges[tree.nearest(Point(lon, lat))]
            # 1e-5 degrees is about 1 m: the vertex is on an edge, not a straight shortcut.
            assert nearest.distance(Point(lon, lat)) < 1e-5
    stops = [f for f in collection["features"] if f["properties"]["feature"] == "stop"]
    assert {f["properties"]["kind"] for f in stops} >= {"start", "hotspot", "visit", "end"}


def test_latest_end_caps_routes_at_22(
    client: TestClient, small_request: dict[str, Any], networks: AreaNetworks
) -> None:
    """A shift until 23:30 still ends by 22:00; a hotspot only open after 22:00 is left out."""
    request = copy.deepcopy(small_request)
    request["shifts"][0]["end_time"] = "23:30"
    request["hotspots"][0]["windows"] = [{"start": "22:15", "end": "23:00"}]
    plan = client.post("/v1/plans", json=request).json()
    replay_plan(request, plan, networks)
    for route in plan["routes"]:
        assert route["end"] <= f"{PLAN_DAY}T22:00:00+01:00"
    left = {item["hotspot_id"]: item["reason"] for item in plan["left_out"]}
    assert left[request["hotspots"][0]["id"]] == "unreachable_in_window"


def test_another_latest_end_allows_later_routes(
    client: TestClient, small_request: dict[str, Any], networks: AreaNetworks
) -> None:
    """With latest_end 23:30 the late hotspot is visited after 22:00."""
    request = copy.deepcopy(small_request)
    request["latest_end"] = "23:30"
    request["shifts"][0]["end_time"] = "23:30"
    late = request["hotspots"][0]["id"]
    request["hotspots"][0]["windows"] = [{"start": "22:15", "end": "23:00"}]
    plan = client.post("/v1/plans", json=request).json()
    replay_plan(request, plan, networks)
    visited = {s["id"] for r in plan["routes"] for s in r["stops"] if s["kind"] == "hotspot"}
    assert late in visited


def test_plan_on_an_explicit_matrix(client: TestClient) -> None:
    """An integrator's own matrix plans without street data; its GeoJSON is a clear 404."""
    request = copy.deepcopy(MATRIX_PLAN)  # the OpenAPI example: it must plan as documented
    request["date"] = "2026-11-24"
    answer = client.post("/v1/plans", json=request)
    assert answer.status_code == 201, answer.text
    plan = answer.json()
    stops = plan["routes"][0]["stops"]
    assert [s["kind"] for s in stops] == ["start", "hotspot", "visit", "end"]
    # 17:00 + 300 s travel, 10 min dwell, 240 s on: arrives 17:19, waits for 18:00.
    assert stops[2]["arrival"] == "2026-11-24T17:19:00+01:00"
    assert stops[2]["start"] == "2026-11-24T18:00:00+01:00"
    assert stops[3]["arrival"] == "2026-11-24T18:27:00+01:00"
    assert plan["area"] == "matrix"
    geojson = client.get(f"/v1/plans/{plan['id']}/routes.geojson")
    assert geojson.status_code == 404
    assert "explicit matrix" in geojson.json()["detail"]


def test_unknown_plan_is_404_problem(client: TestClient) -> None:
    """Reading a plan that does not exist is a problem+json 404."""
    answer = client.get("/v1/plans/nope")
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["status"] == 404


def test_areas_and_health(client: TestClient) -> None:
    """The registered areas are listed with the default."""
    assert client.get("/healthz").json() == {"status": "ok"}
    areas = client.get("/v1/areas").json()
    assert areas["default"] == "sindal"
    assert {"sindal", "liechtenstein"} <= set(areas["areas"])


def test_openapi_has_a_worked_example(client: TestClient) -> None:
    """/openapi.json documents the plan endpoints with an example request."""
    spec = client.get("/openapi.json").json()
    assert {"/v1/plans", "/v1/plans/{plan_id}", "/v1/plans/{plan_id}/routes.geojson"} <= set(
        spec["paths"]
    )
    body = spec["paths"]["/v1/plans"]["post"]["requestBody"]["content"]["application/json"]
    assert "evening_patrol" in body["examples"]
    assert client.get("/docs").status_code == 200


@pytest.mark.parametrize("seed", [1, 2])
def test_seed_keeps_plan_feasible(
    client: TestClient, small_request: dict[str, Any], networks: AreaNetworks, seed: int
) -> None:
    """Varying the seed between nights still gives feasible plans."""
    request = copy.deepcopy(small_request)
    request["options"]["seed"] = seed
    plan = client.post("/v1/plans", json=request).json()
    replay_plan(request, plan, networks)


def _stops_on_lines(client: TestClient, plan: dict[str, Any]) -> int:
    """Check every stop of ``plan`` against its route line; returns how many were checked.

    Each stop's street point lies on its route line (within 1 m), and its requested
    location is no farther from the line than from its street plus 30 m."""
    import shapely
    from pyproj import Transformer

    geojson = client.get(f"/v1/plans/{plan['id']}/routes.geojson").json()
    lines = {
        f["properties"]["staff_id"]: f["geometry"]["coordinates"]
        for f in geojson["features"]
        if f["properties"]["feature"] == "route"
    }
    to_m = Transformer.from_crs("EPSG:4326", "EPSG:25832", always_xy=True)
    checked = 0
    for route in plan["routes"]:
        if route["staff_id"] not in lines:
            continue
        line = shapely.LineString([to_m.transform(*c) for c in lines[route["staff_id"]]])
        for stop in route["stops"]:
            street = shapely.Point(to_m.transform(stop["street"]["lon"], stop["street"]["lat"]))
            asked = shapely.Point(to_m.transform(stop["location"]["lon"], stop["location"]["lat"]))
            assert line.distance(street) < 1.0, (route["staff_id"], stop["id"])
            assert line.distance(asked) <= stop["snap_m"] + 30, (route["staff_id"], stop["id"])
            checked += 1
    return checked


def test_every_stop_lies_on_its_route_line(
    client: TestClient, demo_request: dict[str, Any]
) -> None:
    """The demo plan's route lines start and end at the stops' street points."""
    plan = client.post("/v1/plans", json=demo_request).json()
    assert _stops_on_lines(client, plan) > 40


@pytest.mark.slow
def test_every_stop_lies_on_its_route_line_in_liechtenstein(
    client: TestClient, networks: AreaNetworks
) -> None:
    """The same on the municipality-sized area: 40 hotspots at random street nodes of
    Liechtenstein (a fixed seed) and three guards, every stop on its route line."""
    import numpy as np

    network = networks.get("liechtenstein", "drive")
    rng = np.random.default_rng(11)
    nodes = [
        network.graph.nodes[int(network.node_ids[i])]
        for i in rng.choice(len(network.node_ids), 43, replace=False)
    ]
    points = [{"lat": n["y"], "lon": n["x"]} for n in nodes]
    request = {
        "area": "liechtenstein",
        "date": PLAN_DAY.isoformat(),
        "shifts": [
            {
                "id": f"guard-{k}",
                "phone": f"+45200000{k:02d}",
                "start_location": points[k],
                "start_time": "17:00",
                "end_time": "22:00",
            }
            for k in range(3)
        ],
        "hotspots": [
            {"id": f"hs-{k}", "location": p, "weight": 1 + k % 5} for k, p in enumerate(points[3:])
        ],
        "options": {"time_limit_s": 3},
    }
    answer = client.post("/v1/plans", json=request)
    assert answer.status_code == 201, answer.text
    assert _stops_on_lines(client, answer.json()) > 20
