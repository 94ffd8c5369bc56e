"""Liveness, readiness, Prometheus metrics and the list of registered areas."""

from __future__ import annotations

import asyncio
import hmac
from typing import TYPE_CHECKING, Any, Literal

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, Field
from sqlalchemy import text

from ...i18n import _
from ..deps import AnyKeyDep, DatabaseDep, JobQueueDep, NetworksDep
from ..problems import KEY_ERRORS

if TYPE_CHECKING:
    from ...db import Database
    from ...jobs.service import JobQueue

router = APIRouter(tags=["health"])

READY_TIMEOUT_S = 3.0


class Health(BaseModel):
    """Liveness answer."""

    status: str


class Check(BaseModel):
    """One dependency's state."""

    ok: bool
    detail: str


class Readiness(BaseModel):
    """Whether this instance can serve: the database, the job queue and its workers."""

    status: Literal["ready", "not ready"]
    checks: dict[str, Check]


class AreaPublic(BaseModel):
    """One named area: its name in requests, the name people read, its municipality."""

    name: str = Field(examples=["sindal"])
    display_name: str = Field(examples=["Sindal"])
    municipality: str = Field(examples=["Hjørring"])


class AreasPublic(BaseModel):
    """The named areas a plan may use (a key scoped to areas: its own)."""

    default: str = Field(
        description="The area a plan naming none uses (for a key scoped to other areas: "
        "the first of its own)."
    )
    areas: list[str]
    details: list[AreaPublic] = Field(
        description="Each area of `areas`, in the same order, with its display name and "
        "municipality (from `areas.toml` beside the area files)."
    )


@router.get("/healthz")
async def health() -> Health:
    """The process is up and its event loop answers (no I/O: it stays fast under load)."""
    return Health(status="ok")


def _database(db: Database) -> Check:
    with db.engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    return Check(ok=True, detail="answers")


def _queue(queue: JobQueue) -> dict[str, Check]:
    queued, running = queue.depth()
    if queue.backend == "local":
        alive = queue.alive()
        return {
            "workers": Check(
                ok=alive,
                detail=f"in-process pool: {queued} queued, {running} running"
                if alive
                else "the in-process job dispatcher is not running",
            )
        }
    from ...jobs.celery_app import CeleryQueue

    assert isinstance(queue, CeleryQueue)
    queue.ping_broker()
    checks = {"broker": Check(ok=True, detail="answers")}
    workers = queue.ping_workers()
    checks["workers"] = Check(
        ok=workers > 0, detail=f"{workers} answered; {queued} queued, {running} running"
    )
    return checks


async def _check(name: str, probe: Any, target: Any) -> dict[str, Check]:
    try:
        result = await asyncio.wait_for(asyncio.to_thread(probe, target), READY_TIMEOUT_S)
    except TimeoutError:
        return {name: Check(ok=False, detail=f"no answer within {READY_TIMEOUT_S:g} s")}
    except Exception as exc:
        return {name: Check(ok=False, detail=type(exc).__name__)}
    return result if isinstance(result, dict) else {name: result}


@router.get(
    "/readyz",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "A dependency does not answer"}},
)
async def ready(request: Request, db: DatabaseDep, queue: JobQueueDep) -> JSONResponse:
    """Ready to serve: the database answers (and has since start-up, at the schema this code
    needs), and the job queue (the broker and at least one worker, or the in-process pool)
    runs. 503 otherwise, saying which check failed."""
    checks: dict[str, Check] = {}
    checks.update(await _check("database", _database, db))
    watch = getattr(request.app.state, "database_watch", None)
    if watch is not None and not watch.ready:
        checks["database"] = Check(ok=False, detail="not answered since start-up; waiting")
    checks.update(await _check("broker", _queue, queue))
    ok = all(check.ok for check in checks.values())
    answer = Readiness(status="ready" if ok else "not ready", checks=checks)
    return JSONResponse(answer.model_dump(), status_code=200 if ok else 503)


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    """Prometheus metrics (text format); with ``EYES_METRICS_TOKEN`` set, only for
    ``Authorization: Bearer <token>`` (401 otherwise)."""
    token = request.app.state.settings.metrics_token.get_secret_value()
    if token:
        scheme, _sep, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            given.strip().encode(), token.encode()
        ):
            raise HTTPException(
                status_code=401,
                detail=_("/metrics needs Authorization: Bearer with EYES_METRICS_TOKEN"),
                headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
            )
    registry = request.app.state.metrics.registry
    body = await asyncio.to_thread(generate_latest, registry)
    return Response(body, media_type=CONTENT_TYPE_LATEST)


@router.get("/v1/areas", responses=KEY_ERRORS)
def areas(networks: NetworksDep, principal: AnyKeyDep) -> AreasPublic:
    """Named areas (street data files registered on this server) the key sees: every
    area, or a scoped key's own."""
    shown = [a for a in networks.catalog.areas() if principal.may_see(a.name)]
    names = [a.name for a in shown]
    default = networks.default_area
    if default not in names and names:
        default = names[0]
    return AreasPublic(
        default=default,
        areas=names,
        details=[
            AreaPublic(name=a.name, display_name=a.display_name, municipality=a.municipality)
            for a in shown
        ],
    )
