"""Loading OSM area files into routable graphs, and the graph cache."""

from __future__ import annotations

import bz2
import pickle
import re
import shutil
from typing import TYPE_CHECKING

import networkx as nx
import pytest

from graphs import (
    BIKE_SPEED_KPH,
    TRAVEL_MODES,
    WALK_SPEED_KPH,
    AreaFileError,
    GraphError,
    TravelMode,
    load_graph,
)
from graphs.load import DRIVE_SPEEDS_KPH, graph_cache_file

if TYPE_CHECKING:
    from pathlib import Path

    from .conftest import ShippedWay


def edge_highways(G: nx.MultiDiGraph) -> set[str]:
    """All highway values on a graph's edges (simplified edges may hold lists)."""
    values: set[str] = set()
    for _, _, highway in G.edges(data="highway"):
        values.update(highway if isinstance(highway, list) else [highway])
    return values


def test_xml_bz2_loads_with_graph_attributes(sindal_drive: nx.MultiDiGraph) -> None:
    """The bzip2 OSM XML of Sindal loads with its mode, source file and lon/lat nodes."""
    G = sindal_drive
    assert G.graph["mode"] == "drive"
    assert G.graph["area_source"] == "sindal.osm.bz2"
    assert 300 < len(G) < 600
    for _, data in G.nodes(data=True):
        assert 10.0 < data["x"] < 10.5
        assert 57.3 < data["y"] < 57.6


def test_pbf_loads(liechtenstein_drive: nx.MultiDiGraph) -> None:
    """The PBF of Liechtenstein loads into a municipality-sized drive graph."""
    G = liechtenstein_drive
    assert G.graph["area_source"] == "liechtenstein.osm.pbf"
    assert len(G) > 1000
    assert all(9.4 < x < 9.7 for _, x in G.nodes(data="x"))


def test_drive_graph_has_no_paths_for_feet_or_bikes(sindal_drive: nx.MultiDiGraph) -> None:
    """The drive graph holds no footway, cycleway, path, track or pedestrian edge."""
    highways = edge_highways(sindal_drive)
    assert {"residential", "service"} <= highways
    assert not highways & {"footway", "cycleway", "path", "track", "pedestrian"}


def test_walk_graph_has_footways_and_is_bidirectional(sindal_walk: nx.MultiDiGraph) -> None:
    """The walk graph has footways, and every edge has a reverse edge (one-ways walk both ways)."""
    G = sindal_walk
    assert "footway" in edge_highways(G)
    assert all(G.has_edge(v, u) for u, v in G.edges())


def test_drive_graph_keeps_one_way_streets(liechtenstein_drive: nx.MultiDiGraph) -> None:
    """The drive graph is not bidirectional: some one-way edges have no reverse edge."""
    G = liechtenstein_drive
    assert any(not G.has_edge(v, u) for u, v in G.edges())


@pytest.mark.parametrize("graph_name", ["sindal_drive", "sindal_walk", "liechtenstein_drive"])
def test_graph_is_one_strongly_connected_component(
    request: pytest.FixtureRequest, graph_name: str
) -> None:
    """Every node can reach every other: the graph is a single strongly connected component."""
    G: nx.MultiDiGraph = request.getfixturevalue(graph_name)
    assert nx.is_strongly_connected(G)


@pytest.mark.parametrize("graph_name", ["sindal_drive", "sindal_walk", "liechtenstein_drive"])
def test_edges_have_length_speed_and_consistent_travel_time(
    request: pytest.FixtureRequest, graph_name: str
) -> None:
    """Every edge has a positive float length, a speed, and travel_time = length / speed."""
    G: nx.MultiDiGraph = request.getfixturevalue(graph_name)
    for _, _, data in G.edges(data=True):
        assert isinstance(data["length"], float)
        assert data["length"] > 0
        assert data["speed_kph"] > 0
        expected_s = data["length"] / (data["speed_kph"] / 3.6)
        assert data["travel_time"] == pytest.approx(expected_s, rel=1e-3, abs=0.01)


def test_walk_speed_is_constant(sindal_walk: nx.MultiDiGraph) -> None:
    """Walking uses one speed on every edge."""
    assert {speed for _, _, speed in sindal_walk.edges(data="speed_kph")} == {WALK_SPEED_KPH}


