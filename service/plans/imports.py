"""Plan requests from the CSV files schedulers keep: shifts, hotspots and visits, one row
each (the columns are in `COLUMNS` and docs/api.md).

Every problem names the file, the line and the column as the file names it (``visits CSV
line 4, column window_start: ...``; ``column fra`` in a Danish file). A location is ``lat``
and ``lon``, or an ``address`` looked up offline in the area's own OSM file
(``service.plans.geocode``); the address text is never kept. Files may be comma- or
semicolon-separated (Danish Excel), with decimal points or commas, times ``17:00`` or
``17.00``, dates day first or ISO, and Danish column names (`ALIASES`).
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from ..errors import FieldProblem, RequestError, problems_from_validation
from ..i18n import _
from ..spreadsheets import decimal_text, delimiter_of, iso_moment_text
from .geocode import geocode_request
from .resolve import resolve_request
from .schemas import PlanOptions, PlanRequest

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from .networks import AreaNetworks

Table = Literal["shifts", "hotspots", "visits"]
MAX_CSV_CHARS = 2_000_000

# Per file: column -> required. Order is the documented order.
COLUMNS: dict[Table, dict[str, bool]] = {
    "shifts": {
        "id": False,
        "name": False,
        "phone": True,
        "role": False,
        "mode": False,
        "lat": False,
        "lon": False,
        "end_lat": False,
        "end_lon": False,
        "start_time": True,
        "end_time": True,
        "address": False,
        "end_address": False,
    },
    "hotspots": {
        "id": True,
        "lat": False,
        "lon": False,
        "weight": True,
        "dwell_min": False,
        "windows": False,
        "max_visits": False,
        "min_gap_min": False,
        "repeat_value": False,
        "address": False,
    },
    "visits": {
        "id": True,
        "lat": False,
        "lon": False,
        "window_start": True,
        "window_end": True,
        "duration_min": True,
        "staff_ids": False,
        "roles": False,
        "address": False,
    },
}
_TABLE_ORDER: dict[str, int] = {table: i for i, table in enumerate(COLUMNS)}
_PLACES = {"lat": "bredde", "lon": "længde", "address": "adresse"}
ALIASES: dict[Table, dict[str, str]] = {
    "shifts": {
        **{danish: column for column, danish in _PLACES.items()},
        "navn": "name",
        "telefon": "phone",
        "tlf": "phone",
        "rolle": "role",
        "transport": "mode",
        "start": "start_time",
        "slut": "end_time",
        "slut_adresse": "end_address",
        "slutadresse": "end_address",
        "slut_bredde": "end_lat",
        "slut_længde": "end_lon",
    },
    "hotspots": {
        **{danish: column for column, danish in _PLACES.items()},
        "vægt": "weight",
        "vaegt": "weight",
        "ophold_min": "dwell_min",
        "tider": "windows",
        "maks_besøg": "max_visits",
    },
    "visits": {
        **{danish: column for column, danish in _PLACES.items()},
        "fra": "window_start",
        "til": "window_end",
        "varighed_min": "duration_min",
        "medarbejdere": "staff_ids",
        "roller": "roles",
    },
}
"""Danish column names (any case; ``ae``/``aa`` for ``æ``/``å`` as well), read as the
English ones."""
MODES = {"bil": "drive", "cykel": "bike", "gang": "walk", "gå": "walk", "til_fods": "walk"}
"""Danish transport, read as the travel modes."""
GENERATED_ID = "vagt-{n}"
"""A shifts file without an ``id`` column names its shifts by row: vagt-1, vagt-2, ..."""
NUMBERS = frozenset(
    {"lat", "lon", "end_lat", "end_lon", "weight", "dwell_min", "min_gap_min", "repeat_value"}
    | {"duration_min"}
)
INTEGERS = frozenset({"max_visits"})
LISTS = frozenset({"staff_ids", "roles"})
PERSONAL_COLUMNS = frozenset({"name", "client", "client_name", "phone", "email", "cpr"})
_PLACE = re.compile(r"^(\w+) CSV line (\d+)")
_COLUMN_PLACE = re.compile(r"^(\w+) CSV line \d+, column (.+)$")
_ITEM_PATH = re.compile(r"^(shifts|hotspots|visits)\[(\d+)\](?:\.(.+))?$")


def _day_first(value: Any) -> Any:
    return iso_moment_text(value) if isinstance(value, str) else value


CsvDate = Annotated[dt.date, BeforeValidator(_day_first)]
"""The plan date of CSV files: ISO, or day first as Danish files write it (``26-11-2026``)."""
TIMES = frozenset({"start_time", "end_time", "window_start", "window_end"})
"""Columns of times: ``17.00`` and day-first dates (``26-11-2026 17.30``) read as ISO."""


class CsvImport(BaseModel):
    """The files and the plan's settings, as the map page sends them."""

    model_config = ConfigDict(extra="forbid")

    shifts_csv: str = Field(max_length=MAX_CSV_CHARS)
    hotspots_csv: str | None = Field(default=None, max_length=MAX_CSV_CHARS)
    visits_csv: str | None = Field(default=None, max_length=MAX_CSV_CHARS)
    area: str | None = Field(default=None, min_length=1, max_length=64)
    date: CsvDate | None = None
    latest_end: dt.time | None = dt.time(22, 0)
    options: PlanOptions = Field(default_factory=PlanOptions)


