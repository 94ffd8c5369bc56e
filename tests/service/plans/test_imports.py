"""Plan requests from the schedulers' CSV files: the API, the CLI, and errors that name the
file, the line and the column; re-planning a stored plan."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gpxpy
import icalendar
import pytest
import sqlalchemy

from service.cli import main
from service.errors import RequestError
from service.plans.imports import COLUMNS, CsvImport, request_from_csv
from service.plans.schemas import PlanRequest
from service.plans.store import PlanRecord

if TYPE_CHECKING:
    from collections.abc import Iterator

    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from service.plans.networks import AreaNetworks

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
SHIFTS = "id,phone,lat,lon,start_time,end_time\nguard-1,+4520000001,57.47083,10.20214,17:00,22:00\n"


def _example(name: str) -> str:
    return (EXAMPLES / f"sindal_{name}.csv").read_text(encoding="utf-8")


def _problems(**texts: str | None) -> list[str]:
    """The problems ``request_from_csv`` reports, as ``field: message`` lines."""
    with pytest.raises(RequestError) as caught:
        request_from_csv(CsvImport.model_validate({"shifts_csv": SHIFTS, **texts}))
    return [f"{p.field}: {p.message}" for p in caught.value.problems]


def test_example_files_make_the_sample_request() -> None:
    """The shipped CSV files import to exactly the shipped JSON sample evening."""
    sample = json.loads((EXAMPLES / "sindal_request.json").read_text())
    imported = request_from_csv(
        CsvImport(
            shifts_csv=_example("shifts"),
            hotspots_csv=_example("hotspots"),
            visits_csv=_example("visits"),
            area=sample["area"],
            options=sample["options"],
        )
    )
    assert imported == PlanRequest.model_validate(sample)


def test_semicolons_decimal_commas_and_a_byte_order_mark() -> None:
    """A Danish Excel export (BOM, ';' between cells, ',' in numbers) reads the same."""
    text = "\ufeffid;phone;lat;lon;start_time;end_time\r\ng;+4520000001;57,47;10,2;17:00;22:00\r\n"
    request = request_from_csv(CsvImport(shifts_csv=text))
    shift = request.shifts[0]
    assert (shift.start_location.lat, shift.start_location.lon) == (57.47, 10.2)  # type: ignore[union-attr]


def test_an_address_without_coordinates_is_looked_up(networks: AreaNetworks) -> None:
    """An address alone is looked up in the area's OSM file (offline); one the area does not
    have is an error naming its line and column and the closest addresses. With lat and
    lon the address is only for reading, and is never kept."""
    visits = (
        "id,lat,lon,window_start,window_end,duration_min,address\n"
        "v1,57.47,10.2,18:00,19:00,20,Torvet 1\n"
        "v2,,,18:00,19:00,20,Vestergade 13\n"
    )
    source = CsvImport(shifts_csv=SHIFTS, visits_csv=visits, area="sindal")
    request = request_from_csv(source, networks=networks)
    located = request.visits[1].location
    assert (located.lat, located.lon) == (57.47024, 10.1961)  # type: ignore[union-attr]
    assert "Torvet" not in request.model_dump_json()
    with pytest.raises(RequestError) as caught:
        request_from_csv(
            source.model_copy(update={"visits_csv": visits.replace("Vestergade 13", "Torvet 1")}),
            networks=networks,
        )
    [problem] = caught.value.problems
    assert problem.field == "visits CSV line 3, column address"
    assert problem.message.startswith("address 'Torvet 1' not found in sindal; closest: ")


def test_header_problems_name_the_column() -> None:
    """An unknown column, a missing required one and a client-name column are refused."""
    hotspots = "id,lat,lon,wieght\nh1,57.47,10.2,3\n"
    visits = "id,name,lat,lon,window_start,window_end\nv1,Anna,57.47,10.2,18:00,19:00\n"
    problems = _problems(hotspots_csv=hotspots, visits_csv=visits)
    assert problems[0].startswith("hotspots CSV line 1, column wieght: not a hotspots column")
    # The misspelt column names the one it missed; that one is not listed again.
    assert problems[0].endswith("did you mean weight?")
    assert "hotspots CSV line 1: missing column weight" not in problems
    assert any(
        p.startswith("visits CSV line 1, column name: client names and contact details")
        for p in problems
    )
    assert "visits CSV line 1: missing column duration_min" in problems


def test_cell_problems_name_line_and_column() -> None:
    """Bad numbers, windows, a repeated id, a half location and extra cells each name their
    line (quoted cells spanning lines counted) and column."""
    hotspots = (
        "id,lat,lon,weight,windows,max_visits\n"
        'h1,57.47,10.2,heavy,"18:00-19:00;\n21:00",2\n'
        "h1,57.47,,2,,1.5\n"
        "h3,57.47,10.2,2,,1,extra\n"
    )
    assert _problems(hotspots_csv=hotspots) == [
        "hotspots CSV line 2, column weight: not a number: 'heavy'",
        "hotspots CSV line 2, column windows: not a window: '21:00'; expected e.g. "
        "18:00-21:45 (several separated by ;) or an ISO interval "
        "2026-11-24T18:00/2026-11-24T21:45",
        "hotspots CSV line 4, column id: id 'h1' is already used on line 2",
        "hotspots CSV line 4, column max_visits: not a whole number: '1.5'",
        "hotspots CSV line 4, column lon: lon is empty: give both lat and lon",
        "hotspots CSV line 5: 7 cells, but the header has 6 columns",
    ]


def test_request_rules_are_reported_at_their_line_and_column() -> None:
    """What the request schema and its cross-field rules refuse comes back as CSV places."""
    shifts = (
        "id,phone,lat,lon,end_lat,end_lon,start_time,end_time\n"
        "g1,+4520000001,57.47,10.2,95,10.2,17:00,22:00\n"
        "g2,12345,57.47,10.2,,,17:00,22:00\n"
    )
    assert _problems(shifts_csv=shifts) == [
        "shifts CSV line 2, column end_lat: Input should be less than or equal to 90",
        "shifts CSV line 3, column phone: not a valid phone number: use E.164 with country "
        "code, e.g. +4512345678",
    ]
    late = SHIFTS.replace("17:00,22:00", "21:00,20:00")
    visits = (
        "id,lat,lon,window_start,window_end,duration_min,staff_ids\n"
        "v1,57.47,10.2,18:00,19:00,20,guard-9\n"
    )
    problems = _problems(shifts_csv=late, visits_csv=visits)
    assert any(
        p.startswith("shifts CSV line 2, column end_time: shift ends at 20:00") for p in problems
    )
    assert "visits CSV line 2, column staff_ids: no shift has id 'guard-9'" in problems


def test_a_repeated_column_and_blank_lines() -> None:
    """A column named twice is refused; blank lines are skipped but still counted."""
    assert _problems(hotspots_csv="id,lat,lat,lon,weight\n") == [
        "hotspots CSV line 1, column lat: the column appears twice"
    ]
    visits = "id,lat,lon,window_start,window_end,duration_min\n\n,,,,,\nv1,57.47,10.2,18:00,,20\n"
    assert _problems(visits_csv=visits) == [
        "visits CSV line 4, column window_end: the cell is empty"
    ]


def test_empty_files() -> None:
    """A shifts file with a header only, or an empty hotspots file, says what is missing."""
    assert _problems(shifts_csv="id,phone,lat,lon,start_time,end_time\n") == [
        "shifts CSV line 2: no shifts: add one row per staff member"
    ]
    assert _problems(hotspots_csv="\n") == [
        "hotspots CSV line 1: the file is empty; expected a header"
    ]


def test_every_documented_column_is_read() -> None:
    """Each file's columns, all filled in, reach the request."""
    assert list(COLUMNS["visits"])[:3] == ["id", "lat", "lon"]
    shifts = (
        "id,name,phone,role,mode,lat,lon,end_lat,end_lon,start_time,end_time,address\n"
        "c1,Care,+4520000009,home_care,bike,57.47,10.2,57.48,10.21,16:00,21:00,Torvet 1\n"
    )
    hotspots = (
        "id,lat,lon,weight,dwell_min,windows,max_visits,min_gap_min,repeat_value\n"
        "h1,57.47,10.2,4.5,12,18:00-19:00; 2026-11-24T20:00/2026-11-24T21:00,2,45,0.25\n"
    )
    visits = (
        "id,lat,lon,window_start,window_end,duration_min,staff_ids,roles\n"
        "v1,57.47,10.2,17:00,17:30,25,c1,home_care road_park\n"
    )
    request = request_from_csv(
        CsvImport(shifts_csv=shifts, hotspots_csv=hotspots, visits_csv=visits)
    )
    body = request.model_dump(mode="json")
    assert body["shifts"][0]["end_location"] == {"lat": 57.48, "lon": 10.21}
    assert body["shifts"][0]["mode"] == "bike"
    assert "address" not in json.dumps(body)
    assert body["hotspots"][0]["windows"][1] == {
        "start": "2026-11-24T20:00:00",
        "end": "2026-11-24T21:00:00",
    }
    assert (body["hotspots"][0]["repeat_value"], body["hotspots"][0]["max_visits"]) == (0.25, 2)
    assert body["visits"][0]["roles"] == ["home_care", "road_park"]
    assert body["visits"][0]["staff_ids"] == ["c1"]


