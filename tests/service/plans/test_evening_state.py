"""One evening, one truth: what was done stays done in every later version, versions of one
plan never collide, and what reads a plan reads its newest version."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest

from service.alerts.schemas import CircleArea
from service.alerts.targeting import choose_recipients
from service.timeutil import LOCAL_TZ

from ..answers import job_end, planned

if TYPE_CHECKING:
    from fastapi import FastAPI
    from fastapi.testclient import TestClient


def _middle(route: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for s in route["stops"] if s["kind"] in ("hotspot", "visit")]


def _route(plan: dict[str, Any], staff_id: str) -> dict[str, Any]:
    return next(r for r in plan["routes"] if r["staff_id"] == staff_id)


@pytest.fixture
def evening(
    client: TestClient, small_request: dict[str, Any], demo_request: dict[str, Any]
) -> dict[str, Any]:
    """Tonight's Sindal plan for guard-1 and care-1 with 24 hotspots: both have stops."""
    request = copy.deepcopy(small_request)
    request["hotspots"] = copy.deepcopy(demo_request["hotspots"][:24])
    request["options"] = {"time_limit_s": 2, "variation": {"enabled": False}}
    return planned(client, "/v1/plans", request)


def _busiest(plan: dict[str, Any]) -> dict[str, Any]:
    """The service guard's route (home care cannot leave without its visits)."""
    route = _route(plan, "guard-1")
    assert len(_middle(route)) >= 3, "the fixture plan should give the guard stops"
    return route


def _after(stop: dict[str, Any], minutes: int = 1) -> str:
    return (datetime.fromisoformat(stop["departure"]) + timedelta(minutes=minutes)).isoformat()


def _kept(route: dict[str, Any]) -> list[tuple[str, str]]:
    return [(s["id"], s["start"]) for s in route["stops"] if s["done"] and s["id"] is not None]


def test_a_position_never_erases_the_stops_done(
    client: TestClient, evening: dict[str, Any]
) -> None:
    """A re-plan that only says where a staff member is, a minute after their second stop,
    keeps the two stops whose time has passed as they were (done, same start) and plans
    neither again: a position says where someone is, never what they did. The position is
    the stop's own location as the plan gave it (``index: null`` included)."""
    busy = _busiest(evening)
    first_two = _middle(busy)[:2]
    position = first_two[1]["location"]
    assert "index" in position  # sent back exactly as answered
    new = planned(
        client,
        f"/v1/plans/{evening['id']}/replan",
        {
            "now": _after(first_two[1]),
            "positions": [{"staff_id": busy["staff_id"], "location": position}],
        },
    )
    route = _route(new, busy["staff_id"])
    assert _kept(route)[:2] == [(s["id"], s["start"]) for s in first_two]
    again = [s["id"] for r in new["routes"] for s in r["stops"] if not s["done"]]
    assert not {s["id"] for s in first_two} & set(again)


def test_staff_who_leave_keep_what_they_did(client: TestClient, evening: dict[str, Any]) -> None:
    """A staff member who goes home after their second stop keeps those stops in the new
    version (marked done, unmoved) and nothing after them; the others carry on."""
    busy = _busiest(evening)
    now = _after(_middle(busy)[1])
    behind = [s for s in _middle(busy) if s["start"] <= now]  # done, or under way
    assert len(behind) >= 2
    new = planned(
        client,
        f"/v1/plans/{evening['id']}/replan",
        {"now": now, "staff_leaving": [busy["staff_id"]]},
    )
    route = _route(new, busy["staff_id"])
    assert _kept(route) == [(s["id"], s["start"]) for s in behind]
    assert all(s["done"] for s in route["stops"])
    texts = {c["staff_id"]: c["text"] for c in new["changes"]}
    assert "left" in texts[busy["staff_id"]]


def test_done_stops_survive_every_later_version(
    client: TestClient, evening: dict[str, Any]
) -> None:
    """Three re-plans in a row, the clock moving on: each stop done in a version is in
    every later one, unmoved, whoever leaves."""
    busy = _busiest(evening)
    stops = _middle(busy)
    plan = planned(
        client, f"/v1/plans/{evening['id']}/replan", {"now": _after(stops[0], minutes=0)}
    )
    done_v2 = {(s["id"], s["start"]) for r in plan["routes"] for s in r["stops"] if s["done"]}
    plan = planned(
        client,
        f"/v1/plans/{plan['id']}/replan",
        {"now": _after(stops[0], minutes=5), "staff_leaving": [busy["staff_id"]]},
    )
    done_v3 = {(s["id"], s["start"]) for r in plan["routes"] for s in r["stops"] if s["done"]}
    assert done_v2 <= done_v3
    plan = planned(client, f"/v1/plans/{plan['id']}/replan", {"now": _after(stops[0], 10)})
    done_v4 = {(s["id"], s["start"]) for r in plan["routes"] for s in r["stops"] if s["done"]}
    assert done_v3 <= done_v4
    assert plan["version"] == 4


def _hotspot(request: dict[str, Any], new_id: str, index: int) -> dict[str, Any]:
    hotspot: dict[str, Any] = copy.deepcopy(request["hotspots"][index])
    hotspot["id"] = new_id
    return hotspot


