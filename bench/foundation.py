"""Foundation benchmarks: graph build, matrices against networkx, a municipality-sized plan.

Run: ``.venv/bin/python bench/foundation.py`` (or ``make bench``). Prints Markdown tables.
"""

from __future__ import annotations

import copy
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import networkx as nx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from liechtenstein import evening_request, liechtenstein_network

from graphs import AreaCatalog, StreetNetwork, load_graph, snap_to_streets, street_travel_matrix
from service.config import SHIPPED_AREAS_DIR, Settings
from service.plans.networks import AreaNetworks
from service.plans.planning import plan_routes
from service.plans.schemas import PlanRequest


def bench_graph_build() -> None:
    print("## Street graph build (cold = parse OSM file; cached = load from disk cache)\n")
    print("| area | mode | nodes | edges | cold s | cached s |")
    print("|---|---|---:|---:|---:|---:|")
    catalog = AreaCatalog([SHIPPED_AREAS_DIR])
    for area in ("sindal", "liechtenstein"):
        for mode in ("drive", "bike", "walk"):
            with tempfile.TemporaryDirectory() as cache:
                path = catalog.get(area).path
                started = time.perf_counter()
                graph = load_graph(path, mode=mode, cache_dir=Path(cache))
                cold = time.perf_counter() - started
                cached = min(
                    _timed(lambda: load_graph(path, mode=mode, cache_dir=Path(cache)))  # noqa: B023
                    for _ in range(3)
                )
            print(
                f"| {area} | {mode} | {len(graph):,} | {graph.number_of_edges():,} | "
                f"{cold:.2f} | {cached:.3f} |"
            )
    print()


def _timed(action: object) -> float:
    started = time.perf_counter()
    action()  # type: ignore[operator]
    return time.perf_counter() - started


def _networkx_matrix(network: StreetNetwork, nodes: list[int]) -> np.ndarray:
    graph = nx.DiGraph()
    for u, v, data in network.graph.edges(data=True):
        if not graph.has_edge(u, v) or graph[u][v]["travel_time"] > data["travel_time"]:
            graph.add_edge(u, v, travel_time=data["travel_time"])
    out = np.zeros((len(nodes), len(nodes)))
    for i, source in enumerate(nodes):
        lengths = nx.single_source_dijkstra_path_length(graph, source, weight="travel_time")
        out[i] = [lengths[t] for t in nodes]
    return out


def bench_matrix(cache: Path) -> None:
    print("## Travel-time matrix: scipy csgraph vs networkx single-source Dijkstra per point\n")
    print("| network | points | scipy s | networkx s | speed-up | max diff s |")
    print("|---|---:|---:|---:|---:|---:|")
    rng = np.random.default_rng(0)
    for mode in ("drive", "walk"):
        network = liechtenstein_network(cache, mode)
        for size in (100, 500, 1000):
            nodes = [int(n) for n in rng.choice(network.node_ids, size=size, replace=False)]
            points = snap_to_streets(
                network,
                [network.graph.nodes[n]["y"] for n in nodes],
                [network.graph.nodes[n]["x"] for n in nodes],
            )
            scipy_s = min(_timed(lambda: street_travel_matrix(network, points)) for _ in range(3))  # noqa: B023
            started = time.perf_counter()
            reference = _networkx_matrix(network, nodes)
            networkx_s = time.perf_counter() - started
            diff = np.abs(street_travel_matrix(network, points) - np.round(reference)).max()
            print(
                f"| liechtenstein {mode} ({len(network.node_ids):,} nodes) | {size} | "
                f"{scipy_s:.3f} | {networkx_s:.2f} | {networkx_s / scipy_s:.0f}x | {diff:.0f} |"
            )
    print()


def bench_plan(cache: Path, *, time_limits_s: tuple[float, ...] = (10.0, 30.0)) -> None:
    print("## Plan: 10 staff x 300 hotspots on Liechtenstein (end to end through planning)\n")
    print(
        "| time limit s | wall s | weight visited / total | coverage incl. repeats | "
        "hotspots visited | travel min |"
    )
    print("|---:|---:|---:|---:|---:|---:|")
    networks = AreaNetworks(AreaCatalog([SHIPPED_AREAS_DIR]), cache_dir=cache)
    settings = Settings(graph_cache_dir=cache, max_time_limit_s=600)
    base = evening_request(networks.get("liechtenstein", "drive"))
    for limit in time_limits_s:
        data = copy.deepcopy(base)
        data["options"]["time_limit_s"] = limit
        request = PlanRequest.model_validate(data)
        started = time.perf_counter()
        planned = plan_routes(
            request,
            networks=networks,
            settings=settings,
            plan_id="bench",
            created_at=datetime.now(UTC),
        )
        wall = time.perf_counter() - started
        s = planned.plan.summary
        print(
            f"| {limit:g} | {wall:.1f} | {s.weight_visited:.1f} / {s.weight_total:.1f} "
            f"({s.coverage_ratio:.1%}) | {s.weight_covered:.1f} | {s.hotspots_visited} | "
            f"{s.travel_min:.0f} |"
        )
    print()


def main() -> None:
    print(f"Measured {datetime.now(UTC):%Y-%m-%d}, {os.cpu_count()} cores\n")
    bench_graph_build()
    with tempfile.TemporaryDirectory() as cache:
        bench_matrix(Path(cache))
        bench_plan(Path(cache))


if __name__ == "__main__":
    main()
