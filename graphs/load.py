"""Load an OSM area file into a routable osmnx street graph, with a disk cache.

The file is read with pyosmium (OSM XML, bzip2 XML or PBF). Only the ways the travel
mode's profile keeps are used (see `graphs.profiles`); they and their nodes are written,
with the tags the profile gives them (a bike's ``oneway``), to a temporary OSM XML file
that public osmnx turns into a simplified graph. The graph is cut to its largest strongly
connected component, so every node can reach every other one, and gets
``speed_kph`` and ``travel_time`` on every edge.

osmnx (with geopandas, pandas and matplotlib, about half a second) and pyosmium are
imported only when a graph is built; loading a cached graph needs neither. osmnx's
global settings are set here and nowhere else (`configured_osmnx`).
"""

from __future__ import annotations

import functools
import hashlib
import logging
import pickle
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal, get_args

import networkx as nx

from graphs.areas import AREA_SUFFIXES
from graphs.cachefile import area_file_digest, pickle_atomically
from graphs.errors import AreaFileError, GraphError
from graphs.profiles import BIDIRECTIONAL_MODES, keeps_way, routing_tags

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from types import ModuleType

__all__ = [
    "BIKE_SPEED_KPH",
    "DRIVE_FALLBACK_KPH",
    "DRIVE_SPEEDS_KPH",
    "GRAPH_FORMAT_VERSION",
    "TRAVEL_MODES",
    "WALK_SPEED_KPH",
    "TravelMode",
    "configured_osmnx",
    "graph_cache_file",
    "graph_from_ways",
    "load_graph",
]

logger = logging.getLogger(__name__)

TravelMode = Literal["drive", "bike", "walk"]
TRAVEL_MODES: tuple[TravelMode, ...] = get_args(TravelMode)

# Bump whenever the graph built from the same file would differ (filters,
# speeds, attributes): old cache files then stop matching.
GRAPH_FORMAT_VERSION: Final = 2

BIKE_SPEED_KPH: Final = 15.0
WALK_SPEED_KPH: Final = 5.0
DRIVE_FALLBACK_KPH: Final = 50.0

# Danish default speeds (km/h) for drivable edges without a usable maxspeed tag:
# 50 in built-up areas, 80 on rural roads, 130 on motorways. The highway type
# does not say whether a road is urban or rural, so through roads get the rural
# limit, tertiary roads (village to village, but also town streets) 60, and
# local streets the urban 50. Links are slower than their roads. Living streets
# ("opholds- og legeomraader") are 15, and service roads (driveways, alleys and access
# roads, see `graphs.profiles`) 20. Anything else falls back to 50.
DRIVE_SPEEDS_KPH: Final[dict[str, float]] = {
    "motorway": 130.0,
    "motorway_link": 60.0,
    "trunk": 80.0,
    "trunk_link": 50.0,
    "primary": 80.0,
    "primary_link": 50.0,
    "secondary": 80.0,
    "secondary_link": 50.0,
    "tertiary": 60.0,
    "tertiary_link": 50.0,
    "unclassified": 50.0,
    "residential": 50.0,
    "road": 50.0,
    "busway": 50.0,
    "living_street": 15.0,
    "service": 20.0,
}

_CONSTANT_SPEEDS_KPH: Final[dict[str, float]] = {"bike": BIKE_SPEED_KPH, "walk": WALK_SPEED_KPH}


@functools.cache
def configured_osmnx() -> ModuleType:
    """
    Import osmnx and set its global settings, once, on first use.

    osmnx imports geopandas, pandas and matplotlib, which only building a graph
    from an OSM file needs, so nothing imports it up front; the settings are set
    here, before osmnx builds anything, and nowhere else.

    Returns
    -------
    ox
        The osmnx module, with console logging and the HTTP cache off.
    """
    import osmnx as ox

    ox.settings.log_console = False
    ox.settings.use_cache = False
    return ox