@dataclass(frozen=True, slots=True)
class _Row:
    line: int
    cells: dict[str, str]


def _where(table: Table, line: int, column: str | None = None) -> str:
    where = f"{table} CSV line {line}"
    return f"{where}, column {column}" if column else where


def _records(text: str) -> Iterator[tuple[int, list[str]]]:
    """Each record with the line it starts on (quoted cells may span lines)."""
    text = text.removeprefix("\ufeff")
    delimiter = delimiter_of(text.split("\n", 1)[0])
    reader = csv.reader(text.splitlines(keepends=True), delimiter=delimiter)
    line = 1
    for record in reader:
        yield line, record
        line = reader.line_num + 1


def _column_name(table: Table, written: str) -> str:
    """The column a header cell names: lower case, spaces and dashes as ``_``, Danish
    names (`ALIASES`) as the English ones."""
    name = re.sub(r"[\s-]+", "_", written.strip().lower())
    aliases = ALIASES[table]
    for spelt in (name, name.replace("ae", "æ").replace("aa", "å").replace("oe", "ø")):
        if spelt in aliases:
            return aliases[spelt]
    return name


def _read_table(
    table: Table,
    text: str,
    problems: list[FieldProblem],
    written: dict[str, str],
    columns: set[str],
) -> list[_Row]:
    """The rows of one file; ``written`` gets each column's name as the file writes it
    (where it differs), ``columns`` the columns the header has."""
    if "\ufffd" in text:
        message = _(
            "the file is not UTF-8 text: save it as 'CSV UTF-8' (or import it with eyes "
            "import, which reads Windows-1252)"
        )
        problems.append(FieldProblem(_where(table, 1), message))
        return []
    records = _records(text)
    first = next(records, None)
    if first is None or not any(cell.strip() for cell in first[1]):
        problems.append(FieldProblem(_where(table, 1), "the file is empty; expected a header"))
        return []
    header = [_column_name(table, name) for name in first[1]]
    for name, as_written in zip(header, first[1], strict=True):
        if as_written.strip() and as_written.strip().lower() != name:
            written.setdefault(name, as_written.strip())
    columns.update(header)
    known = COLUMNS[table]
    before = len(problems)
    missing = [name for name, required in known.items() if required and name not in header]
    if "address" not in header:  # a location is lat and lon, or an address
        missing += [name for name in ("lat", "lon") if name not in header]
    for position, name in enumerate(header):
        if name not in known:
            message = f"not a {table} column; the columns are: {', '.join(known)}"
            meant = difflib.get_close_matches(name, missing, n=1, cutoff=0.6)
            if meant:
                # One mistake, one message: the misspelt column, not also the missing one.
                missing.remove(meant[0])
                message = f"not a {table} column; did you mean {meant[0]}?"
            if table == "visits" and name in PERSONAL_COLUMNS:
                message = (
                    "client names and contact details are not needed and are never kept: "
                    "remove the column (visits are known by id)"
                )
            problems.append(FieldProblem(_where(table, 1, name or "(empty)"), message))
        elif name in header[:position]:
            problems.append(FieldProblem(_where(table, 1, name), "the column appears twice"))
    for name in missing:
        message = (
            _("missing column {name} (or give an address column)", name=name)
            if name in {"lat", "lon"}
            else f"missing column {name}"
        )
        problems.append(FieldProblem(_where(table, 1), message))
    if len(problems) > before:
        return []
    rows: list[_Row] = []
    for line, record in records:
        if not any(cell.strip() for cell in record):
            continue
        if len(record) > len(header):
            message = f"{len(record)} cells, but the header has {len(header)} columns"
            problems.append(FieldProblem(_where(table, line), message))
            continue
        cells = {name: cell.strip() for name, cell in zip(header, record, strict=False)}
        rows.append(_Row(line, {k: v for k, v in cells.items() if v and k in known}))
    return rows


