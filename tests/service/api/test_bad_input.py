"""Bad input gets a clear problem+json 4xx naming the field: never a 500, never a trace."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from collections.abc import Callable

    from fastapi.testclient import TestClient


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """An edit that sets ``a.0.b`` style paths in a request."""

    def edit(request: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = request
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        node[int(last) if last.isdigit() else last] = value

    return edit


def _shift_ids(request: dict[str, Any]) -> None:
    request["shifts"][1]["id"] = request["shifts"][0]["id"]


CASES = [
    ("unknown area", _set("area", "atlantis"), "area", "atlantis"),
    ("shift end before start", _set("shifts.0.end_time", "16:00"), "shifts[0].end_time", "before"),
    ("shift after 22:00", _set("shifts.0.start_time", "22:30"), "shifts[0].start_time", "22:00"),
    ("weight zero", _set("hotspots.0.weight", 0), "hotspots[0].weight", "greater than 0"),
    ("weight negative", _set("hotspots.1.weight", -2), "hotspots[1].weight", "greater than 0"),
    ("phone not E.164", _set("shifts.0.phone", "12345678"), "shifts[0].phone", "E.164"),
    ("Danish phone too short", _set("shifts.0.phone", "+451234567"), "shifts[0].phone", "8 digits"),
    (
        "location off the network",
        _set("hotspots.2.location", {"lat": 57.60, "lon": 10.20}),
        "hotspots[2].location",
        "from the nearest street",
    ),
    (
        "shift start off its network",
        _set("shifts.0.start_location", {"lat": 57.40, "lon": 10.10}),
        "shifts[0].start_location",
        "drive network",
    ),
    (
        "latitude out of range",
        _set("hotspots.0.location", {"lat": 95, "lon": 10.2}),
        "hotspots[0].location.lat",
        "less than or equal to 90",
    ),
    (
        "visit window outside its shifts",
        _set("visits.0.window", {"start": "07:00", "end": "08:00"}),
        "visits[0].window",
        "outside every shift",
    ),
    (
        "visit for an unknown staff member",
        _set("visits.0.staff_ids", ["ghost"]),
        "visits[0].staff_ids",
        "ghost",
    ),
    (
        "visit no role can serve",
        _set("visits.0.roles", ["road_park"]),
        "visits[0]",
        "no shift in the plan may serve it",
    ),
    ("duplicate shift id", _shift_ids, "shifts", "more than once"),
    (
        "index on a named area",
        _set("hotspots.0.location", {"index": 3}),
        "hotspots[0].location",
        "lat, lon",
    ),
    ("unknown field", _set("hotspots.0.colour", "red"), "hotspots[0].colour", "unknown field"),
    (
        "window ends before start",
        _set("hotspots.0.windows", [{"start": "21:00", "end": "20:00"}]),
        "hotspots[0].windows[0]",
        "before",
    ),
    (
        "time limit zero",
        _set("options", {"time_limit_s": 0}),
        "options.time_limit_s",
        "greater than 0",
    ),
    ("no shifts", _set("shifts", []), "shifts", "at least 1"),
]


@pytest.mark.parametrize(("case", "edit", "field", "words"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_names_the_field(
    client: TestClient,
    small_request: dict[str, Any],
    case: str,
    edit: Callable[[dict[str, Any]], None],
    field: str,
    words: str,
) -> None:
    """Each kind of bad input is a 422 problem+json whose errors name the field."""
    request = copy.deepcopy(small_request)
    edit(request)
    answer = client.post("/v1/plans", json=request)
    assert answer.status_code == 422, f"{case}: {answer.text}"
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert problem["status"] == 422
    assert problem["title"] == "Invalid request"
    fields = {e["field"]: e["message"] for e in problem["errors"]}
    assert field in fields, fields
    assert words in fields[field]
    assert "Traceback" not in answer.text


def test_malformed_json_is_400(client: TestClient) -> None:
    """A body that is not JSON is a 400 problem, not a 500."""
    answer = client.post(
        "/v1/plans", content=b'{"shifts": [', headers={"content-type": "application/json"}
    )
    assert answer.status_code == 400
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["title"] == "Malformed JSON"


def test_conflicting_visits_name_the_visit(
    client: TestClient, small_request: dict[str, Any]
) -> None:
    """Two 60-minute visits in the same 10-minute window for one carer: 422 naming a visit."""
    request = copy.deepcopy(small_request)
    for visit in request["visits"]:
        visit["window"] = {"start": "18:00", "end": "18:10"}
        visit["duration_min"] = 60
    answer = client.post("/v1/plans", json=request)
    assert answer.status_code == 422
    (error,) = answer.json()["errors"]
    assert error["field"] in {"visits[0]", "visits[1]"}
    assert "cannot be kept" in error["message"]


def test_matrix_area_checks(client: TestClient, small_request: dict[str, Any]) -> None:
    """A non-square matrix, or a point location on a matrix area, is a 422 naming the field."""
    request = copy.deepcopy(small_request)
    request["area"] = {"travel_time_s": [[0, 1], [1]]}
    answer = client.post("/v1/plans", json=request)
    assert answer.status_code == 422
    assert any("square" in e["message"] for e in answer.json()["errors"])
    request["area"] = {"travel_time_s": [[0, 1], [1, 0]]}
    answer = client.post("/v1/plans", json=request)
    assert answer.status_code == 422
    fields = {e["field"] for e in answer.json()["errors"]}
    assert "shifts[0].start_location" in fields


@pytest.mark.parametrize(
    ("language", "words"),
    [("en", "cannot be planned: getting from its start to its end takes"), ("da", "turen fra")],
)
def test_a_shift_too_short_to_reach_its_end_names_the_shift(
    client: TestClient, small_request: dict[str, Any], language: str, words: str
) -> None:
    """A walking shift of 5 min that ends 1 km from where it starts cannot be planned at
    all: a 422 naming that shift, in the reader's language (not "no plan found, allow more
    time", which more time would not mend)."""
    request = copy.deepcopy(small_request)
    shift = request["shifts"][0]
    shift |= {
        "mode": "walk",
        "start_time": "21:55",
        "end_time": "22:00",
        "end_location": request["hotspots"][2]["location"],
    }
    answer = client.post("/v1/plans", json=request, headers={"accept-language": language})
    assert answer.status_code == 422, answer.text
    (error,) = answer.json()["errors"]
    assert error["field"] == "shifts[0]"
    assert error["id"] == shift["id"]
    assert words in error["message"]
    assert "5 min" in error["message"]