def test_bike_graph_uses_bike_network_and_speed(
    areas_dir: Path, shipped_ways: list[ShippedWay]
) -> None:
    """Biking keeps cycleways, and footways only where bikes may ride, at one constant speed."""
    G = load_graph(areas_dir / "sindal.osm.bz2", mode="bike")
    assert {speed for _, _, speed in G.edges(data="speed_kph")} == {BIKE_SPEED_KPH}
    assert "cycleway" in edge_highways(G)
    ridden = set()
    for _, _, osmid in G.edges(data="osmid"):
        ridden.update(osmid if isinstance(osmid, list) else [osmid])
    footways = {
        way.way_id: way.tags.get("bicycle")
        for way in shipped_ways
        if way.area == "sindal.osm.bz2" and way.tags["highway"] == "footway"
    }
    assert len(footways) > 50
    assert {footways[way_id] for way_id in ridden & footways.keys()} <= {"yes"}


@pytest.mark.parametrize("highway", ["residential", "service"])
def test_drive_speeds_use_danish_defaults_without_maxspeed(
    sindal_drive: nx.MultiDiGraph, highway: str
) -> None:
    """Edges without maxspeed get the defaults: residential 50 km/h, driveways (service) 20."""
    speeds = {
        data["speed_kph"]
        for _, _, data in sindal_drive.edges(data=True)
        if data["highway"] == highway and "maxspeed" not in data
    }
    assert speeds == {DRIVE_SPEEDS_KPH[highway]}


def test_second_load_comes_from_cache(tmp_path: Path, areas_dir: Path) -> None:
    """A second load with the same cache dir returns the pickled graph instead of rebuilding."""
    area_file = tmp_path / "sindal.osm.bz2"
    shutil.copyfile(areas_dir / "sindal.osm.bz2", area_file)
    cache_dir = tmp_path / "cache"
    first = load_graph(area_file, mode="drive", cache_dir=cache_dir)
    cache_file = graph_cache_file(area_file, mode="drive", cache_dir=cache_dir)
    assert list(cache_dir.iterdir()) == [cache_file]
    assert cache_file.stat().st_mode & 0o777 == 0o644

    second = load_graph(area_file, mode="drive", cache_dir=cache_dir)
    assert nx.utils.graphs_equal(first, second)

    # Mark the pickled graph: only a load from the cache can return the mark.
    first.graph["marked"] = True
    with cache_file.open("wb") as file:
        pickle.dump(first, file)
    assert load_graph(area_file, mode="drive", cache_dir=cache_dir).graph["marked"]


def test_unwritable_cache_dir_only_costs_speed(tmp_path: Path, areas_dir: Path) -> None:
    """A cache dir that cannot be created (a file is in the way) still gives a graph."""
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    G = load_graph(areas_dir / "sindal.osm.bz2", mode="drive", cache_dir=blocker)
    assert G.number_of_edges() > 0


def test_cache_key_follows_content_and_mode(tmp_path: Path, areas_dir: Path) -> None:
    """The cache key depends on file content and mode, not on the file's name or place."""
    original = areas_dir / "sindal.osm.bz2"
    renamed = tmp_path / "copy.osm.bz2"
    shutil.copyfile(original, renamed)
    edited = tmp_path / "sindal.osm.bz2"
    edited.write_bytes(original.read_bytes() + b"\n")

    def key(path: Path, mode: TravelMode = "drive") -> str:
        return graph_cache_file(path, mode=mode, cache_dir=tmp_path).name

    assert key(original) == key(renamed)
    assert key(original) != key(edited)
    assert len({key(original, mode) for mode in TRAVEL_MODES}) == len(TRAVEL_MODES)


def test_corrupt_cache_file_is_rebuilt(tmp_path: Path, areas_dir: Path) -> None:
    """A truncated cache pickle is ignored (with a log line) and replaced by a fresh graph."""
    area_file = areas_dir / "sindal.osm.bz2"
    cache_file = graph_cache_file(area_file, mode="drive", cache_dir=tmp_path)
    cache_file.write_bytes(b"\x80\x05truncated")
    G = load_graph(area_file, mode="drive", cache_dir=tmp_path)
    assert len(G) > 0
    with cache_file.open("rb") as file:
        assert nx.utils.graphs_equal(pickle.load(file), G)


@pytest.mark.parametrize(
    ("file_name", "content"),
    [
        ("garbage.osm.pbf", b"\x00\x01 not a pbf at all"),
        ("garbage.osm", b"this is not xml"),
        ("empty.osm", b""),
        ("garbage.osm.bz2", bz2.compress(b"<osm><node id=")),
    ],
)
def test_corrupt_file_raises_area_file_error(
    tmp_path: Path, file_name: str, content: bytes
) -> None:
    """Unparseable PBF, XML or compressed XML raises AreaFileError naming the file."""
    path = tmp_path / file_name
    path.write_bytes(content)
    with pytest.raises(AreaFileError, match=re.escape(f"Cannot read the area file {file_name}")):
        load_graph(path, mode="drive")


