"""The FastAPI app: routers, problem+json error handlers, and start-up loading of the area."""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from fastapi import FastAPI

from graphs import AreaCatalog

from .config import Settings, get_settings
from .errors import install_error_handlers
from .networks import AreaNetworks
from .routes import health, plans
from .store import PlanStore

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

log = logging.getLogger(__name__)


def create_app(
    settings: Settings | None = None,
    *,
    networks: AreaNetworks | None = None,
    store: PlanStore | None = None,
) -> FastAPI:
    """Build the app. Tests pass their own settings, networks or store."""
    settings = settings or get_settings()
    networks = networks or AreaNetworks(
        AreaCatalog([settings.areas_dir]), cache_dir=settings.graph_cache_dir
    )
    store = store or PlanStore.from_url(settings.database_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.preload_area:
            networks.get(settings.default_area, "drive")
            log.info("area %s loaded", settings.default_area)
        yield

    app = FastAPI(
        title="Protective Eyes",
        version="0.1.0",
        summary="Evening routes for municipal staff who act as protective eyes against burglary.",
        description=(
            "Plans routes that pass the streets where burglaries happen, at the hours they "
            "happen, until 22:00. Street data © OpenStreetMap contributors, ODbL."
        ),
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.networks = networks
    app.state.store = store
    install_error_handlers(app)
    app.include_router(health.router)
    app.include_router(plans.router)
    return app
