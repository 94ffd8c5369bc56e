"""What a new user tripped over on the map (issue 22), in headless Chromium against a real
server: the plan form chooses the area and date, files of another area are one message, a
walking route is drawn over its own paths, and client visits have their own marker."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from .conftest import EXAMPLES, open_map

if TYPE_CHECKING:
    from playwright.sync_api import FilePayload, Page, Route

    from .conftest import LiveServer, Watched

pytestmark = pytest.mark.browser

VADUZ_SHIFTS = (
    "id,phone,lat,lon,start_time,end_time\n"
    "guard-1,+4520000001,47.1410,9.5215,17:00,22:00\n"
    "guard-2,+4520000002,47.1420,9.5230,18:00,22:00\n"
)
VADUZ_HOTSPOTS = "id,lat,lon,weight\n" + "".join(
    f"hs-{i},47.14{i:02d},9.52{i:02d},{i + 1}\n" for i in range(25)
)


def _csv(name: str, text: str) -> FilePayload:
    return {"name": f"{name}.csv", "mimeType": "text/csv", "buffer": text.encode()}


def _upload(page: Page, shifts: str, hotspots: str) -> None:
    page.set_input_files("input[name=shifts]", files=_csv("shifts", shifts))
    page.set_input_files("input[name=hotspots]", files=_csv("hotspots", hotspots))


def test_the_form_chooses_the_area_and_date(watched: Watched, live_server: LiveServer) -> None:
    """The form lists the server's areas (``/v1/areas``) with the shown plan's selected.
    Vaduz's files on Sindal give one message naming ``liechtenstein`` instead of an error
    per row; choosing that area and a date sends both with the files, and the request
    planned is on that area and day."""
    page = open_map(watched, live_server)
    areas = live_server.api("/v1/areas")
    options = page.eval_on_selector_all("#area-select option", "os => os.map(o => o.value)")
    assert options == areas["areas"]
    assert page.input_value("#area-select") == live_server.plan["area"]
    _upload(page, VADUZ_SHIFTS, VADUZ_HOTSPOTS)
    page.click("#plan-button")
    page.locator("#plan-errors li").first.wait_for()
    errors = page.locator("#plan-errors li").all_inner_texts()
    assert len(errors) == 1, errors
    assert "every location lies far outside area 'sindal'" in errors[0]
    assert "they lie in area 'liechtenstein'" in errors[0]

    planned: list[dict[str, Any]] = []

    def plans(route: Route) -> None:  # keep the request; planning Vaduz is not the point
        planned.append(json.loads(route.request.post_data or "{}"))
        route.fulfill(status=503, json={"title": "not planned in this test", "status": 503})

    page.route("**/v1/plans", plans)
    page.select_option("#area-select", "liechtenstein")
    page.fill("input[name=date]", "2026-12-01")
    page.click("#plan-button")
    page.locator("#plan-message", has_text="Not planned").wait_for()
    assert page.locator("#plan-errors li").all_inner_texts() != errors
    [request] = planned
    assert request["area"] == "liechtenstein"
    assert request["date"] == "2026-12-01"
    assert len(request["hotspots"]) == 25


def _walking_plan(server: LiveServer) -> dict[str, Any]:
    """A walking guard's evening in Sindal, planned and stored through the API."""
    sample = json.loads((EXAMPLES / "sindal_request.json").read_text())
    [guard] = [s for s in sample["shifts"] if s["id"] == "guard-1"]
    body = {
        "area": "sindal",
        "date": server.plan["date"],
        "shifts": [{**guard, "id": "walker-1", "mode": "walk", "end_location": None}],
        "hotspots": sample["hotspots"][:12],
        "options": {"time_limit_s": 1, "seed": 1},
    }
    answer = httpx.post(
        server.url + "/v1/plans",
        json=body,
        headers={"X-API-Key": server.keys["dispatcher"]},
        timeout=120,
    )
    assert answer.status_code == 201, answer.text
    plan: dict[str, Any] = answer.json()
    return plan


def test_a_walking_route_is_drawn_over_its_paths(watched: Watched, live_server: LiveServer) -> None:
    """A plan whose route walks draws the area's walk network (its footpaths, under the
    streets) besides the drive network; a screenshot shows the route on its paths."""
    plan = _walking_plan(live_server)
    page = open_map(watched, live_server, f"/map/{plan['id']}")
    page.wait_for_function(
        "id => document.querySelector('#map').dataset.plan === id", arg=plan["id"]
    )
    assert page.get_attribute("#map", "data-street-modes") == "drive walk"
    for mode in ("drive", "walk"):
        streets = live_server.api(f"/v1/areas/sindal/streets.geojson?mode={mode}")
        segments = sum(f["properties"]["segments"] for f in streets["features"])
        assert page.get_attribute("#map", f"data-street-segments-{mode}") == str(segments)
    page.click(".staff-button[data-staff='walker-1']")  # zoom to the route
    watched.screenshot("map-walking-route.png")


def test_client_visits_have_their_own_marker_and_legend_entry(
    watched: Watched, live_server: LiveServer
) -> None:
    """Each client visit of the sample plan is a house-shaped numbered marker, unlike the
    start / end square, and the legend has an entry for visits."""
    page = open_map(watched, live_server, f"/map/{live_server.plan['id']}")
    visits = [s for r in live_server.plan["routes"] for s in r["stops"] if s["kind"] == "visit"]
    assert visits
    assert page.locator(".eyes-stop--visit .eyes-visit-house").count() == len(visits)
    legend = page.locator(".legend").inner_text()
    assert "client visit" in legend
    assert "start / end" in legend
    shape = page.locator(".eyes-visit-house").first.evaluate("e => getComputedStyle(e).clipPath")
    assert shape.startswith("polygon")
    page.locator(".eyes-stop--visit").first.scroll_into_view_if_needed()
    watched.screenshot("map-visits.png")
