"""The alerts API end to end on the real Sindal plan: targeting, outbox, status, idempotency."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import select

from service.jobs.models import JobRecord
from service.timeutil import LOCAL_TZ, today_local

from .conftest import as_

if TYPE_CHECKING:
    from fastapi import FastAPI
    from fastapi.testclient import TestClient


def _busy_stop(plan: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """A staff member and a hotspot stop on their route (the middle one)."""
    for route in plan["routes"]:
        stops = [s for s in route["stops"] if s["kind"] == "hotspot"]
        if stops:
            return route["staff_id"], stops[len(stops) // 2]
    raise AssertionError("the sample plan has hotspot stops")


def _alert_at(stop: dict[str, Any], **extra: Any) -> dict[str, Any]:
    start = datetime.fromisoformat(stop["arrival"])
    body = {
        "message": "Hold øje med en hvid varevogn uden nummerplader.",
        "area_name": "Sindal midt",
        "area": {
            "type": "Circle",
            "center": {"lat": stop["location"]["lat"], "lon": stop["location"]["lon"]},
            "radius_m": 200,
        },
        "valid_from": (start - timedelta(minutes=1)).isoformat(),
        "valid_until": (start + timedelta(minutes=2)).isoformat(),
        "severity": "urgent",
    }
    body.update(extra)
    return body


def test_alert_reaches_staff_whose_route_passes_and_is_sent_once(
    api: TestClient, keys: dict[str, str], stored_plan: dict[str, Any], alert_app: FastAPI
) -> None:
    """202 with the recipients; the staff member at a stop in the circle then is chosen with the
    reason; after the sender runs the status is delivered and the SMS text is the police
    message and area name only (no client, stop or hotspot names)."""
    staff_id, stop = _busy_stop(stored_plan)
    answer = api.post("/v1/alerts", json=_alert_at(stop), headers=as_(keys["police"]))
    assert answer.status_code == 202, answer.text
    accepted = answer.json()
    assert accepted["recipients"] is None  # police see a band, not the count
    assert accepted["recipients_band"] in {"fewer than 3", "3-9"}
    assert answer.headers["location"] == f"/v1/alerts/{accepted['id']}"
    alert = api.get(f"/v1/alerts/{accepted['id']}", headers=as_(keys["dispatcher"])).json()
    count = alert["recipient_count"]
    assert count >= 1
    by_staff = {r["staff_id"]: r for r in alert["recipients"]}
    guard = by_staff[staff_id]
    assert guard["status"] == "queued"
    assert guard["reason"].startswith("near_route: planned route passes the area at ")
    assert guard["phone"].startswith("+45 •••• ••")
    assert guard["plan_id"] == stored_plan["id"]

    worker = _worker(alert_app)
    assert worker.run_once() == count
    alert = api.get(f"/v1/alerts/{accepted['id']}", headers=as_(keys["dispatcher"])).json()
    assert {r["status"] for r in alert["recipients"]} == {"delivered"}
    assert alert["counts"]["delivered"] == count
    assert worker.run_once() == 0
    texts = [m.text for m in alert_app.state.alert_store.console_messages()]
    assert texts == ["Hold øje med en hvid varevogn uden nummerplader. Område: Sindal midt"] * count


def test_police_read_their_alert_anonymised(
    api: TestClient, keys: dict[str, str], stored_plan: dict[str, Any]
) -> None:
    """The police key that sent an alert sees its counts and each recipient's delivery state,
    but no staff ids, phones, plan ids or route times; a dispatcher sees the details."""
    _, stop = _busy_stop(stored_plan)
    body = _alert_at(stop, targeting="all_on_shift")
    alert_id = api.post("/v1/alerts", json=body, headers=as_(keys["police"])).json()["id"]
    police = api.get(f"/v1/alerts/{alert_id}", headers=as_(keys["police"])).json()
    dispatcher = api.get(f"/v1/alerts/{alert_id}", headers=as_(keys["dispatcher"])).json()
    assert police["counts"] == dispatcher["counts"]
    assert police["recipient_count"] == 2
    assert [r["staff_id"] for r in police["recipients"]] == ["recipient-1", "recipient-2"]
    assert {r["status"] for r in police["recipients"]} == {"queued"}
    assert {r["reason"] for r in police["recipients"]} == {"all_on_shift"}
    assert all(r["phone"] is None and r["plan_id"] is None for r in police["recipients"])
    text = repr(police)
    for recipient in dispatcher["recipients"]:
        assert recipient["staff_id"] not in text
        assert recipient["plan_id"] not in text
        assert recipient["reason"] not in text
    assert {r["staff_id"] for r in dispatcher["recipients"]} == {"guard-1", "care-1"}


def _worker(app: FastAPI) -> Any:
    from service.alerts.worker import worker_from_settings as build_worker

    store = app.state.alert_store
    from service.alerts.sms.console import ConsoleSender

    return build_worker(app.state.settings, store, ConsoleSender(store))


def test_all_on_shift_and_nobody_to_reach(
    api: TestClient, keys: dict[str, str], stored_plan: dict[str, Any]
) -> None:
    """all_on_shift picks both staff on shift; a far area or a window outside every shift
    finds no one, and the alert is still stored and says so (to police only as "fewer than
    3, possibly none", which does not tell 0 from 1)."""
    _, stop = _busy_stop(stored_plan)
    everyone = api.post(
        "/v1/alerts", json=_alert_at(stop, targeting="all_on_shift"), headers=as_(keys["police"])
    ).json()
    assert everyone["recipients"] == 2
    detail = api.get(f"/v1/alerts/{everyone['id']}", headers=as_(keys["dispatcher"])).json()
    assert {r["staff_id"] for r in detail["recipients"]} == {"guard-1", "care-1"}
    assert all(r["reason"].startswith("all_on_shift") for r in detail["recipients"])

    far = _alert_at(stop)
    far["area"]["center"] = {"lat": 55.68, "lon": 12.57}  # Copenhagen, 250 km away
    nobody = api.post("/v1/alerts", json=far, headers=as_(keys["police"]))
    assert nobody.status_code == 202
    assert nobody.json()["recipients"] is None
    assert nobody.json()["recipients_band"] == "fewer than 3"
    assert "possibly none" in nobody.json()["note"]
    stored = api.get(f"/v1/alerts/{nobody.json()['id']}", headers=as_(keys["police"])).json()
    assert stored["recipients"] == []
    assert stored["note"] == nobody.json()["note"]
    detail = api.get(f"/v1/alerts/{nobody.json()['id']}", headers=as_(keys["dispatcher"])).json()
    assert detail["recipient_count"] == 0
    assert "no one to reach" in detail["note"]

    tomorrow = today_local() + timedelta(days=1)
    morning = _alert_at(stop, targeting="all_on_shift")
    morning["valid_from"] = datetime(
        tomorrow.year, tomorrow.month, tomorrow.day, 8, tzinfo=LOCAL_TZ
    ).isoformat()
    morning["valid_until"] = datetime(
        tomorrow.year, tomorrow.month, tomorrow.day, 9, tzinfo=LOCAL_TZ
    ).isoformat()
    assert (
        api.post("/v1/alerts", json=morning, headers=as_(keys["police"])).json()["recipients"] == 0
    )


def test_polygon_area_targets_like_the_circle(
    api: TestClient, keys: dict[str, str], stored_plan: dict[str, Any]
) -> None:
    """A GeoJSON Polygon (a small square around a stop) chooses whoever stops there then."""
    staff_id, stop = _busy_stop(stored_plan)
    lat, lon = stop["location"]["lat"], stop["location"]["lon"]
    d = 0.003  # about 360 m by 660 m: above the smallest alert area
    square = [[lon - d, lat - d], [lon + d, lat - d], [lon + d, lat + d], [lon - d, lat + d]]
    body = _alert_at(stop, area={"type": "Polygon", "coordinates": [[*square, square[0]]]})
    answer = api.post("/v1/alerts", json=body, headers=as_(keys["police"]))
    assert answer.status_code == 202, answer.text
    detail = api.get(f"/v1/alerts/{answer.json()['id']}", headers=as_(keys["dispatcher"])).json()
    assert staff_id in {r["staff_id"] for r in detail["recipients"]}


def test_idempotency_key_replays_or_conflicts(
    api: TestClient, keys: dict[str, str], stored_plan: dict[str, Any]
) -> None:
    """The same key and body give the same alert (no second one); another body is a 409
    problem naming the header; the same key from another police key is its own alert."""
    body = _alert_at(_busy_stop(stored_plan)[1])
    headers = {**as_(keys["police"]), "Idempotency-Key": "soro-2026-001"}
    first = api.post("/v1/alerts", json=body, headers=headers)
    again = api.post("/v1/alerts", json=body, headers=headers)
    assert first.status_code == again.status_code == 202
    assert first.json() == again.json()
    listed = api.get("/v1/alerts", headers=as_(keys["police"])).json()
    assert [a["id"] for a in listed] == [first.json()["id"]]

    other = api.post("/v1/alerts", json={**body, "message": "Noget andet."}, headers=headers)
    assert other.status_code == 409
    assert other.headers["content-type"] == "application/problem+json"
    assert other.json()["errors"][0]["field"] == "Idempotency-Key"

    elsewhere = api.post(
        "/v1/alerts",
        json=body,
        headers={**as_(keys["police2"]), "Idempotency-Key": "soro-2026-001"},
    )
    assert elsewhere.status_code == 202
    assert elsewhere.json()["id"] != first.json()["id"]


def _valid_body() -> dict[str, Any]:
    tomorrow = today_local() + timedelta(days=1)
    return {
        "message": "Hold øje.",
        "area_name": "Sindal",
        "area": {"center": {"lat": 57.47, "lon": 10.2}, "radius_m": 300},
        "valid_from": f"{tomorrow}T18:00:00",
        "valid_until": f"{tomorrow}T21:00:00",
    }


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"message": ""}, "message"),
        ({"message": "   "}, "message"),
        ({"message": "a" * 321}, "message"),
        ({"message": "a" * 295}, "message"),  # 295 + " Område: Sindal" > 306 GSM-7
        ({"message": "漢" * 130}, "message"),  # UCS-2: over 134
        ({"message": "bell\x07"}, "message"),
        ({"area": {"center": {"lat": 57.47, "lon": 10.2}, "radius_m": 0}}, "area.radius_m"),
        ({"area": {"center": {"lat": 57.47, "lon": 10.2}, "radius_m": -5}}, "area.radius_m"),
        ({"area": {"center": {"lat": 57.47, "lon": 10.2}, "radius_m": 50_000}}, "area.radius_m"),
        ({"area": {"center": {"lat": 95, "lon": 10.2}, "radius_m": 10}}, "area.center.lat"),
        (
            {"area": {"type": "Polygon", "coordinates": [[[10, 57], [10.1, 57.1], [10, 57.1]]]}},
            "area.coordinates",
        ),
        (
            {
                "area": {
                    "type": "Polygon",
                    "coordinates": [[[10, 57], [10.1, 57.1], [10.1, 57], [10, 57.1], [10, 57]]],
                }
            },
            "area.coordinates",
        ),
        ({"valid_until": "2020-01-01T10:00:00"}, "valid_until"),
        ({"valid_until": "2020-01-01T10:00:00", "valid_from": None}, "valid_until"),
        ({"severity": "panic"}, "severity"),
        ({"targeting": "everyone"}, "targeting"),
        ({"extra": 1}, "extra"),
    ],
)
def test_bad_alerts_are_422_naming_the_field(
    api: TestClient, keys: dict[str, str], change: dict[str, Any], field: str
) -> None:
    """Each bad input is a 422 problem+json whose errors name the field; never a 500."""
    body = {**_valid_body(), **change}
    body = {k: v for k, v in body.items() if v is not None}
    answer = api.post("/v1/alerts", json=body, headers=as_(keys["police"]))
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert field in [e["field"] for e in answer.json()["errors"]]


