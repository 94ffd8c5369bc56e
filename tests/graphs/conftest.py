"""Shared street graphs for the graph tests, built once per session from real OSM data."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import networkx as nx
import osmium
import osmium.filter
import pytest

from graphs import StreetNetwork, TravelMode, load_graph

if TYPE_CHECKING:
    from collections.abc import Callable

AREAS_DIR = Path(__file__).resolve().parents[2] / "data" / "areas"
SINDAL_FILE = AREAS_DIR / "sindal.osm.bz2"
LIECHTENSTEIN_FILE = AREAS_DIR / "liechtenstein.osm.pbf"
TINY_TOWN_FILE = Path(__file__).resolve().parent / "data" / "tiny_town.osm"


@dataclass(frozen=True, slots=True)
class ShippedWay:
    """One highway way of a shipped area file: the file's name, the way id and its tags."""

    area: str
    way_id: int
    tags: dict[str, str]


@pytest.fixture(scope="session")
def areas_dir() -> Path:
    """The shipped area files: ``sindal.osm.bz2`` (XML) and ``liechtenstein.osm.pbf``."""
    return AREAS_DIR


@pytest.fixture(scope="session")
def graph_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A graph cache directory shared by the session's graph fixtures."""
    return tmp_path_factory.mktemp("graph-cache")


@pytest.fixture(scope="session")
def sindal_drive(graph_cache_dir: Path) -> nx.MultiDiGraph:
    """Sindal's drive graph, loaded from the bzip2 OSM XML file."""
    return load_graph(SINDAL_FILE, mode="drive", cache_dir=graph_cache_dir)


@pytest.fixture(scope="session")
def sindal_drive_net(sindal_drive: nx.MultiDiGraph) -> StreetNetwork:
    """Sindal's drive graph indexed for snapping and shortest paths."""
    return StreetNetwork.from_graph(sindal_drive)


@pytest.fixture(scope="session")
def sindal_walk(graph_cache_dir: Path) -> nx.MultiDiGraph:
    """Sindal's walk graph (bidirectional), loaded from the bzip2 OSM XML file."""
    return load_graph(SINDAL_FILE, mode="walk", cache_dir=graph_cache_dir)


@pytest.fixture(scope="session")
def sindal_walk_net(sindal_walk: nx.MultiDiGraph) -> StreetNetwork:
    """Sindal's walk graph indexed for snapping and shortest paths."""
    return StreetNetwork.from_graph(sindal_walk)


@pytest.fixture(scope="session")
def liechtenstein_drive(graph_cache_dir: Path) -> nx.MultiDiGraph:
    """Liechtenstein's drive graph, loaded from the PBF file (a few seconds)."""
    return load_graph(LIECHTENSTEIN_FILE, mode="drive", cache_dir=graph_cache_dir)


@pytest.fixture(scope="session")
def liechtenstein_drive_net(liechtenstein_drive: nx.MultiDiGraph) -> StreetNetwork:
    """Liechtenstein's drive graph indexed for snapping and shortest paths."""
    return StreetNetwork.from_graph(liechtenstein_drive)


@pytest.fixture(scope="session")
def liechtenstein_bike(graph_cache_dir: Path) -> nx.MultiDiGraph:
    """Liechtenstein's bike graph, loaded from the PBF file (a few seconds)."""
    return load_graph(LIECHTENSTEIN_FILE, mode="bike", cache_dir=graph_cache_dir)


@pytest.fixture(scope="session")
def shipped_ways() -> list[ShippedWay]:
    """Every way with a ``highway`` tag in both shipped area files, read with pyosmium."""
    ways = []
    for path in (SINDAL_FILE, LIECHTENSTEIN_FILE):
        for way in osmium.FileProcessor(path, osmium.osm.WAY).with_filter(
            osmium.filter.KeyFilter("highway")
        ):
            tags = {tag.k: tag.v for tag in way.tags}
            ways.append(ShippedWay(area=path.name, way_id=way.id, tags=tags))
    return ways


@pytest.fixture(scope="session")
def tiny_town_file() -> Path:
    """The hand-written OSM XML town (``data/tiny_town.osm``; its comments map every way)."""
    return TINY_TOWN_FILE


@pytest.fixture(scope="session")
def tiny_town_nets() -> dict[TravelMode, StreetNetwork]:
    """The tiny town's street network for each travel mode, indexed."""
    return {
        mode: StreetNetwork.from_graph(load_graph(TINY_TOWN_FILE, mode=mode))
        for mode in ("walk", "bike", "drive")
    }


def _tiny_graph() -> nx.MultiDiGraph:
    """
    Four nodes about 100 m apart in Sindal, small enough to check by hand.

    1 <-> 2 is two-way with a slow and a fast parallel edge from 1 to 2
    (60 s and 40 s); 2 -> 3 is a one-way dead end (3 has no way out);
    2 <-> 4 is two-way. No geometry attributes: legs are straight segments.
    """
    G = nx.MultiDiGraph(crs="epsg:4326", mode="drive")
    coords = {
        1: (10.2000, 57.4700),
        2: (10.2016, 57.4700),
        3: (10.2032, 57.4700),
        4: (10.2016, 57.4709),
    }
    for node, (lon, lat) in coords.items():
        G.add_node(node, x=lon, y=lat)
    edges = [(1, 2, 100.0, 60.0), (1, 2, 100.0, 40.0), (2, 1, 100.0, 60.0), (2, 3, 100.0, 30.0)]
    edges += [(2, 4, 100.0, 20.0), (4, 2, 100.0, 20.0)]
    for u, v, length_m, travel_s in edges:
        G.add_edge(u, v, length=length_m, travel_time=travel_s, speed_kph=3.6 * length_m / travel_s)
    return G


@pytest.fixture(scope="session")
def tiny_graph_factory() -> Callable[[], nx.MultiDiGraph]:
    """Builds a fresh copy of the hand-checkable four-node graph (see `_tiny_graph`)."""
    return _tiny_graph


@pytest.fixture(scope="session")
def tiny_net() -> StreetNetwork:
    """The four-node graph with a one-way dead end at node 3, indexed."""
    return StreetNetwork.from_graph(_tiny_graph())
