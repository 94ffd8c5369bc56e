"""The app the OpenAPI tests send generated requests to: a fresh SQLite file, an admin key,
a short solver time and room in the queue for every generated plan."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from service.api.app import create_app
from service.auth.keys import create_key
from service.config import Settings
from service.plans.store import PlanStore

if TYPE_CHECKING:
    from pathlib import Path

    from fastapi import FastAPI

    from service.plans.networks import AreaNetworks


def fuzz_app(folder: Path, graph_cache: Any, networks: AreaNetworks) -> tuple[FastAPI, str]:
    """The app on ``folder``'s database, and an admin API key for it."""
    db = folder / "eyes.db"
    settings = Settings(
        database_url=f"sqlite:///{db}",
        graph_cache_dir=graph_cache,
        preload_area=False,
        sender_in_process=False,
        default_time_limit_s=0.2,
        max_time_limit_s=0.3,
        job_queue_max=1000,
    )
    app = create_app(settings, networks=networks, store=PlanStore.from_url(settings.database_url))
    return app, create_key(app.state.alert_store, "admin")[1]
