"""Burglary records in (CSV, GeoJSON, JSON), local areas, hotspots and local-area reports.

Records are personal data: only police and dispatcher keys (and admin) may import them,
no route gives them back one by one, and the audit log names ids and counts only. A key
scoped to areas reads and imports its areas' only (another area is a 403 naming it).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from ...auth.audit import audit
from ...auth.dependencies import require
from ...auth.keys import Principal
from ...auth.roles import INCIDENT_IMPORTERS
from ...auth.scope import check_area
from ...i18n import N_, _, language
from ...incidents.errors import ImportFormatError, ImportRowsError, NoIncidentsError
from ...incidents.hotspots import shortfall_note
from ...incidents.importing import FORMATS, format_from_content_type
from ...incidents.localareas import assign_local_areas
from ...incidents.schemas import (
    HotspotOut,
    HotspotsOut,
    IncidentsImported,
    IncidentsSummary,
    LocalAreasImported,
    ReportOut,
    TipCountOut,
)
from ...incidents.service import area_report, import_incidents, import_local_areas, stored_hotspots
from ...timeutil import LOCAL_TZ, as_of_moment, today_local
from ..deps import (
    AnyKeyDep,
    DatabaseDep,
    FieldStoreDep,
    HeavyReadsDep,
    IncidentStoreDep,
    NetworksDep,
    SettingsDep,
)
from ..problems import KEY_ERRORS, PROBLEM, PROBLEM_BASE, PROBLEM_JSON, problem_response

if TYPE_CHECKING:
    from ...field.store import Tip
    from ...incidents.errors import RowProblem
    from ...incidents.reports import AreaReport
    from ...incidents.store import IncidentStore
    from ...plans.networks import AreaNetworks
    from ..heavy import HeavyReads

router = APIRouter(tags=["incidents"])

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
"""About 300,000 CSV rows: years of a large city's burglaries."""

ERRORS: dict[int | str, dict[str, Any]] = {
    **KEY_ERRORS,
    404: {"description": "The area has no burglary records", **PROBLEM},
    413: {"description": "The file is larger than 20 MiB", **PROBLEM},
    415: {"description": "Not CSV, GeoJSON or JSON", **PROBLEM},
    422: {"description": "Bad file or parameters; `errors` names each line and column", **PROBLEM},
}
FILE_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "text/csv": {
                "schema": {"type": "string"},
                "example": "id,date,from,to,lat,lon,kind\n"
                "SND-1,2026-11-20,08:00,16:00,57.4719,10.1840,residential\n",
            },
            "application/geo+json": {"schema": {"type": "object"}},
            "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
        },
    }
}

ImporterDep = Annotated[Principal, Depends(require(*INCIDENT_IMPORTERS))]
AreaQuery = Annotated[str, Query(min_length=1, max_length=64, description="The area's name.")]


