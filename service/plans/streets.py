"""An area's streets as GeoJSON for the map, drawn from the street graph itself: no tiles,
no internet. Two-way streets appear once, lines are simplified to about a metre, and the
result is cached per loaded network."""

from __future__ import annotations

import json
import threading
import weakref
from typing import TYPE_CHECKING, Any, Literal

import shapely
from shapely.geometry import LineString

from .geojson import ATTRIBUTION

if TYPE_CHECKING:
    from graphs import StreetNetwork

StreetClass = Literal["major", "minor", "other"]
MAJOR = frozenset({"motorway", "trunk", "primary", "secondary"})
MINOR = frozenset({"tertiary", "unclassified", "residential", "living_street", "road"})
TOLERANCE_DEG = 1.5e-5  # about 1.7 m north-south, 0.9 m east-west in Denmark
DECIMALS = 5  # about 1 m

_cache: weakref.WeakKeyDictionary[StreetNetwork, bytes] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def street_class(highway: object) -> StreetClass:
    """``major``, ``minor`` or ``other`` for an OSM ``highway`` tag (a list: its first)."""
    tag = str(highway[0] if isinstance(highway, list) and highway else highway)
    tag = tag.removesuffix("_link")
    if tag in MAJOR:
        return "major"
    if tag in MINOR:
        return "minor"
    return "other"


def _lines(network: StreetNetwork) -> dict[StreetClass, list[LineString]]:
    graph = network.graph
    seen: set[tuple[int, int, int]] = set()
    lines: dict[StreetClass, list[LineString]] = {"major": [], "minor": [], "other": []}
    for u, v, data in graph.edges(data=True):
        key = (min(u, v), max(u, v), round(float(data.get("length", 0.0))))
        if key in seen:
            continue
        seen.add(key)
        geometry = data.get("geometry")
        if geometry is None:
            a, b = graph.nodes[u], graph.nodes[v]
            geometry = LineString([(a["x"], a["y"]), (b["x"], b["y"])])
        lines[street_class(data.get("highway"))].append(geometry)
    return lines


def _coords(line: LineString) -> list[list[float]]:
    coords: list[list[float]] = []
    for x, y in line.coords:
        position = [round(x, DECIMALS), round(y, DECIMALS)]
        if not coords or coords[-1] != position:
            coords.append(position)
    return coords


def streets_to_geojson(network: StreetNetwork, *, area: str) -> dict[str, Any]:
    """The network's streets as an RFC 7946 FeatureCollection.

    Parameters
    ----------
    network
        A loaded street network (its graph in WGS84).
    area
        The area's name, kept in the collection's properties.

    Returns
    -------
    dict
        One ``MultiLineString`` feature per street class (``major``: motorway to secondary;
        ``minor``: tertiary, unclassified, residential, living street; ``other``), a
        ``bbox`` and ``properties`` with the area, the travel mode and the attribution.
    """
    features = []
    drawn: list[LineString] = []
    for kind, lines in _lines(network).items():
        simplified = shapely.simplify(lines, TOLERANCE_DEG, preserve_topology=True)
        parts = [coords for line in simplified if len(coords := _coords(line)) >= 2]
        if not parts:
            continue
        drawn.extend(simplified)
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "MultiLineString", "coordinates": parts},
                "properties": {"class": kind, "segments": len(parts)},
            }
        )
    bbox = [round(float(b), DECIMALS) for b in shapely.total_bounds(drawn)]
    return {
        "type": "FeatureCollection",
        "bbox": bbox,
        "features": features,
        "properties": {"area": area, "mode": network.mode, "attribution": ATTRIBUTION},
    }


def streets_geojson_bytes(network: StreetNetwork, *, area: str) -> bytes:
    """`streets_to_geojson` as compact UTF-8 JSON, built once per loaded network."""
    with _lock:
        cached = _cache.get(network)
        if cached is None:
            collection = streets_to_geojson(network, area=area)
            cached = json.dumps(collection, separators=(",", ":"), ensure_ascii=False).encode()
            _cache[network] = cached
        return cached
