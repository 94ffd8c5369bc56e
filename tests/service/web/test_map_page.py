"""The map's server side: the page and its security headers, the area's streets as GeoJSON
from the street graph, the plan list, and the vendored Leaflet matching its npm lock."""

from __future__ import annotations

import hashlib
import json
import re
from typing import TYPE_CHECKING, Any

import shapely
from fastapi.testclient import TestClient
from shapely.geometry import LineString, Point

from service.api.app import create_app
from service.plans.store import PlanStore
from service.plans.streets import street_class, streets_to_geojson
from service.web import PAGE, STATIC_DIR, WEB_DIR

if TYPE_CHECKING:
    from fastapi import FastAPI

    from service.config import Settings
    from service.plans.networks import AreaNetworks


def test_the_page_is_served_with_a_strict_content_policy(client: TestClient) -> None:
    """/map and /map/{id} serve the same page without a key; its policy lets scripts,
    styles and data come from this server only, and every asset it names is served."""
    page = client.get("/map", headers={"X-API-Key": ""})
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self';" in policy
    assert "connect-src 'self';" in policy
    assert "img-src 'self' data:;" in policy
    assert client.get("/map/abc123").text == page.text
    assets = re.findall(r'(?:src|href)="(/map/static/[^"]+)"', page.text)
    assert len(assets) == 4
    for asset in assets:
        assert client.get(asset).status_code == 200, asset
    assert '<meta name="eyes-tile-url" content="">' in page.text


def test_a_tile_server_is_allowed_by_the_policy(settings: Settings, networks: AreaNetworks) -> None:
    """With EYES_MAP_TILE_URL the page names the tiles (escaped) and the policy allows
    images from their host, subdomains included."""
    settings = settings.model_copy(
        update={"map_tile_url": "https://{s}.tiles.example.dk/{z}/{x}/{y}.png?a=1&b=2"}
    )
    app = create_app(settings, networks=networks, store=PlanStore.from_url(settings.database_url))
    with TestClient(app) as client:
        page = client.get("/map")
    assert (
        "img-src 'self' data: https://*.tiles.example.dk;"
        in page.headers["content-security-policy"]
    )
    assert 'content="https://{s}.tiles.example.dk/{z}/{x}/{y}.png?a=1&amp;b=2"' in page.text


def test_static_code_fetches_nothing_from_elsewhere() -> None:
    """Our HTML, JS and CSS name no other host (links to the OSM copyright page aside):
    nothing comes from a CDN at run time."""
    texts = [PAGE.read_text()] + [
        path.read_text()
        for path in STATIC_DIR.rglob("*")
        if path.suffix in {".js", ".css"} and "vendor" not in path.parts
    ]
    for text in texts:
        hosts = set(re.findall(r"https?://([^/\"'\s)]+)", text))
        assert hosts <= {"www.openstreetmap.org", "leafletjs.com"}, hosts


def test_vendored_leaflet_is_the_locked_npm_package_with_its_licence() -> None:
    """static/vendor holds the Leaflet version package.json pins and package-lock.json
    locks, every file as `npm run vendor` recorded it, the BSD licence beside it."""
    pinned = json.loads((WEB_DIR / "package.json").read_text())["dependencies"]["leaflet"]
    locked = json.loads((WEB_DIR / "package-lock.json").read_text())
    version = locked["packages"]["node_modules/leaflet"]["version"]
    manifest = json.loads((STATIC_DIR / "vendor" / "manifest.json").read_text())["leaflet"]
    assert pinned == version == manifest["version"]
    folder = STATIC_DIR / "vendor" / "leaflet"
    for name, digest in manifest["files"].items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest, name
    assert f'version="{version}"' in (folder / "leaflet.js").read_text()
    assert "BSD 2-Clause License" in (folder / "LICENSE").read_text()


def _edges(networks: AreaNetworks) -> list[LineString]:
    graph = networks.get("sindal", "drive").graph
    edges = []
    for u, v, data in graph.edges(data=True):
        a, b = graph.nodes[u], graph.nodes[v]
        edges.append(data.get("geometry") or LineString([(a["x"], a["y"]), (b["x"], b["y"])]))
    return edges


def test_streets_come_from_the_street_graph(client: TestClient, networks: AreaNetworks) -> None:
    """The streets GeoJSON has every street of the drive graph once (two-way streets not
    twice), each vertex within 2 m of a graph edge, with a bbox and the OSM attribution."""
    answer = client.get("/v1/areas/sindal/streets.geojson")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/geo+json"
    collection = answer.json()
    assert collection["properties"]["attribution"].startswith("© OpenStreetMap contributors")
    assert {f["properties"]["class"] for f in collection["features"]} <= {"major", "minor", "other"}
    edges = _edges(networks)
    tree = shapely.STRtree(edges)
    lines = [line for f in collection["features"] for line in f["geometry"]["coordinates"]]
    undirected = {
        (min(u, v), max(u, v), round(d["length"]))
        for u, v, d in networks.get("sindal", "drive").graph.edges(data=True)
    }
    assert len(lines) == len(undirected)
    for line in lines[::7]:
        for lon, lat in line:
            nearest = edges[tree.nearest(Point(lon, lat))]
            assert nearest.distance(Point(lon, lat)) < 2.5e-5  # ~2 m
    west, south, east, north = collection["bbox"]
    assert west < 10.2 < east
    assert south < 57.47 < north


def test_streets_are_cached_and_named_areas_only(client: TestClient) -> None:
    """The same streets come with an ETag a browser can revalidate (304); an unknown area
    is a 404; the endpoint needs a key."""
    first = client.get("/v1/areas/sindal/streets.geojson")
    etag = first.headers["etag"]
    again = client.get("/v1/areas/sindal/streets.geojson", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert client.get("/v1/areas/atlantis/streets.geojson").status_code == 404
    assert (
        client.get("/v1/areas/sindal/streets.geojson", headers={"X-API-Key": ""}).status_code == 401
    )


def test_street_classes() -> None:
    """OSM highway tags fall into major, minor and other; a list counts by its first tag."""
    assert street_class("primary_link") == "major"
    assert street_class(["residential", "tertiary"]) == "minor"
    assert street_class("service") == "other"
    assert street_class(None) == "other"


def test_streets_of_a_bike_network(networks: AreaNetworks) -> None:
    """Any travel mode's network gives streets; the collection names the mode."""
    collection = streets_to_geojson(networks.get("sindal", "bike"), area="sindal")
    assert collection["properties"]["mode"] == "bike"
    assert collection["features"]


def test_recent_plans_list_newest_first(
    client: TestClient, small_request: dict[str, Any], app: FastAPI
) -> None:
    """The map's plan list gives the newest plans first, for plan readers only."""
    ids = [client.post("/v1/plans", json=small_request).json()["id"] for _ in range(2)]
    listed = client.get("/v1/map/plans?limit=5").json()
    assert [item["id"] for item in listed] == ids[::-1]
    assert listed[0]["staff"] == 2
    from service.auth.keys import create_key

    _, police = create_key(app.state.alert_store, "police")
    assert client.get("/v1/map/plans", headers={"X-API-Key": police}).status_code == 403
