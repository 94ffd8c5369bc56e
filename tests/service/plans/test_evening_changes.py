"""The evening changes: re-plans keep what is done and plan the rest from where staff are;
home-care routes keep their fixed visits; routes vary between nights within the coverage
bound; the workload can be balanced at a reported price."""

from __future__ import annotations

import copy
import itertools
import time
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest

from ..conftest import PLAN_DAY

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from service.plans.networks import AreaNetworks


def _plan(client: TestClient, request: dict[str, Any]) -> dict[str, Any]:
    answer = client.post("/v1/plans", json=request)
    assert answer.status_code == 201, answer.text
    plan: dict[str, Any] = answer.json()
    return plan


def _route(plan: dict[str, Any], staff_id: str) -> dict[str, Any]:
    return next(r for r in plan["routes"] if r["staff_id"] == staff_id)


def _middle(route: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for s in route["stops"] if s["kind"] in ("hotspot", "visit")]


@pytest.fixture
def evening(client: TestClient, small_request: dict[str, Any]) -> dict[str, Any]:
    """Tonight's small Sindal plan (guard-1 and care-1), with a few seconds to search."""
    request = copy.deepcopy(small_request)
    request["options"] = {"time_limit_s": 2, "variation": {"enabled": False}}
    return _plan(client, request)


def test_a_replan_is_a_job_off_the_api_process(client: TestClient, evening: dict[str, Any]) -> None:
    """A re-plan is queued like a new plan (never solved in the API process): with
    ``Prefer: respond-async`` it is a 202 with its job, which ends done with version 2 of
    the plan; a re-plan whose done stop is not in the plan fails as the job's 422 naming
    the field; an unknown plan is a 404 at once, before any job."""
    answer = client.post(
        f"/v1/plans/{evening['id']}/replan",
        json={"now": "19:00"},
        headers={"Prefer": "respond-async"},
    )
    assert answer.status_code == 202, answer.text
    location = answer.headers["location"]
    assert location == f"/v1/jobs/{answer.json()['id']}"
    job = client.get(location).json()
    for _ in range(600):
        if job["state"] in ("done", "failed"):
            break
        time.sleep(0.1)
        job = client.get(location).json()
    assert job["state"] == "done", job
    new = client.get(job["plan"]).json()
    assert (new["version"], new["parent_id"]) == (2, evening["id"])
    bad = client.post(f"/v1/plans/{evening['id']}/replan", json={"done": ["no-such-stop"]})
    assert bad.status_code == 422, bad.text
    assert bad.json()["errors"][0]["field"].startswith("done")
    unknown = client.post("/v1/plans/0123456789abcdef0123456789abcdef/replan", json={})
    assert unknown.status_code == 404


def test_a_replan_keeps_done_stops_and_plans_the_rest_from_now(
    client: TestClient, evening: dict[str, Any]
) -> None:
    """The busiest staff member has done their first two stops: they stay as they were
    (marked done), every other stop starts after now, each visit is kept once, the routes
    still end by 22:00, and the new plan is version 2 of the same lineage."""
    busy = max(evening["routes"], key=lambda r: len(_middle(r)))
    done = _middle(busy)[:2]
    assert len(done) == 2, "the fixture plan should have a route with stops"
    now = done[-1]["departure"]
    answer = client.post(
        f"/v1/plans/{evening['id']}/replan",
        json={"now": now, "done": [s["id"] for s in done]},
    )
    assert answer.status_code == 201, answer.text
    new = answer.json()
    assert (new["version"], new["parent_id"]) == (2, evening["id"])
    assert answer.headers["location"] == f"/v1/plans/{new['id']}"
    route = _route(new, busy["staff_id"])
    kept = [s for s in route["stops"] if s["done"]]
    assert [(s["id"], s["start"]) for s in kept[1:]] == [(s["id"], s["start"]) for s in done]
    moment = datetime.fromisoformat(now)
    for r in new["routes"]:
        for stop in r["stops"]:
            if not stop["done"] and stop["kind"] != "end":
                assert datetime.fromisoformat(stop["start"]) >= moment, (r["staff_id"], stop)
        assert r["end"][11:16] <= "22:00"
    visits = [s["id"] for r in new["routes"] for s in r["stops"] if s["kind"] == "visit"]
    assert sorted(visits) == sorted(v["id"] for v in evening_visits(client, evening))
    versions = client.get(f"/v1/plans/{new['id']}/versions").json()
    assert [(v["id"], v["version"], v["latest"]) for v in versions] == [
        (evening["id"], 1, False),
        (new["id"], 2, True),
    ]
    [change] = [c for c in new["changes"] if c["staff_id"] == busy["staff_id"]]
    assert change["text"].startswith(f"{busy['staff_id']}: ")