def test_import_api_makes_a_request_the_planner_takes(client: TestClient) -> None:
    """POST /v1/imports/csv answers a request that POST /v1/plans plans (201)."""
    files = {
        "shifts_csv": _example("shifts").replace("23:00", "22:00"),
        "hotspots_csv": "\n".join(_example("hotspots").splitlines()[:9]),
        "visits_csv": "\n".join(_example("visits").splitlines()[:3]),
        "date": "2026-11-24",
        "options": {"time_limit_s": 1, "seed": 4},
    }
    answer = client.post("/v1/imports/csv", json=files)
    assert answer.status_code == 200, answer.text
    request = answer.json()
    assert len(request["hotspots"]) == 8
    assert {k: request["options"][k] for k in ("time_limit_s", "seed")} == {
        "time_limit_s": 1,
        "seed": 4,
    }
    plan = client.post("/v1/plans", json=request)
    assert plan.status_code == 201, plan.text
    assert plan.json()["summary"]["visits_kept"] == 2


def test_import_api_errors_name_line_and_column(client: TestClient, app: FastAPI) -> None:
    """A bad file is a 422 problem naming the line and column; police keys may not import."""
    answer = client.post("/v1/imports/csv", json={"shifts_csv": SHIFTS.replace("57.47083", "x")})
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["errors"] == [
        {"field": "shifts CSV line 2, column lat", "message": "not a number: 'x'"}
    ]
    from service.auth.keys import create_key

    _, police = create_key(app.state.alert_store, "police")
    refused = client.post(
        "/v1/imports/csv", json={"shifts_csv": SHIFTS}, headers={"X-API-Key": police}
    )
    assert refused.status_code == 403


