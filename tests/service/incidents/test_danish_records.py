"""Burglary records as a Danish police district exports them (issue 18): Danish column
names, semicolons, decimal commas, dates day first, times ``17.00``, x/y in UTM 32N when
no EPSG code is given, addresses placed on the area's own OSM addresses, Windows-1252 with
a warning; an empty or oversized file gets a message from the API and the CLI alike."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import pytest
from pyproj import Transformer

from service.cli import main
from service.incidents.errors import ImportRowsError
from service.incidents.importing import incidents_from_file
from service.timeutil import LOCAL_TZ

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from fastapi.testclient import TestClient

CSV = {"content-type": "text/csv"}
ISO = (
    "id,date,from,to,lat,lon\n"
    "D-1,2026-11-07,17:00,19:30,57.4719,10.1840\n"
    "D-2,2026-11-08,,,57.4730,10.1870\n"
)
DANISH = (
    "\ufeffSagsnr;Dato;Tid_fra;Tid_til;Bredde;Længde\n"
    "D-1;07-11-2026;17.00;19.30;57,4719;10,1840\n"
    "D-2;8/11/2026;;;57,4730;10,1870\n"
)


def _import(client: TestClient, data: bytes) -> Any:
    return client.post("/v1/incidents", params={"area": "sindal"}, content=data, headers=CSV)


def test_danish_columns_commas_dates_and_times_read_as_iso() -> None:
    """``sagsnr, dato, tid_fra, tid_til, bredde, længde`` with ``;``, decimal commas,
    ``07-11-2026``/``8/11/2026`` and ``17.00`` give the same records as the ISO file."""
    danish = incidents_from_file(DANISH.encode(), "csv")
    assert danish == incidents_from_file(ISO.encode(), "csv")
    assert danish[0].start == datetime(2026, 11, 7, 17, 0, tzinfo=LOCAL_TZ)
    assert danish[0].end == datetime(2026, 11, 7, 19, 30, tzinfo=LOCAL_TZ)


def test_x_y_in_utm_32n_with_decimal_commas() -> None:
    """``x;y`` with decimal commas and no EPSG code are ETRS89 / UTM 32N."""
    x, y = Transformer.from_crs("EPSG:4326", "EPSG:25832", always_xy=True).transform(
        10.1840, 57.4719
    )
    text = f"sagsnr;dato;x;y\nU-1;07-11-2026;{x:.2f};{y:.2f}\n".replace(".", ",")
    (incident,) = incidents_from_file(text.encode(), "csv")
    assert (incident.lat, incident.lon) == pytest.approx((57.4719, 10.1840), abs=1e-6)


def test_problems_name_the_danish_columns() -> None:
    """A bad date, a bad time and a bad latitude are named by the file's own columns."""
    text = (
        "sagsnr;dato;tid_fra;Bredde;længde\n"
        "D-1;31-02-2026;17.00;57,47;10,18\n"
        "D-2;07-11-2026;kl 5;95;10,18\n"
    )
    with pytest.raises(ImportRowsError) as caught:
        incidents_from_file(text.encode(), "csv")
    assert [(p.line, p.column) for p in caught.value.problems] == [
        (2, "dato"),
        (2, "tid_fra"),
        (3, "Bredde"),
        (3, "tid_fra"),
    ]
    assert str(caught.value.problems[0]) == (
        "line 2, column dato: '31-02-2026' is not a date (YYYY-MM-DD)"
    )


def test_windows_1252_is_read_with_a_warning(police: TestClient) -> None:
    """A file older Excel saved in Windows-1252 is imported, saying so in ``warnings``."""
    answer = _import(police, DANISH.replace("\ufeff", "").encode("cp1252"))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["created"] == 2
    assert body["warnings"] == [
        "the file is not UTF-8: read as Windows-1252 (older Excel); save it as "
        "'CSV UTF-8' to be sure of æ, ø and å"
    ]


def test_records_by_address(police: TestClient) -> None:
    """A record with an ``adresse`` and no position is placed on Sindal's address; one the
    area lacks is a 422 naming its line, the column and the closest addresses."""
    text = (
        "sagsnr;dato;adresse\n"
        "A-1;07-11-2026;Nørregade 1A, 9870 Sindal\n"
        "A-2;07-11-2026;Dalgaardsvej 9, st. tv.\n"
    )
    answer = _import(police, text.encode())
    assert answer.status_code == 200, answer.text
    assert answer.json()["created"] == 2
    bad = _import(police, (text + "A-3;07-11-2026;Nørregade 12\n").encode())
    assert bad.status_code == 422, bad.text
    [error] = bad.json()["errors"]
    assert (error["line"], error["column"]) == (4, "adresse")
    assert error["message"].startswith(
        "address 'Nørregade 12' not found in sindal; closest: Nørregade 12A, 9870 Sindal"
    )


def test_records_by_address_land_on_the_address() -> None:
    """The point stored for an address is the address's own point in the OSM file."""
    found = incidents_from_file(
        b"sagsnr;dato;adresse\nA-1;07-11-2026;Storegade 12\n",
        "csv",
        locate=lambda text: (57.4711164, 10.2020257),
    )
    assert (found[0].lat, found[0].lon) == (57.4711164, 10.2020257)
    with pytest.raises(ImportRowsError, match="needs an area"):
        incidents_from_file(b"sagsnr;dato;adresse\nA-1;07-11-2026;Storegade 12\n", "csv")


@pytest.fixture
def cli_env(tmp_path: Path, graph_cache: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point the CLI at a temporary database and the session's graph cache."""
    from service.config import get_settings

    monkeypatch.setenv("EYES_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("EYES_GRAPH_CACHE_DIR", str(graph_cache))
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def test_empty_and_oversized_files_get_a_message(
    police: TestClient, cli_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An empty file is one sentence from the API (422) and the CLI (exit 2, with the
    Windows-1252 warning where it applies); a file over 20 MiB is a 413 problem."""
    empty = _import(police, b"")
    assert empty.status_code == 422
    assert empty.json()["detail"].startswith("the CSV file is empty")
    path = cli_env / "tom.csv"
    path.write_bytes(b"")
    assert main(["incidents", "import", str(path), "--area", "sindal"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ")
    assert "the CSV file is empty" in err
    assert "Traceback" not in err
    path.write_bytes(DANISH.replace("\ufeff", "").encode("cp1252"))
    assert main(["incidents", "import", str(path), "--area", "sindal"]) == 0
    out, err = capsys.readouterr()
    assert out == "sindal: 2 records read: 2 new, 0 updated\n"
    assert err.startswith(f"warning: {path}: the file is not UTF-8")
    huge = _import(police, b"x" * (20 * 1024 * 1024 + 1))
    assert huge.status_code == 413
    assert huge.headers["content-type"].startswith("application/problem+json")