def evening_visits(client: TestClient, plan: dict[str, Any]) -> list[dict[str, Any]]:
    """The visits every version of ``plan`` must keep (from the stored plan)."""
    stored = client.get(f"/v1/plans/{plan['id']}").json()
    return [s for r in stored["routes"] for s in r["stops"] if s["kind"] == "visit"]


def test_staff_leaving_and_a_visit_cancelled_and_one_added(
    client: TestClient, evening: dict[str, Any], small_request: dict[str, Any]
) -> None:
    """guard-1 calls in sick at 18:00, client-2 is cancelled and a new visit for care-1
    comes in: guard-1 has no route and is told 'left', the cancelled visit is gone, the new
    one is kept by care-1."""
    visit = copy.deepcopy(small_request["visits"][0])
    visit.update(id="client-9", window={"start": "19:30", "end": "20:00"}, staff_ids=["care-1"])
    cancelled = small_request["visits"][1]["id"]
    answer = client.post(
        f"/v1/plans/{evening['id']}/replan",
        json={
            "now": "18:00",
            "staff_leaving": ["guard-1"],
            "visits_cancelled": [cancelled],
            "visits_added": [visit],
        },
    )
    assert answer.status_code == 201, answer.text
    new = answer.json()
    assert all(r["staff_id"] != "guard-1" for r in new["routes"])
    texts = {c["staff_id"]: c["text"] for c in new["changes"]}
    assert "left" in texts["guard-1"]
    visits = {
        s["id"] for r in new["routes"] for s in r["stops"] if s["kind"] == "visit" and not s["done"]
    }
    assert cancelled not in visits
    assert "client-9" in {s["id"] for s in _route(new, "care-1")["stops"]}
    assert "client-9 added at" in texts["care-1"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"done": ["hs-nope"]}, "done[0]"),
        ({"positions": [{"staff_id": "ghost"}]}, "positions[0].staff_id"),
        ({"staff_leaving": ["ghost"]}, "staff_leaving[0]"),
        ({"visits_cancelled": ["nobody"]}, "visits_cancelled[0]"),
        (
            {"positions": [{"staff_id": "guard-1", "location": {"lat": 57.60, "lon": 10.20}}]},
            "shifts[0].start_location",
        ),
    ],
    ids=[
        "done stop not in plan",
        "unknown staff",
        "leaving unknown",
        "cancel unknown",
        "off the streets",
    ],
)
def test_bad_replans_name_the_field(
    client: TestClient, evening: dict[str, Any], body: dict[str, Any], field: str
) -> None:
    """Each mistake in a re-plan is a 422 naming the field."""
    answer = client.post(f"/v1/plans/{evening['id']}/replan", json={"now": "17:30", **body})
    assert answer.status_code == 422, answer.text
    assert field in {e["field"] for e in answer.json()["errors"]}


def test_replan_of_an_unknown_plan_is_404(client: TestClient) -> None:
    """Re-planning a plan that does not exist is a 404 problem."""
    answer = client.post("/v1/plans/0123456789abcdef0123456789abcdef/replan", json={})
    assert answer.status_code == 404


