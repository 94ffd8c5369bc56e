"""Street graphs: load OSM areas, snap points, travel-time matrices, route geometry.

Built on osmnx, networkx, scipy and shapely; knows nothing of the solver or
the web service.
"""

from graphs.areas import AREA_SUFFIXES, Area, AreaCatalog
from graphs.errors import AreaFileError, GraphError, UnknownAreaError, UnreachableError
from graphs.geometry import PathGeometry, route_geometry
from graphs.load import (
    BIKE_SPEED_KPH,
    DRIVE_SPEEDS_KPH,
    GRAPH_FORMAT_VERSION,
    TRAVEL_MODES,
    WALK_SPEED_KPH,
    TravelMode,
    load_graph,
)
from graphs.matrix import UNREACHABLE_S, travel_time_matrix
from graphs.network import StreetNetwork
from graphs.osm_filter import way_filter
from graphs.overpass import download_area
from graphs.snap import Snapped, snap_points

__all__ = [
    "AREA_SUFFIXES",
    "BIKE_SPEED_KPH",
    "DRIVE_SPEEDS_KPH",
    "GRAPH_FORMAT_VERSION",
    "TRAVEL_MODES",
    "UNREACHABLE_S",
    "WALK_SPEED_KPH",
    "Area",
    "AreaCatalog",
    "AreaFileError",
    "GraphError",
    "PathGeometry",
    "Snapped",
    "StreetNetwork",
    "TravelMode",
    "UnknownAreaError",
    "UnreachableError",
    "download_area",
    "load_graph",
    "route_geometry",
    "snap_points",
    "travel_time_matrix",
    "way_filter",
]
