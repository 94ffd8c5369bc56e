"""Reading burglary records from CSV, GeoJSON or JSON: all rows or none.

One record per row (CSV), per Point feature (GeoJSON) or per object (a JSON list, or
``{"incidents": [...]}``). Columns, by name (case and surrounding spaces ignored; others
are ignored):

- ``id``: the record's id, unique in the file, at most 64 characters;
- ``date`` (``YYYY-MM-DD``, or day first as Danish files write it: ``07-12-2026``,
  ``7/12/2026``) and/or a span ``from``, ``to`` ("between 08:00 and 16:00": ``HH:MM`` or
  ``HH.MM`` on ``date``, or ISO datetimes; no offset means Copenhagen time; a ``to``
  earlier than ``from`` runs past midnight). ``start``/``end`` are accepted for
  ``from``/``to``;
- position: ``lat``, ``lon`` (WGS84 degrees, decimal point or comma) or ``x``, ``y`` in
  the coordinate system given by ``epsg``, else ETRS89 / UTM 32N (EPSG:25832, what
  Danish authorities use), converted with pyproj; or an ``address`` looked up in the
  area's own OSM file (``locate``). A GeoJSON point's coordinates are lon/lat (RFC 7946)
  unless ``epsg`` is given or the file carries a legacy ``crs`` member;
- ``kind`` (optional, at most 40 characters): residential, attempt, ...

Danish column names are read as these (`ALIASES`: ``sagsnr``, ``dato``, ``tid_fra``,
``tid_til``, ``adresse``, ``bredde``, ``længde``), and problems name a CSV column as the
file writes it. Text is UTF-8 (with or without a byte-order mark), else Windows-1252 with
a warning.

The rows are checked by ``forecast.incidents_from_rows`` plus the checks here (positions,
lengths, the area's extent); every bad value is reported with its line (or feature) and
column, and nothing is returned if any is bad.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from forecast import IncidentRowsError, incidents_from_rows

from ..i18n import _
from ..spreadsheets import decimal_text, decode_text, delimiter_of, iso_moment_text
from .errors import ImportFormatError, ImportRowsError, RowProblem

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from forecast import Incident

Format = Literal["csv", "geojson", "json"]
FORMATS: tuple[Format, ...] = ("csv", "geojson", "json")

MAX_ID_LENGTH = 64
MAX_KIND_LENGTH = 40
ALIASES = {
    "start": "from",
    "end": "to",
    "sagsnr": "id",
    "dato": "date",
    "tid_fra": "from",
    "tid_til": "to",
    "fra": "from",
    "til": "to",
    "adresse": "address",
    "bredde": "lat",
    "længde": "lon",
    "laengde": "lon",
    "art": "kind",
}
"""Columns read under another name: the forecast reader's ``start``/``end`` are ``from``/``to``
in a police export, and the Danish names of a Danish one."""
DEFAULT_EPSG = 25832
"""The coordinate system of ``x``/``y`` when none is given: ETRS89 / UTM zone 32N, what
Danish authorities use."""

_CRS_NAME = re.compile(r"EPSG:{1,2}(\d+)$", re.IGNORECASE)
_PROBLEM = re.compile(r"^line (\d+), column (\w+): (.*)$", re.DOTALL)
_OTHER_LINE = re.compile(r"on line (\d+)")


@dataclass(frozen=True, slots=True)
class SourceRow:
    """One row of a file before checking: where it is and its values as text."""

    where: str
    line: int | None
    values: dict[str, str]
    written: Mapping[str, str] = field(default_factory=dict)
    """Each column's name as the file writes it, where it differs (shared by a file's rows)."""


@dataclass(frozen=True, slots=True)
class AreaBox:
    """The extent records of an area must fall in (its streets' box plus a margin)."""

    south: float
    west: float
    north: float
    east: float
    label: str

    def contains(self, lat: float, lon: float) -> bool:
        """Whether the point lies in the box."""
        return self.south <= lat <= self.north and self.west <= lon <= self.east


def format_from_content_type(content_type: str | None) -> Format | None:
    """The format a Content-Type names (None: not one of ours)."""
    media = (content_type or "").split(";")[0].strip().lower()
    if media in {"text/csv", "application/csv"}:
        return "csv"
    if media == "application/geo+json":
        return "geojson"
    if media == "application/json":
        return "json"
    return None


def format_from_name(name: str) -> Format | None:
    """The format a file name's suffix names (None: unknown)."""
    lowered = name.lower()
    if lowered.endswith(".csv"):
        return "csv"
    if lowered.endswith(".geojson"):
        return "geojson"
    if lowered.endswith(".json"):
        return "json"
    return None


def _text(data: bytes, warnings: list[str] | None) -> str:
    text, warning = decode_text(data, name="the file")
    if warning is not None and warnings is not None:
        warnings.append(warning)
    return text


def _column(name: Any) -> str:
    """A column's name as read: lower case, spaces and dashes as ``_``, aliases resolved."""
    key = re.sub(r"[\s-]+", "_", str(name).strip().lower())
    return ALIASES.get(key, key)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    return str(value).strip()


def _normalised(values: Mapping[str, Any]) -> dict[str, str]:
    row: dict[str, str] = {}
    for key, value in values.items():
        row[_column(key)] = _cell(value)
    return row


def rows_from_csv(data: bytes, *, warnings: list[str] | None = None) -> list[SourceRow]:
    """Rows of a CSV file with a header line (comma, semicolon or tab separated).

    ``warnings`` gets a warning when the file is not UTF-8 (it is read as Windows-1252).

    Raises
    ------
    ImportFormatError
        If the file has no header.
    """
    text = _text(data, warnings)
    reader = csv.DictReader(
        io.StringIO(text, newline=""), delimiter=delimiter_of(text.split("\n", 1)[0])
    )
    if not reader.fieldnames:
        msg = "the CSV file is empty: it needs a header line (id,date,lat,lon,...)"
        raise ImportFormatError(msg)
    written = {
        _column(name): name.strip()
        for name in reader.fieldnames
        if name.strip() and _column(name) != name.strip().lower()
    }
    rows: list[SourceRow] = []
    for row in reader:
        line = reader.line_num
        values = _normalised({k: v for k, v in row.items() if k is not None})
        if not any(values.values()):
            continue  # a blank line
        rows.append(SourceRow(f"line {line}", line, values, written))
    return rows


def _json(data: bytes) -> Any:
    try:
        return json.loads(_text(data, None))
    except json.JSONDecodeError as exc:
        msg = f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        raise ImportFormatError(msg) from None


def _legacy_epsg(document: Mapping[str, Any]) -> int | None:
    """The EPSG code of a GeoJSON 2008 ``crs`` member (``urn:ogc:def:crs:EPSG::25832``)."""
    crs = document.get("crs")
    name = crs.get("properties", {}).get("name") if isinstance(crs, dict) else None
    found = _CRS_NAME.search(name) if isinstance(name, str) else None
    if found is None or found.group(1) == "4326":
        return None
    return int(found.group(1))


def rows_from_geojson(document: Any) -> tuple[list[SourceRow], int | None]:
    """Rows of a FeatureCollection of Points: the properties plus the point.

    Returns
    -------
    rows, epsg
        The rows (``lon``/``lat`` from the coordinates, or ``x``/``y`` when the file names a
        projected ``crs``) and that EPSG code (None: WGS84).

    Raises
    ------
    ImportFormatError
        If the document is not a FeatureCollection.
    """
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        msg = 'GeoJSON must be a FeatureCollection ({"type": "FeatureCollection", ...})'
        raise ImportFormatError(msg)
    features = document.get("features")
    if not isinstance(features, list):
        msg = "the FeatureCollection has no features list"
        raise ImportFormatError(msg)
    epsg = _legacy_epsg(document)
    rows: list[SourceRow] = []
    for i, feature in enumerate(features):
        where = f"features[{i}]"
        props = feature.get("properties") if isinstance(feature, dict) else None
        values = _normalised(props if isinstance(props, dict) else {})
        if "id" not in values and isinstance(feature, dict) and feature.get("id") is not None:
            values["id"] = _cell(feature["id"])
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        coords = geometry.get("coordinates") if isinstance(geometry, dict) else None
        if (
            isinstance(geometry, dict)
            and geometry.get("type") == "Point"
            and isinstance(coords, list)
            and len(coords) >= 2
        ):
            first, second = _cell(coords[0]), _cell(coords[1])
            if epsg is None:
                values["lon"], values["lat"] = first, second
            else:
                values["x"], values["y"] = first, second
        else:
            values["geometry"] = "!not a point"
        rows.append(SourceRow(where, None, values))
    return rows, epsg


def rows_from_json(document: Any) -> list[SourceRow]:
    """Rows of a JSON list of objects, or of ``{"incidents": [...]}``.

    Raises
    ------
    ImportFormatError
        If the document is neither.
    """
    items = document.get("incidents") if isinstance(document, dict) else document
    prefix = "incidents" if isinstance(document, dict) else ""
    if not isinstance(items, list):
        msg = 'JSON must be a list of records or {"incidents": [...]}'
        raise ImportFormatError(msg)
    rows: list[SourceRow] = []
    for i, item in enumerate(items):
        values = _normalised(item) if isinstance(item, dict) else {"row": "!not an object"}
        rows.append(SourceRow(f"{prefix}[{i}]", None, values))
    return rows


def read_rows(
    data: bytes, fmt: Format, *, warnings: list[str] | None = None
) -> tuple[list[SourceRow], int | None]:
    """The rows of a file in ``fmt``, and the EPSG code the file itself names (GeoJSON).

    A JSON document that is a FeatureCollection is read as GeoJSON. ``warnings`` gets a
    warning when a CSV file is not UTF-8.

    Raises
    ------
    ImportFormatError
        If the file cannot be read as ``fmt``.
    """
    if fmt == "csv":
        return rows_from_csv(data, warnings=warnings), None
    document = _json(data)
    if fmt == "geojson" or (
        isinstance(document, dict) and document.get("type") == "FeatureCollection"
    ):
        return rows_from_geojson(document)
    return rows_from_json(document), None


def _check_columns(rows: list[SourceRow], fmt: Format) -> None:
    """Refuse a file missing a whole column (rather than one problem per row)."""
    if not rows:
        msg = "the file holds no records"
        raise ImportFormatError(msg)
    if fmt != "csv":
        return
    columns = set(rows[0].values)
    missing = []
    if "id" not in columns:
        missing.append("id")
    if not ({"lat", "lon"} <= columns or {"x", "y"} <= columns or "address" in columns):
        missing.append("lat and lon (or x and y, or address)")
    if "date" not in columns and "from" not in columns:
        missing.append("date (or from)")
    if missing:
        have = ", ".join(sorted(columns))
        msg = f"the CSV file has no column {' and no column '.join(missing)}; it has: {have}"
        raise ImportFormatError(msg)


def _transformer(epsg: int) -> Any:
    from pyproj import Transformer
    from pyproj.exceptions import CRSError

    try:
        return Transformer.from_crs(f"EPSG:{epsg}", "EPSG:4326", always_xy=True)
    except CRSError:
        msg = f"EPSG:{epsg} is not a coordinate system pyproj knows"
        raise ImportFormatError(msg) from None


def _position(
    row: SourceRow,
    transformer: Any,
    epsg: int | None,
    problems: list[RowProblem],
    locate: Callable[[str], tuple[float, float]] | None,
) -> tuple[str, str] | None:
    """The row's (lat, lon) as text, converting x/y or looking up its address; None (with
    problems) when unusable."""
    values = row.values
    if values.get("geometry", "").startswith("!"):
        problems.append(RowProblem(row.where, "geometry", "is not a GeoJSON Point", row.line))
        return None
    has_xy = bool(values.get("x") or values.get("y"))
    if not (values.get("lat") or values.get("lon") or has_xy) and values.get("address"):
        if locate is None:
            message = _("an address needs an area to look it up in (give the area)")
            problems.append(RowProblem(row.where, "address", message, row.line))
            return None
        try:
            lat, lon = locate(values["address"])
        except ValueError as exc:
            problems.append(RowProblem(row.where, "address", str(exc), row.line))
            return None
        return f"{lat:.7f}", f"{lon:.7f}"
    if values.get("lat") or values.get("lon") or not has_xy:
        return decimal_text(values.get("lat", "")), decimal_text(values.get("lon", ""))
    numbers: dict[str, float] = {}
    for column in ("x", "y"):
        try:
            numbers[column] = float(decimal_text(values.get(column, "")))
        except ValueError:
            problems.append(
                RowProblem(
                    row.where, column, f"{values.get(column, '')!r} is not a number", row.line
                )
            )
    if len(numbers) < 2:
        return None
    if transformer is None:
        message = "x/y need a coordinate system: give epsg (e.g. 25832 for ETRS89 / UTM 32N)"
        problems.append(RowProblem(row.where, "x", message, row.line))
        return None
    lon, lat = transformer.transform(numbers["x"], numbers["y"])
    if not (math.isfinite(lat) and math.isfinite(lon) and abs(lat) <= 90 and abs(lon) <= 180):
        message = f"x {values['x']}, y {values['y']} is no position in EPSG:{epsg}"
        problems.append(RowProblem(row.where, "x", message, row.line))
        return None
    return f"{lat:.7f}", f"{lon:.7f}"


def _own_checks(
    rows: list[SourceRow],
    epsg: int | None,
    problems: list[RowProblem],
    locate: Callable[[str], tuple[float, float]] | None = None,
) -> list[dict[str, str]]:
    """The rows as the forecast reader wants them, after the checks it does not make:
    positions (converted or looked up), lengths, and Danish times and dates as ISO."""
    transformer = _transformer(epsg) if epsg is not None else None
    mapped: list[dict[str, str]] = []
    for row in rows:
        values = row.values
        if values.get("row", "").startswith("!"):
            problems.append(RowProblem(row.where, "row", "is not an object", row.line))
        position = _position(row, transformer, epsg, problems, locate)
        ident = values.get("id", "")
        if len(ident) > MAX_ID_LENGTH:
            message = f"is {len(ident)} characters long; at most {MAX_ID_LENGTH}"
            problems.append(RowProblem(row.where, "id", message, row.line))
        kind = values.get("kind", "")
        if len(kind) > MAX_KIND_LENGTH:
            message = f"is {len(kind)} characters long; at most {MAX_KIND_LENGTH}"
            problems.append(RowProblem(row.where, "kind", message, row.line))
        lat, lon = position if position is not None else ("0", "0")
        mapped.append(
            {
                "id": ident,
                "lat": lat,
                "lon": lon,
                "date": iso_moment_text(values.get("date", "")),
                "start": iso_moment_text(values.get("from", "")),
                "end": iso_moment_text(values.get("to", "")),
                "kind": kind,
            }
        )
    return mapped


def _reader_problems(error: IncidentRowsError, rows: list[SourceRow]) -> list[RowProblem]:
    """The forecast reader's problems ("line 3, column start: ...", lines counted from 0)
    as problems on the file's own rows and column names."""
    found: list[RowProblem] = []
    for text in error.problems:
        match = _PROBLEM.match(text)
        if match is None:  # pragma: no cover - the reader's documented format
            found.append(RowProblem("file", "row", text))
            continue
        row = rows[int(match.group(1))]
        column = ALIASES.get(match.group(2), match.group(2))
        message = match.group(3).replace("column start", "column from")
        message = message.replace("column end", "column to")
        message = _OTHER_LINE.sub(lambda m: f"on {rows[int(m.group(1))].where}", message)
        found.append(RowProblem(row.where, column, message, row.line))
    return found


def incidents_from_file(
    data: bytes,
    fmt: Format,
    *,
    epsg: int | None = None,
    tz: str = "Europe/Copenhagen",
    box: AreaBox | None = None,
    locate: Callable[[str], tuple[float, float]] | None = None,
    warnings: list[str] | None = None,
) -> list[Incident]:
    """Read and check every record of a file, all or nothing.

    Parameters
    ----------
    data
        The file's bytes (UTF-8).
    fmt
        ``"csv"``, ``"geojson"`` or ``"json"``.
    epsg
        Coordinate system of ``x``/``y`` columns (GeoJSON: of the point coordinates);
        `DEFAULT_EPSG` (25832) when neither this nor the file names one.
    tz
        Time zone of dates and of times without an offset.
    box
        When given, every record must lie in it (catches swapped columns and wrong codes).
    locate
        Looks an ``address`` up: ``(lat, lon)``, or ValueError with a message (naming the
        closest addresses). Without it a row placed by address only is refused.
    warnings
        Gets what was read with a doubt (a file that is not UTF-8).

    Returns
    -------
    list of Incident
        In file order.

    Raises
    ------
    ImportFormatError
        If the file cannot be read at all.
    ImportRowsError
        Naming every bad value by row and column.
    """
    rows, file_epsg = read_rows(data, fmt, warnings=warnings)
    _check_columns(rows, fmt)
    problems: list[RowProblem] = []
    epsg = epsg if epsg is not None else file_epsg
    if epsg is None and any(row.values.get("x") or row.values.get("y") for row in rows):
        epsg = DEFAULT_EPSG
    mapped = _own_checks(rows, epsg, problems, locate)
    incidents: list[Incident] = []
    try:
        incidents = incidents_from_rows(mapped, tz=tz, first_line=0)
    except IncidentRowsError as error:
        problems.extend(_reader_problems(error, rows))
    if box is not None and not problems:
        for row, incident in zip(rows, incidents, strict=True):
            if not box.contains(incident.lat, incident.lon):
                message = (
                    f"({incident.lat:.5f}, {incident.lon:.5f}) lies outside area {box.label}; "
                    "are lat and lon (or x and y) swapped, or the EPSG code wrong?"
                )
                column = (
                    "lat" if row.values.get("lat") else "x" if row.values.get("x") else "address"
                )
                problems.append(RowProblem(row.where, column, message, row.line))
    if problems:
        order = {row.where: i for i, row in enumerate(rows)}
        problems.sort(key=lambda p: order.get(p.where, -1))
        written = rows[0].written
        raise ImportRowsError(
            [
                RowProblem(p.where, written.get(p.column, p.column), p.message, p.line)
                for p in problems
            ]
        )
    return incidents
