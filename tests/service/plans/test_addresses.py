"""Locations given as Danish addresses, looked up offline in Sindal's own OSM file: planned
on their points, never stored as text; an address not found is a 422 naming the field and
the closest addresses (issue 18)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from service.cli import main
from service.errors import RequestError
from service.plans.geocode import geocode_request
from service.plans.schemas import AddressIn, PlanRequest

if TYPE_CHECKING:
    from collections.abc import Iterator

    from fastapi.testclient import TestClient

    from service.config import Settings
    from service.plans.networks import AreaNetworks

NORREGADE_1A = {"lat": 57.4711164, "lon": 10.2020257}
"""Nørregade 1A, 9870 Sindal: node 2975385007 of the shipped file."""


def _by_address(small_request: dict[str, Any]) -> dict[str, Any]:
    """The small request with guard-1's start, a client visit and a hotspot by address."""
    request = copy.deepcopy(small_request)
    guard = next(s for s in request["shifts"] if s["id"] == "guard-1")
    guard["start_location"] = {"address": "Nørregade 1A, 1. tv., 9870 Sindal"}
    request["visits"][0]["location"] = {"address": "vestergade 13, sindal"}
    request["hotspots"][0]["location"] = {"address": "Dalgaardsvej 9"}
    return request


def test_a_plan_by_address_stores_points_only(
    client: TestClient, small_request: dict[str, Any], settings: Settings
) -> None:
    """A plan whose start, visit and hotspot are addresses is planned from their points;
    the answer, the stored request and the job hold the points, and the database holds
    none of the address texts."""
    answer = client.post("/v1/plans", json=_by_address(small_request))
    assert answer.status_code == 201, answer.text
    plan = answer.json()
    guard = next(r for r in plan["routes"] if r["staff_id"] == "guard-1")
    start = guard["stops"][0]
    assert start["kind"] == "start"
    assert start["location"]["lat"] == pytest.approx(NORREGADE_1A["lat"])
    assert start["location"]["lon"] == pytest.approx(NORREGADE_1A["lon"])
    assert plan["summary"]["visits_kept"] == 2
    stored = client.app.state.plan_store.request(plan["id"])  # type: ignore[attr-defined]
    guard_in = next(s for s in stored["shifts"] if s["id"] == "guard-1")
    assert guard_in["start_location"] == pytest.approx(NORREGADE_1A)
    assert "address" not in str(stored)
    database = Path(settings.database_url.removeprefix("sqlite:///")).read_bytes()
    for text in ("Nørregade", "vestergade", "Dalgaardsvej"):
        assert text.encode() not in database


def test_an_address_not_found_names_the_field_and_the_closest(
    client: TestClient, small_request: dict[str, Any]
) -> None:
    """A 422 names each address not found by its field and item id and lists the closest
    addresses Sindal has; a text without a house number says what is expected."""
    request = copy.deepcopy(small_request)
    request["visits"][0]["location"] = {"address": "Nørregade 12, 9870 Sindal"}
    request["hotspots"][1]["location"] = {"address": "Nørregade"}
    answer = client.post("/v1/plans", json=request)
    assert answer.status_code == 422, answer.text
    errors = {e["field"]: e for e in answer.json()["errors"]}
    visit = errors["visits[0].location.address"]
    assert visit["id"] == request["visits"][0]["id"]
    assert visit["message"] == (
        "address 'Nørregade 12, 9870 Sindal' not found in sindal; closest: "
        "Nørregade 12A, 9870 Sindal; Nørregade 12B, 9870 Sindal; Nørregade 11, 9870 Sindal"
    )
    hotspot = errors["hotspots[1].location.address"]
    assert "expected a street and a house number" in hotspot["message"]


def test_a_replan_adds_a_visit_by_address(
    client: TestClient, small_request: dict[str, Any], settings: Settings
) -> None:
    """A visit added to a re-plan by address is kept at its point; its text is stored
    nowhere (neither the job nor the new version); a wrong one is a 422 on its field."""
    request = copy.deepcopy(small_request)
    request["options"] = {"time_limit_s": 1, "variation": {"enabled": False}}
    plan = client.post("/v1/plans", json=request).json()
    added = {
        "id": "client-new",
        "location": {"address": "Ole Rømersvej 2"},
        "window": {"start": "20:00", "end": "21:00"},
        "duration_min": 15,
    }
    answer = client.post(
        f"/v1/plans/{plan['id']}/replan", json={"now": "19:00", "visits_added": [added]}
    )
    assert answer.status_code == 201, answer.text
    stops = [s for r in answer.json()["routes"] for s in r["stops"] if s["id"] == "client-new"]
    assert len(stops) == 1
    assert stops[0]["location"]["lat"] == pytest.approx(57.4741, abs=0.01)
    database = Path(settings.database_url.removeprefix("sqlite:///")).read_bytes()
    assert "Rømersvej".encode() not in database
    wrong = copy.deepcopy(added) | {"location": {"address": "Ole Rømersvej 999"}}
    refused = client.post(f"/v1/plans/{plan['id']}/replan", json={"visits_added": [wrong]})
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "visits_added[0].location.address"
    assert "closest: Ole Rømers Vej" in refused.json()["errors"][0]["message"]


def test_addresses_need_a_named_area(networks: AreaNetworks) -> None:
    """On a matrix area an address cannot be placed: the field is named."""
    request = PlanRequest.model_validate(
        {
            "area": {"travel_time_s": [[0, 60], [60, 0]]},
            "shifts": [
                {
                    "id": "a",
                    "phone": "+4520000001",
                    "start_location": {"address": "Nørregade 1A"},
                    "start_time": "17:00",
                    "end_time": "21:00",
                }
            ],
        }
    )
    assert isinstance(request.shifts[0].start_location, AddressIn)
    with pytest.raises(RequestError) as error:
        geocode_request(request, networks=networks)
    assert error.value.problems[0].field == "shifts[0].start_location"
    assert "matrix" in error.value.problems[0].message


@pytest.fixture
def cli_env(tmp_path: Path, graph_cache: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point the CLI at a temporary database and the session's graph cache."""
    from service.config import get_settings

    monkeypatch.setenv("EYES_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("EYES_GRAPH_CACHE_DIR", str(graph_cache))
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def test_eyes_geocode(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``eyes geocode`` prints each address's point as a JSON line (the default area is
    Sindal); an address not found exits 2 naming the closest, and prints no points."""
    assert main(["geocode", "nørregade 1a, 2. th.", "Dalgaardsvej 9", "--area", "sindal"]) == 0
    first, second = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    assert first == {"address": "Nørregade 1A, 9870 Sindal", **NORREGADE_1A, "area": "sindal"}
    assert second["address"] == "Dalgårdsvej 9, 9870 Sindal"
    assert main(["geocode", "Nørregade 1A", "Nørregade 12"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        "error: address 'Nørregade 12' not found in sindal; closest: Nørregade 12A, 9870 "
        "Sindal; Nørregade 12B, 9870 Sindal; Nørregade 11, 9870 Sindal\n"
    )
