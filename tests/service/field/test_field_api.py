"""The eyes' own page through its JSON (issue 17): links that show one staff member's
evening and nothing else, check-ins and tips stored once each, the dispatcher's progress,
the police's view of tips, and a re-plan that takes the check-ins."""

from __future__ import annotations

import json
import uuid
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from fastapi.testclient import TestClient

from service.auth.keys import create_key
from service.field.store import FieldStore

from ..answers import planned
from .conftest import EVENING, Evening

if TYPE_CHECKING:
    from collections.abc import Iterator

    from fastapi import FastAPI


@contextmanager
def phone(app: FastAPI) -> Iterator[TestClient]:
    """A client with no API key (a staff member's phone). Not entered: the app's lifespan
    (its job queue) belongs to the dispatcher's client."""
    yield TestClient(app, raise_server_exceptions=False)


def point(stop: dict[str, Any]) -> dict[str, float]:
    """A stop's location as a phone sends it."""
    return {"lat": stop["location"]["lat"], "lon": stop["location"]["lon"]}


def new_id() -> str:
    return uuid.uuid4().hex


def test_a_link_shows_its_staff_members_evening_and_nothing_else(
    evening: Evening, small_request: dict[str, Any]
) -> None:
    """The page's JSON holds the staff member's own stops (a client visit as "Visit", no
    visit id), no phone number, no other staff member and no client id."""
    with phone(evening.app) as client:
        view = client.get(f"/v1/field/{evening.tokens['care-1']}").json()
    assert view["staff_id"] == "care-1"
    text = json.dumps(view)
    for shift in small_request["shifts"]:
        assert shift["phone"] not in text
        if shift["id"] != "care-1":
            assert shift["id"] not in text
    for visit in small_request["visits"]:
        assert visit["id"] not in text
    planned_stops = [
        s for s in evening.route("care-1")["stops"] if s["kind"] in ("hotspot", "visit")
    ]
    assert [s["kind"] for s in view["stops"]] == [s["kind"] for s in planned_stops]
    visits = [s for s in view["stops"] if s["kind"] == "visit"]
    assert visits
    assert all(s["label"] == "Visit" for s in visits)
    assert view["next_stop"] == view["stops"][0]["stop_id"]
    assert view["on_plan"] is True


def test_made_up_expired_and_revoked_links_say_nothing(
    evening: Evening, client: TestClient
) -> None:
    token = evening.tokens["guard-1"]
    with phone(evening.app) as anonymous:
        assert anonymous.get("/v1/field/not-a-token").status_code == 401
        assert anonymous.get("/v1/field/" + "A" * 32).status_code == 404
        evening.set_clock(EVENING + timedelta(days=1))
        expired = anonymous.get(f"/v1/field/{token}")
        assert expired.status_code == 410
        assert set(expired.json()) <= {"type", "title", "status", "detail"}
        evening.set_clock(EVENING)
        assert anonymous.get(f"/v1/field/{token}").status_code == 200
        revoke = client.delete(f"/v1/plans/{evening.plan['id']}/staff/guard-1/link")
        assert revoke.status_code == 204
        assert anonymous.get(f"/v1/field/{token}").status_code == 410
        assert anonymous.get(f"/v1/field/{evening.tokens['care-1']}").status_code == 200


def test_a_link_needs_a_planners_key_and_a_staff_member_of_the_plan(
    evening: Evening, client: TestClient
) -> None:
    plan_id = evening.plan["id"]
    assert client.post(f"/v1/plans/{plan_id}/staff/nobody/link").status_code == 404
    _, police = create_key(evening.app.state.alert_store, "police")
    refused = client.post(f"/v1/plans/{plan_id}/staff/guard-1/link", headers={"X-API-Key": police})
    assert refused.status_code == 403
    with phone(evening.app) as anonymous:
        assert anonymous.post(f"/v1/plans/{plan_id}/staff/guard-1/link").status_code == 401


def test_the_same_check_in_twice_is_one_record_with_the_time_it_happened(
    evening: Evening,
) -> None:
    token = evening.tokens["care-1"]
    first_stop = next(s for s in evening.route("care-1")["stops"] if s["kind"] == "hotspot")
    body = {
        "id": new_id(),
        "stop_id": first_stop["id"],
        "at": (EVENING - timedelta(minutes=20)).isoformat(),
        "location": point(first_stop),
    }
    with phone(evening.app) as client:
        first = client.post(f"/v1/field/{token}/checkins", json=body)
        again = client.post(f"/v1/field/{token}/checkins", json=body)
        view = client.get(f"/v1/field/{token}").json()
    assert first.status_code == 201, first.text
    assert first.json()["created"] is True
    assert (again.status_code, again.json()["created"]) == (200, False)
    store = FieldStore(evening.app.state.plan_store.engine)
    lineage = evening.app.state.plan_store.lineage_of(evening.plan["id"])
    (stored,) = store.checkins(lineage)
    assert stored.at == EVENING - timedelta(minutes=20)
    assert view["stops"][0]["done"] is True
    assert view["checked_in"] == 1


