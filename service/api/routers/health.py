"""Liveness and the list of registered areas."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from ..deps import AnyKeyDep, NetworksDep

router = APIRouter(tags=["health"])


class Health(BaseModel):
    """Liveness answer."""

    status: str


class AreasPublic(BaseModel):
    """The named areas a plan may use."""

    default: str
    areas: list[str]


@router.get("/healthz")
def health() -> Health:
    """The service is up."""
    return Health(status="ok")


@router.get("/v1/areas")
def areas(networks: NetworksDep, _: AnyKeyDep) -> AreasPublic:
    """Named areas (street data files registered on this server)."""
    return AreasPublic(default=networks.default_area, areas=networks.catalog.names())
