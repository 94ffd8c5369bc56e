"""Answers that say what they changed or doubt: every accepted-but-odd request gets a
warning naming the field, the item's id and a stable code; bad input gets messages a
person can act on (the item's id, the field a typo meant, the expected format)."""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from graphs import snap_to_streets
from service.api.app import create_app
from service.config import Settings
from service.timeutil import today_local

if TYPE_CHECKING:
    from pathlib import Path

    from service.plans.networks import AreaNetworks


def _warnings(answer: Any) -> dict[str, dict[str, Any]]:
    assert answer.status_code == 201, answer.text
    return {w["code"]: w for w in answer.json()["warnings"]}


def _errors(answer: Any) -> dict[str, dict[str, Any]]:
    assert answer.status_code == 422, answer.text
    return {e["field"]: e for e in answer.json()["errors"]}


def test_a_plain_request_has_no_warnings(client: TestClient, small_request: dict[str, Any]) -> None:
    """Warnings are not noise: tonight's ordinary request answers ``warnings: []``."""
    request = copy.deepcopy(small_request)
    request["date"] = today_local().isoformat()
    answer = client.post("/v1/plans", json=request)
    assert answer.status_code == 201, answer.text
    assert answer.json()["warnings"] == []


def test_past_date_shift_cut_and_window_on_another_day(
    client: TestClient, small_request: dict[str, Any]
) -> None:
    """A past date, a shift ending 23:00 (cut to 22:00) and a window given on the next day
    are planned, each with a warning naming the field and the item."""
    request = copy.deepcopy(small_request)
    past = today_local() - timedelta(days=3)
    request["date"] = past.isoformat()
    request["shifts"][0]["end_time"] = "23:00"
    next_day = (past + timedelta(days=1)).isoformat()
    request["hotspots"][1]["windows"] = [{"start": f"{next_day}T18:00", "end": f"{next_day}T19:00"}]
    answer = client.post("/v1/plans", json=request)
    found = _warnings(answer)
    assert found["past_date"]["field"] == "date"
    cut = found["shift_cut"]
    assert (cut["field"], cut["id"]) == ("shifts[0].end_time", request["shifts"][0]["id"])
    assert "23:00" in cut["message"]
    assert "22:00" in cut["message"]
    route = next(r for r in answer.json()["routes"] if r["staff_id"] == cut["id"])
    assert route["end"][11:16] <= "22:00"
    other = found["window_other_day"]
    assert other["field"].startswith("hotspots[1].windows[0]")
    assert other["id"] == request["hotspots"][1]["id"]


def test_nothing_to_cover_is_said_and_not_called_full_coverage(
    client: TestClient, small_request: dict[str, Any]
) -> None:
    """With no hotspots the answer says there is nothing to cover, and the coverage ratio
    is null rather than a misleading 1.0."""
    request = copy.deepcopy(small_request)
    request["hotspots"] = []
    answer = client.post("/v1/plans", json=request)
    assert "nothing_to_cover" in _warnings(answer)
    assert answer.json()["summary"]["coverage_ratio"] is None


def _far_from_street(networks: AreaNetworks) -> dict[str, float]:
    """A point inside Sindal's streets' box whose nearest street is 120-250 m away."""
    bounds = networks.bounds("sindal", "drive")
    grid = np.mgrid[bounds.south : bounds.north : 60j, bounds.west : bounds.east : 60j]
    lats, lons = grid[0].ravel(), grid[1].ravel()
    network = networks.get("sindal", "drive")
    distance = snap_to_streets(network, lats.tolist(), lons.tolist()).snap_m
    i = int(np.flatnonzero((distance > 120) & (distance < 250))[0])
    return {"lat": float(lats[i]), "lon": float(lons[i])}


def _beyond_the_area(networks: AreaNetworks) -> dict[str, float]:
    """About 45 m north of the northernmost street node: outside the area, near a street."""
    graph = networks.get("sindal", "drive").graph
    _, north = max(graph.nodes(data=True), key=lambda item: item[1]["y"])
    return {"lat": float(north["y"]) + 0.0004, "lon": float(north["x"])}


def test_far_from_street_and_outside_the_area_are_warned(
    client: TestClient, small_request: dict[str, Any], networks: AreaNetworks
) -> None:
    """A hotspot 120-250 m from any street, and one just beyond the area's streets, are
    planned with ``far_from_street`` and ``outside_area`` warnings naming them."""
    request = copy.deepcopy(small_request)
    request["hotspots"][0]["location"] = _far_from_street(networks)
    request["hotspots"][1]["location"] = _beyond_the_area(networks)
    found = _warnings(client.post("/v1/plans", json=request))
    assert found["far_from_street"]["id"] == request["hotspots"][0]["id"]
    assert found["outside_area"]["id"] == request["hotspots"][1]["id"]
    assert "sindal" in found["outside_area"]["message"]


