"""The dispatcher's map in headless Chromium against a real server: what it draws matches
the plan, a click highlights a route, plans are made from CSV files and again with another
seed, a 202 job is followed, and the page fits a phone."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import icalendar
import pytest

from service.plans.store import PlanRecord

from .conftest import EXAMPLES, map_stands_still, open_map, watch

if TYPE_CHECKING:
    from playwright.sync_api import Browser, FilePayload, Page, Route

    from .conftest import LiveServer, Watched

pytestmark = pytest.mark.browser


def _stops(plan: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for r in plan["routes"] for s in r["stops"] if s["kind"] in {"hotspot", "visit"}]


def _drawn(page: Page) -> dict[str, int]:
    return {
        "routes": page.locator("path.eyes-route").count(),
        "stops": page.locator(".eyes-stop").count(),
        "hotspots": page.locator("path.eyes-hotspot").count(),
        "left_out": page.locator("path.eyes-left-out").count(),
        "alerts": page.locator("path.eyes-alert").count(),
        "staff": page.locator("#staff-list > li").count(),
    }


def _expected(plan: dict[str, Any], geojson: dict[str, Any], alerts: int) -> dict[str, int]:
    routes = [f for f in geojson["features"] if f["properties"]["feature"] == "route"]
    hotspots = {s["id"] for s in _stops(plan) if s["kind"] == "hotspot"}
    return {
        "routes": len(routes),
        "stops": len(_stops(plan)),
        "hotspots": len(hotspots),
        "left_out": len(plan["left_out"]),
        "alerts": alerts,
        "staff": len(plan["routes"]),
    }


def test_the_map_draws_the_stored_plan_on_the_streets(
    watched: Watched, live_server: LiveServer, browser: Browser
) -> None:
    """After the key is given once, the newest plan is drawn: a line per route, a numbered
    marker per stop, a circle per hotspot and per hotspot left out, the police alert, the
    streets from the street graph and the OSM attribution; the key survives a reload."""
    page = open_map(watched, live_server)
    plan = live_server.plan
    assert page.get_attribute("#map", "data-plan") == plan["id"]
    assert _drawn(page) == _expected(plan, live_server.geojson, alerts=1)
    streets = live_server.api("/v1/areas/sindal/streets.geojson")
    segments = sum(f["properties"]["segments"] for f in streets["features"])
    assert page.get_attribute("#map", "data-street-segments") == str(segments)
    assert "OpenStreetMap contributors" in page.inner_text(".leaflet-control-attribution")
    assert page.locator("#left-out-list > li").count() == len(plan["left_out"])
    assert page.is_hidden("#forecast-choice")  # this server has no forecast endpoint
    # The demo's guard-2 works until 23:00: its route is cut to 22:00, and the map says so.
    assert page.is_visible("#warnings") == bool(plan["warnings"])
    for warning in plan["warnings"]:
        assert warning["message"] in page.inner_text("#warnings")
    assert page.evaluate("sessionStorage.getItem('eyes.apiKey')") == live_server.keys["dispatcher"]
    watched.screenshot("map-desktop.png")
    page.reload()
    page.locator("body[data-ready]").wait_for(state="attached")
    assert not page.locator("#key-dialog").evaluate("d => d.open")
    assert (
        page.locator("path.eyes-route").count() == _expected(plan, live_server.geojson, 1)["routes"]
    )


def test_clicking_a_staff_member_highlights_the_route_and_a_stop_says_why(
    watched: Watched, live_server: LiveServer
) -> None:
    """A click on a staff member marks their route and stops active and dims the others; a
    second click clears it. A click on a stop shows its Copenhagen times and why it is
    there."""
    page = open_map(watched, live_server, f"/map/{live_server.plan['id']}")
    route = max(live_server.plan["routes"], key=lambda r: len(r["stops"]))
    staff = route["staff_id"]
    page.click(f".staff-button[data-staff='{staff}']")
    map_stands_still(page)  # the map zooms to the route
    assert page.get_attribute(f".staff-button[data-staff='{staff}']", "aria-pressed") == "true"
    assert page.get_attribute("#map", "data-selected") == staff
    active = page.locator("path.eyes-route.is-active")
    assert active.count() == 1
    assert active.get_attribute("data-staff") == staff
    others = sum(
        1 for r in live_server.plan["routes"] if r["staff_id"] != staff and len(r["stops"]) > 2
    )
    assert page.locator("path.eyes-route.is-dim").count() == others
    hotspot_stops = [s for s in route["stops"] if s["kind"] in {"hotspot", "visit"}]
    assert page.locator(f".eyes-stop.is-active[data-staff='{staff}']").count() == len(hotspot_stops)
    assert page.locator(f".eyes-stop.is-dim[data-staff='{staff}']").count() == 0
    # The selected stops lie above every dimmed one, so a shared hotspot answers for them.
    lowest_active = page.eval_on_selector_all(
        ".eyes-stop.is-active", "els => Math.min(...els.map(e => +e.style.zIndex))"
    )
    highest_dim = page.eval_on_selector_all(
        ".eyes-stop.is-dim", "els => Math.max(-1e9, ...els.map(e => +e.style.zIndex))"
    )
    assert lowest_active > highest_dim
    first = hotspot_stops[0]
    page.locator(f".eyes-stop[data-staff='{staff}']").first.click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    text = popup.inner_text()
    start = re.search(r"T(\d\d:\d\d)", first["start"])
    assert start is not None
    assert start.group(1) in text  # the plan's times are already Copenhagen time
    assert first["id"] in text
    assert ("Hotspot: covers weight" in text) or ("Client visit: mandatory" in text)
    page.click(f".staff-button[data-staff='{staff}']")
    assert page.locator("path.eyes-route.is-active, path.eyes-route.is-dim").count() == 0
    with page.expect_download() as download:
        page.click(f".staff[data-staff='{staff}'] .link")
    assert download.value.suggested_filename == f"{staff}.ics"
    calendar = icalendar.Calendar.from_ical(Path(download.value.path()).read_text())
    assert len(calendar.walk("VEVENT")) == len(route["stops"])


def _csv(name: str, text: str) -> FilePayload:
    return {"name": f"{name}.csv", "mimeType": "text/csv", "buffer": text.encode()}


def _upload(page: Page, shifts: str, hotspots: str, visits: str) -> None:
    page.set_input_files("input[name=shifts]", files=_csv("shifts", shifts))
    page.set_input_files("input[name=hotspots]", files=_csv("hotspots", hotspots))
    page.set_input_files("input[name=visits]", files=_csv("visits", visits))


def _new_plan(page: Page, old_id: str) -> str:
    page.wait_for_function("old => document.querySelector('#map').dataset.plan !== old", arg=old_id)
    plan_id = page.get_attribute("#map", "data-plan")
    assert plan_id is not None
    assert page.url.endswith(f"/map/{plan_id}")
    return plan_id


def test_planning_from_csv_files_on_the_page(watched: Watched, live_server: LiveServer) -> None:
    """Uploading the shifts, hotspots and visits files and pressing Plan stores a new plan
    and draws it; a bad file lists the line and column at fault instead."""
    page = open_map(watched, live_server)
    shifts = (EXAMPLES / "sindal_shifts.csv").read_text()
    hotspots = (EXAMPLES / "sindal_hotspots.csv").read_text()
    visits = (EXAMPLES / "sindal_visits.csv").read_text()
    _upload(page, shifts.replace("57.47083", "north", 1), hotspots, visits)
    page.fill("input[name=time_limit_s]", "1")
    page.click("#plan-button")
    error = page.locator("#plan-errors li").first
    error.wait_for()
    assert error.inner_text() == "shifts CSV line 2, column lat: not a number: 'north'"
    _upload(page, shifts, hotspots, visits)
    page.fill("input[name=seed]", "2")
    page.click("#plan-button")
    plan_id = _new_plan(page, live_server.plan["id"])
    plan = live_server.api(f"/v1/plans/{plan_id}")
    geojson = live_server.api(f"/v1/plans/{plan_id}/routes.geojson")
    assert plan["summary"]["visits_kept"] == 4
    assert _drawn(page) == _expected(plan, geojson, alerts=1)
    assert page.locator("#plan-errors li").count() == 0
    assert page.locator("#plan-select option").count() >= 2


def test_replanning_with_another_seed(watched: Watched, live_server: LiveServer) -> None:
    """Re-plan stores a new plan from the shown plan's request with the seed and time limit
    from the page, and shows it."""
    page = open_map(watched, live_server, f"/map/{live_server.plan['id']}")
    page.fill("input[name=seed]", "11")
    page.fill("input[name=time_limit_s]", "1")
    page.click("#replan-button")
    plan_id = _new_plan(page, live_server.plan["id"])
    with live_server.app.state.plan_store.sessions() as session:
        record = session.get(PlanRecord, plan_id)
    assert record is not None
    assert {k: record.request["options"][k] for k in ("time_limit_s", "seed")} == {
        "time_limit_s": 1.0,
        "seed": 11,
    }
    assert record.plan["date"] == live_server.plan["date"]


def test_a_plan_answered_with_202_is_followed_to_the_end(
    watched: Watched, live_server: LiveServer
) -> None:
    """Where POST /v1/plans answers 202 with a job, the page polls the job, shows its
    progress, and shows the plan the job names when it is done."""
    page = open_map(watched, live_server)
    finished = {"now": False}
    done_plan = live_server.plan["id"]

    def plans(route: Route) -> None:
        if route.request.method != "POST":
            route.continue_()
            return
        route.fulfill(status=202, headers={"Location": "/v1/jobs/job-1"}, json={"id": "job-1"})

    def job(route: Route) -> None:
        if finished["now"]:
            route.fulfill(json={"id": "job-1", "status": "done", "plan_id": done_plan})
        else:
            route.fulfill(json={"id": "job-1", "status": "running", "progress": 0.4})

    page.route("**/v1/plans", plans)
    page.route("**/v1/jobs/job-1", job)
    page.goto(live_server.url + "/map/" + live_server.plan["id"])
    page.locator("body[data-ready]").wait_for(state="attached")
    examples = {
        name: (EXAMPLES / f"sindal_{name}.csv").read_text()
        for name in ("shifts", "hotspots", "visits")
    }
    _upload(page, examples["shifts"], examples["hotspots"], examples["visits"])
    page.click("#plan-button")
    page.locator("#plan-message", has_text="40 %").wait_for()
    assert page.locator("#plan-progress").evaluate("p => p.value") == pytest.approx(0.4)
    finished["now"] = True
    page.locator("#plan-message", has_text="Planned:").wait_for()
    assert page.url.endswith(f"/map/{done_plan}")


def test_the_forecast_layer_and_plan_warnings_show_when_the_server_has_them(
    watched: Watched, live_server: LiveServer
) -> None:
    """With a forecast endpoint the forecast is a layer and a hotspot source; a plan with
    warnings shows each on top of the map."""
    forecast = {
        "hotspots": [
            {
                "id": "f-1",
                "lat": 57.4711,
                "lon": 10.2062,
                "weight": 3.5,
                "windows": [],
                "why": "5 burglaries",
            },
            {
                "id": "f-2",
                "lat": 57.475,
                "lon": 10.19,
                "weight": 1.5,
                "windows": [{"start": "18:00", "end": "20:00"}],
                "why": "long-term pattern",
            },
        ]
    }
    warnings = [{"field": "shifts[1].end_time", "code": "shift_cut", "message": "cut to 22:00"}]

    def hotspots(route: Route) -> None:
        route.fulfill(json=forecast)

    def plan(route: Route) -> None:
        answer = route.fetch()
        body = answer.json()
        route.fulfill(response=answer, body=json.dumps({**body, "warnings": warnings}))

    page = watched.page
    page.route("**/v1/hotspots?*", hotspots)
    page.route(f"**/v1/plans/{live_server.plan['id']}", plan)
    open_map(watched, live_server, f"/map/{live_server.plan['id']}")
    assert page.get_attribute("#map", "data-forecast") == "2"
    assert page.is_visible("#forecast-choice")
    assert page.inner_text("#warnings") == "shifts[1].end_time: cut to 22:00"
    assert "Forecast (records)" in (page.text_content(".leaflet-control-layers-list") or "")


def test_the_map_fits_a_phone(browser: Browser, live_server: LiveServer) -> None:
    """On a 390 x 844 screen the map sits above the panel, nothing scrolls sideways, and the
    Panel button hides the panel."""
    phone = watch(
        browser, live_server, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    try:
        page = open_map(phone, live_server)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        map_box = page.locator("#map").bounding_box()
        panel_box = page.locator("#panel").bounding_box()
        assert map_box is not None
        assert panel_box is not None
        assert map_box["width"] == pytest.approx(390, abs=1)
        assert panel_box["y"] >= map_box["y"] + map_box["height"] - 1
        phone.screenshot("map-phone.png")
        page.click("#panel-toggle")
        assert page.is_hidden("#panel")
        assert phone.external == []
        assert phone.errors == []
    finally:
        phone.page.context.close()
