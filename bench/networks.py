"""Walk and bike networks against every legal way, and matrix speed.

Run: ``.venv/bin/python bench/networks.py``. Prints Markdown tables (about two minutes).

1. Networks. For walk and bike on both shipped areas, random pairs of points are drawn on
   a *permissive* graph: every ``highway=*`` way the mode's access tags do not close
   (``foot``/``bicycle``, ``vehicle``, ``access`` = ``no|private``), leaving out only
   things that are no ways (construction, proposed, areas), with the bike's one-way rules.
   Each pair is routed door to door (snap distance + street distance + snap distance) on
   our profile's graph, on osmnx's plain filter's graph, and on the permissive graph.
   Reported: the detour ratio against the permissive graph (median and p90 over the pairs
   both reach) and the share of pairs a graph cannot serve (an end lies more than
   `OFF_NETWORK_M` from its streets, or no way leads).
2. Speed. Snapping plus a 300 x 300 matrix on Liechtenstein's drive graph, street points
   without and with distances. Best of 5.

(The comparison with the old node-based snapping, whose API is gone, is recorded in
bench/RESULTS.md as it was measured.)
"""

from __future__ import annotations

import json
import os
import platform
import time
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import osmium
import shapely

from graphs import (
    StreetNetwork,
    TravelMode,
    load_graph,
    snap_to_streets,
    street_matrices,
    street_travel_matrix,
    way_filter,
)
from graphs.load import graph_from_ways
from graphs.profiles import access_forbids, routing_tags

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    import networkx as nx
    import numpy.typing as npt

ROOT = Path(__file__).resolve().parents[1]
AREAS = {
    "sindal": ROOT / "data" / "areas" / "sindal.osm.bz2",
    "liechtenstein": ROOT / "data" / "areas" / "liechtenstein.osm.pbf",
}
DEMO_REQUEST = ROOT / "examples" / "sindal_request.json"
CACHE_DIR = ROOT / "var" / "bench-graph-cache"
PAIRS = 300
OFF_NETWORK_M = 25.0
OFF_ROUTE_M = 30.0
NOT_WAYS = frozenset(
    {"abandoned", "construction", "disused", "no", "planned", "platform", "proposed", "razed"}
)


def permissive(mode: TravelMode) -> Callable[[Mapping[str, str]], bool]:
    """Keep every highway way the mode's access tags do not close (see the module docstring)."""

    def keep(tags: Mapping[str, str]) -> bool:
        highway = tags.get("highway")
        if highway is None or highway in NOT_WAYS or tags.get("area") == "yes":
            return False
        return not access_forbids(mode, tags)

    return keep


def graphs_for(path: Path, mode: TravelMode) -> dict[str, nx.MultiDiGraph]:
    """The profile's graph, osmnx's plain filter's graph and the permissive graph."""
    return {
        "profile": load_graph(path, mode=mode, cache_dir=CACHE_DIR),
        "osmnx": graph_from_ways(path, mode=mode, keep=way_filter(mode)),
        "permissive": graph_from_ways(
            path, mode=mode, keep=permissive(mode), tags=lambda tags: routing_tags(mode, tags)
        ),
    }


