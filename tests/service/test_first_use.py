"""What a new user tripped over on an unseen town (issue 22): one mistake gives one message,
a short list of hotspots says why it is short, and every problem list is capped alike."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.errors import RequestError
from service.plans.imports import CsvImport, request_from_csv

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_an_unknown_shifts_column_is_one_message() -> None:
    """A shifts file whose header has one unknown column (``start`` for ``start_time``)
    gives that one problem, not also ``line 2: no shifts`` for the rows it then skipped."""
    text = (EXAMPLES / "sindal_shifts.csv").read_text().replace("start_time", "start", 1)
    with pytest.raises(RequestError) as caught:
        request_from_csv(CsvImport(shifts_csv=text))
    assert [str(p) for p in caught.value.problems] == [
        "shifts CSV line 1, column start: not a shifts column; did you mean start_time?"
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