def load_graph(path: Path, *, mode: TravelMode, cache_dir: Path | None = None) -> nx.MultiDiGraph:
    """
    Load the street graph of an OSM area file for one travel mode.

    Parameters
    ----------
    path
        An ``.osm``, ``.osm.bz2`` or ``.osm.pbf`` file.
    mode
        The travel mode, whose profile (`graphs.profiles`) chooses the ways and
        their directions. Walk graphs are bidirectional (one-way streets can be
        walked both ways); bikes obey one-way streets unless the way lets bikes
        ride against the flow.
    cache_dir
        If given, the finished graph is pickled there, keyed by the file's
        content, the mode and `GRAPH_FORMAT_VERSION`; later calls load the
        pickle instead of parsing the file. Only point this at a directory
        the service itself writes: pickles are trusted code.

    Returns
    -------
    G
        The largest strongly connected component of the mode's street
        network, simplified. Nodes have ``x`` (lon) and ``y`` (lat); every
        edge has float ``length`` (m), ``speed_kph`` and ``travel_time`` (s).
        ``G.graph["mode"]`` is the mode and ``G.graph["area_source"]`` the
        file's name.

    Raises
    ------
    GraphError
        If the mode is not one of `TRAVEL_MODES`.
    AreaFileError
        If the file is missing, unreadable or corrupt, has an unknown suffix,
        or holds no connected streets for the mode.
    """
    if mode not in TRAVEL_MODES:
        msg = f"Unknown travel mode {mode!r}; use one of {', '.join(TRAVEL_MODES)}."
        raise GraphError(msg)
    if not path.name.endswith(AREA_SUFFIXES):
        msg = f"The area file {path.name} must end in one of {', '.join(AREA_SUFFIXES)}."
        raise AreaFileError(msg)
    cache_file = (
        None if cache_dir is None else graph_cache_file(path, mode=mode, cache_dir=cache_dir)
    )
    if cache_file is not None:
        cached = _read_cached_graph(cache_file, mode=mode)
        if cached is not None:
            logger.info("Loaded %s %s graph from cache %s", path.name, mode, cache_file.name)
            return cached

    started = time.perf_counter()
    G = _build_graph(path, mode=mode)
    logger.info(
        "Built %s %s graph: %d nodes, %d edges in %.1f s",
        path.name,
        mode,
        len(G),
        G.number_of_edges(),
        time.perf_counter() - started,
    )
    if cache_file is not None:
        _write_cached_graph(G, cache_file)
    return G


def graph_cache_file(path: Path, *, mode: TravelMode, cache_dir: Path) -> Path:
    """
    Name the cache file of an area file's graph for a mode.

    The key is the SHA-256 of the file's bytes, the mode and
    `GRAPH_FORMAT_VERSION`, so a renamed copy shares the cache entry and an
    edited file gets a new one.

    Parameters
    ----------
    path
        The OSM area file.
    mode
        The travel mode.
    cache_dir
        The cache directory.

    Returns
    -------
    cache_file
        The pickle's path (it may not exist yet).

    Raises
    ------
    AreaFileError
        If the area file cannot be read.
    """
    key = hashlib.sha256(
        f"{area_file_digest(path)}|{mode}|{GRAPH_FORMAT_VERSION}".encode()
    ).hexdigest()
    return cache_dir / f"graph-{mode}-v{GRAPH_FORMAT_VERSION}-{key[:32]}.pickle"


def _build_graph(path: Path, *, mode: TravelMode) -> nx.MultiDiGraph:
    """Parse, filter and convert an area file; add speeds and travel times."""
    return graph_from_ways(
        path,
        mode=mode,
        keep=functools.partial(keeps_way, mode),
        tags=functools.partial(routing_tags, mode),
    )


def graph_from_ways(
    path: Path,
    *,
    mode: TravelMode,
    keep: Callable[[Mapping[str, str]], bool],
    tags: Callable[[Mapping[str, str]], dict[str, str]] | None = None,
) -> nx.MultiDiGraph:
    """
    Build a mode's graph from an area file with any choice of ways, uncached.

    `load_graph` builds with the mode's profile; benchmarks build with other
    choices (osmnx's plain filters, every legal way) to compare. Everything else
    is as `load_graph` does it: bidirectional walking, the largest strongly
    connected component, the mode's speeds and the graph attributes.

    Parameters
    ----------
    path
        An ``.osm``, ``.osm.bz2`` or ``.osm.pbf`` file.
    mode
        The travel mode (speeds, bidirectionality, ``G.graph["mode"]``).
    keep
        Takes a way's tags; True keeps the way.
    tags
        Takes a kept way's tags and returns the tags osmnx should read (for
        example a bike's ``oneway``); None keeps them as they are.

    Returns
    -------
    G
        The graph, as `load_graph` describes it.

    Raises
    ------
    AreaFileError
        If the file is unreadable or holds no connected streets `keep` accepts.
    """
    ox = configured_osmnx()
    with tempfile.TemporaryDirectory(prefix="eyes-osm-") as tmp_dir:
        streets_xml = Path(tmp_dir) / "streets.osm"
        _write_street_ways(path, keep=keep, tags=tags or dict, what=mode, out=streets_xml)
        G = ox.graph_from_xml(
            streets_xml,
            bidirectional=mode in BIDIRECTIONAL_MODES,
            simplify=True,
            retain_all=True,
        )
    G = ox.truncate.largest_component(G, strongly=True)
    if G.number_of_edges() == 0:
        msg = f"The area file {path.name} holds no connected {mode} streets."
        raise AreaFileError(msg)
    if mode == "drive":
        G = ox.routing.add_edge_speeds(G, hwy_speeds=DRIVE_SPEEDS_KPH, fallback=DRIVE_FALLBACK_KPH)
    else:
        nx.set_edge_attributes(G, _CONSTANT_SPEEDS_KPH[mode], "speed_kph")
    G = ox.routing.add_edge_travel_times(G)
    G.graph["mode"] = mode
    G.graph["area_source"] = path.name
    return G