def points_on_streets(
    net: StreetNetwork, count: int, rng: np.random.Generator
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Uniform random points along the network's streets (edges weighted by length)."""
    lengths_m = shapely.length(net.edge_geoms_m)
    rows = rng.choice(len(lengths_m), size=count, p=lengths_m / lengths_m.sum())
    on_street = shapely.line_interpolate_point(
        net.edge_geoms_m[rows], rng.uniform(0, 1, count), normalized=True
    )
    lons, lats = net.to_metric.transform(
        shapely.get_x(on_street), shapely.get_y(on_street), direction="INVERSE"
    )
    return np.asarray(lats), np.asarray(lons)


def door_to_door_m(
    G: nx.MultiDiGraph, lats: npt.NDArray[np.float64], lons: npt.NDArray[np.float64]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    """Door-to-door metres of pairs (2k, 2k + 1) on a graph, and which pairs it serves."""
    net = StreetNetwork.from_graph(G)
    points = snap_to_streets(net, lats, lons)
    distance_m = street_matrices(net, points).distance_m
    origin, target = np.arange(0, len(lats), 2), np.arange(1, len(lats), 2)
    total_m = points.snap_m[origin] + distance_m[origin, target] + points.snap_m[target]
    served = (
        np.isfinite(total_m)
        & (points.snap_m[origin] <= OFF_NETWORK_M)
        & (points.snap_m[target] <= OFF_NETWORK_M)
    )
    return total_m, served


def bench_networks() -> None:
    print("## Walk and bike networks against every legal way\n")
    print(
        f"{PAIRS} random pairs of points on the permissive graph per row; detour = door-to-door"
        " metres / permissive metres, over the pairs both graphs serve; unserved = an end "
        f"more than {OFF_NETWORK_M:.0f} m from the graph's streets, or no way.\n"
    )
    print("| area | mode | graph | nodes | edges | detour median | detour p90 | unserved |")
    print("|---|---|---|---:|---:|---:|---:|---:|")
    for area, path in AREAS.items():
        for mode in ("walk", "bike"):
            graphs = graphs_for(path, mode)
            rng = np.random.default_rng(2026)
            lats, lons = points_on_streets(
                StreetNetwork.from_graph(graphs["permissive"]), 2 * PAIRS, rng
            )
            base_m, base_served = door_to_door_m(graphs["permissive"], lats, lons)
            for name in ("osmnx", "profile", "permissive"):
                G = graphs[name]
                total_m, served = door_to_door_m(G, lats, lons)
                both = served & base_served & (base_m > 0)
                ratio = total_m[both] / base_m[both]
                print(
                    f"| {area} | {mode} | {name} | {len(G):,} | {G.number_of_edges():,} | "
                    f"{np.median(ratio):.3f} | {np.percentile(ratio, 90):.3f} | "
                    f"{1 - served.mean():.1%} |"
                )
    print()


@dataclass(frozen=True, slots=True)
class Locations:
    """A named set of locations to snap."""

    name: str
    area: str
    lats: npt.NDArray[np.float64]
    lons: npt.NDArray[np.float64]


def address_locations(area: str) -> Locations:
    """Address nodes and the centroids of ways with an address (buildings) in an area file."""
    lats: list[float] = []
    lons: list[float] = []
    for obj in osmium.FileProcessor(AREAS[area]).with_locations():
        if "addr:housenumber" not in obj.tags:
            continue
        if isinstance(obj, osmium.osm.Node) and obj.location.valid():
            lats.append(obj.location.lat)
            lons.append(obj.location.lon)
        elif isinstance(obj, osmium.osm.Way):
            spots = [(n.location.lat, n.location.lon) for n in obj.nodes if n.location.valid()]
            if spots:
                lat, lon = np.mean(spots, axis=0)
                lats.append(float(lat))
                lons.append(float(lon))
    return Locations(f"{area} addresses", area, np.array(lats), np.array(lons))


def demo_locations() -> Locations:
    """Every location of the shipped demo request (shift starts and ends, hotspots, visits)."""
    request: dict[str, Any] = json.loads(DEMO_REQUEST.read_text())
    spots = [s["start_location"] for s in request["shifts"]]
    spots += [s["end_location"] for s in request["shifts"] if s.get("end_location")]
    spots += [h["location"] for h in request["hotspots"]]
    spots += [v["location"] for v in request.get("visits", [])]
    lats = np.array([s["lat"] for s in spots])
    lons = np.array([s["lon"] for s in spots])
    return Locations(f"demo request ({len(spots)} locations)", "sindal", lats, lons)


def best_of(action: Callable[[], object], runs: int = 5) -> float:
    """The fastest of several timed runs, in seconds."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return min(times)


def bench_speed() -> None:
    print("## Speed: snapping + 300 x 300 matrix, Liechtenstein drive (best of 5)\n")
    path = AREAS["liechtenstein"]
    profile = StreetNetwork.from_graph(load_graph(path, mode="drive", cache_dir=CACHE_DIR))
    places = address_locations("liechtenstein")
    pick = np.random.default_rng(5).choice(len(places.lats), 300, replace=False)
    lats, lons = places.lats[pick], places.lons[pick]
    rows = [
        (
            "street points, travel times",
            best_of(lambda: street_travel_matrix(profile, snap_to_streets(profile, lats, lons))),
        ),
        (
            "street points, travel times + distances",
            best_of(lambda: street_matrices(profile, snap_to_streets(profile, lats, lons))),
        ),
    ]
    print("| method | graph nodes | seconds |")
    print("|---|---:|---:|")
    for name, seconds in rows:
        print(f"| {name} | {len(profile.node_ids):,} | {seconds:.3f} |")
    print()


def machine() -> str:
    """One line about the machine and the library versions."""
    cpu = platform.processor() or "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        names = [
            line.split(":", 1)[1].strip()
            for line in cpuinfo.read_text().splitlines()
            if line.startswith("model name")
        ]
        cpu = names[0] if names else cpu
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        total_kb = int(meminfo.read_text().split()[1])
        memory = f", {total_kb / 2**20:.0f} GiB"
    packages = ", ".join(
        f"{name} {version(name)}" for name in ("osmnx", "networkx", "scipy", "shapely", "numpy")
    )
    return f"{cpu}, {os.cpu_count()} cores{memory}; Python {platform.python_version()}, {packages}"


def main() -> None:
    print(f"Machine: {machine()}\n")
    print("Command: `.venv/bin/python bench/networks.py`\n")
    started = time.perf_counter()
    bench_networks()
    bench_speed()
    print(f"Total {time.perf_counter() - started:.0f} s.")


if __name__ == "__main__":
    main()