def test_rerun_plans_the_stored_request_again(
    client: TestClient, small_request: dict[str, Any], app: FastAPI
) -> None:
    """A re-plan stores a new plan for the same date and request with the new seed; the
    request's other options stay; an unknown plan is a 404."""
    small_request.pop("date")
    first = client.post("/v1/plans", json=small_request).json()
    answer = client.post(f"/v1/plans/{first['id']}/rerun", json={"seed": 7})
    assert answer.status_code == 201, answer.text
    second = answer.json()
    assert answer.headers["location"] == f"/v1/plans/{second['id']}"
    assert second["id"] != first["id"]
    assert second["date"] == first["date"]
    assert {r["staff_id"] for r in second["routes"]} == {r["staff_id"] for r in first["routes"]}
    with app.state.plan_store.sessions() as session:
        stored = session.get(PlanRecord, second["id"])
    assert stored is not None
    assert {k: stored.request["options"][k] for k in ("time_limit_s", "seed")} == {
        "time_limit_s": 1,
        "seed": 7,
    }
    assert stored.request["date"] == first["date"]
    assert client.post("/v1/plans/nope/rerun", json={}).status_code == 404
    assert client.post(f"/v1/plans/{first['id']}/rerun", json={"seed": -1}).status_code == 422


def test_rerun_after_retention_says_why(
    client: TestClient, small_request: dict[str, Any], app: FastAPI
) -> None:
    """Once retention has deleted the staff phones, a re-plan is a 422 that says so."""
    plan = client.post("/v1/plans", json=small_request).json()
    with app.state.plan_store.sessions() as session, session.begin():
        record = session.get(PlanRecord, plan["id"])
        assert record is not None
        shifts = [{**s, "phone": None} for s in record.request["shifts"]]
        session.execute(
            sqlalchemy.update(PlanRecord)
            .where(PlanRecord.id == plan["id"])
            .values(request={**record.request, "shifts": shifts})
        )
    answer = client.post(f"/v1/plans/{plan['id']}/rerun", json={"time_limit_s": 1})
    assert answer.status_code == 422
    assert "deleted by retention" in answer.json()["errors"][0]["message"]