def test_validity_round_trips_in_copenhagen_time(
    api: TestClient, keys: dict[str, str], alert_app: FastAPI
) -> None:
    """A validity without offset is Copenhagen time and reads back as the same instant
    (SQLite keeps no offset: stored as UTC); the sender does not treat it as expired early."""
    body = _valid_body()
    alert_id = api.post("/v1/alerts", json=body, headers=as_(keys["police"])).json()["id"]
    stored = api.get(f"/v1/alerts/{alert_id}", headers=as_(keys["police"])).json()
    for name in ("valid_from", "valid_until"):
        sent = datetime.fromisoformat(body[name]).replace(tzinfo=LOCAL_TZ)
        assert datetime.fromisoformat(stored[name]) == sent
        assert stored[name].endswith(("+01:00", "+02:00"))
    [summary] = api.get("/v1/alerts", headers=as_(keys["police"])).json()
    assert summary["valid_until"] == stored["valid_until"]


def test_until_before_from_and_overlong_validity(api: TestClient, keys: dict[str, str]) -> None:
    """valid_until must come after valid_from and within 48 hours of it."""
    body = _valid_body()
    body["valid_until"], body["valid_from"] = body["valid_from"], body["valid_until"]
    answer = api.post("/v1/alerts", json=body, headers=as_(keys["police"]))
    assert answer.status_code == 422
    assert answer.json()["errors"] == [
        {"field": "valid_until", "message": "must be after valid_from"}
    ]
    body = _valid_body()
    body["valid_until"] = (today_local() + timedelta(days=5)).isoformat() + "T12:00:00"
    answer = api.post("/v1/alerts", json=body, headers=as_(keys["police"]))
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["message"] == "an alert may last at most 48 hours"