def test_a_time_limit_above_the_maximum_is_capped_with_a_warning(
    tmp_path: Path, graph_cache: Path, networks: AreaNetworks, small_request: dict[str, Any]
) -> None:
    """Asking for more search time than the server allows plans with its maximum, says so,
    and reports the limit used in the summary."""
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'w.db'}",
        graph_cache_dir=graph_cache,
        max_time_limit_s=1.0,
        preload_area=False,
        auth=False,
        plan_wait_s=60,
    )
    request = copy.deepcopy(small_request)
    request["options"] = {"time_limit_s": 600}
    with TestClient(create_app(settings, networks=networks)) as api:
        answer = api.post("/v1/plans", json=request)
    capped = _warnings(answer)["time_limit_capped"]
    assert capped["field"] == "options.time_limit_s"
    assert "600" in capped["message"]
    assert answer.json()["summary"]["time_limit_s"] == 1.0


@pytest.mark.parametrize(
    ("edit", "field", "words"),
    [
        (
            lambda r: r["hotspots"][2].update(dwell=5),
            "hotspots[2].dwell",
            "did you mean 'dwell_min'",
        ),
        (
            lambda r: r["shifts"][0].update(start=r["shifts"][0].pop("start_time")),
            "shifts[0].start",
            "did you mean 'start_time'",
        ),
        (lambda r: r.update(date="24-11-2026"), "date", "expected YYYY-MM-DD"),
        (
            lambda r: r["shifts"][1].update(end_time="25:00"),
            "shifts[1].end_time",
            "expected a clock time HH:MM",
        ),
        (
            lambda r: r["hotspots"][0].update(location={"lat": 110.2, "lon": 57.47}),
            "hotspots[0].location.lat",
            "look swapped",
        ),
        (
            lambda r: r["hotspots"][3].update(location={"lat": 10.2062, "lon": 57.4711}),
            "hotspots[3].location",
            "latitude and longitude look swapped",
        ),
    ],
    ids=["typo", "renamed", "date format", "clock format", "swapped out of range", "swapped"],
)
def test_messages_a_person_can_act_on(
    client: TestClient, small_request: dict[str, Any], edit: Any, field: str, words: str
) -> None:
    """Each mistake is a 422 naming the field and the item's id, with a hint that fixes
    it: the field a typo meant, the expected format, or that lat and lon look swapped."""
    request = copy.deepcopy(small_request)
    edit(request)
    errors = _errors(client.post("/v1/plans", json=request))
    assert field in errors, errors
    assert words in errors[field]["message"]
    if field.startswith(("hotspots", "shifts")):
        section, index = field.split("[")[0], int(field.split("[")[1].split("]")[0])
        assert errors[field]["id"] == request[section][index]["id"]


def test_a_clashing_visit_names_the_visit_it_clashes_with(
    client: TestClient, small_request: dict[str, Any]
) -> None:
    """Two visits only care-1 may serve, at the same moment at different addresses: the
    422 names one of them and the other it clashes with."""
    request = copy.deepcopy(small_request)
    for visit in request["visits"]:
        visit["staff_ids"] = ["care-1"]
        visit["window"] = {"start": "18:00", "end": "18:05"}
        visit["duration_min"] = 30
    ids = [v["id"] for v in request["visits"]]
    errors = _errors(client.post("/v1/plans", json=request))
    [(field, error)] = errors.items()
    assert field.startswith("visits[")
    other = next(i for i in ids if i != error["id"])
    assert f"clashes with {other!r}" in error["message"]


def test_a_windowless_hotspot_out_of_reach_is_not_told_about_windows(
    client: TestClient, small_request: dict[str, Any]
) -> None:
    """A hotspot without a window whose 4-hour stay fits no shift (both end 19:30) is left
    out for lack of time, and the detail does not speak of a window."""
    request = copy.deepcopy(small_request)
    for shift in request["shifts"]:
        shift["end_time"] = "19:30"
    request["hotspots"][0]["windows"] = []
    request["hotspots"][0]["dwell_min"] = 240
    answer = client.post("/v1/plans", json=request)
    assert answer.status_code == 201, answer.text
    [item] = [
        i for i in answer.json()["left_out"] if i["hotspot_id"] == request["hotspots"][0]["id"]
    ]
    assert item["reason"] == "not_enough_time"
    assert "window" not in item["detail"]
    assert "240 min" in item["detail"]
