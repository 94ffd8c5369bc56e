"""What a new user tripped over on an unseen town (issue 22): one mistake gives one message,
a short list of hotspots says why it is short, and every problem list is capped alike."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from service.cli import main
from service.errors import RequestError
from service.plans.imports import CsvImport, request_from_csv

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_an_unknown_shifts_column_is_one_message() -> None:
    """A shifts file whose header has one unknown column (``start_tim`` for ``start_time``)
    gives that one problem, not also ``line 2: no shifts`` for the rows it then skipped.
    (``start`` itself is the Danish name of ``start_time``.)"""
    text = (EXAMPLES / "sindal_shifts.csv").read_text().replace("start_time", "start_tim", 1)
    with pytest.raises(RequestError) as caught:
        request_from_csv(CsvImport(shifts_csv=text))
    assert [str(p) for p in caught.value.problems] == [
        "shifts CSV line 1, column start_tim: not a shifts column; did you mean start_time?"
    ]


def test_an_extra_shifts_column_is_one_message() -> None:
    """An extra column that resembles none gives one message listing the columns, and no
    ``no shifts`` after it."""
    lines = (EXAMPLES / "sindal_shifts.csv").read_text().splitlines()
    text = "\n".join([lines[0] + ",vehicle"] + [line + ",van" for line in lines[1:]])
    with pytest.raises(RequestError) as caught:
        request_from_csv(CsvImport(shifts_csv=text))
    [problem] = caught.value.problems
    assert problem.field == "shifts CSV line 1, column vehicle"
    assert problem.message.startswith("not a shifts column; the columns are: id, name")


def test_a_header_without_rows_still_says_no_shifts() -> None:
    """A shifts file with a good header and no rows is still told to add a row."""
    header = (EXAMPLES / "sindal_shifts.csv").read_text().splitlines()[0] + "\n"
    with pytest.raises(RequestError) as caught:
        request_from_csv(CsvImport(shifts_csv=header))
    assert [str(p) for p in caught.value.problems] == [
        "shifts CSV line 2: no shifts: add one row per staff member"
    ]


def test_fewer_hotspots_than_asked_say_why(
    tmp_path: Path,
    graph_cache: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``eyes hotspots --count 40`` on the Sindal records gives fewer and says why, on
    stderr and as the JSON's ``note``; asking for no more than there are gives no note."""
    from service.config import get_settings

    monkeypatch.setenv("EYES_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("EYES_GRAPH_CACHE_DIR", str(graph_cache))
    get_settings.cache_clear()
    records = str(EXAMPLES / "sindal_burglaries.csv")
    args = ["hotspots", records, "--area", "sindal", "--as-of", "2026-11-23"]
    assert main([*args, "--count", "40"]) == 0
    out, err = capsys.readouterr()
    body = json.loads(out)
    found = len(body["hotspots"])
    assert 0 < found < 40
    assert body["note"].startswith(f"{found} of the 40 hotspots asked for: a further 150 m disc")
    assert err.strip() == f"note: {body['note']}"
    assert main([*args, "--count", str(found)]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["note"] is None
    assert not err
    get_settings.cache_clear()


def test_the_api_says_why_hotspots_are_fewer(client: TestClient) -> None:
    """``GET /v1/hotspots?count=40`` on the Sindal records carries the same ``note``."""
    records = (EXAMPLES / "sindal_burglaries.csv").read_bytes()
    imported = client.post(
        "/v1/incidents?area=sindal", content=records, headers={"content-type": "text/csv"}
    )
    assert imported.status_code == 200, imported.text
    body = client.get("/v1/hotspots?area=sindal&as_of=2026-11-23&count=40").json()
    found = len(body["hotspots"])
    assert 0 < found < 40
    assert body["note"].startswith(f"{found} of the 40 hotspots asked for")