def test_a_check_in_from_the_future_is_refused(evening: Evening) -> None:
    body = {"id": new_id(), "stop_id": "hs-01", "at": (EVENING + timedelta(hours=2)).isoformat()}
    with phone(evening.app) as client:
        answer = client.post(f"/v1/field/{evening.tokens['guard-1']}/checkins", json=body)
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "at"


def tip(**fields: Any) -> dict[str, Any]:
    return {
        "id": new_id(),
        "category": "open_door_window",
        "text": "Åbent vindue i stuen, ingen lys",
        "at": (EVENING - timedelta(minutes=5)).isoformat(),
        "location": {"lat": 57.4712, "lon": 10.2031},
        **fields,
    }


def test_tips_reach_dispatchers_and_those_for_the_police_reach_the_police_anonymously(
    evening: Evening, client: TestClient
) -> None:
    for_police = tip(for_police=True, category="suspicious_vehicle", text="Hvid varevogn")
    with phone(evening.app) as anonymous:
        assert (
            anonymous.post(f"/v1/field/{evening.tokens['guard-1']}/tips", json=tip()).status_code
            == 201
        )
        assert (
            anonymous.post(
                f"/v1/field/{evening.tokens['care-1']}/tips", json=for_police
            ).status_code
            == 201
        )
        again = anonymous.post(f"/v1/field/{evening.tokens['care-1']}/tips", json=for_police)
        assert again.status_code == 200
    dispatcher = client.get("/v1/tips", params={"area": "sindal"}).json()
    assert len(dispatcher) == 2
    assert {t["staff_id"] for t in dispatcher} == {"guard-1", "care-1"}
    _, police_key = create_key(evening.app.state.alert_store, "police")
    police = client.get("/v1/tips", headers={"X-API-Key": police_key}).json()
    assert [t["text"] for t in police] == ["Hvid varevogn"]
    assert police[0]["staff_id"] is None
    assert "care-1" not in json.dumps(police)


def test_tips_are_limited_per_link(evening: Evening) -> None:
    evening.app.state.tip_limiter.limit = 2
    url = f"/v1/field/{evening.tokens['guard-1']}/tips"
    with phone(evening.app) as client:
        answers = [client.post(url, json=tip()).status_code for _ in range(3)]
        other = client.post(f"/v1/field/{evening.tokens['care-1']}/tips", json=tip())
    assert answers == [201, 201, 429]
    assert other.status_code == 201


def test_progress_shows_the_stops_done_where_and_how_late(
    evening: Evening, client: TestClient
) -> None:
    stop = next(s for s in evening.route("care-1")["stops"] if s["kind"] == "hotspot")
    planned_start = stop["start"]
    late = 7
    at = datetime.fromisoformat(planned_start) + timedelta(minutes=late)
    evening.set_clock(at + timedelta(minutes=1))
    with phone(evening.app) as anonymous:
        answer = anonymous.post(
            f"/v1/field/{evening.tokens['care-1']}/checkins",
            json={
                "id": new_id(),
                "stop_id": stop["id"],
                "at": at.isoformat(),
                "location": {"lat": 57.4712, "lon": 10.2031},
            },
        )
    assert answer.status_code == 201, answer.text
    progress = client.get(f"/v1/plans/{evening.plan['id']}/progress").json()
    busy = next(s for s in progress["staff"] if s["staff_id"] == "care-1")
    assert busy["stops_done"] == [stop["id"]]
    assert busy["last_position"] == [57.4712, 10.2031]
    assert busy["behind_min"] == late
    idle = next(s for s in progress["staff"] if s["staff_id"] == "guard-1")
    assert idle["stops_done"] == []
    assert idle["last_seen_at"] is None


