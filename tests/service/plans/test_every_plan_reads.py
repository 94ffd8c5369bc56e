"""Every plan the API accepts can be read back everywhere: the map's list, the plan, its
versions, its GeoJSON, GPX, CSV and each staff member's calendar - whatever its shape
(nothing to cover, all left out, visits only, one staff member)."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, given, settings

from ..answers import job_end, planned
from ..conftest import PLAN_DAY

if TYPE_CHECKING:
    from fastapi.testclient import TestClient


def read_everything(client: TestClient, plan: dict[str, Any], *, named_area: bool) -> None:
    """Every read of ``plan`` answers: 200 with a body, or (a plan on a matrix has no
    coordinates) a 404 problem saying why; never a 5xx."""
    listed = client.get("/v1/map/plans", params={"limit": 100})
    assert listed.status_code == 200, listed.text
    assert plan["id"] in {p["id"] for p in listed.json()}
    assert client.get(f"/v1/plans/{plan['id']}").status_code == 200
    assert client.get(f"/v1/plans/{plan['id']}/versions").status_code == 200
    assert client.get(f"/map/{plan['id']}").status_code == 200
    csv = client.get(f"/v1/plans/{plan['id']}/routes.csv")
    assert csv.status_code == 200, csv.text
    for route in plan["routes"]:
        ics = client.get(f"/v1/plans/{plan['id']}/staff/{route['staff_id']}.ics")
        assert ics.status_code == 200, ics.text
        assert "BEGIN:VCALENDAR" in ics.text
    for path in ("routes.geojson", "routes.gpx"):
        answer = client.get(f"/v1/plans/{plan['id']}/{path}")
        if named_area:
            assert answer.status_code == 200, (path, answer.text)
        else:
            assert answer.status_code == 404, (path, answer.text)
            assert answer.json()["detail"], path


def _shift(i: int, start: str, end: str) -> dict[str, Any]:
    return {
        "id": f"staff-{i}",
        "phone": f"+452000{i:04d}",
        "role": "home_care" if i == 0 else "service_guard",
        "start_location": {"index": 0},
        "start_time": start,
        "end_time": end,
    }


@st.composite
def matrix_requests(draw: st.DrawFn) -> dict[str, Any]:
    """Small plans on an explicit matrix: one to three staff, no hotspots to many, windows
    that may be impossible to reach, visits or none."""
    n = 6
    matrix = [[0 if a == b else draw(st.integers(60, 1800)) for b in range(n)] for a in range(n)]
    shifts = [
        _shift(i, draw(st.sampled_from(["16:00", "17:00", "18:00"])), "21:00")
        for i in range(draw(st.integers(1, 3)))
    ]
    hotspots = [
        {
            "id": f"hs-{k}",
            "location": {"index": draw(st.integers(1, n - 1))},
            "weight": draw(st.sampled_from([0.5, 1, 10])),
            "windows": draw(
                st.sampled_from(
                    [[], [{"start": "18:00", "end": "20:00"}], [{"start": "23:00", "end": "23:30"}]]
                )
            ),
        }
        for k in range(draw(st.integers(0, 5)))
    ]
    visits = [
        {
            "id": f"client-{k}",
            "location": {"index": draw(st.integers(1, n - 1))},
            "window": {"start": "18:00", "end": "20:30"},
            "duration_min": 20,
            "roles": ["home_care"],
        }
        for k in range(draw(st.integers(0, 2)))
    ]
    return {
        "area": {"travel_time_s": matrix},
        "date": PLAN_DAY.isoformat(),
        "shifts": shifts,
        "hotspots": hotspots,
        "visits": visits,
        "options": {"time_limit_s": 20, "seed": 1},
    }


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(request=matrix_requests())
def test_every_accepted_matrix_plan_reads_back(client: TestClient, request: dict[str, Any]) -> None:
    """Whatever a small matrix plan holds, once accepted every read of it answers."""
    answer = client.post("/v1/plans", json=request, headers={"Prefer": "wait=60"})
    if answer.status_code == 422:  # refused naming why (e.g. a visit no one can keep)
        assert answer.json()["errors"]
        return
    if answer.status_code == 202:
        job = job_end(client, answer.headers["location"])
        assert job["state"] == "done", job
        answer = client.get(job["plan"])
    assert answer.status_code in (200, 201), answer.text
    plan = answer.json()
    read_everything(client, plan, named_area=False)


@pytest.mark.parametrize(
    "shape", ["nothing to cover", "all left out", "visits only", "one staff member"]
)
def test_every_shape_of_a_street_plan_reads_back(
    client: TestClient, small_request: dict[str, Any], shape: str
) -> None:
    """On Sindal's streets too: a plan with no hotspots, one whose hotspots no one can
    reach in time, one with only visits, and one with a single staff member are listed
    on the map and exported as GeoJSON, GPX, CSV and calendars."""
    request = copy.deepcopy(small_request)
    request["options"] = {"time_limit_s": 20, "seed": 1}
    if shape in ("nothing to cover", "visits only"):
        request["hotspots"] = []
    if shape == "nothing to cover":
        request["visits"] = []
    if shape == "all left out":
        for hotspot in request["hotspots"]:
            hotspot["windows"] = [{"start": "23:00", "end": "23:30"}]
    if shape == "one staff member":
        request["shifts"] = request["shifts"][:1]
        request["visits"] = [
            v for v in request["visits"] if request["shifts"][0]["role"] in v.get("roles", [])
        ]
    plan = planned(client, "/v1/plans", request)
    if shape == "all left out":
        assert plan["summary"]["hotspots_visited"] == 0
    read_everything(client, plan, named_area=True)
