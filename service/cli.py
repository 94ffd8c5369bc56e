"""The ``eyes`` command: demo, plan, serve, worker, beat, areas, keys, sender, retention and
migrate.

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
        raise RequestError(problems_from_validation(exc.errors())) from exc


def _plan(request: PlanRequest) -> PlannedRoutes:
    from graphs import AreaCatalog

    from .plans.networks import AreaNetworks
    from .plans.planning import create_plan

    settings = _settings()
    networks = AreaNetworks(AreaCatalog([settings.areas_dir]), cache_dir=settings.graph_cache_dir)
    return create_plan(request, networks=networks, settings=settings, store=_plan_store())


def _write_json(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def cmd_plan(args: argparse.Namespace) -> None:
    """Print the plan JSON for a request file."""
    planned = _plan(_read_request(args.request))
    body = planned.plan.model_dump(mode="json")
    if args.geojson and planned.geojson is not None:
        _write_json(Path(args.geojson), planned.geojson)
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
    """Run the API with uvicorn (no server banner, bounded connections)."""
    import uvicorn

    from .api.app import create_app, server_config

    settings = _settings()
    config = server_config(
        create_app(settings), host=args.host or settings.host, port=args.port or settings.port
    )
    uvicorn.Server(config).run()


def _celery() -> Any:
    from .jobs.celery_app import make_celery

    settings = _settings()
    if not settings.broker_url:
        msg = "EYES_BROKER_URL is not set: without a broker the API solves plans itself."
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


def cmd_areas(_: argparse.Namespace) -> None:
    """List the registered areas."""
    from graphs import AreaCatalog

    settings = _settings()
    for name in AreaCatalog([settings.areas_dir]).names():
        marker = " (default)" if name == settings.default_area else ""
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
    plan = sub.add_parser("plan", help="print the plan JSON for a request file (- for stdin)")
    plan.add_argument("request")
    plan.add_argument("--geojson", help="also write the routes as GeoJSON to this file")
    plan.set_defaults(func=cmd_plan)
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
    return "\n".join(f"error: {p.field}: {p.message}" for p in problems)


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

    if isinstance(exc, CliError):
        return f"error: {exc}", exc.status
    if isinstance(exc, RequestError):
        return _report(exc.problems), EXIT_BAD_INPUT
    if isinstance(exc, UnknownAreaError):
        return f"error: area: {exc}", EXIT_BAD_INPUT
    if isinstance(exc, SmsConfigError | SchemaOutOfDateError):
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
