"""A Danish municipality's own plan files (issue 18): Danish column names, semicolons,
decimal commas, times ``17.00``, dates day first, addresses instead of coordinates,
Windows-1252 from older Excel; empty and oversized files answered with a message by the
CLI and the API alike."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from pydantic import ValidationError

from service.cli import main
from service.errors import RequestError
from service.plans.imports import MAX_CSV_CHARS, CsvImport, request_from_csv
from service.plans.schemas import AddressIn, PlanRequest

from ..conftest import PLAN_DAY

if TYPE_CHECKING:
    from collections.abc import Iterator

    from fastapi.testclient import TestClient

    from service.plans.networks import AreaNetworks

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
DAY_FIRST = PLAN_DAY.strftime("%d-%m-%Y")
"""The plan day as Danish files write it: 26-11-YYYY."""


def _example(name: str) -> str:
    return (EXAMPLES / name).read_text(encoding="utf-8-sig")


def _problems(source: CsvImport, networks: AreaNetworks | None = None) -> list[str]:
    with pytest.raises(RequestError) as caught:
        request_from_csv(source, networks=networks)
    return [str(p) for p in caught.value.problems]


@pytest.fixture
def cli_env(tmp_path: Path, graph_cache: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point the CLI at a temporary database and the session's graph cache."""
    from service.config import get_settings

    monkeypatch.setenv("EYES_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("EYES_GRAPH_CACHE_DIR", str(graph_cache))
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def test_the_danish_example_files_make_a_request(networks: AreaNetworks) -> None:
    """``examples/sindal_vagter.csv`` and ``sindal_besoeg.csv`` (BOM, ``;``, Danish
    headers, ``17.00``, transport ``bil``/``cykel``, staff by name, addresses with floor
    and door or ``aa``) import with every location placed on its address."""
    request = request_from_csv(
        CsvImport(
            shifts_csv=_example("sindal_vagter.csv"),
            visits_csv=_example("sindal_besoeg.csv"),
            area="sindal",
            date=DAY_FIRST,
        ),
        networks=networks,
    )
    assert request.date == PLAN_DAY
    shifts = {s.id: s for s in request.shifts}
    assert list(shifts) == ["vagt-1", "vagt-2", "vagt-3"]
    assert [s.mode for s in request.shifts] == ["drive", "bike", "drive"]
    assert [s.phone for s in request.shifts] == ["+4520000001", "+4520000002", "+4520000004"]
    assert [str(s.start_time) for s in request.shifts] == ["17:00:00", "19:00:00", "16:30:00"]
    assert shifts["vagt-3"].name == "Hjemmepleje C"
    # Østergade 10, 1. tv. is the building's point (the floor and door are not kept).
    assert shifts["vagt-3"].start_location.model_dump() == {"lat": 57.4708067, "lon": 10.2032851}
    visits = {v.id: v for v in request.visits}
    assert visits["borger-1"].staff_ids == ["vagt-3"]
    assert visits["borger-3"].staff_ids is None
    assert str(visits["borger-1"].window.start) == "17:00:00"
    assert visits["borger-1"].duration_min == 25
    # Teglgaardsvej 2, st. th. is Teglgårdsvej 2.
    assert visits["borger-3"].location.model_dump() == {"lat": 57.4716997, "lon": 10.2100623}
    dumped = request.model_dump_json()
    assert "address" not in dumped
    assert "Frejasvej" not in dumped


def test_hotspots_by_danish_names_times_and_decimal_commas(networks: AreaNetworks) -> None:
    """A hotspots file with ``vægt``, ``ophold_min``, ``tider`` (``18.00-21.45``), decimal
    commas and an ``adresse`` is read as the English one."""
    hotspots = (
        "id;adresse;vægt;ophold_min;tider\n"
        'h1;Nørregade 1A;2,5;12,5;"18.00-19.30; 20.00-21.45"\n'
        "h2;Dalgaardsvej 9, 9870 Sindal;4;;\n"
    )
    shifts = "navn;telefon;bredde;længde;start;slut\nA;+4520000001;57,47083;10,20214;17.00;22.00\n"
    request = request_from_csv(
        CsvImport(shifts_csv=shifts, hotspots_csv=hotspots, area="sindal"), networks=networks
    )
    first, second = request.hotspots
    assert (first.weight, first.dwell_min) == (2.5, 12.5)
    assert [(str(w.start), str(w.end)) for w in first.windows] == [
        ("18:00:00", "19:30:00"),
        ("20:00:00", "21:45:00"),
    ]
    assert first.location.model_dump() == {"lat": 57.4711164, "lon": 10.2020257}
    assert second.location.model_dump()["lat"] == pytest.approx(57.4645128)
    assert request.shifts[0].start_location.model_dump() == {"lat": 57.47083, "lon": 10.20214}


def test_dates_day_first_and_iso_alike() -> None:
    """A window written ``26-11-YYYY 17.30`` or ``26/11/YYYY 17:30`` is the same moment as
    the ISO ``YYYY-11-26T17:30``; the plan date may be day first too."""
    shifts = "id,phone,lat,lon,start_time,end_time\ng,+4520000001,57.47,10.2,16:00,22:00\n"
    day_slash = PLAN_DAY.strftime("%-d/%-m/%Y")
    visits = (
        "id;lat;lon;fra;til;varighed_min\n"
        f"v1;57,47;10,2;{DAY_FIRST} 17.30;{day_slash} 18:30;20\n"
        f"v2;57,47;10,2;{PLAN_DAY.isoformat()}T17:30;{PLAN_DAY.isoformat()}T18:30;20\n"
    )
    request = request_from_csv(
        CsvImport.model_validate({"shifts_csv": shifts, "visits_csv": visits, "date": day_slash})
    )
    assert request.date == PLAN_DAY
    first, second = request.visits
    assert first.window == second.window
    assert first.window.start.isoformat() == f"{PLAN_DAY.isoformat()}T17:30:00"


def test_problems_name_the_danish_column(networks: AreaNetworks) -> None:
    """Errors name each column as the file writes it: an empty ``fra``, a bad ``vægt``, an
    address not found (with the closest) and an unknown transport."""
    shifts = (
        "navn;telefon;adresse;start;slut;transport\nA;+4520000001;Torvegade 2;17.00;22.00;fly\n"
    )
    visits = "id;adresse;fra;til;varighed_min\nb1;Nørregade 12;;18.00;20\n"
    hotspots = "id;bredde;længde;vægt\nh1;57,47;10,2;meget\n"
    problems = _problems(
        CsvImport(shifts_csv=shifts, visits_csv=visits, hotspots_csv=hotspots, area="sindal"),
        networks,
    )
    assert "hotspots CSV line 2, column vægt: not a number: 'meget'" in problems
    assert "visits CSV line 2, column fra: the cell is empty" in problems
    fixed = visits.replace(";;", ";18.00;")
    modes = _problems(CsvImport(shifts_csv=shifts, visits_csv=fixed, area="sindal"), networks)
    assert [p.split(":")[0] for p in modes] == ["shifts CSV line 2, column transport"]
    assert "'drive', 'bike' or 'walk'" in modes[0]
    unknown = _problems(
        CsvImport(shifts_csv=shifts.replace("fly", "bil"), visits_csv=fixed, area="sindal"),
        networks,
    )
    assert unknown == [
        "visits CSV line 2, column adresse: address 'Nørregade 12' not found in sindal; "
        "closest: Nørregade 12A, 9870 Sindal; Nørregade 12B, 9870 Sindal; "
        "Nørregade 11, 9870 Sindal"
    ]


def test_a_file_without_location_columns_says_so() -> None:
    """A visits file with neither lat and lon nor an address names what is missing."""
    visits = "id;fra;til;varighed_min\nb1;18.00;19.00;20\n"
    problems = _problems(
        CsvImport(
            shifts_csv="id,phone,lat,lon,start_time,end_time\ng,+4520000001,57.47,10.2,16:00,22:00\n",
            visits_csv=visits,
        )
    )
    assert problems == [
        "visits CSV line 1: missing column lat (or give an address column)",
        "visits CSV line 1: missing column lon (or give an address column)",
    ]


def test_cli_reads_windows_1252_with_a_warning(
    cli_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A file older Excel saved in Windows-1252 (``ø`` as one byte) is read, with a warning
    on stderr; æ, ø and å survive."""
    shifts = cli_env / "vagter.csv"
    shifts.write_bytes(_example("sindal_vagter.csv").encode("cp1252"))
    visits = cli_env / "besoeg.csv"
    visits.write_bytes(_example("sindal_besoeg.csv").encode("cp1252"))
    argv = ["import", "--shifts-csv", str(shifts), "--visits-csv", str(visits), "--area", "sindal"]
    assert main(argv) == 0
    out, err = capsys.readouterr()
    assert f"warning: {shifts} is not UTF-8: read as Windows-1252 (older Excel)" in err
    request = json.loads(out)
    assert request["visits"][1]["location"] == {
        "lat": 57.4730414,
        "lon": 10.2128979,
    }  # Rugvænget 20


def test_empty_and_oversized_files_get_a_message(
    cli_env: Path, capsys: pytest.CaptureFixture[str], client: TestClient
) -> None:
    """An empty shifts file and a 5 MB one end in a message, never a traceback: from
    ``eyes import`` (exit 2) and from ``POST /v1/imports/csv`` (422, or 413 past the body
    limit)."""
    empty = cli_env / "empty.csv"
    empty.write_bytes(b"")
    assert main(["import", "--shifts-csv", str(empty)]) == 2
    assert (
        capsys.readouterr().err
        == "error: shifts CSV line 1: the file is empty; expected a header\n"
    )
    big = cli_env / "big.csv"
    row = "g,+4520000001,57.47,10.2,17:00,22:00\n"
    big.write_text("id,phone,lat,lon,start_time,end_time\n" + row * (5_000_000 // len(row)))
    assert main(["import", "--shifts-csv", str(big)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {big} is 5.0 MB; a CSV file to import may be at most 2 MB")
    assert "Traceback" not in err

    answer = client.post("/v1/imports/csv", json={"shifts_csv": ""})
    assert answer.status_code == 422
    assert answer.json()["errors"] == [
        {
            "field": "shifts CSV line 1",
            "message": "the file is empty; expected a header",
        }
    ]
    too_long = client.post("/v1/imports/csv", json={"shifts_csv": "x" * (MAX_CSV_CHARS + 1)})
    assert too_long.status_code == 422
    assert too_long.json()["errors"][0]["field"] == "shifts_csv"
    too_big = client.post("/v1/imports/csv", json={"shifts_csv": big.read_text()})
    assert too_big.status_code == 413
    assert too_big.headers["content-type"].startswith("application/problem+json")


def test_an_address_stays_an_address_without_the_areas() -> None:
    """Without the areas to look in, the import keeps the address for the planner, which
    looks it up before planning or storing (``create_plan``)."""
    shifts = "navn;telefon;adresse;start;slut\nA;+4520000001;Torvegade 2;17.00;22.00\n"
    request = request_from_csv(CsvImport(shifts_csv=shifts))
    assert request.shifts[0].start_location == AddressIn(address="Torvegade 2")


def test_a_request_takes_17_00_as_a_clock_time_and_keeps_dates_iso(
    small_request: dict[str, Any],
) -> None:
    """In JSON too, ``"17.00"`` is 17:00 (pydantic alone read it as seconds since 1970: "must
    be within 366 days of today"); a day-first date stays refused in JSON, where a client
    from elsewhere could mean month first."""
    request = copy.deepcopy(small_request)
    request["shifts"][0]["start_time"] = "17.00"
    request["visits"][0]["window"] = {"start": "17.45", "end": "18.30"}
    parsed = PlanRequest.model_validate(request)
    assert parsed.shifts[0].start_time == dt.time(17, 0)
    assert parsed.visits[0].window.end == dt.time(18, 30)
    request["date"] = DAY_FIRST
    with pytest.raises(ValidationError, match="date"):
        PlanRequest.model_validate(request)