def test_fixed_home_care_route_keeps_order_and_tolerance(
    client: TestClient, small_request: dict[str, Any]
) -> None:
    """care-1's scheduler route (three visits at 17:00, 18:30 and 20:00, 10 min either
    way) is kept in order within tolerance, hotspots are fitted between, and the route
    reports the minutes they add."""
    request = copy.deepcopy(small_request)
    request["visits"] = []
    care = next(s for s in request["shifts"] if s["id"] == "care-1")
    places = [h["location"] for h in request["hotspots"][:3]]
    care["fixed_visits"] = [
        {
            "id": f"home-{k}",
            "location": places[k],
            "planned_start": t,
            "duration_min": 20,
            "tolerance_min": 10,
        }
        for k, t in enumerate(("17:00", "18:30", "20:00"))
    ]
    request["hotspots"] = request["hotspots"][3:]
    plan = _plan(client, request)
    route = _route(plan, "care-1")
    fixed = [s for s in route["stops"] if s["kind"] == "visit"]
    assert [s["id"] for s in fixed] == ["home-0", "home-1", "home-2"]
    day = date.fromisoformat(plan["date"])
    for stop, planned in zip(fixed, ("17:00", "18:30", "20:00"), strict=True):
        start = datetime.fromisoformat(stop["start"])
        target = datetime.fromisoformat(f"{day}T{planned}").replace(tzinfo=start.tzinfo)
        assert abs(start - target) <= timedelta(minutes=10)
    assert route["patrol_extra_min"] is not None
    assert route["patrol_extra_min"] >= 0


def test_a_fixed_route_that_cannot_be_kept_names_the_visit(
    client: TestClient, small_request: dict[str, Any]
) -> None:
    """Two fixed visits a minute apart at places far apart cannot both be kept even with
    no hotspot: the 422 names the second visit and says why."""
    request = copy.deepcopy(small_request)
    request["visits"] = []
    care = next(s for s in request["shifts"] if s["id"] == "care-1")
    places = [h["location"] for h in request["hotspots"]]
    far = max(
        ((a, b) for a in places for b in places),
        key=lambda ab: abs(ab[0]["lat"] - ab[1]["lat"]) + abs(ab[0]["lon"] - ab[1]["lon"]),
    )
    care["fixed_visits"] = [
        {
            "id": "a",
            "location": far[0],
            "planned_start": "18:00",
            "duration_min": 30,
            "tolerance_min": 0,
        },
        {
            "id": "b",
            "location": far[1],
            "planned_start": "18:01",
            "duration_min": 30,
            "tolerance_min": 0,
        },
    ]
    answer = client.post("/v1/plans", json=request)
    assert answer.status_code == 422, answer.text
    [error] = answer.json()["errors"]
    assert error["id"] == "b"
    assert "fixed visit 'b' cannot be kept" in error["message"]


def test_balance_reports_its_price(client: TestClient, small_request: dict[str, Any]) -> None:
    """With balance on, the summary says the longest busy time with and without it and
    the coverage given up (never negative); balancing does not lengthen the longest route."""
    request = copy.deepcopy(small_request)
    request["options"] = {"time_limit_s": 2, "balance_weight_per_hour": 20}
    balance = _plan(client, request)["summary"]["balance"]
    assert balance["price_weight"] >= 0
    assert balance["longest_busy_min"] <= balance["longest_busy_min_unbalanced"] + 1e-6


@pytest.mark.slow
def test_routes_vary_over_a_week_within_the_coverage_bound(
    client: TestClient, small_request: dict[str, Any]
) -> None:
    """The same evening planned on seven consecutive dates: from the second night on, each
    plan is compared with the night before, covers at least 97 % of the best plan's weight,
    and repeats no more of last night's stops than the best plan would."""
    first = PLAN_DAY + timedelta(days=1)
    for night in range(7):
        request = copy.deepcopy(small_request)
        request["date"] = (first + timedelta(days=night)).isoformat()
        request["options"] = {"time_limit_s": 2, "seed": night}
        plan = _plan(client, request)
        variation = plan["summary"]["variation"]
        if night == 0:
            assert variation is None
            continue
        assert variation is not None
        assert variation["coverage_vs_best_pct"] >= 97 - 1e-6
        assert variation["overlap"] <= variation["overlap_best"] + 1e-6
        assert all(r["overlap_with_previous"] is not None for r in plan["routes"])


