"""The ``eyes`` command: demo, plan, serve, areas, keys, sender and retention.

``plan`` and ``demo`` make the same planning call as the API; bad input exits with status 2
and the same messages the API gives.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from graphs import AreaCatalog, GraphError, UnknownAreaError
from solver import SolverError

from .alerts.errors import SmsConfigError
from .alerts.keys import ROLES, create_key
from .alerts.sms import build_sender
from .alerts.store import AlertStore, retention_cutoff
from .config import get_settings
from .errors import FieldProblem, RequestError, problems_from_validation
from .networks import AreaNetworks
from .planning import create_plan
from .report import plan_to_text
from .schemas import PlanRequest
from .store import PlanStore

if TYPE_CHECKING:
    from collections.abc import Sequence

    from .planning import PlannedRoutes

DEMO_REQUEST = Path(__file__).resolve().parents[1] / "examples" / "sindal_request.json"

EXIT_BAD_INPUT = 2
EXIT_FAILED = 1


class CliError(Exception):
    """A failure to report on stderr, with its exit status."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def _read_request(path: str) -> PlanRequest:
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
    settings = get_settings()
    networks = AreaNetworks(AreaCatalog([settings.areas_dir]), cache_dir=settings.graph_cache_dir)
    store = PlanStore.from_url(settings.database_url)
    return create_plan(request, networks=networks, settings=settings, store=store)


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

    from .main import create_app

    settings = get_settings()
    uvicorn.run(
        create_app(settings), host=args.host or settings.host, port=args.port or settings.port
    )


def cmd_areas(_: argparse.Namespace) -> None:
    """List the registered areas."""
    settings = get_settings()
    for name in AreaCatalog([settings.areas_dir]).names():
        marker = " (default)" if name == settings.default_area else ""
        print(f"{name}{marker}")


def _alert_store() -> AlertStore:
    return AlertStore(PlanStore.from_url(get_settings().database_url).engine)


def cmd_keys_create(args: argparse.Namespace) -> None:
    """Create an API key and print it once (only its digest is stored)."""
    key_id, key = create_key(_alert_store(), args.role, label=args.label)
    print(key)
    print(
        f"key id {key_id}, role {args.role}: store the key now; it is not shown again.",
        file=sys.stderr,
    )


def cmd_sender(_: argparse.Namespace) -> None:
    """Run the SMS sender in the foreground until SIGINT/SIGTERM."""
    from .main import build_worker

    logging.getLogger("service").setLevel(logging.INFO)
    settings = get_settings()
    store = _alert_store()
    sender = build_sender(settings, store)
    worker = build_worker(settings, store, sender)

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
    settings = get_settings()
    cutoff = retention_cutoff(datetime.now(UTC), settings.retention_days)
    alerts, plans = _alert_store().forget_before(cutoff)
    print(
        f"retention ({settings.retention_days} days, before {cutoff:%Y-%m-%d %H:%M} UTC): "
        f"{alerts} alert texts and the phones of {plans} plans deleted"
    )


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
    return parser


def _report(problems: Sequence[FieldProblem]) -> str:
    return "\n".join(f"error: {p.field}: {p.message}" for p in problems)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``eyes``; returns the exit status."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    try:
        get_settings()
    except ValidationError as exc:
        problems = [
            FieldProblem("EYES_" + str(e["loc"][0]).upper() if e["loc"] else "settings", e["msg"])
            for e in exc.errors()
        ]
        print(_report(problems), file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        args.func(args)
    except CliError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.status
    except RequestError as exc:
        print(_report(exc.problems), file=sys.stderr)
        return EXIT_BAD_INPUT
    except UnknownAreaError as exc:
        print(f"error: area: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except SmsConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (SolverError, GraphError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    return 0


if __name__ == "__main__":
    sys.exit(main())