@pytest.fixture
def cli_env(tmp_path: Path, graph_cache: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point the CLI at a temporary database and the session's graph cache."""
    from service.config import get_settings

    monkeypatch.setenv("EYES_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("EYES_GRAPH_CACHE_DIR", str(graph_cache))
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def test_cli_plans_from_csv_and_writes_every_file(
    cli_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``eyes plan --shifts-csv ... --gpx --csv --ics-dir`` plans and writes files that
    gpxpy, csv and icalendar read, one stop each as in the printed plan."""
    shifts = cli_env / "shifts.csv"
    shifts.write_text(_example("shifts"))
    hotspots = cli_env / "hotspots.csv"
    hotspots.write_text("\n".join(_example("hotspots").splitlines()[:12]))
    visits = cli_env / "visits.csv"
    visits.write_text(_example("visits"))
    out = cli_env / "out"
    argv = [
        "plan",
        *("--shifts-csv", str(shifts), "--hotspots-csv", str(hotspots)),
        *("--visits-csv", str(visits), "--date", "2026-11-24", "--time-limit", "1"),
        *("--gpx", str(out / "routes.gpx"), "--csv", str(cli_env / "routes.csv")),
        *("--ics-dir", str(out / "ics")),
    ]
    out.mkdir()
    assert main(argv) == 0
    plan = json.loads(capsys.readouterr().out)
    stops = sum(len(route["stops"]) for route in plan["routes"])
    assert plan["date"] == "2026-11-24"
    assert len(gpxpy.parse((out / "routes.gpx").read_text()).waypoints) == stops
    rows = list(csv.DictReader(io.StringIO((cli_env / "routes.csv").read_text())))
    assert len(rows) == stops
    for route in plan["routes"]:
        ics = (out / "ics" / f"{route['staff_id']}.ics").read_text()
        assert len(icalendar.Calendar.from_ical(ics).walk("VEVENT")) == len(route["stops"])


def test_cli_import_and_its_errors(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``eyes import`` prints the request; a bad file (one not UTF-8 is read as
    Windows-1252, with a warning), a missing one, or both a request and CSV files exit 2
    saying why."""
    shifts = cli_env / "shifts.csv"
    shifts.write_text(SHIFTS)
    assert main(["import", "--shifts-csv", str(shifts), "--area", "sindal"]) == 0
    assert json.loads(capsys.readouterr().out)["shifts"][0]["id"] == "guard-1"
    shifts.write_text(SHIFTS.replace("17:00", "5 pm"))
    assert main(["import", "--shifts-csv", str(shifts)]) == 2
    assert "error: shifts CSV line 2, column start_time:" in capsys.readouterr().err
    shifts.write_bytes("id,phone\nø".encode("latin-1"))
    assert main(["import", "--shifts-csv", str(shifts)]) == 2
    err = capsys.readouterr().err
    assert "is not UTF-8: read as Windows-1252" in err
    assert "error: shifts CSV line 1: missing column start_time" in err
    assert main(["import", "--shifts-csv", str(cli_env / "missing.csv")]) == 2
    assert "cannot read" in capsys.readouterr().err
    assert main(["plan", "request.json", "--shifts-csv", str(shifts)]) == 2
    assert "not both" in capsys.readouterr().err
