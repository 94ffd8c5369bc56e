"""The ``eyes`` command: demo, plan, import, serve, areas, keys, sender, retention, migrate.

``plan`` and ``demo`` make the same planning call as the API; bad input exits with status 2
and the same messages the API gives. Each command imports what it needs when it runs, so
``eyes --help`` answers at once.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Sequence

    from .alerts.store import AlertStore
    from .config import Settings
    from .errors import FieldProblem
    from .plans.planning import PlannedRoutes
    from .plans.schemas import PlanRequest
    from .plans.store import PlanStore

from .auth.roles import ROLES

DEMO_REQUEST = Path(__file__).resolve().parents[1] / "examples" / "sindal_request.json"


EXIT_BAD_INPUT = 2
EXIT_FAILED = 1


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
        msg = f"cannot read {path}: {exc.strerror}"
        raise CliError(msg, EXIT_BAD_INPUT) from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        msg = f"{path} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        raise CliError(msg, EXIT_BAD_INPUT) from exc
    try:
        return PlanRequest.model_validate(data)
    except ValidationError as exc:
        problems = problems_from_validation(exc.errors(), body=data, model=PlanRequest)
        raise RequestError(problems) from exc


def _read_csv(path: str) -> str:
    try:
        return Path(path).read_bytes().decode("utf-8-sig")
    except OSError as exc:
        msg = f"cannot read {path}: {exc.strerror}"
        raise CliError(msg, EXIT_BAD_INPUT) from exc
    except UnicodeDecodeError as exc:
        msg = f"{path} is not UTF-8 text: save it as CSV UTF-8"
        raise CliError(msg, EXIT_BAD_INPUT) from exc


def _request_from_csv(args: argparse.Namespace) -> PlanRequest:
    """The request the CSV files of ``args`` make (``--shifts-csv`` and the others)."""
    from .plans.imports import CsvImport, request_from_csv

    options: dict[str, Any] = {"seed": args.seed}
    if args.time_limit is not None:
        options["time_limit_s"] = args.time_limit
    source = CsvImport(
        shifts_csv=_read_csv(args.shifts_csv),
        hotspots_csv=_read_csv(args.hotspots_csv) if args.hotspots_csv else None,
        visits_csv=_read_csv(args.visits_csv) if args.visits_csv else None,
        area=args.area,
        date=args.date,
        options=options,
    )
    return request_from_csv(source)


def _plan_input(args: argparse.Namespace) -> PlanRequest:
    """The request to plan: a JSON file, or the CSV files."""
    if (args.request is None) == (args.shifts_csv is None):
        msg = "give a request file or --shifts-csv (with --hotspots-csv, --visits-csv), not both"
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
            msg = "--gpx: a plan on an explicit matrix has no coordinates"
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
    from .plans.planning import create_plan

    settings = _settings()
    networks = AreaNetworks.from_settings(settings)
    return create_plan(request, networks=networks, settings=settings, store=_plan_store())


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


def cmd_demo(args: argparse.Namespace) -> None:
    """Plan the shipped sample request on the default area and write plan + GeoJSON."""
    from .plans.report import plan_to_text

    planned = _plan(_read_request(str(args.request)))
    out = Path(args.out)
    _write_json(out / "plan.json", planned.plan.model_dump(mode="json"))
    if planned.geojson is not None:
        _write_json(out / "routes.geojson", planned.geojson)
    print(plan_to_text(planned.plan))
    print(f"\nWrote {out / 'plan.json'} and {out / 'routes.geojson'} (open it on any web map).")
    print("Street data © OpenStreetMap contributors, ODbL.")


def cmd_serve(args: argparse.Namespace) -> None:
    """Run the API with uvicorn."""
    import uvicorn

    from .api.app import create_app

    logging.getLogger("service").setLevel(logging.INFO)
    settings = _settings()
    uvicorn.run(
        create_app(settings), host=args.host or settings.host, port=args.port or settings.port
    )


def cmd_areas(_: argparse.Namespace) -> None:
    """List the registered areas."""
    from .plans.networks import AreaNetworks

    networks = AreaNetworks.from_settings(_settings())
    for name in networks.catalog.names():
        marker = " (default)" if name == networks.default_area else ""
        print(f"{name}{marker}")


def cmd_keys_create(args: argparse.Namespace) -> None:
    """Create an API key and print it once (only its digest is stored)."""
    from .auth.keys import create_key

    key_id, key = create_key(_alert_store(), args.role, label=args.label)
    print(key)
    print(
        f"key id {key_id}, role {args.role}: store the key now; it is not shown again.",
        file=sys.stderr,
    )


def cmd_sender(_: argparse.Namespace) -> None:
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


def cmd_retention(_: argparse.Namespace) -> None:
    """Delete staff phones and alert texts older than EYES_RETENTION_DAYS."""
    from datetime import UTC, datetime

    from .retention import forget_before, retention_cutoff

    settings = _settings()
    cutoff = retention_cutoff(datetime.now(UTC), settings.retention_days)
    forgotten = forget_before(_plan_store(), cutoff)
    print(
        f"retention ({settings.retention_days} days, before {cutoff:%Y-%m-%d %H:%M} UTC): "
        f"{forgotten.alerts} alert texts and the phones of {forgotten.plans} plans deleted"
    )


def cmd_migrate(_: argparse.Namespace) -> None:
    """Bring the database schema to the newest revision."""
    from .db import create_db_engine
    from .migrations import upgrade_to_head

    before, head = upgrade_to_head(create_db_engine(_settings().database_url))
    if before == head:
        print(f"database already at revision {head}")
    else:
        print(f"database upgraded from revision {before or 'none'} to {head}")


def _csv_arguments(parser: argparse.ArgumentParser, *, required: bool) -> None:
    from datetime import date

    parser.add_argument("--shifts-csv", required=required, help="shifts, one row each")
    parser.add_argument("--hotspots-csv", help="hotspots, one row each")
    parser.add_argument("--visits-csv", help="client visits, one row each")
    parser.add_argument("--area", help="with CSV files: the area (default: the server's)")
    parser.add_argument(
        "--date", type=date.fromisoformat, help="with CSV files: YYYY-MM-DD (default: today)"
    )
    parser.add_argument("--time-limit", type=float, help="with CSV files: seconds of search")
    parser.add_argument("--seed", type=int, default=0, help="with CSV files: search seed")


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
    imports = sub.add_parser("import", help="print the plan request the CSV files make")
    _csv_arguments(imports, required=True)
    imports.set_defaults(func=cmd_import)
    serve = sub.add_parser("serve", help="run the REST API (uvicorn)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.set_defaults(func=cmd_serve)
    areas = sub.add_parser("areas", help="list the named areas")
    areas.set_defaults(func=cmd_areas)
    keys = sub.add_parser("keys", help="API keys").add_subparsers(
        dest="keys_command", required=True
    )
    create = keys.add_parser("create", help="create a key and print it once")
    create.add_argument("--role", required=True, choices=ROLES)
    create.add_argument("--label", default="", help="who the key is for")
    create.set_defaults(func=cmd_keys_create)
    sender = sub.add_parser("sender", help="run the SMS sender (the outbox worker)")
    sender.set_defaults(func=cmd_sender)
    retention = sub.add_parser(
        "retention", help="delete staff phones and alert texts past EYES_RETENTION_DAYS"
    )
    retention.set_defaults(func=cmd_retention)
    migrate = sub.add_parser("migrate", help="bring the database schema to the newest revision")
    migrate.set_defaults(func=cmd_migrate)
    return parser


def _report(problems: Sequence[FieldProblem]) -> str:
    return "\n".join(f"error: {p}" for p in problems)


def _settings_problems(exc: Any) -> list[FieldProblem]:
    from .errors import FieldProblem

    return [
        FieldProblem("EYES_" + str(e["loc"][0]).upper() if e["loc"] else "settings", e["msg"])
        for e in exc.errors()
    ]


def _failure(exc: Exception) -> tuple[str, int] | None:
    """The message and exit status for an error a command may end with (None: a bug)."""
    from graphs import GraphError, UnknownAreaError
    from solver import SolverError

    from .alerts.errors import SmsConfigError
    from .errors import RequestError
    from .migrations import SchemaOutOfDateError
    from .plans.errors import AreaConfigError

    if isinstance(exc, CliError):
        return f"error: {exc}", exc.status
    if isinstance(exc, RequestError):
        return _report(exc.problems), EXIT_BAD_INPUT
    if isinstance(exc, UnknownAreaError):
        return f"error: area: {exc}", EXIT_BAD_INPUT
    if isinstance(exc, SmsConfigError | SchemaOutOfDateError | AreaConfigError):
        return f"error: {exc}", EXIT_BAD_INPUT
    if isinstance(exc, SolverError | GraphError):
        return f"error: {exc}", EXIT_FAILED
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``eyes``; returns the exit status."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
