"""The ``eyes`` command: demo, plan, import, geocode, serve, worker, beat, areas, keys, sender,
retention, migrate, and burglary records: incidents import, areas local import, hotspots,
report.

``plan`` and ``demo`` make the same planning call as the API; bad input exits with status 2
and the same messages the API gives. Each command imports what it needs when it runs, so
``eyes --help`` answers at once.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import date, datetime

    from .alerts.store import AlertStore
    from .config import Settings
    from .errors import FieldProblem
    from .incidents.importing import Format
    from .plans.planning import PlannedRoutes
    from .plans.schemas import PlanRequest
    from .plans.store import PlanStore

from .auth.roles import ROLES
from .i18n import _
from .outcomes import EXIT_BAD_INPUT

DEMO_REQUEST = Path(__file__).resolve().parents[1] / "examples" / "sindal_request.json"


class CliError(Exception):
    """A failure to report on stderr, with its exit status."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def _settings() -> Settings:
    from .config import get_settings

    return get_settings()


def _plan_store() -> PlanStore:
    """The plan store on the configured database, migrated in dev (checked in prod)."""
    from .migrations import ensure_schema
    from .plans.store import PlanStore

    settings = _settings()
    store = PlanStore.from_url(settings.database_url)
    ensure_schema(store.engine, upgrade=settings.environment != "prod")
    return store


def _alert_store() -> AlertStore:
    from .alerts.store import AlertStore

    return AlertStore(_plan_store().engine)


def _read_request(path: str) -> PlanRequest:
    from pydantic import ValidationError

    from .errors import RequestError, problems_from_validation
    from .plans.schemas import PlanRequest

    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        msg = _("cannot read {path}: {reason}", path=path, reason=exc.strerror)
        raise CliError(msg, EXIT_BAD_INPUT) from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        msg = _(
            "{path} is not valid JSON: {reason} at line {line}, column {column}",
            path=path,
            reason=exc.msg,
            line=exc.lineno,
            column=exc.colno,
        )
        raise CliError(msg, EXIT_BAD_INPUT) from exc
    try:
        return PlanRequest.model_validate(data)
    except ValidationError as exc:
        problems = problems_from_validation(exc.errors(), body=data, model=PlanRequest)
        raise RequestError(problems) from exc


def _read_csv(path: str) -> str:
    """A CSV file's text: UTF-8, or Windows-1252 with a warning on stderr; a file over the
    import's limit is refused before it is read."""
    from .plans.imports import MAX_CSV_CHARS
    from .spreadsheets import decode_text

    try:
        size = Path(path).stat().st_size
        if size > MAX_CSV_CHARS:
            msg = _(
                "{path} is {size_mb:.1f} MB; a CSV file to import may be at most {limit_mb:g} "
                "MB (split it, or leave out columns not needed)",
                path=path,
                size_mb=size / 1e6,
                limit_mb=MAX_CSV_CHARS / 1e6,
            )
            raise CliError(msg, EXIT_BAD_INPUT)
        data = Path(path).read_bytes()
    except OSError as exc:
        msg = _("cannot read {path}: {reason}", path=path, reason=exc.strerror)
        raise CliError(msg, EXIT_BAD_INPUT) from exc
    text, warning = decode_text(data, name=path)
    if warning is not None:
        print(_("warning: {warning}", warning=warning), file=sys.stderr)
    return text


def _request_from_csv(args: argparse.Namespace) -> PlanRequest:
    """The request the CSV files of ``args`` make (``--shifts-csv`` and the others), with
    addresses looked up on the area's OSM file."""
    from pydantic import ValidationError

    from .errors import RequestError, problems_from_validation
    from .plans.imports import CsvImport, request_from_csv
    from .plans.networks import AreaNetworks

    options: dict[str, Any] = {"seed": args.seed}
    if args.time_limit is not None:
        options["time_limit_s"] = args.time_limit
    try:
        source = CsvImport(
            shifts_csv=_read_csv(args.shifts_csv),
            hotspots_csv=_read_csv(args.hotspots_csv) if args.hotspots_csv else None,
            visits_csv=_read_csv(args.visits_csv) if args.visits_csv else None,
            area=args.area,
            date=args.date,
            options=options,
        )
    except ValidationError as exc:
        raise RequestError(problems_from_validation(exc.errors())) from exc
    return request_from_csv(source, networks=AreaNetworks.from_settings(_settings()))


