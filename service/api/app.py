"""The FastAPI app: routers, problem+json handlers, the schema check, start-up loading of
the area, and the in-process SMS sender (started and stopped with the app)."""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from fastapi import FastAPI

from ..alerts.ratelimit import RateLimiter
from ..alerts.sms import build_sender
from ..alerts.store import AlertStore
from ..alerts.worker import worker_from_settings
from ..config import get_settings
from ..db import Database
from ..migrations import ensure_schema
from ..plans.networks import AreaNetworks
from ..plans.store import PlanStore
from .problems import install_error_handlers
from .routers import alerts, exports, health, imports, incidents, plans, receipts, replan
from .routers import map as map_page

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from ..alerts.sms import SmsSender
    from ..config import Settings

log = logging.getLogger(__name__)


def create_app(
    settings: Settings | None = None,
    *,
    networks: AreaNetworks | None = None,
    store: PlanStore | None = None,
    sender: SmsSender | None = None,
) -> FastAPI:
    """Build the app. Tests pass their own settings, networks, store or SMS sender.

    In dev and test the database is migrated to the newest revision here; in prod it must
    already be (``eyes migrate``), or the app refuses to start.

    Raises
    ------
    SchemaOutOfDateError
        In prod, when the database is not at the newest revision.
    """
    settings = settings or get_settings()
    networks = networks or AreaNetworks.from_settings(settings)
    store = store or PlanStore.from_url(settings.database_url)
    ensure_schema(store.engine, upgrade=settings.environment != "prod")
    alert_store = AlertStore(store.engine)
    sender = sender or build_sender(settings, alert_store)
    worker = (
        worker_from_settings(settings, alert_store, sender) if settings.sender_in_process else None
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.preload_area:
            networks.get(networks.default_area, "drive")
            log.info("area %s loaded", networks.default_area)
        if worker is not None:
            worker.start()
        try:
            yield
        finally:
            if worker is not None:
                worker.stop()

    app = FastAPI(
        title="Protective Eyes",
        version="0.1.0",
        summary="Evening routes for municipal staff who act as protective eyes against burglary.",
        description=(
            "Plans routes that pass the streets where burglaries happen, at the hours they "
            "happen, until 22:00, and sends police alerts by SMS to the staff on shift nearby. "
            "Every route but `/healthz` and the SMS receipts needs an `X-API-Key`. "
            "Street data © OpenStreetMap contributors, ODbL."
        ),
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.networks = networks
    app.state.plan_store = store
    app.state.alert_store = alert_store
    app.state.db = Database(store.engine, store.sessions)
    app.state.sender_worker = worker
    app.state.alert_limiter = RateLimiter(settings.alert_rate_per_min)
    install_error_handlers(app)
    app.include_router(health.router)
    app.include_router(plans.router)
    app.include_router(replan.router)
    app.include_router(exports.router)
    app.include_router(imports.router)
    app.include_router(map_page.router)
    app.mount("/map/static", map_page.static_files, name="map-static")
    app.include_router(alerts.router)
    app.include_router(receipts.router)
    app.include_router(incidents.router)
    return app