async def _body(request: Request) -> bytes:
    """The request body, refused with 413 past ``MAX_UPLOAD_BYTES``."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_UPLOAD_BYTES:
            raise HTTPException(
                413, _("The file is larger than {mib} MiB.", mib=MAX_UPLOAD_BYTES // 2**20)
            )
        chunks.append(chunk)
    return b"".join(chunks)


def _field(problem: RowProblem) -> str:
    if problem.line is not None:
        return f"line {problem.line}, column {problem.column}"
    return f"{problem.where}.{problem.column}"


def rows_problem(error: ImportRowsError, *, limit: int) -> JSONResponse:
    """422 problem+json naming the bad lines (or features) and columns: the first
    ``limit``, and how many more in ``errors_omitted``."""
    errors: list[dict[str, Any]] = []
    for problem in error.problems[:limit]:
        item: dict[str, Any] = {
            "field": _field(problem),
            "row": problem.where,
            "column": problem.column,
            "message": problem.message,
        }
        if problem.line is not None:
            item["line"] = problem.line
        errors.append(item)
    body = {
        "type": PROBLEM_BASE + "invalid-records",
        "title": "Invalid records",
        "status": 422,
        "detail": str(error),
        "errors": errors,
    }
    if len(error.problems) > limit:
        body["errors_omitted"] = len(error.problems) - limit
    return JSONResponse(body, status_code=422, media_type=PROBLEM_JSON)


def _format_problem(error: ImportFormatError) -> JSONResponse:
    return problem_response(422, N_("Unreadable file"), str(error), kind="unreadable-file")


def _not_found(error: NoIncidentsError) -> JSONResponse:
    return problem_response(404, N_("Not found"), str(error), kind="not-found")


@router.post(
    "/v1/incidents",
    responses={200: {"model": IncidentsImported}, **ERRORS},
    openapi_extra=FILE_BODY,
)
async def post_incidents(
    request: Request,
    area: AreaQuery,
    principal: ImporterDep,
    networks: NetworksDep,
    store: IncidentStoreDep,
    db: DatabaseDep,
    settings: SettingsDep,
    heavy: HeavyReadsDep,
    epsg: Annotated[
        int | None,
        Query(ge=1024, le=999_999, description="EPSG code of x/y columns, e.g. 25832."),
    ] = None,
) -> Response:
    """Import burglary records: one per CSV row, GeoJSON Point feature or JSON object.

    Columns: `id`, `date` and/or `from`/`to` (a span: `HH:MM` on `date`, or ISO datetimes;
    Copenhagen time), `lat`/`lon` (or `x`/`y` in `epsg`, by default 25832, or an `address`
    in the area), optional `kind`; or their Danish names (`sagsnr`, `dato`, `tid_fra`,
    `tid_til`, `adresse`, `bredde`, `længde`), with day-first dates, `17.00` times and
    decimal commas. The same id again updates the record. A file with any bad row is
    refused whole (422, every bad line and column named); nothing is half-imported.
    """
    check_area(principal, area)
    fmt = format_from_content_type(request.headers.get("content-type"))
    if fmt is None:
        names = ", ".join(FORMATS)
        raise HTTPException(
            415,
            _("Send text/csv, application/geo+json or application/json ({names}).", names=names),
        )
    data = await _body(request)
    try:
        imported = await run_in_threadpool(
            import_incidents, data, fmt, area=area, store=store, networks=networks, epsg=epsg
        )
    except ImportRowsError as error:
        await run_in_threadpool(
            audit, db, principal, "incidents.import", target=area, outcome="422 bad rows"
        )
        return rows_problem(error, limit=settings.max_validation_errors)
    except ImportFormatError as error:
        await run_in_threadpool(
            audit, db, principal, "incidents.import", target=area, outcome="422 unreadable"
        )
        return _format_problem(error)
    heavy.forget(area)
    target = imported.audit_target()
    outcome = f"{imported.created} new, {imported.updated} updated"
    await run_in_threadpool(
        audit, db, principal, "incidents.import", target=target, outcome=outcome
    )
    body = IncidentsImported(
        area=area,
        received=imported.received,
        created=imported.created,
        updated=imported.updated,
        warnings=list(imported.warnings),
    )
    return JSONResponse(body.model_dump())


@router.get("/v1/incidents", responses=ERRORS)
def get_incidents(
    area: AreaQuery, networks: NetworksDep, store: IncidentStoreDep, principal: ImporterDep
) -> IncidentsSummary:
    """How many records the area has and the days they span (no positions)."""
    check_area(principal, area)
    networks.catalog.get(area)
    count, first, last = store.count(area)
    return IncidentsSummary(
        area=area,
        records=count,
        first_day=first,
        last_day=last,
        local_areas=len(store.local_areas(area)),
    )


@router.post(
    "/v1/areas/{area}/local-areas",
    responses={200: {"model": LocalAreasImported}, **ERRORS},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/geo+json": {"schema": {"type": "object"}}},
        }
    },
)
async def post_local_areas(
    area: str,
    request: Request,
    networks: NetworksDep,
    store: IncidentStoreDep,
    principal: ImporterDep,
    db: DatabaseDep,
    settings: SettingsDep,
    heavy: HeavyReadsDep,
) -> Response:
    """Make a GeoJSON FeatureCollection of named polygons (`name` or `navn` property) the
    area's local areas; they replace the earlier ones. Reports count per local area."""
    check_area(principal, area)
    data = await _body(request)
    try:
        names = await run_in_threadpool(
            import_local_areas, data, area=area, store=store, networks=networks
        )
    except ImportRowsError as error:
        return rows_problem(error, limit=settings.max_validation_errors)
    except ImportFormatError as error:
        return _format_problem(error)
    heavy.forget(area)
    target = f"{area}: {len(names)} local areas"
    await run_in_threadpool(audit, db, principal, "local_areas.import", target=target)
    return JSONResponse(LocalAreasImported(area=area, names=names).model_dump())