def test_malformed_json_is_400(api: TestClient, keys: dict[str, str]) -> None:
    """A body that is not JSON is a 400 problem."""
    answer = api.post(
        "/v1/alerts",
        content=b"{not json",
        headers={**as_(keys["police"]), "content-type": "application/json"},
    )
    assert answer.status_code == 400
    assert answer.headers["content-type"] == "application/problem+json"


def test_unknown_alert_is_404(api: TestClient, keys: dict[str, str]) -> None:
    """An unknown id is a 404 problem."""
    answer = api.get("/v1/alerts/nope", headers=as_(keys["dispatcher"]))
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("valid_from", "valid_until", "field"),
    [
        ("9999-12-31T20:00:00", "9999-12-31T23:59:59", "valid_from"),
        ("0001-01-01T00:30:00", None, "valid_from"),
        (None, "9999-12-31T23:59:59", "valid_until"),
        ("9999-12-31T23:00:00+00:00", "9999-12-31T23:59:59-12:00", "valid_from"),
    ],
)
def test_absurd_validity_is_a_422_naming_the_field(
    api: TestClient,
    keys: dict[str, str],
    valid_from: str | None,
    valid_until: str | None,
    field: str,
) -> None:
    """Years near the ends of the calendar are refused with a 422 naming the field, not a
    500 (an OverflowError converting them)."""
    body = _valid_body()
    if valid_from is not None:
        body["valid_from"] = valid_from
    else:
        body.pop("valid_from")
    if valid_until is not None:
        body["valid_until"] = valid_until
    answer = api.post("/v1/alerts", json=body, headers=as_(keys["police"]))
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"][0]["field"] == field


