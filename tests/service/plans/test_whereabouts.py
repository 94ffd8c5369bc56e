"""Another town's files on the wrong area: one problem naming the area they lie in, not one
error per row (issue 22: 136 errors for Rønne's files on a Sindal server)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from graphs import AreaCatalog
from service.config import SHIPPED_AREAS_DIR
from service.plans.whereabouts import distance_to_box_m

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

SHIFTS = (
    "id,phone,lat,lon,start_time,end_time\n"
    "guard-1,+4520000001,{lat},{lon},17:00,22:00\n"
    "guard-2,+4520000002,{lat},{lon},18:00,22:00\n"
)
HOTSPOTS = "id,lat,lon,weight\n" + "".join(f"hs-{i},{{lat}},{{lon2}},{i + 1}\n" for i in range(30))
VADUZ = {"lat": 47.1410, "lon": 9.5215, "lon2": 9.5230}
SINDAL = {"lat": 57.47083, "lon": 10.20214, "lon2": 10.2040}


def _files(where: dict[str, float], area: str | None) -> dict[str, object]:
    return {
        "shifts_csv": SHIFTS.format(**where),
        "hotspots_csv": HOTSPOTS.format(**where),
        "area": area,
        "date": "2026-11-24",
    }


def test_files_of_another_area_are_one_problem_naming_it(client: TestClient) -> None:
    """Vaduz's files on Sindal (named, or as the server's default) give one 422 problem on
    ``area`` saying how far they are and that they lie in ``liechtenstein``, instead of a
    problem per row; on ``liechtenstein`` the same files import."""
    for area in ("sindal", None):
        answer = client.post("/v1/imports/csv", json=_files(VADUZ, area))
        assert answer.status_code == 422, answer.text
        [error] = answer.json()["errors"]
        assert error["field"] == "area"
        assert error["message"].startswith("every location lies far outside area 'sindal'")
        assert error["message"].endswith("they lie in area 'liechtenstein': choose that area")
    answer = client.post("/v1/imports/csv", json=_files(VADUZ, "liechtenstein"))
    assert answer.status_code == 200, answer.text
    assert answer.json()["area"] == "liechtenstein"
    assert client.post("/v1/imports/csv", json=_files(SINDAL, "sindal")).status_code == 200


def test_files_of_no_registered_area_say_so(client: TestClient) -> None:
    """Locations in Rønne, which no shipped area covers, are one problem listing the
    registered areas instead."""
    ronne = {"lat": 55.1009, "lon": 14.7066, "lon2": 14.7080}
    answer = client.post("/v1/imports/csv", json=_files(ronne, "sindal"))
    assert answer.status_code == 422
    [error] = answer.json()["errors"]
    assert "no registered area holds them (others: liechtenstein)" in error["message"]


@pytest.mark.parametrize(
    ("lat", "lon", "metres"),
    [
        (57.47, 10.20, 0.0),  # inside
        (57.4899 + 0.01, 10.20, 1112.0),  # 0.01 degree north: about 1.1 km
        (55.1009, 14.7066, 379_900.0),  # Rønne, about 380 km from Sindal's box
    ],
)
def test_distance_to_an_area_box(lat: float, lon: float, metres: float) -> None:
    """The distance from a point to Sindal's box (from its file header) is 0 inside and the
    great-circle distance to the box's nearest point outside (within 1 %)."""
    box = AreaCatalog([SHIPPED_AREAS_DIR]).get("sindal").bounds()
    assert box is not None
    assert distance_to_box_m(lat, lon, box) == pytest.approx(metres, rel=0.01, abs=1.0)