@router.get("/v1/hotspots", responses={200: {"model": HotspotsOut}, **ERRORS})
def get_hotspots(
    area: AreaQuery,
    networks: NetworksDep,
    store: IncidentStoreDep,
    principal: AnyKeyDep,
    as_of: Annotated[
        dt.datetime | dt.date | None,
        Query(
            description="Records known before this moment; a date means 00:00 Copenhagen. "
            "Default: now."
        ),
    ] = None,
    count: Annotated[int, Query(ge=1, le=200)] = 10,
    *,
    heavy: HeavyReadsDep,
) -> Response:
    """Hotspots for the next 7 days from the area's stored records, on its streets, ranked
    by weight (highest first), each with its reason and evening windows."""
    check_area(principal, area)
    moment = (
        as_of_moment(as_of, default=today_local())
        if as_of is not None
        else dt.datetime.now(LOCAL_TZ)
    )
    # Asked for now: the day's answer is reused (records change by imports, which forget).
    when = moment if as_of is not None else moment.date()
    try:
        hotspots = heavy.run(
            ("hotspots", area, when, count, language(), store.count(area)),
            lambda: stored_hotspots(
                area=area, as_of=moment, count=count, store=store, networks=networks
            ),
        )
    except NoIncidentsError as error:
        return _not_found(error)
    body = HotspotsOut(
        area=area,
        as_of=moment,
        hotspots=[HotspotOut.of(h) for h in hotspots],
        note=shortfall_note(count, len(hotspots)),
    )
    return JSONResponse(body.model_dump(mode="json"))


def _tip_counts(report: AreaReport, tips: list[Tip]) -> list[TipCountOut]:
    """The tips noticed in the report's last 4 weeks, counted per local area and category."""
    first, last = report.periods["last_4_weeks"]
    counts: Counter[tuple[str | None, str]] = Counter()
    for tip in tips:
        if not first <= tip.at.astimezone(LOCAL_TZ).date() <= last:
            continue
        name = None
        if tip.lat is not None and tip.lon is not None:
            (index,) = assign_local_areas(report.polygons, [tip.lat], [tip.lon])
            name = report.polygons[int(index)].name if index >= 0 else None
        counts[name, tip.category] += 1
    return [
        TipCountOut(local_area=name, category=category, count=n)
        for (name, category), n in sorted(counts.items(), key=lambda kv: (str(kv[0][0]), kv[0][1]))
    ]


def _report_day(as_of: dt.date | None) -> dt.date:
    return as_of or today_local()


def _report(
    area: str, day: dt.date, *, store: IncidentStore, networks: AreaNetworks, heavy: HeavyReads
) -> AreaReport:
    """The report, reused for the same area, day and records (at most a few at once)."""
    return heavy.run(
        ("report", area, day, language(), store.count(area)),
        lambda: area_report(area=area, as_of=day, store=store, networks=networks),
    )


@router.get("/v1/reports/{area}", responses={200: {"model": ReportOut}, **ERRORS})
def get_report(
    area: str,
    networks: NetworksDep,
    store: IncidentStoreDep,
    principal: AnyKeyDep,
    field: FieldStoreDep,
    as_of: Annotated[dt.date | None, Query(description="The report's day; default today.")] = None,
    *,
    heavy: HeavyReadsDep,
) -> Response:
    """Burglaries per local area: the last 4 weeks against the 4 before and the same weeks
    last year, the trend, the top streets, the forecast and the hotspots."""
    check_area(principal, area)
    day = _report_day(as_of)
    try:
        report = _report(area, day, store=store, networks=networks, heavy=heavy)
    except NoIncidentsError as error:
        return _not_found(error)
    body = ReportOut.of(report, map_png=f"/v1/reports/{area}/map.png?as_of={day.isoformat()}")
    body.tips = _tip_counts(report, field.tips(area=area, police=principal.role == "police"))
    return JSONResponse(body.model_dump(mode="json"))


@router.get(
    "/v1/reports/{area}/map.png",
    responses={200: {"content": {"image/png": {}}, "description": "The map"}, **ERRORS},
    response_class=Response,
)
def get_report_map(
    area: str,
    networks: NetworksDep,
    store: IncidentStoreDep,
    principal: AnyKeyDep,
    as_of: Annotated[dt.date | None, Query(description="The report's day; default today.")] = None,
    *,
    heavy: HeavyReadsDep,
) -> Response:
    """The report's map (PNG, 1200 x 960): local areas shaded by expected burglaries,
    hotspots circled, the streets drawn thin, © OpenStreetMap contributors."""
    check_area(principal, area)
    from ...incidents.maps import report_map_png

    day = _report_day(as_of)
    try:
        png = heavy.run(
            ("report.png", area, day, language(), store.count(area)),
            lambda: report_map_png(
                _report(area, day, store=store, networks=networks, heavy=heavy),
                network=networks.get(area, "drive"),
                area_title=networks.catalog.get(area).display_name,
            ),
        )
    except NoIncidentsError as error:
        return _not_found(error)
    return Response(png, media_type="image/png")