def test_truncated_bz2_raises_area_file_error(tmp_path: Path, areas_dir: Path) -> None:
    """A bzip2 file cut short mid-stream raises AreaFileError."""
    path = tmp_path / "cut.osm.bz2"
    path.write_bytes((areas_dir / "sindal.osm.bz2").read_bytes()[:5000])
    with pytest.raises(AreaFileError, match=re.escape("Cannot read the area file cut.osm.bz2")):
        load_graph(path, mode="walk")


def test_missing_file_raises_area_file_error(tmp_path: Path) -> None:
    """A file that does not exist raises AreaFileError, with or without a cache."""
    with pytest.raises(AreaFileError, match=re.escape("Cannot read the area file absent.osm")):
        load_graph(tmp_path / "absent.osm", mode="drive", cache_dir=tmp_path)
    with pytest.raises(AreaFileError, match=re.escape("Cannot read the area file absent.osm")):
        load_graph(tmp_path / "absent.osm", mode="drive")


def test_file_without_streets_raises_area_file_error(tmp_path: Path) -> None:
    """Valid OSM XML without ways for the mode (here only a footway, for drive) is refused."""
    path = tmp_path / "park.osm"
    path.write_text(
        '<osm version="0.6">'
        '<node id="1" lat="57.47" lon="10.20"/><node id="2" lat="57.471" lon="10.20"/>'
        '<way id="10"><nd ref="1"/><nd ref="2"/><tag k="highway" v="footway"/></way>'
        "</osm>"
    )
    with pytest.raises(AreaFileError, match="holds no drive streets"):
        load_graph(path, mode="drive")


def test_file_with_only_a_one_way_street_raises(tmp_path: Path) -> None:
    """A drive network with no street leading back (no strongly connected part) is refused."""
    path = tmp_path / "oneway.osm"
    path.write_text(
        '<osm version="0.6">'
        '<node id="1" lat="57.47" lon="10.20"/><node id="2" lat="57.471" lon="10.20"/>'
        '<way id="10"><nd ref="1"/><nd ref="2"/>'
        '<tag k="highway" v="residential"/><tag k="oneway" v="yes"/></way>'
        "</osm>"
    )
    with pytest.raises(AreaFileError, match="no connected drive streets"):
        load_graph(path, mode="drive")


def test_way_with_missing_nodes_is_cut_to_present_nodes(tmp_path: Path) -> None:
    """A way whose file lacks some nodes (cut at the box edge) keeps its longest present run."""
    path = tmp_path / "cut.osm"
    nodes = "".join(f'<node id="{i}" lat="{57.47 + i / 1000}" lon="10.20"/>' for i in (1, 2, 3, 4))
    path.write_text(
        f'<osm version="0.6">{nodes}'
        '<way id="10"><nd ref="1"/><nd ref="99"/><nd ref="2"/><nd ref="3"/><nd ref="4"/>'
        '<nd ref="98"/><tag k="highway" v="residential"/></way>'
        "</osm>"
    )
    G = load_graph(path, mode="drive")
    assert set(G.nodes) == {2, 4}
    assert set(G.edges()) == {(2, 4), (4, 2)}


def test_way_without_any_present_nodes_is_refused(tmp_path: Path) -> None:
    """A file whose only street references nodes it does not hold raises AreaFileError."""
    path = tmp_path / "hollow.osm"
    path.write_text(
        '<osm version="0.6"><node id="1" lat="57.47" lon="10.20"/>'
        '<way id="10"><nd ref="1"/><nd ref="99"/><tag k="highway" v="residential"/></way>'
        "</osm>"
    )
    with pytest.raises(AreaFileError, match="lacks the nodes of its drive streets"):
        load_graph(path, mode="drive")


def test_unknown_suffix_and_mode_are_refused(tmp_path: Path, areas_dir: Path) -> None:
    """Files not ending in .osm/.osm.bz2/.osm.pbf, and unknown modes, raise GraphError."""
    with pytest.raises(AreaFileError, match="must end in one of"):
        load_graph(tmp_path / "sindal.geojson", mode="drive")
    with pytest.raises(GraphError, match="Unknown travel mode 'boat'"):
        load_graph(areas_dir / "sindal.osm.bz2", mode="boat")  # type: ignore[arg-type]
