"""FastAPI dependencies: settings, storage and street networks live on ``app.state``."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from .config import Settings
from .networks import AreaNetworks
from .store import PlanStore


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _store(request: Request) -> PlanStore:
    store: PlanStore = request.app.state.store
    return store


def _networks(request: Request) -> AreaNetworks:
    networks: AreaNetworks = request.app.state.networks
    return networks


SettingsDep = Annotated[Settings, Depends(_settings)]
StoreDep = Annotated[PlanStore, Depends(_store)]
NetworksDep = Annotated[AreaNetworks, Depends(_networks)]