def _value(table: Table, row: _Row, column: str, problems: list[FieldProblem]) -> Any:
    raw = row.cells[column]
    if column in NUMBERS or column in INTEGERS:
        text = decimal_text(raw)
        try:
            return int(text) if column in INTEGERS else float(text)
        except ValueError:
            kind = "a whole number" if column in INTEGERS else "a number"
            problems.append(FieldProblem(_where(table, row.line, column), f"not {kind}: {raw!r}"))
            return None
    if column == "mode":
        return MODES.get(re.sub(r"\s+", "_", raw.lower()), raw)
    if column == "staff_ids":
        return raw  # by id or by name: read once the shifts are known (`_staff_ids`)
    if column in LISTS:
        return [item for item in re.split(r"[,;|\s]+", raw) if item]
    if column == "windows":
        return _windows(table, row, raw, problems)
    if column in TIMES:
        return iso_moment_text(raw)
    return raw


def _windows(
    table: Table, row: _Row, raw: str, problems: list[FieldProblem]
) -> list[dict[str, str]]:
    windows = []
    for part in (p.strip() for p in re.split(r"[;,]", raw)):
        if not part:
            continue
        pieces = part.split("/") if "/" in part else part.split("-")
        if len(pieces) != 2 or not all(p.strip() for p in pieces):
            message = (
                f"not a window: {part!r}; expected e.g. 18:00-21:45 (several separated by ;) "
                "or an ISO interval 2026-11-24T18:00/2026-11-24T21:45"
            )
            problems.append(FieldProblem(_where(table, row.line, "windows"), message))
            continue
        windows.append(
            {"start": iso_moment_text(pieces[0].strip()), "end": iso_moment_text(pieces[1].strip())}
        )
    return windows


def _location(
    table: Table,
    row: _Row,
    problems: list[FieldProblem],
    *,
    lat: str = "lat",
    lon: str = "lon",
    address: str = "address",
    required: bool = True,
) -> dict[str, Any] | None:
    present = [column for column in (lat, lon) if column in row.cells]
    if not present:
        if address in row.cells:
            return {"address": row.cells[address]}
        if required:
            because = _(
                "give {lat} and {lon}, or an address",
                lat=lat,
                lon=lon,
            )
            problems.append(FieldProblem(_where(table, row.line, lat), because))
        return None
    if len(present) == 1:
        missing = lon if present[0] == lat else lat
        message = f"{missing} is empty: give both {lat} and {lon}"
        problems.append(FieldProblem(_where(table, row.line, missing), message))
        return None
    values = {"lat": _value(table, row, lat, problems), "lon": _value(table, row, lon, problems)}
    return None if None in values.values() else values


PLACE_COLUMNS = frozenset(
    {"lat", "lon", "end_lat", "end_lon", "address", "end_address", "window_start", "window_end"}
)


def _item(
    table: Table, row: _Row, number: int, header: set[str], problems: list[FieldProblem]
) -> dict[str, Any]:
    """The request item of row ``number`` (from 1) of a file with columns ``header``."""
    item: dict[str, Any] = {}
    for column, required in COLUMNS[table].items():
        if (required or column == "id") and column in header and column not in row.cells:
            problems.append(FieldProblem(_where(table, row.line, column), "the cell is empty"))
    for column in row.cells:
        if column in PLACE_COLUMNS:
            continue
        item[column] = _value(table, row, column, problems)
    if table == "shifts" and "id" not in header:
        item["id"] = GENERATED_ID.format(n=number)
    key = "start_location" if table == "shifts" else "location"
    item[key] = _location(table, row, problems)
    if table == "shifts":
        end = _location(
            table,
            row,
            problems,
            lat="end_lat",
            lon="end_lon",
            address="end_address",
            required=False,
        )
        if end is not None:
            item["end_location"] = end
    if table == "visits":
        item["window"] = {
            end: _value(table, row, f"window_{end}", problems)
            if f"window_{end}" in row.cells
            else None
            for end in ("start", "end")
        }
    return item


def _column_of(table: Table, path: str) -> str | None:
    """The CSV column behind a field path inside one item (``start_location.lat`` -> lat)."""
    parts = path.split(".")
    head = re.sub(r"\[\d+\]$", "", parts[0])
    tail = parts[1] if len(parts) > 1 else ""
    if head in {"location", "start_location"}:
        return tail if tail in {"lat", "lon", "address"} else "lat"
    if head == "end_location":
        return f"end_{tail}" if tail in {"lat", "lon", "address"} else "end_lat"
    if head == "window":
        return f"window_{tail}" if tail in {"start", "end"} else "window_start"
    return head if head in COLUMNS[table] else None


def _relocate(
    problems: Sequence[FieldProblem], rows: dict[Table, list[_Row]]
) -> list[FieldProblem]:
    """Problems on request fields (``visits[2].window``) as CSV lines and columns."""
    located = []
    for problem in problems:
        match = _ITEM_PATH.match(problem.field)
        if match is None:
            located.append(problem)
            continue
        table: Table = match.group(1)  # type: ignore[assignment]
        index = int(match.group(2))
        line = rows[table][index].line
        column = _column_of(table, match.group(3) or "")
        located.append(FieldProblem(_where(table, line, column), problem.message))
    return located