def _plan_input(args: argparse.Namespace) -> PlanRequest:
    """The request to plan: a JSON file, or the CSV files."""
    if (args.request is None) == (args.shifts_csv is None):
        msg = _("give a request file or --shifts-csv (with --hotspots-csv, --visits-csv), not both")
        raise CliError(msg, EXIT_BAD_INPUT)
    if args.request is not None:
        return _read_request(args.request)
    return _request_from_csv(args)


def _write_exports(planned: PlannedRoutes, args: argparse.Namespace) -> None:
    """The files asked for with ``--gpx``, ``--csv`` and ``--ics-dir``."""
    from .plans.exports import plan_to_csv, plan_to_gpx, route_to_ics

    plan = planned.plan
    if args.gpx:
        if planned.geojson is None:
            msg = _("--gpx: a plan on an explicit matrix has no coordinates")
            raise CliError(msg, EXIT_BAD_INPUT)
        Path(args.gpx).write_text(plan_to_gpx(plan, planned.geojson), encoding="utf-8")
    if args.csv:
        Path(args.csv).write_text(plan_to_csv(plan), encoding="utf-8", newline="")
    if args.ics_dir:
        folder = Path(args.ics_dir)
        folder.mkdir(parents=True, exist_ok=True)
        for route in plan.routes:
            text = route_to_ics(plan, route.staff_id)
            (folder / f"{route.staff_id}.ics").write_text(text, encoding="utf-8", newline="")


def _plan(request: PlanRequest) -> PlannedRoutes:
    from .plans.networks import AreaNetworks
    from .usecases import plan_request

    settings = _settings()
    networks = AreaNetworks.from_settings(settings)
    return plan_request(request, networks=networks, settings=settings, store=_plan_store())


