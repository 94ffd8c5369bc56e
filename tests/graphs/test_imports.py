"""What the plan path loads: no osmnx, geopandas, pandas or matplotlib on a cached graph.

Those four cost about 0.8 s of imports that `eyes plan` pays in every process, and only
building a graph from an OSM file needs them. Checked in a fresh interpreter, since this
test process has imported osmnx long before.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import TYPE_CHECKING

from graphs.load import graph_cache_file

from .conftest import SINDAL_FILE

if TYPE_CHECKING:
    from pathlib import Path

    import networkx as nx

HEAVY = ("osmnx", "geopandas", "pandas", "matplotlib")

# Import graphs, then do what `eyes plan` does on a cached area, noting the heavy modules.
PLAN_PATH = """
import json, sys
from pathlib import Path

import graphs

heavy = {heavy!r}
loaded = {{}}

def note(step):
    loaded[step] = sorted({{name.split(".")[0] for name in sys.modules}} & set(heavy))

note("import graphs")
for mode in ("drive", "walk"):
    G = graphs.load_graph(Path(sys.argv[1]), mode=mode, cache_dir=Path(sys.argv[2]))
    net = graphs.StreetNetwork.from_graph(G)
    points = graphs.snap_to_streets(net, [57.47083, 57.4650, 57.4720], [10.20214, 10.21, 10.19])
    graphs.street_travel_matrix(net, points)
    graphs.street_matrices(net, points)
    graphs.street_route_geometry(net, points)
    note(f"cached {{mode}} network, snapping, matrices and route geometry")
print(json.dumps(loaded))
"""


def test_plan_path_loads_no_osmnx_geopandas_pandas_or_matplotlib(
    sindal_drive: nx.MultiDiGraph, sindal_walk: nx.MultiDiGraph, graph_cache_dir: Path
) -> None:
    """`import graphs` and a cached network's from_graph, snapping, matrices and geometry
    leave osmnx, geopandas, pandas and matplotlib out of sys.modules."""
    for mode in ("drive", "walk"):  # warmed by the fixtures: the subprocess only reads
        assert graph_cache_file(SINDAL_FILE, mode=mode, cache_dir=graph_cache_dir).is_file()
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            PLAN_PATH.format(heavy=HEAVY),
            str(SINDAL_FILE),
            str(graph_cache_dir),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    loaded: dict[str, list[str]] = json.loads(done.stdout)
    assert len(loaded) == 3
    assert {step: heavy for step, heavy in loaded.items() if heavy} == {}