def _write_street_ways(
    path: Path,
    *,
    keep: Callable[[Mapping[str, str]], bool],
    tags: Callable[[Mapping[str, str]], dict[str, str]],
    what: str,
    out: Path,
) -> None:
    """
    Write the kept ways, with their routing tags, and the nodes they use, to OSM XML.

    Two reads of the input: the first picks the ways, the second copies them
    and their nodes (nodes first, as OSM files order them). A way whose file
    lacks some of its nodes (an extract cut without complete ways) is cut to
    its longest run of present nodes.
    """
    import osmium
    import osmium.filter

    tracker = osmium.IdTracker()
    way_count = 0
    try:
        for way in osmium.FileProcessor(path, osmium.osm.WAY).with_filter(
            osmium.filter.KeyFilter("highway")
        ):
            if keep({tag.k: tag.v for tag in way.tags}):
                tracker.add_way(way.id)
                tracker.add_references(way)
                way_count += 1
        if way_count == 0:
            msg = f"The area file {path.name} holds no {what} streets."
            raise AreaFileError(msg)

        present: set[int] = set()
        ways: list[tuple[int, list[int], dict[str, str]]] = []
        with osmium.SimpleWriter(out) as writer:
            for obj in osmium.FileProcessor(path, osmium.osm.NODE | osmium.osm.WAY).with_filter(
                tracker.id_filter()
            ):
                if isinstance(obj, osmium.osm.Node):
                    writer.add_node(obj)
                    present.add(obj.id)
                elif isinstance(obj, osmium.osm.Way):
                    refs = [node.ref for node in obj.nodes]
                    ways.append((obj.id, refs, tags({tag.k: tag.v for tag in obj.tags})))
            written = 0
            for way_id, refs, way_tags in ways:
                run = _longest_present_run(refs, present)
                if len(run) >= 2:
                    writer.add_way(osmium.osm.mutable.Way(id=way_id, nodes=run, tags=way_tags))
                    written += 1
    except RuntimeError as exc:
        msg = f"Cannot read the area file {path.name}: {exc}."
        raise AreaFileError(msg) from exc
    if written == 0:
        msg = f"The area file {path.name} lacks the nodes of its {what} streets."
        raise AreaFileError(msg)


def _longest_present_run(refs: list[int], present: set[int]) -> list[int]:
    """Return the longest stretch of consecutive node refs all in `present`."""
    if all(ref in present for ref in refs):
        return refs
    best_start, best_end, start = 0, 0, 0
    for end, ref in enumerate(refs, start=1):
        if ref not in present:
            start = end
        elif end - start > best_end - best_start:
            best_start, best_end = start, end
    return refs[best_start:best_end]


def _read_cached_graph(cache_file: Path, *, mode: TravelMode) -> nx.MultiDiGraph | None:
    """Return the cached graph, or None if there is none or it is unusable."""
    try:
        with cache_file.open("rb") as file:
            G: Any = pickle.load(file)  # our own cache directory: trusted
    except FileNotFoundError:
        return None
    except Exception:  # a truncated or stale pickle is rebuilt, never fatal
        logger.warning("Ignoring unreadable graph cache file %s", cache_file.name)
        return None
    if not isinstance(G, nx.MultiDiGraph) or G.graph.get("mode") != mode:
        logger.warning("Ignoring graph cache file %s of the wrong kind", cache_file.name)
        return None
    return G


def _write_cached_graph(G: nx.MultiDiGraph, cache_file: Path) -> None:
    """Pickle the graph atomically (`graphs.cachefile.pickle_atomically`)."""
    pickle_atomically(G, cache_file, what="graph")
