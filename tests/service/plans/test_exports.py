"""Plans as files: GPX, CSV and iCalendar, each read back by its own format's parser."""

from __future__ import annotations

import copy
import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import gpxpy
import icalendar
import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.auth.keys import create_key
from service.config import Settings
from service.plans.examples import MATRIX_PLAN
from service.plans.exports import CSV_COLUMNS, plan_to_csv, route_to_ics
from service.plans.schemas import PlanResponse
from service.plans.store import PlanStore

from ..conftest import SEARCH_ITERATIONS

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from service.plans.networks import AreaNetworks

CPH = ZoneInfo("Europe/Copenhagen")


@dataclass
class Stored:
    """A running app with one stored plan of the sample evening, and a key per role."""

    client: TestClient
    request: dict[str, Any]
    plan: dict[str, Any]
    keys: dict[str, str]

    def get(self, path: str, role: str = "dispatcher") -> Any:
        """GET ``path`` with the key of ``role``."""
        return self.client.get(path, headers={"X-API-Key": self.keys[role]})


@pytest.fixture(scope="module")
def stored(
    tmp_path_factory: pytest.TempPathFactory,
    graph_cache: Path,
    networks: AreaNetworks,
    demo_request: dict[str, Any],
) -> Iterator[Stored]:
    """The sample evening (4 staff, 65 hotspots, 4 client visits) planned once and stored."""
    database = f"sqlite:///{tmp_path_factory.mktemp('exports') / 'eyes.db'}"
    settings = Settings(
        database_url=database,
        graph_cache_dir=graph_cache,
        preload_area=False,
        plan_wait_s=60,
        solver_max_iterations=SEARCH_ITERATIONS,
    )
    app = create_app(settings, networks=networks, store=PlanStore.from_url(database))
    keys = {role: create_key(app.state.alert_store, role)[1] for role in ("dispatcher", "police")}
    keys["scheduler"] = create_key(app.state.alert_store, "scheduler")[1]
    request = copy.deepcopy(demo_request)
    request["options"] = {"time_limit_s": 1, "seed": 1}
    with TestClient(app, raise_server_exceptions=False) as client:
        answer = client.post("/v1/plans", json=request, headers={"X-API-Key": keys["dispatcher"]})
        assert answer.status_code == 201, answer.text
        yield Stored(client, request, answer.json(), keys)


def _stops(plan: dict[str, Any]) -> list[tuple[str, int, dict[str, Any]]]:
    return [
        (route["staff_id"], order, stop)
        for route in plan["routes"]
        for order, stop in enumerate(route["stops"])
    ]


def _private_words(request: dict[str, Any]) -> list[str]:
    """What no export may contain: staff names and phone numbers (with and without +45)."""
    words = [shift["name"] for shift in request["shifts"] if shift.get("name")]
    for shift in request["shifts"]:
        words += [shift["phone"], shift["phone"].removeprefix("+45")]
    return words


def test_gpx_has_a_waypoint_per_stop_and_a_street_track_per_route(stored: Stored) -> None:
    """gpxpy reads the GPX: one waypoint per stop at its place and start time, one track per
    route with stops, drawn on the plan's own street line."""
    answer = stored.get(f"/v1/plans/{stored.plan['id']}/routes.gpx")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/gpx+xml")
    assert 'filename="plan-' in answer.headers["content-disposition"]
    gpx = gpxpy.parse(answer.text)
    stops = _stops(stored.plan)
    assert len(gpx.waypoints) == len(stops)
    for waypoint, (staff_id, order, stop) in zip(gpx.waypoints, stops, strict=True):
        assert waypoint.name == f"{staff_id} {order:02d} {stop['id'] or stop['kind']}"
        assert waypoint.type == stop["kind"]
        assert waypoint.latitude == pytest.approx(stop["location"]["lat"], abs=1e-6)
        assert waypoint.longitude == pytest.approx(stop["location"]["lon"], abs=1e-6)
        assert waypoint.time == datetime.fromisoformat(stop["start"])
    lines = {
        f["properties"]["staff_id"]: f["geometry"]["coordinates"]
        for f in stored.get(f"/v1/plans/{stored.plan['id']}/routes.geojson").json()["features"]
        if f["properties"]["feature"] == "route"
    }
    assert {track.name for track in gpx.tracks} == set(lines)
    for track in gpx.tracks:
        points = [c for p in track.segments[0].points for c in (p.longitude, p.latitude)]
        assert points == pytest.approx([c for pair in lines[track.name] for c in pair], abs=1e-6)