def test_two_replans_at_once_build_on_each_other(
    client: TestClient, evening: dict[str, Any], demo_request: dict[str, Any]
) -> None:
    """Two re-plans of one plan sent at once, each adding a hotspot: they become versions 2
    and 3 (never two version 2s), and the newest holds both hotspots."""
    jobs = [
        client.post(
            f"/v1/plans/{evening['id']}/replan",
            json={"now": "17:30", "hotspots_added": [_hotspot(demo_request, name, 40 + i)]},
            headers={"Prefer": "respond-async"},
        )
        for i, name in enumerate(("hs-added-a", "hs-added-b"))
    ]
    for answer in jobs:
        assert answer.status_code == 202, answer.text
        assert job_end(client, answer.headers["location"])["state"] == "done"
    versions = client.get(f"/v1/plans/{evening['id']}/versions").json()
    assert [v["version"] for v in versions] == [1, 2, 3]
    newest = client.get(f"/v1/plans/{versions[-1]['id']}").json()
    mentioned = {s["id"] for r in newest["routes"] for s in r["stops"]}
    mentioned |= {h["hotspot_id"] for h in newest["left_out"]}
    assert {"hs-added-a", "hs-added-b"} <= mentioned


def test_a_replan_from_a_stale_version_is_a_conflict(
    client: TestClient, evening: dict[str, Any]
) -> None:
    """A re-plan naming the version it starts from gets 409 with the newest version when
    another re-plan came first (by ``base_version`` or by ``If-Match``); with the newest
    version's ETag it goes through."""
    v2 = planned(client, f"/v1/plans/{evening['id']}/replan", {"now": "17:20"})
    stale = client.post(
        f"/v1/plans/{evening['id']}/replan", json={"now": "17:30", "base_version": 1}
    )
    assert stale.status_code == 409, stale.text
    assert (stale.json()["current_version"], stale.json()["current_id"]) == (2, v2["id"])
    etag_v1 = client.get(f"/v1/plans/{evening['id']}").headers["etag"]
    by_etag = client.post(
        f"/v1/plans/{v2['id']}/replan", json={"now": "17:30"}, headers={"If-Match": etag_v1}
    )
    assert by_etag.status_code == 409, by_etag.text
    etag_v2 = client.get(f"/v1/plans/{v2['id']}").headers["etag"]
    assert etag_v2 != etag_v1
    fresh = client.post(
        f"/v1/plans/{evening['id']}/replan",
        json={"now": "17:30"},
        headers={"If-Match": etag_v2, "Prefer": "wait=60"},
    )
    assert fresh.status_code in (201, 202), fresh.text
    bad = client.post(
        f"/v1/plans/{evening['id']}/replan", json={}, headers={"If-Match": "*garbage*"}
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "If-Match"


def test_alerts_read_the_newest_version(
    app: FastAPI, client: TestClient, evening: dict[str, Any]
) -> None:
    """After a re-plan in which a staff member left, the staff an alert may reach are those
    of the newest version: the one who left is not among them, the one who stayed is."""
    leaving, staying = "guard-1", "care-1"
    planned(
        client, f"/v1/plans/{evening['id']}/replan", {"now": "17:30", "staff_leaving": [leaving]}
    )
    since = datetime.now(LOCAL_TZ) - timedelta(hours=1)
    staff = app.state.plan_store.staff_plans_since(since)
    start = datetime.fromisoformat(_route(evening, staying)["start"])
    chosen = choose_recipients(
        staff,
        CircleArea(type="Circle", center={"lat": 57.47, "lon": 10.21}, radius_m=5000),
        start,
        start + timedelta(hours=3),
        all_on_shift=True,
    )
    assert {r.staff_id for r in chosen} == {staying}


def test_the_map_lists_a_plan_with_nothing_to_cover(
    client: TestClient, small_request: dict[str, Any]
) -> None:
    """A plan with no hotspots (coverage_ratio null, as documented) is listed on the map's
    plan list instead of breaking it."""
    request = copy.deepcopy(small_request)
    request["hotspots"] = []
    plan = planned(client, "/v1/plans", request)
    answer = client.get("/v1/map/plans")
    assert answer.status_code == 200, answer.text
    [item] = [p for p in answer.json() if p["id"] == plan["id"]]
    assert item["coverage_ratio"] is None


def test_exports_and_the_map_follow_the_newest_version(
    client: TestClient, evening: dict[str, Any], small_request: dict[str, Any]
) -> None:
    """After a re-plan in which guard-1 left and guard-9 joined, files asked for by the first
    version's id are of the newest (Content-Location names it): guard-9 has a calendar,
    guard-1's keeps only what was done; the map lists the plan once, as its newest version."""
    joining = copy.deepcopy(small_request["shifts"][0])
    joining.update(id="guard-9", phone="+4520009999", start_time="18:30")
    v2 = planned(
        client,
        f"/v1/plans/{evening['id']}/replan",
        {"now": "18:30", "staff_leaving": ["guard-1"], "staff_joining": [joining]},
    )
    calendar = client.get(f"/v1/plans/{evening['id']}/staff/guard-9.ics")
    assert calendar.status_code == 200, calendar.text
    assert calendar.headers["content-location"] == f"/v1/plans/{v2['id']}"
    rows = client.get(f"/v1/plans/{evening['id']}/routes.csv").text.splitlines()
    later = [r for r in rows if r.startswith("guard-1,") and ",hotspot," in r]
    done_before = [s for s in _middle(_route(evening, "guard-1")) if s["start"] < v2_now(v2)]
    assert done_before, "guard-1 should have started stops before 18:30"
    assert len(later) == len(done_before)
    listed = [p["id"] for p in client.get("/v1/map/plans").json()]
    assert v2["id"] in listed
    assert evening["id"] not in listed


def v2_now(plan: dict[str, Any]) -> str:
    """The moment of a re-plan at 18:30 on the plan's date, as the answer writes times."""
    return f"{plan['date']}T18:30:00+01:00"
