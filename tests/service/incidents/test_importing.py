"""Reading records: CSV, GeoJSON and JSON, spans, x/y with an EPSG code, and bad files
refused whole with every bad line and column named."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest
from pyproj import Transformer

from service.incidents.errors import ImportFormatError, ImportRowsError
from service.incidents.importing import (
    AreaBox,
    format_from_content_type,
    format_from_name,
    incidents_from_file,
)
from service.timeutil import LOCAL_TZ

GOOD_CSV = """id,date,from,to,lat,lon,kind
A-1,2026-11-02,08:00,16:00,57.4719,10.1840,residential
A-2,2026-11-03,22:00,06:00,57.4730,10.1870,attempt
A-3,2026-11-04,,,57.4750,10.1900,
A-4,,2026-11-06T16:00,2026-11-08T20:30,57.4760,10.1910,residential
"""


def test_csv_reads_dates_spans_and_kinds() -> None:
    """A police-style CSV: a workday span, an overnight span (to before from runs past
    midnight), a date alone, and a weekend span as full datetimes, in Copenhagen time."""
    a1, a2, a3, a4 = incidents_from_file(GOOD_CSV.encode(), "csv")
    assert a1.start == datetime(2026, 11, 2, 8, 0, tzinfo=LOCAL_TZ)
    assert a1.end == datetime(2026, 11, 2, 16, 0, tzinfo=LOCAL_TZ)
    assert a1.kind == "residential"
    assert a2.end is not None
    assert a2.end - a2.start == timedelta(hours=8)  # type: ignore[operator]
    assert a3.start == date(2026, 11, 4)
    assert a3.end is None
    assert a3.kind is None
    assert a4.start == datetime(2026, 11, 6, 16, 0, tzinfo=LOCAL_TZ)
    assert (a4.lat, a4.lon) == (57.476, 10.191)


def test_semicolons_start_end_names_and_a_byte_order_mark_are_read() -> None:
    """Excel's Danish CSV (semicolons, a BOM, capitalised headers) and the reader's own
    start/end names for the span read the same as commas and from/to."""
    text = "\ufeffID;Date;Start;End;Lat;Lon\nB-1;2026-11-02;08:00;16:00;57.4719;10.1840\n"
    (incident,) = incidents_from_file(text.encode(), "csv")
    assert incident.id == "B-1"
    assert incident.end == datetime(2026, 11, 2, 16, 0, tzinfo=LOCAL_TZ)


def test_x_y_in_utm_32n_are_converted_with_pyproj() -> None:
    """x/y in EPSG:25832 (ETRS89 / UTM 32N, Denmark's usual system) come out as the WGS84
    position they stand for, to a millimetre."""
    to_utm = Transformer.from_crs("EPSG:4326", "EPSG:25832", always_xy=True)
    x, y = to_utm.transform(10.1840, 57.4719)
    text = f"id,date,x,y\nC-1,2026-11-02,{x:.3f},{y:.3f}\n"
    (incident,) = incidents_from_file(text.encode(), "csv", epsg=25832)
    assert incident.lat == pytest.approx(57.4719, abs=1e-7)
    assert incident.lon == pytest.approx(10.1840, abs=1e-7)


def test_geojson_points_with_properties_and_a_legacy_crs() -> None:
    """GeoJSON Points give lon/lat (RFC 7946); a file naming EPSG:25832 in the old ``crs``
    member is converted; ``from``/``to`` and the feature id are read."""
    features = [
        {
            "type": "Feature",
            "id": "G-1",
            "geometry": {"type": "Point", "coordinates": [10.184, 57.4719]},
            "properties": {"date": "2026-11-02", "from": "18:00", "to": "20:00"},
        }
    ]
    plain = {"type": "FeatureCollection", "features": features}
    (g1,) = incidents_from_file(json.dumps(plain).encode(), "geojson")
    assert (g1.id, g1.lat, g1.lon) == ("G-1", 57.4719, 10.184)
    assert g1.start == datetime(2026, 11, 2, 18, 0, tzinfo=LOCAL_TZ)
    x, y = Transformer.from_crs("EPSG:4326", "EPSG:25832", always_xy=True).transform(
        10.184, 57.4719
    )
    utm = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::25832"}},
        "features": [{**features[0], "geometry": {"type": "Point", "coordinates": [x, y]}}],
    }
    (g2,) = incidents_from_file(json.dumps(utm).encode(), "json")  # JSON that is GeoJSON
    assert g2.lat == pytest.approx(57.4719, abs=1e-7)


def test_json_lists_and_an_incidents_object() -> None:
    """A JSON list of records and ``{"incidents": [...]}`` read alike; numbers may be
    numbers."""
    record = {"id": "J-1", "date": "2026-11-02", "lat": 57.4719, "lon": 10.184}
    assert incidents_from_file(json.dumps([record]).encode(), "json")[0].lat == 57.4719
    wrapped = json.dumps({"incidents": [record]}).encode()
    assert incidents_from_file(wrapped, "json")[0].id == "J-1"


def test_a_bad_csv_names_every_bad_line_and_column_and_returns_nothing() -> None:
    """Each bad value is one problem with its CSV line (the header is line 1) and the
    column as the file names it (``from``, not the reader's ``start``); a repeated id
    names the line it repeats."""
    text = (
        "id,date,from,to,lat,lon\n"
        "ok-1,2026-11-02,08:00,16:00,57.47,10.18\n"
        "bad-1,2026-13-02,,,57.47,10.18\n"
        "bad-2,2026-11-02,8 o'clock,16:00,97.47,10.18\n"
        "ok-1,2026-11-02,,,57.47,10.18\n"
    )
    with pytest.raises(ImportRowsError) as caught:
        incidents_from_file(text.encode(), "csv")
    found = [(p.line, p.column) for p in caught.value.problems]
    assert found == [(3, "date"), (4, "lat"), (4, "from"), (5, "id")]
    messages = [str(p) for p in caught.value.problems]
    assert messages[0] == "line 3, column date: '2026-13-02' is not a date (YYYY-MM-DD)"
    assert messages[-1].endswith("repeats the id on line 2")
    assert "nothing was imported" in str(caught.value)


def test_bad_json_records_are_named_by_position() -> None:
    """In JSON the row is the record's index and the column its key."""
    records = [{"id": "J-1", "date": "2026-11-02", "lat": 57.47, "lon": "east"}]
    with pytest.raises(ImportRowsError) as caught:
        incidents_from_file(json.dumps(records).encode(), "json")
    (problem,) = caught.value.problems
    assert str(problem) == "[0].lon: 'east' is not a number"


def test_x_y_without_a_coordinate_system_are_utm_32n() -> None:
    """Projected x/y with no EPSG code are read as EPSG:25832 (ETRS89 / UTM 32N, what
    Danish authorities use); another code given is used instead."""
    x, y = Transformer.from_crs("EPSG:4326", "EPSG:25832", always_xy=True).transform(
        10.1840, 57.4719
    )
    (incident,) = incidents_from_file(f"id,date,x,y\nX-1,2026-11-02,{x},{y}\n".encode(), "csv")
    assert (incident.lat, incident.lon) == pytest.approx((57.4719, 10.1840), abs=1e-7)
    box = AreaBox(57.40, 10.0, 57.53, 10.4, "sindal")
    with pytest.raises(ImportRowsError, match="EPSG code wrong"):
        incidents_from_file(
            f"id,date,x,y\nX-1,2026-11-02,{x},{y}\n".encode(), "csv", epsg=25833, box=box
        )


def test_records_outside_the_area_are_refused_with_a_hint() -> None:
    """A position outside the area's box (here lat/lon swapped) is named, with the likely
    causes."""
    box = AreaBox(57.40, 10.0, 57.53, 10.4, "sindal")
    with pytest.raises(ImportRowsError, match="swapped") as caught:
        incidents_from_file(b"id,date,lat,lon\nS-1,2026-11-02,10.18,57.47\n", "csv", box=box)
    assert caught.value.problems[0].column == "lat"


@pytest.mark.parametrize(
    ("data", "fmt", "says"),
    [
        (b"id,date\nA,2026-11-02\n", "csv", "no column lat and lon"),
        (b"", "csv", "empty"),
        (b"id,date,lat,lon\n", "csv", "no records"),
        (b"\xff\xfeid", "csv", "no records"),
        (b"{", "json", "not valid JSON"),
        (b'{"type": "Feature"}', "geojson", "FeatureCollection"),
        (b'{"rows": []}', "json", "list of records"),
    ],
)
def test_unreadable_files_say_why(data: bytes, fmt: str, says: str) -> None:
    """A file that cannot be read at all gets one sentence, not one problem per row."""
    with pytest.raises(ImportFormatError, match=says):
        incidents_from_file(data, fmt)  # type: ignore[arg-type]


def test_formats_from_content_types_and_names() -> None:
    """The API dispatches on Content-Type, the CLI on the file name."""
    assert format_from_content_type("text/csv; charset=utf-8") == "csv"
    assert format_from_content_type("application/geo+json") == "geojson"
    assert format_from_content_type("application/json") == "json"
    assert format_from_content_type("text/plain") is None
    assert [format_from_name(n) for n in ("a.CSV", "b.geojson", "c.json", "d.txt")] == [
        "csv",
        "geojson",
        "json",
        None,
    ]