def test_a_walk_along_a_hotspot_covers_it_in_passing(
    client: TestClient, small_request: dict[str, Any]
) -> None:
    """A hotspot on the street a walker's route runs along, too long a stop to fit, is left
    out as a stop but reported covered in passing (apart from stop coverage); without
    ``passing_counts`` it is not."""
    start, end = small_request["hotspots"][0]["location"], small_request["hotspots"][4]["location"]
    walker = {
        "id": "walk-1",
        "phone": "+4520000099",
        "mode": "walk",
        "start_location": start,
        "end_location": end,
        "start_time": "18:00",
        "end_time": "19:30",
    }
    request = {"area": "sindal", "date": small_request["date"], "shifts": [walker]}
    first = _plan(client, request)
    line = next(
        f["geometry"]["coordinates"]
        for f in client.get(f"/v1/plans/{first['id']}/routes.geojson").json()["features"]
        if f["properties"]["feature"] == "route"
    )
    lon, lat = line[len(line) // 2]
    hotspot = {
        "id": "hs-lane",
        "location": {"lat": lat, "lon": lon},
        "weight": 4,
        "dwell_min": 240,
        "passing_counts": True,
    }
    plan = _plan(client, {**request, "hotspots": [hotspot]})
    assert [i["hotspot_id"] for i in plan["left_out"]] == ["hs-lane"]
    [passed] = plan["passed"]
    assert (passed["hotspot_id"], passed["staff_id"]) == ("hs-lane", "walk-1")
    assert plan["summary"]["weight_passing"] == 4
    assert plan["summary"]["weight_covered"] == 0
    unmarked = _plan(client, {**request, "hotspots": [{**hotspot, "passing_counts": False}]})
    assert unmarked["passed"] == []


def test_a_street_closed_tonight_is_routed_around(
    client: TestClient, evening: dict[str, Any], networks: AreaNetworks
) -> None:
    """A street on a route is closed at the start of the evening: the re-plan names it in a
    warning, no route line runs along it any more, and the closure stays with the plan
    (a second re-plan still goes around it)."""
    from shapely.geometry import LineString
    from shapely.geometry import Point as ShapelyPoint

    from graphs import snap_to_streets

    def lines(plan: dict[str, Any]) -> dict[str, list[list[float]]]:
        geojson = client.get(f"/v1/plans/{plan['id']}/routes.geojson").json()
        return {
            f["properties"]["staff_id"]: f["geometry"]["coordinates"]
            for f in geojson["features"]
            if f["properties"]["feature"] == "route"
        }

    def runs_along(coords: list[list[float]], street: LineString) -> bool:
        # A segment whose middle lies on the street (within ~0.5 m) runs along it.
        return any(
            street.distance(ShapelyPoint((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)) < 5e-6
            for a, b in itertools.pairwise(coords)
        )

    drive = networks.get("sindal", "drive")
    staff_id, line = max(lines(evening).items(), key=lambda item: len(item[1]))
    route = next(r for r in evening["routes"] if r["staff_id"] == staff_id)
    assert route["mode"] == "drive"
    a, b = line[len(line) // 2 - 1], line[len(line) // 2]
    mid_lon, mid_lat = (a[0] + b[0]) / 2, (a[1] + b[1]) / 2
    on = snap_to_streets(drive, [mid_lat], [mid_lon])
    street = drive.edge_geoms_lonlat[int(on.edge_row[0])]
    assert runs_along(line, street)

    answer = client.post(
        f"/v1/plans/{evening['id']}/replan",
        json={"now": route["start"], "streets_closed": [{"lat": mid_lat, "lon": mid_lon}]},
    )
    assert answer.status_code == 201, answer.text
    new = answer.json()
    [warning] = [w for w in new["warnings"] if w["code"] == "street_closed"]
    assert warning["field"] == "streets_closed[0]"
    assert "(drive)" in warning["message"]
    assert not any(runs_along(c, street) for c in lines(new).values())

    again = client.post(f"/v1/plans/{new['id']}/replan", json={"now": route["start"]})
    assert again.status_code == 201, again.text
    assert not any(runs_along(c, street) for c in lines(again.json()).values())


def test_a_closure_far_from_every_street_is_an_error(
    client: TestClient, small_request: dict[str, Any]
) -> None:
    """A closure point in the sea closes nothing: the request is refused naming it."""
    request = copy.deepcopy(small_request)
    request["streets_closed"] = [{"lat": 57.6, "lon": 10.6}]
    answer = client.post("/v1/plans", json=request)
    assert answer.status_code == 422, answer.text
    [problem] = [p for p in answer.json()["errors"] if p["field"] == "streets_closed[0]"]
    assert "no street closed" in problem["message"]