def _write_json(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def cmd_plan(args: argparse.Namespace) -> None:
    """Print the plan JSON for a request file (or CSV files); write the files asked for.
    The plan's warnings go to stderr."""
    from .plans.report import warning_lines

    planned = _plan(_plan_input(args))
    for line in warning_lines(planned.plan):
        print(line, file=sys.stderr)
    body = planned.plan.model_dump(mode="json")
    if args.geojson and planned.geojson is not None:
        _write_json(Path(args.geojson), planned.geojson)
    _write_exports(planned, args)
    sys.stdout.write(json.dumps(body, indent=2, ensure_ascii=False) + "\n")


def cmd_import(args: argparse.Namespace) -> None:
    """Print the plan request the CSV files make (nothing is planned)."""
    body = _request_from_csv(args).model_dump(mode="json")
    sys.stdout.write(json.dumps(body, indent=2, ensure_ascii=False) + "\n")


def cmd_geocode(args: argparse.Namespace) -> None:
    """Print each address's point on the area, one JSON object a line; exit 2 naming each
    address not found, with the closest addresses the area has."""
    from .plans.errors import AddressError
    from .plans.networks import AreaNetworks

    networks = AreaNetworks.from_settings(_settings())
    area = args.area or networks.default_area
    lines: list[str] = []
    errors: list[str] = []
    for text in args.addresses:
        try:
            found = networks.find_address(area, text)
        except AddressError as exc:
            errors.append(str(exc))
            continue
        answer = {"address": found.label, "lat": found.lat, "lon": found.lon, "area": area}
        lines.append(json.dumps(answer, ensure_ascii=False))
    if errors:
        raise CliError("\nerror: ".join(errors), EXIT_BAD_INPUT)
    sys.stdout.write("".join(f"{line}\n" for line in lines))


def cmd_demo(args: argparse.Namespace) -> None:
    """Plan the shipped sample request on the default area and write plan + GeoJSON."""
    from .plans.report import plan_to_text

    planned = _plan(_read_request(str(args.request)))
    out = Path(args.out)
    _write_json(out / "plan.json", planned.plan.model_dump(mode="json"))
    if planned.geojson is not None:
        _write_json(out / "routes.geojson", planned.geojson)
    print(plan_to_text(planned.plan))
    print(
        "\n"
        + _(
            "Wrote {plan} and {geojson} (open it on any web map).",
            plan=out / "plan.json",
            geojson=out / "routes.geojson",
        )
    )
    print(_("Street data © OpenStreetMap contributors, ODbL."))


def cmd_serve(args: argparse.Namespace) -> None:
    """Run the API with uvicorn (no server banner, bounded connections)."""
    import uvicorn

    from .api.app import create_app, server_config

    logging.getLogger("service").setLevel(logging.INFO)
    settings = _settings()
    config = server_config(
        create_app(settings), host=args.host or settings.host, port=args.port or settings.port
    )
    uvicorn.Server(config).run()


def _celery() -> Any:
    from .jobs.celery_app import make_celery

    settings = _settings()
    if not settings.broker_url:
        msg = _("EYES_BROKER_URL is not set: without a broker the API solves plans itself.")
        raise CliError(msg, EXIT_BAD_INPUT)
    return make_celery(settings)


def cmd_worker(args: argparse.Namespace) -> None:
    """Run a Celery worker that solves plan jobs (one plan per pool process)."""
    settings = _settings()
    app = _celery()
    argv = [
        "worker",
        f"--queues={settings.job_queue_name}",
        f"--concurrency={args.concurrency or settings.worker_concurrency}",
        "--pool=prefork",
        f"--loglevel={args.loglevel}",
        "--without-gossip",
        "--without-mingle",
    ]
    if args.hostname:
        argv.append(f"--hostname={args.hostname}")
    app.worker_main(argv)


def cmd_beat(args: argparse.Namespace) -> None:
    """Run Celery beat: queues the nightly plans at EYES_NIGHTLY_PLAN_AT."""
    app = _celery()
    app.start(["beat", f"--loglevel={args.loglevel}", f"--schedule={args.schedule}"])


def cmd_areas(_args: argparse.Namespace) -> None:
    """List the registered areas."""
    from .plans.networks import AreaNetworks

    networks = AreaNetworks.from_settings(_settings())
    for name in networks.catalog.names():
        marker = " (default)" if name == networks.default_area else ""
        print(f"{name}{marker}")


def _key_areas(args: argparse.Namespace) -> list[str] | None:
    """The areas ``--areas`` and ``--municipality`` name, checked against the area catalogue
    (None: neither was given, a key of every area)."""
    from .plans.networks import AreaNetworks

    if args.areas is None and args.municipality is None:
        return None
    catalog = AreaNetworks.from_settings(_settings()).catalog
    known = catalog.names()
    chosen: set[str] = set()
    if args.areas is not None:
        named = {a.strip() for a in args.areas.split(",") if a.strip()}
        unknown = sorted(named - set(known))
        if unknown or not named:
            msg = _(
                "--areas: unknown area {unknown}; known areas: {known}",
                unknown=", ".join(unknown) or '""',
                known=", ".join(known) or "none",
            )
            raise CliError(msg, EXIT_BAD_INPUT)
        chosen |= named
    if args.municipality is not None:
        found = catalog.in_municipality(args.municipality)
        if not found:
            municipalities = sorted({a.municipality for a in catalog.areas()})
            msg = _(
                "no area belongs to municipality {municipality}; municipalities: {known}",
                municipality=args.municipality,
                known=", ".join(municipalities) or "none",
            )
            raise CliError(msg, EXIT_BAD_INPUT)
        chosen |= set(found)
    if args.role == "admin":
        msg = _("an admin key sees every area: leave out --areas and --municipality")
        raise CliError(msg, EXIT_BAD_INPUT)
    return sorted(chosen)


def cmd_keys_create(args: argparse.Namespace) -> None:
    """Create an API key and print it once (only its digest is stored)."""
    from .auth.keys import create_key

    areas = _key_areas(args)
    key_id, key = create_key(_alert_store(), args.role, label=args.label, areas=areas)
    print(key)
    if areas is not None:
        scope = _("areas {areas}", areas=", ".join(areas))
    elif args.role == "admin":
        scope = _("every area")
    else:
        scope = _(
            "every area (warning: name the key's areas with --areas or --municipality when "
            "the service serves more than one municipality)"
        )
    print(
        _(
            "key id {key_id}, role {role}, {scope}: store the key now; it is not shown again.",
            key_id=key_id,
            role=args.role,
            scope=scope,
        ),
        file=sys.stderr,
    )


def cmd_sender(_args: argparse.Namespace) -> None:
    """Run the SMS sender in the foreground until SIGINT/SIGTERM."""
    import signal

    from .alerts.sms import build_sender
    from .alerts.worker import worker_from_settings

    logging.getLogger("service").setLevel(logging.INFO)
    settings = _settings()
    store = _alert_store()
    sender = build_sender(settings, store)
    worker = worker_from_settings(settings, store, sender)

    def _stop(signum: int, _frame: object) -> None:
        worker.stop(timeout_s=0)

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        worker.run()
    finally:
        sender.close()


def cmd_retention(_args: argparse.Namespace) -> None:
    """Delete staff phones and alert texts older than EYES_RETENTION_DAYS, and burglary
    records older than EYES_INCIDENT_RETENTION_DAYS."""
    from datetime import UTC, datetime

    from .retention import forget_before, forget_incidents_before, retention_cutoff

    settings = _settings()
    now = datetime.now(UTC)
    cutoff = retention_cutoff(now, settings.retention_days)
    store = _plan_store()
    forgotten = forget_before(store, cutoff)
    print(
        _(
            "retention ({days} days, before {cutoff} UTC): {alerts} alert texts and the phones "
            "of {plans} plans deleted; client visits removed from {visits} plans and jobs; "
            "{tips} tips and {checkins} check-in positions forgotten",
            days=settings.retention_days,
            cutoff=f"{cutoff:%Y-%m-%d %H:%M}",
            alerts=forgotten.alerts,
            plans=forgotten.plans,
            visits=forgotten.visits,
            tips=forgotten.tips,
            checkins=forgotten.checkins,
        )
    )
    days = settings.incident_retention_days
    old = forget_incidents_before(store, retention_cutoff(now, days))
    print(_("burglary records ({days} days): {old} deleted", days=days, old=old))


def cmd_migrate(_args: argparse.Namespace) -> None:
    """Bring the database schema to the newest revision."""
    from .db import create_db_engine
    from .migrations import upgrade_to_head

    before, head = upgrade_to_head(create_db_engine(_settings().database_url))
    if before == head:
        print(_("database already at revision {head}", head=head))
    else:
        print(
            _(
                "database upgraded from revision {before} to {head}",
                before=before or _("none"),
                head=head,
            )
        )


def _plan_date(text: str) -> date:
    """``--date``: ISO, or day first as Danish files write it (``07-12-2026``)."""
    from datetime import date

    from .spreadsheets import iso_moment_text

    try:
        return date.fromisoformat(iso_moment_text(text))
    except ValueError:
        msg = _("not a date: {text!r}; expected YYYY-MM-DD or DD-MM-YYYY", text=text)
        raise argparse.ArgumentTypeError(msg) from None


def _csv_arguments(parser: argparse.ArgumentParser, *, required: bool) -> None:
    parser.add_argument("--shifts-csv", required=required, help="shifts, one row each")
    parser.add_argument("--hotspots-csv", help="hotspots, one row each")
    parser.add_argument("--visits-csv", help="client visits, one row each")
    parser.add_argument("--area", help="with CSV files: the area (default: the server's)")
    parser.add_argument(
        "--date",
        type=_plan_date,
        help="with CSV files: YYYY-MM-DD or DD-MM-YYYY (default: today)",
    )
    parser.add_argument("--time-limit", type=float, help="with CSV files: seconds of search")
    parser.add_argument("--seed", type=int, default=0, help="with CSV files: search seed")


def _read_file(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        msg = _("cannot read {path}: {reason}", path=path, reason=exc.strerror)
        raise CliError(msg, EXIT_BAD_INPUT) from exc


def _file_format(path: str, given: str | None) -> Format:
    from .incidents.importing import format_from_name

    fmt = given or format_from_name(path)
    if fmt is None:
        msg = _("{path}: say --format csv, geojson or json (the name does not tell)", path=path)
        raise CliError(msg, EXIT_BAD_INPUT)
    return fmt  # type: ignore[return-value]


def cmd_incidents_import(args: argparse.Namespace) -> None:
    """Import burglary records for an area: all rows or none."""
    from .auth.audit import audit
    from .incidents.service import import_incidents
    from .incidents.store import IncidentStore
    from .plans.networks import AreaNetworks

    data = _read_file(args.file)
    fmt = _file_format(args.file, args.format)
    store = _plan_store()
    networks = AreaNetworks.from_settings(_settings())
    imported = import_incidents(
        data, fmt, area=args.area, store=IncidentStore(store), networks=networks, epsg=args.epsg
    )
    outcome = _("{new} new, {updated} updated", new=imported.created, updated=imported.updated)
    audit(store, None, "incidents.import (cli)", target=imported.audit_target(), outcome=outcome)
    for warning in imported.warnings:
        print(_("warning: {warning}", warning=f"{args.file}: {warning}"), file=sys.stderr)
    print(
        _(
            "{area}: {n} records read: {outcome}",
            area=args.area,
            n=imported.received,
            outcome=outcome,
        )
    )


def cmd_local_areas_import(args: argparse.Namespace) -> None:
    """Make a GeoJSON file's polygons an area's local areas."""
    from .incidents.service import import_local_areas
    from .incidents.store import IncidentStore
    from .plans.networks import AreaNetworks

    names = import_local_areas(
        _read_file(args.file),
        area=args.area,
        store=IncidentStore(_plan_store()),
        networks=AreaNetworks.from_settings(_settings()),
        name_property=args.name_property,
    )
    more = ", ..." if len(names) > 8 else ""
    print(
        _(
            "{area}: {n} local areas ({names})",
            area=args.area,
            n=len(names),
            names=", ".join(names[:8]) + more,
        )
    )


def _as_of(text: str, tz: str) -> datetime:
    from datetime import date, datetime
    from zoneinfo import ZoneInfo

    from .timeutil import as_of_moment

    try:
        value: date | datetime = (
            datetime.fromisoformat(text) if "T" in text else date.fromisoformat(text)
        )
    except ValueError:
        msg = _("--as-of {text!r} is not a date (YYYY-MM-DD) or an ISO datetime", text=text)
        raise CliError(msg, EXIT_BAD_INPUT) from None
    return as_of_moment(value, default=date.today(), tz=ZoneInfo(tz))


def cmd_hotspots(args: argparse.Namespace) -> None:
    """Print ranked hotspots as JSON, from a file or from an area's stored records."""
    from .incidents.hotspots import area_hotspots, shortfall_note
    from .incidents.importing import incidents_from_file
    from .incidents.schemas import HotspotOut, HotspotsOut

    as_of = _as_of(args.as_of, args.tz)
    network = None
    if args.area:
        from .plans.networks import AreaNetworks

        networks = AreaNetworks.from_settings(_settings())
        network = networks.get(args.area, "drive")
    if args.file:
        data = _read_file(args.file)
        incidents = incidents_from_file(
            data, _file_format(args.file, args.format), epsg=args.epsg, tz=args.tz
        )
    elif args.area:
        from .incidents.expand import no_records_message
        from .incidents.store import IncidentStore

        incidents = IncidentStore(_plan_store()).incidents(args.area)
        if not incidents:
            raise CliError(no_records_message(args.area), EXIT_BAD_INPUT)
    else:
        raise CliError(_("give a records FILE, or --area for the area's stored records"), 2)
    hotspots = area_hotspots(incidents, as_of=as_of, count=args.count, network=network, tz=args.tz)
    note = shortfall_note(args.count, len(hotspots))
    body = HotspotsOut(
        area=args.area, as_of=as_of, hotspots=[HotspotOut.of(h) for h in hotspots], note=note
    )
    if note:
        print(_("note: {note}", note=note), file=sys.stderr)
    sys.stdout.write(json.dumps(body.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n")


def cmd_report(args: argparse.Namespace) -> None:
    """Write an area's local-area report (JSON) and its map (PNG); print the numbers."""
    from datetime import date

    from .incidents.maps import report_map_png
    from .incidents.schemas import ReportOut
    from .incidents.service import area_report
    from .incidents.store import IncidentStore
    from .incidents.text import report_to_text
    from .plans.networks import AreaNetworks

    try:
        day = date.fromisoformat(args.as_of) if args.as_of else date.today()
    except ValueError:
        msg = _("--as-of {text!r} is not a date (YYYY-MM-DD)", text=args.as_of)
        raise CliError(msg, EXIT_BAD_INPUT) from None
    networks = AreaNetworks.from_settings(_settings())
    store = IncidentStore(_plan_store())
    report = area_report(area=args.area, as_of=day, store=store, networks=networks)
    out = Path(args.out)
    stem = f"report-{args.area}-{day.isoformat()}"
    png = out / f"{stem}.png"
    body = ReportOut.of(report, map_png=png.name)
    _write_json(out / f"{stem}.json", body.model_dump(mode="json"))
    title = networks.catalog.get(args.area).display_name
    png.write_bytes(
        report_map_png(report, network=networks.get(args.area, "drive"), area_title=title)
    )
    print(report_to_text(report, area_title=title))
    print("\n" + _("Wrote {json} and {png}.", json=out / (stem + ".json"), png=png))
    print(_("Street data © OpenStreetMap contributors, ODbL."))


def _add_file_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format", choices=("csv", "geojson", "json"), help="default: from the file name"
    )
    parser.add_argument("--epsg", type=int, help="EPSG code of x/y columns, e.g. 25832")


def _add_incident_commands(sub: Any, areas: argparse.ArgumentParser) -> None:
    """``incidents import``, ``areas local import``, ``hotspots`` and ``report``."""
    incidents = sub.add_parser("incidents", help="burglary records").add_subparsers(
        dest="incidents_command", required=True
    )
    imp = incidents.add_parser("import", help="import records (CSV, GeoJSON, JSON) for an area")
    imp.add_argument("file")
    imp.add_argument("--area", required=True)
    _add_file_options(imp)
    imp.set_defaults(func=cmd_incidents_import)
    local = (
        areas.add_subparsers(dest="areas_command")
        .add_parser("local", help="local areas")
        .add_subparsers(dest="local_command", required=True)
    )
    local_import = local.add_parser("import", help="local areas from GeoJSON polygons")
    local_import.add_argument("file")
    local_import.add_argument("--area", required=True)
    local_import.add_argument("--name-property", help="default: name or navn")
    local_import.set_defaults(func=cmd_local_areas_import)
    hot = sub.add_parser(
        "hotspots", help="ranked hotspots as JSON, from a records file or --area's records"
    )
    hot.add_argument("file", nargs="?", help="records file (default: the area's stored ones)")
    hot.add_argument("--as-of", required=True, help="YYYY-MM-DD: only records before it")
    hot.add_argument("--count", type=int, default=10)
    hot.add_argument("--area", help="place hotspots on this area's streets")
    hot.add_argument("--tz", default="Europe/Copenhagen", help="time zone of the records")
    _add_file_options(hot)
    hot.set_defaults(func=cmd_hotspots)
    report = sub.add_parser("report", help="local-area report: JSON, map PNG and a summary")
    report.add_argument("--area", required=True)
    report.add_argument("--as-of", help="YYYY-MM-DD (default: today)")
    report.add_argument("--out", default="out", help="folder for the JSON and the PNG")
    report.set_defaults(func=cmd_report)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``eyes``."""
    parser = argparse.ArgumentParser(
        prog="eyes", description="Protective Eyes: evening routes for municipal staff."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="plan the sample evening on the default area")
    demo.add_argument("--request", default=DEMO_REQUEST, help="request file (default: sample)")
    demo.add_argument("--out", default="out", help="folder for plan.json and routes.geojson")
    demo.set_defaults(func=cmd_demo)
    plan = sub.add_parser(
        "plan", help="print the plan JSON for a request file (- for stdin) or CSV files"
    )
    plan.add_argument("request", nargs="?", help="request JSON (or use --shifts-csv)")
    _csv_arguments(plan, required=False)
    plan.add_argument("--geojson", help="also write the routes as GeoJSON to this file")
    plan.add_argument("--gpx", help="also write the routes as GPX (tracks and stops)")
    plan.add_argument("--csv", help="also write one CSV row per stop")
    plan.add_argument("--ics-dir", help="also write a calendar per staff member, STAFF_ID.ics")
    plan.set_defaults(func=cmd_plan)
    geocode = sub.add_parser(
        "geocode", help="the point of a Danish address, from the area's OSM file (offline)"
    )
    geocode.add_argument("addresses", nargs="+", help='e.g. "Nørregade 1A, 9870 Sindal"')
    geocode.add_argument("--area", help="the area (default: the server's)")
    geocode.set_defaults(func=cmd_geocode)

    imports = sub.add_parser("import", help="print the plan request the CSV files make")
    _csv_arguments(imports, required=True)
    imports.set_defaults(func=cmd_import)
    serve = sub.add_parser("serve", help="run the REST API (uvicorn)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.set_defaults(func=cmd_serve)
    worker = sub.add_parser("worker", help="run a Celery worker that solves plan jobs")
    worker.add_argument("--concurrency", type=int, help="pool processes (EYES_WORKER_CONCURRENCY)")
    worker.add_argument("--hostname", help="the worker's node name (default celery@host)")
    worker.add_argument("--loglevel", default="INFO")
    worker.set_defaults(func=cmd_worker)
    beat = sub.add_parser("beat", help="run Celery beat (the nightly plans)")
    beat.add_argument("--loglevel", default="INFO")
    beat.add_argument("--schedule", default="var/celerybeat-schedule", help="beat's state file")
    beat.set_defaults(func=cmd_beat)
    areas = sub.add_parser("areas", help="list the named areas; `areas local import`")
    areas.set_defaults(func=cmd_areas)
    keys = sub.add_parser("keys", help="API keys").add_subparsers(
        dest="keys_command", required=True
    )
    create = keys.add_parser("create", help="create a key and print it once")
    create.add_argument("--role", required=True, choices=ROLES)
    create.add_argument("--label", default="", help="who the key is for")
    create.add_argument(
        "--areas",
        default=None,
        metavar="A,B",
        help="the areas the key sees and acts on, comma-separated (default: every area; "
        "name them for any key but admin when several municipalities share the service)",
    )
    create.add_argument(
        "--municipality",
        default=None,
        metavar="NAME",
        help="shorthand for every area of a municipality (from areas.toml), as it is now",
    )
    create.set_defaults(func=cmd_keys_create)
    sender = sub.add_parser("sender", help="run the SMS sender (the outbox worker)")
    sender.set_defaults(func=cmd_sender)
    retention = sub.add_parser(
        "retention", help="delete staff phones and alert texts past EYES_RETENTION_DAYS"
    )
    retention.set_defaults(func=cmd_retention)
    migrate = sub.add_parser("migrate", help="bring the database schema to the newest revision")
    migrate.set_defaults(func=cmd_migrate)
    _add_incident_commands(sub, areas)
    return parser


def _report(problems: Sequence[object], *, limit: int = 20) -> str:
    """One ``error:`` line per problem, at most ``limit`` (EYES_MAX_VALIDATION_ERRORS) as
    the API lists, then how many more there were."""
    lines = [_("error: {problem}", problem=p) for p in problems[:limit]]
    if len(problems) > limit:
        lines.append(_("error: ... and {n} more", n=f"{len(problems) - limit:,}"))
    return "\n".join(lines)


def _settings_problems(exc: Any) -> list[FieldProblem]:
    from .errors import FieldProblem

    return [
        FieldProblem("EYES_" + str(e["loc"][0]).upper() if e["loc"] else "settings", e["msg"])
        for e in exc.errors()
    ]


def _failure(exc: Exception) -> tuple[str, int] | None:
    """The message and exit status for an error a command may end with (None: a bug); the
    exit status comes from the one table of outcomes (``service.errors.OUTCOMES``)."""
    from .errors import failure_of

    if isinstance(exc, CliError):
        return _("error: {problem}", problem=exc), exc.status
    failure = failure_of(exc)
    if failure.outcome.kind == "internal":
        return None
    rows = getattr(exc, "problems", None) or failure.problems
    if rows:
        return _report(rows, limit=_settings().max_validation_errors), failure.outcome.exit_code
    return _("error: {problem}", problem=failure.detail), failure.outcome.exit_code


# Commands that run once and exit: the cyclic garbage collector only costs them time (two or
# three full collections over a plan's objects, then the collection at exit).
ONE_SHOT_COMMANDS = frozenset({"demo", "plan", "import", "geocode", "hotspots", "report"})


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``eyes``; returns the exit status."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    one_shot = args.command in ONE_SHOT_COMMANDS and argv is None
    if one_shot:
        gc.disable()
    from pydantic import ValidationError

    try:
        _settings()
    except ValidationError as exc:
        print(_report(_settings_problems(exc)), file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        args.func(args)
    except Exception as exc:
        failure = _failure(exc)
        if failure is None:
            raise
        message, status = failure
        print(message, file=sys.stderr)
        return status
    finally:
        if one_shot:
            gc.freeze()  # nothing left to free before the process exits
    return 0


if __name__ == "__main__":
    sys.exit(main())