def test_a_replan_takes_the_check_ins_as_done_and_the_newest_as_the_position(
    evening: Evening, client: TestClient
) -> None:
    stops = [s for s in evening.route("care-1")["stops"] if s["kind"] == "hotspot"]
    assert len(stops) >= 2
    first, second = stops[0], stops[1]
    at = datetime.fromisoformat(first["start"]) - timedelta(minutes=30)  # early: not yet due
    evening.set_clock(at + timedelta(minutes=2))
    with phone(evening.app) as anonymous:
        anonymous.post(
            f"/v1/field/{evening.tokens['care-1']}/checkins",
            json={
                "id": new_id(),
                "stop_id": first["id"],
                "at": at.isoformat(),
                "location": point(second),
            },
        )
    now = at + timedelta(minutes=2)
    told_nothing = planned(
        client,
        f"/v1/plans/{evening.plan['id']}/replan",
        {"now": now.isoformat(), "use_checkins": False},
    )
    busy = next(r for r in told_nothing["routes"] if r["staff_id"] == "care-1")
    assert not [s for s in busy["stops"] if s["done"] and s["id"]]
    replanned = planned(client, f"/v1/plans/{evening.plan['id']}/replan", {"now": now.isoformat()})
    busy = next(r for r in replanned["routes"] if r["staff_id"] == "care-1")
    assert [s["id"] for s in busy["stops"] if s["done"] and s["id"]] == [first["id"]]
    # She checked in from the second stop's door: the rest starts there, no travel to it.
    following = next(s for s in busy["stops"] if s["id"] and not s["done"])
    assert following["id"] == second["id"]
    assert following["arrival"] == busy["stops"][0]["departure"]


def test_the_dosage_adds_up_against_the_check_ins(evening: Evening, client: TestClient) -> None:
    """Planned: every hotspot stop of the plan; delivered: the two checked in, with their
    planned dwell; nights, hotspots and local areas each add up to the total."""
    hotspot_stops = [
        s for r in evening.plan["routes"] for s in r["stops"] if s["kind"] == "hotspot"
    ]
    done = [s for s in evening.route("care-1")["stops"] if s["kind"] == "hotspot"][:2]
    evening.set_clock(datetime.fromisoformat(done[-1]["start"]) + timedelta(minutes=5))
    with phone(evening.app) as anonymous:
        for stop in done:
            answer = anonymous.post(
                f"/v1/field/{evening.tokens['care-1']}/checkins",
                json={"id": new_id(), "stop_id": stop["id"], "at": stop["start"]},
            )
            assert answer.status_code == 201, answer.text
    day = evening.plan["date"]
    report = client.get("/v1/reports/sindal/dosage", params={"from": day, "to": day}).json()
    total = report["total"]
    assert total["planned_visits"] == len(hotspot_stops)
    assert total["planned_min"] == round(sum(s["dwell_min"] for s in hotspot_stops), 1)
    assert total["delivered_visits"] == 2
    assert total["delivered_min"] == round(sum(s["dwell_min"] for s in done), 1)
    for part in ("nights", "hotspots", "local_areas"):
        rows = report[part]
        assert sum(r["planned_visits"] for r in rows) == total["planned_visits"], part
        assert sum(r["delivered_visits"] for r in rows) == 2, part
    assert [n["date"] for n in report["nights"]] == [day]
    png = client.get("/v1/reports/sindal/dosage.png", params={"from": day, "to": day})
    assert png.status_code == 200
    assert png.content.startswith(b"\x89PNG")
    backwards = client.get("/v1/reports/sindal/dosage", params={"from": day, "to": "2020-01-01"})
    assert backwards.status_code == 422
    assert (
        client.get("/v1/reports/nowhere/dosage", params={"from": day, "to": day}).status_code == 404
    )


def test_a_key_of_another_area_learns_nothing_of_the_evening(
    evening: Evening, client: TestClient
) -> None:
    """A dispatcher scoped to Liechtenstein: Sindal's plan is unknown to it (links,
    progress), Sindal's tips and dosage are refused, its tip list leaves them out."""
    store = evening.app.state.alert_store
    _, other = create_key(store, "dispatcher", areas=["liechtenstein"])
    headers = {"X-API-Key": other}
    plan_id = evening.plan["id"]
    with phone(evening.app) as anonymous:
        anonymous.post(f"/v1/field/{evening.tokens['care-1']}/tips", json=tip())
    assert client.post(f"/v1/plans/{plan_id}/staff/care-1/link", headers=headers).status_code == 404
    assert (
        client.delete(f"/v1/plans/{plan_id}/staff/care-1/link", headers=headers).status_code == 404
    )
    assert client.get(f"/v1/plans/{plan_id}/progress", headers=headers).status_code == 404
    assert client.get("/v1/tips", params={"area": "sindal"}, headers=headers).status_code == 403
    assert client.get("/v1/tips", headers=headers).json() == []
    assert len(client.get("/v1/tips").json()) == 1
    day = evening.plan["date"]
    dosage = client.get(
        "/v1/reports/sindal/dosage", params={"from": day, "to": day}, headers=headers
    )
    assert dosage.status_code == 403


