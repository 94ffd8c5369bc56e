"""A municipality-sized evening on Liechtenstein: 10 staff, 300 hotspots (shared by benches)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from graphs import AreaCatalog, StreetNetwork, load_graph
from service.config import SHIPPED_AREAS_DIR

if TYPE_CHECKING:
    from pathlib import Path

DEPOTS = [  # municipal buildings in Vaduz, Schaan and Eschen (lat, lon)
    (47.1410, 9.5215),
    (47.1660, 9.5100),
    (47.2105, 9.5225),
]


def liechtenstein_network(cache_dir: Path, mode: str = "drive") -> StreetNetwork:
    """The Liechtenstein street network for ``mode``, from the shipped PBF."""
    path = AreaCatalog([SHIPPED_AREAS_DIR]).get("liechtenstein").path
    return StreetNetwork.from_graph(load_graph(path, mode=mode, cache_dir=cache_dir))  # type: ignore[arg-type]


def evening_request(
    network: StreetNetwork, *, staff: int = 10, hotspots: int = 300, seed: int = 42
) -> dict[str, Any]:
    """A plan request: staff from three depots 17:00-22:00, hotspots on random street nodes.

    Weights follow near-repeat clusters (higher close to a few recent burglaries); a third of
    the hotspots may only be visited 18:00-21:30; the heaviest get a second visit.
    """
    rng = np.random.default_rng(seed)
    graph = network.graph
    nodes = rng.choice(network.node_ids, size=hotspots, replace=False)
    points = np.array([(graph.nodes[int(n)]["y"], graph.nodes[int(n)]["x"]) for n in nodes])
    burglaries = points[rng.choice(len(points), size=8, replace=False)]
    metres = np.array([111_000.0, 75_500.0])
    distance_m = np.min(
        np.linalg.norm((points[:, None, :] - burglaries[None]) * metres, axis=2), axis=1
    )
    weights = np.round(1 + 9 * np.exp(-distance_m / 400), 1)
    spots = []
    for i, ((lat, lon), weight) in enumerate(zip(points, weights, strict=True)):
        spot: dict[str, Any] = {
            "id": f"h{i:03d}",
            "location": {"lat": float(lat), "lon": float(lon)},
            "weight": float(weight),
            "dwell_min": 15 if weight >= 6 else 10,
        }
        if i % 3 == 0:
            spot["windows"] = [{"start": "18:00", "end": "21:30"}]
        if weight >= 7:
            spot.update(max_visits=2, min_gap_min=90)
        spots.append(spot)
    shifts = [
        {
            "id": f"guard-{k + 1}",
            "phone": f"+452000{k + 1:04d}",
            "role": "service_guard",
            "mode": "drive",
            "start_location": {"lat": DEPOTS[k % 3][0], "lon": DEPOTS[k % 3][1]},
            "start_time": "17:00",
            "end_time": "22:00",
        }
        for k in range(staff)
    ]
    return {
        "area": "liechtenstein",
        "date": "2026-11-24",
        "shifts": shifts,
        "hotspots": spots,
        "options": {"seed": 1},
    }