def test_gpx_for_one_staff_member(stored: Stored) -> None:
    """``?staff=`` keeps one staff member's waypoints and track; an unknown one is a 404."""
    route = next(r for r in stored.plan["routes"] if len(r["stops"]) > 2)
    path = f"/v1/plans/{stored.plan['id']}/routes.gpx"
    gpx = gpxpy.parse(stored.get(f"{path}?staff={route['staff_id']}").text)
    assert len(gpx.waypoints) == len(route["stops"])
    assert [t.name for t in gpx.tracks] == [route["staff_id"]]
    missing = stored.get(f"{path}?staff=nobody")
    assert missing.status_code == 404
    assert "nobody" in missing.json()["detail"]


def test_csv_has_one_row_per_stop_with_copenhagen_times(stored: Stored) -> None:
    """Every row is a stop of the plan in order; times carry the Copenhagen offset (+01:00
    in November) and are the plan's instants."""
    answer = stored.get(f"/v1/plans/{stored.plan['id']}/routes.csv")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    reader = csv.DictReader(io.StringIO(answer.text))
    assert tuple(reader.fieldnames or ()) == CSV_COLUMNS
    rows = list(reader)
    stops = _stops(stored.plan)
    assert len(rows) == len(stops)
    for row, (staff_id, order, stop) in zip(rows, stops, strict=True):
        assert (row["staff"], int(row["order"]), row["kind"]) == (staff_id, order, stop["kind"])
        assert row["id"] == (stop["id"] or "")
        for column in ("arrival", "start", "departure"):
            moment = datetime.fromisoformat(row[column])
            assert moment.utcoffset() == timedelta(hours=1)
            assert moment == datetime.fromisoformat(stop[column])
        assert float(row["lat"]) == pytest.approx(stop["location"]["lat"], abs=1e-6)
        assert float(row["lon"]) == pytest.approx(stop["location"]["lon"], abs=1e-6)


def test_ics_has_an_event_per_stop_in_copenhagen_time(stored: Stored) -> None:
    """icalendar reads each staff member's calendar: one event per stop, from its start to its
    departure, with Europe/Copenhagen times that are the plan's instants."""
    for route in stored.plan["routes"]:
        answer = stored.get(f"/v1/plans/{stored.plan['id']}/staff/{route['staff_id']}.ics")
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "text/calendar; charset=utf-8"
        calendar = icalendar.Calendar.from_ical(answer.text)
        assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Copenhagen"]
        events = calendar.walk("VEVENT")
        assert len(events) == len(route["stops"])
        for event, stop in zip(events, route["stops"], strict=True):
            start, end = event.decoded("DTSTART"), event.decoded("DTEND")
            assert start.utcoffset() == timedelta(hours=1)
            assert event["DTSTART"].params["TZID"] == "Europe/Copenhagen"
            assert start == datetime.fromisoformat(stop["start"])
            assert end == datetime.fromisoformat(stop["departure"])
            if stop["id"]:
                assert stop["id"] in str(event["SUMMARY"])


def test_exports_carry_no_names_or_phones(stored: Stored) -> None:
    """Staff names and phone numbers appear in no file; visits are there by id only."""
    plan_id = stored.plan["id"]
    texts = [
        stored.get(f"/v1/plans/{plan_id}/routes.gpx").text,
        stored.get(f"/v1/plans/{plan_id}/routes.csv").text,
        *(
            stored.get(f"/v1/plans/{plan_id}/staff/{route['staff_id']}.ics").text
            for route in stored.plan["routes"]
        ),
    ]
    for word in _private_words(stored.request):
        assert not any(word in text for text in texts), word
    visit_ids = {visit["id"] for visit in stored.request["visits"]}
    assert all(visit_id in texts[1] for visit_id in visit_ids)


def test_exports_follow_the_plan_roles(stored: Stored) -> None:
    """Schedulers read the files; police keys may not; an unknown plan or staff is a 404."""
    plan_id = stored.plan["id"]
    staff_id = stored.plan["routes"][0]["staff_id"]
    paths = [
        f"/v1/plans/{plan_id}/routes.gpx",
        f"/v1/plans/{plan_id}/routes.csv",
        f"/v1/plans/{plan_id}/staff/{staff_id}.ics",
    ]
    for path in paths:
        assert stored.get(path, "scheduler").status_code == 200
        assert stored.get(path, "police").status_code == 403
        assert stored.client.get(path).status_code == 401
        assert stored.get(path.replace(plan_id, "0" * 32)).status_code == 404
    assert stored.get(f"/v1/plans/{plan_id}/staff/nobody.ics").status_code == 404


