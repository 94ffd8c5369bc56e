"""The FastAPI app: routers, problem+json handlers, the edge middleware, the schema check,
start-up loading of the area, the plan job queue and the in-process SMS sender (started
and stopped with the app)."""

from __future__ import annotations

import functools
import logging
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI

from ..alerts.ratelimit import RateLimiter
from ..alerts.sms import build_sender
from ..alerts.store import AlertStore
from ..alerts.worker import worker_from_settings
from ..config import get_settings
from ..db import Database
from ..field.store import FieldStore
from ..jobs.service import build_queue
from ..jobs.store import JobStore
from ..plans.networks import AreaNetworks
from ..plans.store import PlanStore
from .contract import install_contract
from .docs import install_docs
from .edge import install_edge
from .heavy import HeavyReads
from .metrics import Metrics
from .problems import BODY_ERRORS, KEY_ERRORS, install_error_handlers
from .routers import (
    alerts,
    exports,
    field,
    health,
    imports,
    incidents,
    jobs,
    phone,
    plans,
    receipts,
    replan,
)
from .routers import map as map_page
from .startup import DatabaseWatch

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    import uvicorn

    from ..alerts.sms import SmsSender
    from ..config import Settings
    from ..jobs.service import JobQueue

log = logging.getLogger(__name__)

SMALL_AREA_WINDOW_S = 3600.0


def create_app(
    settings: Settings | None = None,
    *,
    networks: AreaNetworks | None = None,
    store: PlanStore | None = None,
    sender: SmsSender | None = None,
    queue: JobQueue | None = None,
) -> FastAPI:
    """Build the app. Tests pass their own settings, networks, store, SMS sender or queue.

    In dev and test the database is migrated to the newest revision here; in prod it must
    already be (``eyes migrate``), or the app refuses to start. A database that does not
    answer is waited for (``service.api.startup``): the app starts, and answers 503 to what
    needs the database until it does.

    Raises
    ------
    SchemaOutOfDateError
        In prod, when the database is not at the newest revision.
    """
    settings = settings or get_settings()
    networks = networks or AreaNetworks.from_settings(settings)
    store = store or PlanStore.from_url(settings.database_url)
    database = DatabaseWatch(store.engine, upgrade=settings.environment != "prod")
    database.check()  # False: the database does not answer; the app waits for it
    alert_store = AlertStore(store.engine)
    job_store = JobStore(store.engine)
    queue = queue or build_queue(settings, job_store)
    sender = sender or build_sender(settings, alert_store)
    worker = (
        worker_from_settings(settings, alert_store, sender) if settings.sender_in_process else None
    )
    metrics = Metrics()
    metrics.watch(job_store)
    db = Database(store.engine, store.sessions)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.preload_area:
            networks.get(networks.default_area, "drive")
            log.info("area %s loaded", networks.default_area)

        def with_database() -> None:
            queue.start()
            if worker is not None:
                worker.start()

        database.start(with_database)
        try:
            yield
        finally:
            database.stop()
            if worker is not None:
                worker.stop()
            queue.stop()
            refusals.flush()

    app = FastAPI(
        title="Protective Eyes",
        version="0.1.0",
        summary="Evening routes for municipal staff who act as protective eyes against burglary.",
        description=(
            "Plans routes that pass the streets where burglaries happen, at the hours they "
            "happen, until 22:00, and sends police alerts by SMS to the staff on shift nearby. "
            "Every route but `/healthz`, `/readyz`, `/metrics` and the SMS receipts needs an "
            "`X-API-Key` (`/metrics` takes a bearer token when `EYES_METRICS_TOKEN` is set). "
            "Street data © OpenStreetMap contributors, ODbL."
        ),
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.networks = networks
    app.state.plan_store = store
    app.state.alert_store = alert_store
    app.state.job_store = job_store
    app.state.job_queue = queue
    app.state.db = db
    app.state.database_watch = database
    app.state.field_store = FieldStore(store.engine)
    app.state.heavy_reads = HeavyReads(
        settings.heavy_reads_at_once, keep_s=settings.heavy_read_cache_s
    )
    app.state.clock = functools.partial(datetime.now, UTC)
    app.state.tip_limiter = RateLimiter(settings.tip_rate_per_hour, window_s=3600.0)
    app.state.metrics = metrics
    app.state.sender_worker = worker
    app.state.alert_limiter = RateLimiter(settings.alert_rate_per_min)
    app.state.small_area_limiter = RateLimiter(
        settings.small_alert_rate_per_hour, window_s=SMALL_AREA_WINDOW_S
    )
    install_error_handlers(app)
    refusals = install_edge(
        app, settings=settings, db=db, metrics=metrics, ready=lambda: database.ready
    )
    install_docs(app)
    install_contract(app, networks=networks, settings=settings)
    app.include_router(health.router)
    app.include_router(plans.router, responses={**KEY_ERRORS, **BODY_ERRORS})
    app.include_router(replan.router, responses={**KEY_ERRORS, **BODY_ERRORS})
    app.include_router(jobs.router, responses={**KEY_ERRORS, **BODY_ERRORS})
    app.include_router(exports.router, responses={**KEY_ERRORS, **BODY_ERRORS})
    app.include_router(imports.router, responses={**KEY_ERRORS, **BODY_ERRORS})
    app.include_router(map_page.router, responses={**KEY_ERRORS, **BODY_ERRORS})
    app.mount("/map/static", map_page.static_files, name="map-static")
    app.include_router(alerts.router, responses={**KEY_ERRORS, **BODY_ERRORS})
    app.include_router(receipts.router, responses=BODY_ERRORS)
    app.include_router(incidents.router, responses={**KEY_ERRORS, **BODY_ERRORS})
    app.include_router(field.router, responses={**KEY_ERRORS, **BODY_ERRORS})
    app.include_router(field.phone_router, responses=BODY_ERRORS)
    app.include_router(phone.router)
    return app


def server_config(app: FastAPI, *, host: str, port: int, **options: Any) -> uvicorn.Config:
    """uvicorn's settings for the API: no ``server`` banner, bounded connections."""
    import uvicorn

    defaults: dict[str, Any] = {
        "server_header": False,
        "limit_concurrency": 500,
        "timeout_keep_alive": 5,
        "timeout_graceful_shutdown": 10,
        "log_level": "info",
    }
    return uvicorn.Config(app, host=host, port=port, **{**defaults, **options})
