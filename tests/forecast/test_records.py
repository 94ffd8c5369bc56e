"""Reading and checking burglary records."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from forecast import Incident, IncidentRowsError, incidents_from_rows

from .conftest import CPH


def test_date_only_row_gives_a_record_without_time() -> None:
    """A row with just a date is a date-only record: no end, no time of day."""
    (incident,) = incidents_from_rows(
        [{"id": "a", "lat": "55.7", "lon": "12.5", "date": "2024-11-20"}]
    )
    assert incident.start == date(2024, 11, 20)
    assert incident.end is None
    assert not incident.has_time


def test_clock_times_are_local_and_an_overnight_span_ends_next_day() -> None:
    """'22:00' to '06:00' on a date is local Copenhagen time and ends the next morning."""
    row = {
        "id": "a",
        "lat": "55.7",
        "lon": "12.5",
        "date": "2024-11-20",
        "start": "22:00",
        "end": "06:00",
    }
    (incident,) = incidents_from_rows([row])
    assert incident.start == datetime(2024, 11, 20, 22, tzinfo=CPH)
    assert incident.end == datetime(2024, 11, 21, 6, tzinfo=CPH)
    assert incident.has_time


def test_iso_times_keep_their_offset_and_naive_ones_are_local() -> None:
    """An ISO time with an offset keeps it; one without is read in the given time zone."""
    rows = [
        {"id": "a", "lat": "55.7", "lon": "12.5", "start": "2024-11-20T08:00+00:00"},
        {
            "id": "b",
            "lat": "55.7",
            "lon": "12.5",
            "start": "2024-11-20T08:00",
            "end": "2024-11-20T16:00",
        },
    ]
    first, second = incidents_from_rows(rows)
    assert first.start == datetime(2024, 11, 20, 8, tzinfo=UTC)
    assert first.end is None
    assert second.start == datetime(2024, 11, 20, 8, tzinfo=CPH)
    assert second.end - second.start == timedelta(hours=8)  # type: ignore[operator]


def test_bad_rows_are_named_by_line_and_column_and_nothing_is_read() -> None:
    """Every bad value is named by its CSV line (header = line 1) and column; no row comes back."""
    rows = [
        {"id": "a", "lat": "55.7", "lon": "12.5", "date": "2024-11-20"},
        {"id": "b", "lat": "95", "lon": "12.5", "date": "2024-11-20"},
        {"id": "c", "lat": "55.7", "lon": "east", "date": "2024-13-01"},
        {"id": "a", "lat": "55.7", "lon": "12.5", "date": "2024-11-20"},
        {
            "id": "d",
            "lat": "55.7",
            "lon": "12.5",
            "date": "2024-11-20",
            "start": "18:00",
            "end": "soon",
        },
        {"id": "e", "lat": "55.7", "lon": "12.5", "date": "", "start": ""},
    ]
    with pytest.raises(IncidentRowsError) as caught:
        incidents_from_rows(rows)
    assert caught.value.problems == (
        "line 3, column lat: latitude 95 is outside -90..90",
        "line 4, column lon: 'east' is not a number",
        "line 4, column date: '2024-13-01' is not a date (YYYY-MM-DD)",
        "line 5, column id: 'a' repeats the id on line 2",
        "line 6, column end: 'soon' is not a time (HH:MM) or a date and time "
        "(ISO 8601, 2016-01-05T08:00)",
        "line 7, column date: is empty and there is no start time",
    )
    assert str(caught.value).startswith("6 bad values, nothing was read: line 3, column lat:")


def test_a_span_that_ends_before_it_starts_is_refused() -> None:
    """An ISO end before the start is a bad row, not a silently swapped span."""
    row = {
        "id": "a",
        "lat": "55.7",
        "lon": "12.5",
        "start": "2024-11-20T18:00",
        "end": "2024-11-20T17:00",
    }
    with pytest.raises(IncidentRowsError, match="line 2, column end: '2024-11-20T17:00' is before"):
        incidents_from_rows([row])


def test_a_clock_time_needs_a_date() -> None:
    """'18:00' alone says nothing about the day: the row is refused, naming column start."""
    with pytest.raises(IncidentRowsError, match="line 9, column start: time '18:00' needs a date"):
        incidents_from_rows(
            [{"id": "a", "lat": "55.7", "lon": "12.5", "start": "18:00"}], first_line=9
        )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"start": datetime(2024, 1, 1, 8)}, "without a time zone"),
        (
            {
                "start": datetime(2024, 1, 1, 8, tzinfo=CPH),
                "end": datetime(2024, 1, 1, 7, tzinfo=CPH),
            },
            "ends before",
        ),
        ({"start": date(2024, 1, 1), "end": datetime(2024, 1, 1, 7, tzinfo=CPH)}, "only a date"),
        ({"start": date(2024, 1, 1), "lat": 91.0}, "latitude"),
    ],
)
def test_incident_checks_itself(kwargs: dict[str, object], message: str) -> None:
    """An Incident refuses naive times, reversed spans, an end on a date and bad positions."""
    fields: dict[str, object] = {"id": "a", "lat": 55.7, "lon": 12.5} | kwargs
    with pytest.raises(ValueError, match=message):
        Incident(**fields)  # type: ignore[arg-type]