def test_matrix_plan_has_csv_and_calendar_but_no_gpx(client: TestClient) -> None:
    """A plan on an explicit matrix has no coordinates: CSV rows leave lat/lon empty, the
    calendar has no GEO, and GPX is a 404 saying why."""
    plan = client.post("/v1/plans", json=MATRIX_PLAN).json()
    rows = list(csv.DictReader(io.StringIO(client.get(f"/v1/plans/{plan['id']}/routes.csv").text)))
    assert rows
    assert all(row["lat"] == row["lon"] == "" for row in rows)
    ics = client.get(f"/v1/plans/{plan['id']}/staff/hc-7.ics").text
    assert "GEO:" not in ics
    assert len(icalendar.Calendar.from_ical(ics).walk("VEVENT")) == len(rows)
    gpx = client.get(f"/v1/plans/{plan['id']}/routes.gpx")
    assert gpx.status_code == 404
    assert "no map geometry" in gpx.json()["detail"]


def _summer_plan(stop_id: str = "hs-summer") -> PlanResponse:
    """A one-stop plan on midsummer's eve, when Copenhagen is at +02:00."""
    start = datetime(2026, 6, 23, 18, 0, tzinfo=UTC)
    stop = {
        "kind": "hotspot",
        "id": stop_id,
        "location": {"lat": 57.47, "lon": 10.2},
        "arrival": start,
        "start": start,
        "departure": start + timedelta(minutes=12),
        "wait_min": 0,
        "dwell_min": 12,
        "weight": 2,
    }
    route = {
        "staff_id": "guard-9",
        "name": "Guard with a long name, that needs; escaping",
        "role": "service_guard",
        "mode": "drive",
        "start": start,
        "end": start + timedelta(minutes=12),
        "travel_min": 0,
        "distance_km": 0,
        "weight_covered": 2,
        "stops": [stop],
    }
    summary = {
        "weight_total": 2,
        "weight_visited": 2,
        "weight_covered": 2,
        "coverage_ratio": 1,
        "hotspots_visited": 1,
        "hotspots_left_out": 0,
        "visits_kept": 0,
        "travel_min": 0,
        "distance_km": 0,
        "solve_time_s": 0,
    }
    return PlanResponse.model_validate(
        {
            "id": "summer",
            "created_at": start,
            "area": "sindal",
            "date": "2026-06-23",
            "latest_end": None,
            "summary": summary,
            "routes": [route],
            "left_out": [],
        }
    )


def test_ics_uses_summer_time_in_june() -> None:
    """18:00 UTC on 23 June is written as 20:00 Copenhagen time and read back as the same
    instant; the CSV writes +02:00."""
    plan = _summer_plan()
    ics = route_to_ics(plan, "guard-9")
    assert "DTSTART;TZID=Europe/Copenhagen:20260623T200000" in ics
    event = icalendar.Calendar.from_ical(ics).walk("VEVENT")[0]
    assert event.decoded("DTSTART") == datetime(2026, 6, 23, 18, 0, tzinfo=UTC)
    assert event.decoded("DTSTART").astimezone(CPH).utcoffset() == timedelta(hours=2)
    row = next(csv.DictReader(io.StringIO(plan_to_csv(plan))))
    assert row["start"] == "2026-06-23T20:00:00+02:00"
    assert "long name" not in ics


def test_ics_lines_are_folded_at_75_octets() -> None:
    """Every content line of the calendar is at most 75 octets, as RFC 5545 requires, and a
    long stop id survives the folding."""
    long_id = "hs-" + "x" * 61
    ics = route_to_ics(_summer_plan(long_id), "guard-9")
    assert ics.endswith("\r\n")
    lines = ics.split("\r\n")
    assert all(len(line.encode()) <= 75 for line in lines)
    assert any(line.startswith(" ") for line in lines)
    event = icalendar.Calendar.from_ical(ics).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == f"0. {long_id}"
    assert long_id in str(event["DESCRIPTION"])