def test_publishing_texts_each_staff_member_their_link_once(
    evening: Evening, client: TestClient
) -> None:
    """Each staff member with a phone gets one SMS with a link of their own that opens
    their page; publishing again texts no one; without a public address it is refused."""
    from sqlalchemy import select

    from service.alerts.models import OutboxRecord

    plan_id = evening.plan["id"]
    refused = client.post(f"/v1/plans/{plan_id}/publish")
    assert refused.status_code == 409
    settings = evening.app.state.settings
    evening.app.state.settings = settings.model_copy(
        update={"public_base_url": "https://eyes.example.dk"}
    )
    first = client.post(f"/v1/plans/{plan_id}/publish")
    assert first.status_code == 202, first.text
    assert sorted(first.json()["texted"]) == ["care-1", "guard-1"]
    again = client.post(f"/v1/plans/{plan_id}/publish").json()
    assert again["texted"] == []
    assert {s["reason"] for s in again["skipped"]} == {"already_texted"}
    with evening.app.state.alert_store.sessions() as session:
        rows = session.scalars(select(OutboxRecord)).all()
    texts = {row.staff_id: (row.phone, row.text or "") for row in rows}
    assert sorted(texts) == ["care-1", "guard-1"]
    assert len(rows) == 2
    for staff_id, (_phone, text) in texts.items():
        token = text.rsplit("/s/", 1)[1]
        with phone(evening.app) as anonymous:
            assert anonymous.get(f"/v1/field/{token}").json()["staff_id"] == staff_id
        assert text.startswith("https://") is False
        assert "https://eyes.example.dk/s/" in text


def test_progress_counts_each_visit_of_a_hotspot_visited_twice(
    evening: Evening, client: TestClient
) -> None:
    """care-1 passes hs-01 twice: checking in at both visits counts two stops done."""
    stops = evening.route("care-1")["stops"]
    twice = [s for s in stops if s["kind"] == "hotspot" and s["id"] == "hs-01"]
    assert [s["visit_number"] for s in twice] == [1, 2]
    evening.set_clock(datetime.fromisoformat(twice[1]["start"]) + timedelta(minutes=1))
    with phone(evening.app) as anonymous:
        for stop_id, stop in (("hs-01", twice[0]), ("hs-01#2", twice[1])):
            answer = anonymous.post(
                f"/v1/field/{evening.tokens['care-1']}/checkins",
                json={"id": new_id(), "stop_id": stop_id, "at": stop["start"]},
            )
            assert answer.status_code == 201, answer.text
    progress = client.get(f"/v1/plans/{evening.plan['id']}/progress").json()
    busy = next(s for s in progress["staff"] if s["staff_id"] == "care-1")
    assert busy["stops_done"] == ["hs-01", "hs-01#2"]


def test_a_safety_walk_uses_the_same_link_and_tips(
    client: TestClient, small_request: dict[str, Any], app: FastAPI
) -> None:
    """A walking group (one shift on foot) gets its route on a link and notes what it sees:
    the tip for the police reaches them, without the group's id."""
    walk = dict(small_request)
    walk["shifts"] = [
        {
            "id": "walk-1",
            "name": "Tryghedsvandring",
            "phone": "+4520000099",
            "role": "other",
            "mode": "walk",
            "start_location": {"lat": 57.47083, "lon": 10.20214},
            "start_time": "18:00",
            "end_time": "20:00",
        }
    ]
    walk["visits"] = []
    plan = planned(client, "/v1/plans", walk)
    app.state.clock = lambda: EVENING
    link = client.post(f"/v1/plans/{plan['id']}/staff/walk-1/link").json()
    with phone(app) as group:
        view = group.get(f"/v1/field/{link['token']}").json()
        assert view["mode"] == "walk"
        noticed = tip(category="street_light", text="Gadelys ude på stien", for_police=True)
        assert group.post(f"/v1/field/{link['token']}/tips", json=noticed).status_code == 201
    _, police = create_key(app.state.alert_store, "police")
    seen = client.get("/v1/tips", headers={"X-API-Key": police}).json()
    assert [(t["category"], t["staff_id"]) for t in seen] == [("street_light", None)]