def _place(problem: FieldProblem) -> tuple[int, int]:
    """Where a problem is, for sorting: file (shifts, hotspots, visits), then line."""
    match = _PLACE.match(problem.field)
    if match is None:
        return (len(COLUMNS), 0)
    return (_TABLE_ORDER.get(match.group(1), 0), int(match.group(2)))


def _duplicates(table: Table, rows: list[_Row], problems: list[FieldProblem]) -> None:
    first: dict[str, int] = {}
    for row in rows:
        ident = row.cells.get("id")
        if ident is None:
            continue
        if ident in first:
            message = f"id {ident!r} is already used on line {first[ident]}"
            problems.append(FieldProblem(_where(table, row.line, "id"), message))
        else:
            first[ident] = row.line


def _staff_ids(raw: str, names: dict[str, str]) -> list[str]:
    """A visit's staff, separated by ``;``, ``,``, ``|`` or spaces, each by id or by the
    name in the shifts file (``Anne Hansen; vagt-2``)."""
    found: list[str] = []
    for part in (p.strip() for p in re.split(r"[,;|]+", raw)):
        if part.casefold() in names:
            found.append(names[part.casefold()])
        else:
            found += part.split()
    return found


def _file_terms(
    problems: Sequence[FieldProblem], written: dict[Table, dict[str, str]]
) -> list[FieldProblem]:
    """Problems naming each column as its file writes it (``column fra``)."""
    by_file: dict[str, dict[str, str]] = {str(table): names for table, names in written.items()}
    named = []
    for problem in problems:
        match = _COLUMN_PLACE.match(problem.field)
        as_written = by_file.get(match.group(1), {}).get(match.group(2)) if match else None
        if match is None or as_written is None:
            named.append(problem)
            continue
        field = problem.field[: match.start(2)] + as_written
        named.append(FieldProblem(field, problem.message, problem.id))
    return named


def request_from_csv(source: CsvImport, *, networks: AreaNetworks | None = None) -> PlanRequest:
    """A plan request from the files, checked as the API checks a request.

    Parameters
    ----------
    source
        The CSV texts (shifts required; hotspots and visits optional) and the plan's area,
        date, latest end and options.
    networks
        The areas, to look addresses up in (`geocode_request`); without them a location
        given by address stays an address in the request, for the planner to look up.

    Returns
    -------
    PlanRequest
        Valid, and passing the cross-field rules (times, the latest end, who may serve each
        visit, unique ids); addresses replaced by their points.

    Raises
    ------
    RequestError
        Every problem found, each naming the file, the line and the column (an address
        not found with the closest addresses the area has).
    """
    problems: list[FieldProblem] = []
    texts: dict[Table, str | None] = {
        "shifts": source.shifts_csv,
        "hotspots": source.hotspots_csv,
        "visits": source.visits_csv,
    }
    written: dict[Table, dict[str, str]] = {table: {} for table in texts}
    columns: dict[Table, set[str]] = {table: set() for table in texts}
    rows: dict[Table, list[_Row]] = {
        table: _read_table(table, text, problems, written[table], columns[table])
        if text is not None
        else []
        for table, text in texts.items()
    }
    for table, table_rows in rows.items():
        _duplicates(table, table_rows, problems)
    items: dict[str, list[dict[str, Any]]] = {
        table: [
            _item(table, row, number, columns[table], problems)
            for number, row in enumerate(table_rows, start=1)
        ]
        for table, table_rows in rows.items()
    }
    names = {
        str(shift["name"]).casefold(): str(shift["id"])
        for shift in items["shifts"]
        if shift.get("name")
    }
    for visit in items["visits"]:
        if "staff_ids" in visit:
            visit["staff_ids"] = _staff_ids(visit["staff_ids"], names)
    body: dict[str, Any] = {
        "area": source.area,
        "date": source.date,
        "latest_end": source.latest_end,
        "options": source.options.model_dump(),
        **items,
    }
    shifts_read = not any(p.field.startswith("shifts CSV") for p in problems)
    if not rows["shifts"] and shifts_read:
        problems.append(
            FieldProblem(_where("shifts", 2), "no shifts: add one row per staff member")
        )
    if problems:
        raise RequestError(_file_terms(sorted(problems, key=_place), written))
    try:
        request = PlanRequest.model_validate(body)
    except ValidationError as exc:
        located = _relocate(problems_from_validation(exc.errors()), rows)
        raise RequestError(_file_terms(located, written)) from exc
    try:
        resolve_request(request)
        if networks is not None:
            request = geocode_request(request, networks=networks)
    except RequestError as exc:
        raise RequestError(_file_terms(_relocate(exc.problems, rows), written)) from exc
    return request
