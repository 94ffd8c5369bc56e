"""FastAPI dependencies: settings, the stores, the street networks and the caller's role.

Everything lives on ``app.state`` (set by ``service.api.app.create_app``); tests swap it
by passing their own objects to ``create_app``.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request

from ..alerts.store import AlertStore
from ..auth.dependencies import require
from ..auth.keys import Principal
from ..auth.roles import ALERT_READERS, ALERT_SENDERS, ANY_KEY, PLANNERS
from ..config import Settings
from ..db import Database
from ..field.store import FieldStore
from ..incidents.store import IncidentStore
from ..jobs.service import JobQueue
from ..jobs.store import JobStore
from ..plans.networks import AreaNetworks
from ..plans.store import PlanStore
from .heavy import HeavyReads

if TYPE_CHECKING:
    from collections.abc import Callable


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _plan_store(request: Request) -> PlanStore:
    store: PlanStore = request.app.state.plan_store
    return store


def _alert_store(request: Request) -> AlertStore:
    store: AlertStore = request.app.state.alert_store
    return store


def _networks(request: Request) -> AreaNetworks:
    networks: AreaNetworks = request.app.state.networks
    return networks


def _job_queue(request: Request) -> JobQueue:
    queue: JobQueue = request.app.state.job_queue
    return queue


def _job_store(request: Request) -> JobStore:
    store: JobStore = request.app.state.job_store
    return store


def _database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def _field_store(request: Request) -> FieldStore:
    store: FieldStore = request.app.state.field_store
    return store


def _now(request: Request) -> datetime:
    clock: Callable[[], datetime] = request.app.state.clock
    return clock()


def _heavy_reads(request: Request) -> HeavyReads:
    heavy: HeavyReads = request.app.state.heavy_reads
    return heavy


def _incident_store(request: Request) -> IncidentStore:
    return IncidentStore(_database(request))


SettingsDep = Annotated[Settings, Depends(_settings)]
PlanStoreDep = Annotated[PlanStore, Depends(_plan_store)]
AlertStoreDep = Annotated[AlertStore, Depends(_alert_store)]
NetworksDep = Annotated[AreaNetworks, Depends(_networks)]
JobQueueDep = Annotated[JobQueue, Depends(_job_queue)]
JobStoreDep = Annotated[JobStore, Depends(_job_store)]
DatabaseDep = Annotated[Database, Depends(_database)]
IncidentStoreDep = Annotated[IncidentStore, Depends(_incident_store)]
FieldStoreDep = Annotated[FieldStore, Depends(_field_store)]
NowDep = Annotated[datetime, Depends(_now)]
HeavyReadsDep = Annotated[HeavyReads, Depends(_heavy_reads)]
"""The time now, aware (``app.state.clock``: tests set the evening they play)."""

PlannerDep = Annotated[Principal, Depends(require(*PLANNERS))]
AlertSenderDep = Annotated[Principal, Depends(require(*ALERT_SENDERS))]
AlertReaderDep = Annotated[Principal, Depends(require(*ALERT_READERS))]
AnyKeyDep = Annotated[Principal, Depends(require(*ANY_KEY))]