def test_an_alert_may_start_at_most_the_alert_hours_ahead(
    api: TestClient, keys: dict[str, str]
) -> None:
    """valid_from more than EYES_MAX_ALERT_HOURS (48) ahead is refused; within it, accepted."""
    start = datetime.now(LOCAL_TZ) + timedelta(hours=49)
    body = _valid_body()
    body["valid_from"] = start.isoformat()
    body["valid_until"] = (start + timedelta(hours=1)).isoformat()
    answer = api.post("/v1/alerts", json=body, headers=as_(keys["police"]))
    assert answer.status_code == 422
    assert answer.json()["errors"] == [
        {"field": "valid_from", "message": "may be at most 48 hours ahead"}
    ]
    start = datetime.now(LOCAL_TZ) + timedelta(hours=47)
    body["valid_from"] = start.isoformat()
    body["valid_until"] = (start + timedelta(hours=1)).isoformat()
    assert api.post("/v1/alerts", json=body, headers=as_(keys["police"])).status_code == 202


def test_a_patrol_alert_replans_tonight_and_tells_the_recipients(
    api: TestClient, keys: dict[str, str], stored_plan: dict[str, Any], alert_app: FastAPI
) -> None:
    """With ``patrol`` the alert's area becomes a priority stop: tomorrow's plan is re-planned
    (a new version) with a stop at the area's centre inside the validity, the staff member
    given that stop is among the recipients, and the SMS says the routes changed."""
    day = stored_plan["date"]
    body = _alert_at({"location": {"lat": 57.4711, "lon": 10.2062}, "arrival": f"{day}T19:00"})
    body.update(
        valid_from=f"{day}T18:30",
        valid_until=f"{day}T21:00",
        patrol={"weight": 500, "dwell_min": 10},
    )
    answer = api.post("/v1/alerts", json=body, headers=as_(keys["police"]))
    assert answer.status_code == 202, answer.text
    [version] = answer.json()["replanned"]
    plan = api.get(f"/v1/plans/{version}", headers=as_(keys["dispatcher"])).json()
    assert (plan["version"], plan["parent_id"]) == (2, stored_plan["id"])
    # Solved as a job on the plan workers (never in the API process): a done job made it.
    with alert_app.state.plan_store.sessions() as session:
        made_by = session.scalars(select(JobRecord).where(JobRecord.plan_id == version)).all()
    assert [(job.state, job.backend) for job in made_by] == [("done", "local")]
    [(staff_id, stop)] = [
        (r["staff_id"], s)
        for r in plan["routes"]
        for s in r["stops"]
        if (s["id"] or "").startswith("alert-")
    ]
    assert f"{day}T18:30" <= stop["start"][:16] <= f"{day}T21:00"
    alert = api.get(f"/v1/alerts/{answer.json()['id']}", headers=as_(keys["dispatcher"])).json()
    assert staff_id in {r["staff_id"] for r in alert["recipients"]}
    worker = _worker(alert_app)
    worker.run_once()
    texts = {m.text for m in alert_app.state.alert_store.console_messages()}
    assert texts == {
        "Hold øje med en hvid varevogn uden nummerplader. Ruterne er lagt om med et stop i "
        "området. Område: Sindal midt"
    }
