"""Incidents fixtures: the shipped synthetic Sindal records, Sindal's drive network, a
migrated SQLite store, and API clients with a police and a scheduler key."""

from __future__ import annotations

import math
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import shapely
from fastapi.testclient import TestClient

from service.auth.keys import create_key
from service.db import Database
from service.incidents.importing import incidents_from_file
from service.incidents.store import IncidentStore
from service.timeutil import LOCAL_TZ

from ..databases import migrated_engine

if TYPE_CHECKING:
    from collections.abc import Iterator

    from fastapi import FastAPI

    from forecast import Incident
    from graphs import StreetNetwork
    from service.plans.networks import AreaNetworks

REPO = Path(__file__).resolve().parents[3]
SINDAL_CSV = REPO / "examples" / "sindal_burglaries.csv"
AS_OF = date(2026, 11, 23)
"""The demo's day: a Monday, the day after the synthetic records end."""
AS_OF_MOMENT = datetime.combine(AS_OF, time(0), tzinfo=LOCAL_TZ)


def home_beside(
    net: StreetNetwork, *, street: str, side_m: float, at: float = 0.5
) -> tuple[float, float]:
    """(lat, lon) of a home ``side_m`` beside the longest edge named ``street`` (negative:
    the other side), ``at`` of the way along it."""
    from pyproj import Transformer

    best = max(
        (
            i
            for i, (u, v, k) in enumerate(zip(net.edge_u, net.edge_v, net.edge_key, strict=True))
            if net.graph.edges[u, v, k].get("name") == street
        ),
        key=lambda i: float(shapely.length(net.edge_geoms_m[i])),
    )
    line = net.edge_geoms_m[best]
    here = line.interpolate(at, normalized=True)
    ahead = line.interpolate(min(at + 0.02, 1.0), normalized=True)
    dx, dy = ahead.x - here.x, ahead.y - here.y
    norm = math.hypot(dx, dy)
    x, y = here.x - dy / norm * side_m, here.y + dx / norm * side_m
    lon, lat = Transformer.from_crs(net.crs_m, "EPSG:4326", always_xy=True).transform(x, y)
    return float(lat), float(lon)


@pytest.fixture(scope="session")
def sindal_csv() -> bytes:
    """The shipped synthetic records (``bench/sindal_records.py``): 306 burglaries on
    Sindal's residential streets, June 2025 to 22 November 2026."""
    return SINDAL_CSV.read_bytes()


@pytest.fixture(scope="session")
def sindal_incidents(sindal_csv: bytes) -> list[Incident]:
    """The shipped records, read."""
    return incidents_from_file(sindal_csv, "csv")


@pytest.fixture(scope="session")
def drive(networks: AreaNetworks) -> StreetNetwork:
    """Sindal's drive network (the real shipped OSM data)."""
    return networks.get("sindal", "drive")


@pytest.fixture
def incident_store(tmp_path: Path) -> IncidentStore:
    """A store on a fresh, migrated SQLite file."""
    return IncidentStore(Database.from_engine(migrated_engine(f"sqlite:///{tmp_path / 'i.db'}")))


def _client(app: FastAPI, role: str) -> TestClient:
    _, key = create_key(app.state.alert_store, role)
    return TestClient(app, raise_server_exceptions=False, headers={"X-API-Key": key})


@pytest.fixture
def police(app: FastAPI) -> Iterator[TestClient]:
    """A client with a police key (may import records)."""
    with _client(app, "police") as client:
        yield client


@pytest.fixture
def scheduler(app: FastAPI) -> Iterator[TestClient]:
    """A client with a scheduler key (may read hotspots and reports, not import)."""
    with _client(app, "scheduler") as client:
        yield client
