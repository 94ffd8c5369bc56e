"""FastAPI dependencies: settings, storage, street networks and the caller's API key.

Everything lives on ``app.state``. ``require(...)`` guards a route by role; the key is read
from the ``X-API-Key`` header (the OpenAPI shows it as the ``ApiKey`` security scheme).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, HTTPException, Request, Security
from fastapi.security import APIKeyHeader

from .alerts.audit import audit
from .alerts.keys import Principal, authenticate
from .alerts.store import AlertStore
from .config import Settings
from .networks import AreaNetworks
from .store import PlanStore

if TYPE_CHECKING:
    from collections.abc import Callable

API_KEY_HEADER = APIKeyHeader(
    name="X-API-Key",
    scheme_name="ApiKey",
    description="An API key from `eyes keys create --role ROLE`.",
    auto_error=False,
)


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _store(request: Request) -> PlanStore:
    store: PlanStore = request.app.state.store
    return store


def _alert_store(request: Request) -> AlertStore:
    store: AlertStore = request.app.state.alert_store
    return store


def _networks(request: Request) -> AreaNetworks:
    networks: AreaNetworks = request.app.state.networks
    return networks


SettingsDep = Annotated[Settings, Depends(_settings)]
StoreDep = Annotated[PlanStore, Depends(_store)]
AlertStoreDep = Annotated[AlertStore, Depends(_alert_store)]
NetworksDep = Annotated[AreaNetworks, Depends(_networks)]


def _principal(
    request: Request,
    settings: SettingsDep,
    store: AlertStoreDep,
    key: Annotated[str | None, Security(API_KEY_HEADER)],
) -> Principal:
    action = f"{request.method} {request.url.path}"
    if not settings.auth:
        return Principal(None, "admin")
    principal = authenticate(store, key) if key else None
    if principal is None:
        audit(store, None, action, outcome="401 no valid key")
        raise HTTPException(
            401, "A valid X-API-Key is required.", headers={"WWW-Authenticate": "ApiKey"}
        )
    audit(store, principal, action, outcome="key used")
    return principal


def require(*roles: str) -> Callable[..., Principal]:
    """A dependency that lets only ``roles`` (and admin) through; 403 for other keys."""
    allowed = {*roles, "admin"}

    def _check(
        request: Request, store: AlertStoreDep, principal: Annotated[Principal, Depends(_principal)]
    ) -> Principal:
        if principal.role not in allowed:
            audit(store, principal, f"{request.method} {request.url.path}", outcome="403")
            msg = f"The {principal.role} role may not do this."
            raise HTTPException(403, msg)
        return principal

    return _check


PlannerDep = Annotated[Principal, Depends(require("dispatcher", "scheduler"))]
AlertSenderDep = Annotated[Principal, Depends(require("police"))]
AlertReaderDep = Annotated[Principal, Depends(require("police", "dispatcher"))]
AnyKeyDep = Annotated[Principal, Depends(require("police", "dispatcher", "scheduler"))]
