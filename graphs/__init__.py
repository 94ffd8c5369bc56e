"""Street graphs: load OSM areas, snap points, travel-time matrices, route geometry.

One API, on street points: `snap_to_streets` places a location on its street,
`street_travel_matrix` (and `street_matrices`, with distances) and
`street_route_geometry` count the partial streets at both ends of every leg. (The older
node-based functions are gone: a location moved to the nearer end of its street.)

Built on osmnx, networkx, scipy, shapely and pyproj; knows nothing of the solver or
the web service. osmnx (and with it geopandas, pandas and matplotlib) is imported only
to build a graph from an OSM file: importing this package, loading a cached graph,
indexing, snapping, matrices and route geometry never load it.
"""

from graphs.addresses import Address, AddressIndex, load_addresses
from graphs.areas import AREA_SUFFIXES, Area, AreaCatalog
from graphs.closures import close_streets
from graphs.errors import (
    AddressNotFoundError,
    AreaFileError,
    GraphError,
    UnknownAreaError,
    UnreachableError,
)
from graphs.geometry import PathGeometry, street_route_geometry
from graphs.load import (
    BIKE_SPEED_KPH,
    DRIVE_SPEEDS_KPH,
    GRAPH_FORMAT_VERSION,
    TRAVEL_MODES,
    WALK_SPEED_KPH,
    TravelMode,
    load_graph,
)
from graphs.matrix import (
    UNREACHABLE_S,
    StreetMatrices,
    street_matrices,
    street_travel_matrix,
)
from graphs.network import StreetNetwork
from graphs.osm_filter import way_filter
from graphs.overpass import download_area
from graphs.profiles import keeps_way
from graphs.snap import StreetPoints, snap_to_streets

__all__ = [
    "AREA_SUFFIXES",
    "BIKE_SPEED_KPH",
    "DRIVE_SPEEDS_KPH",
    "GRAPH_FORMAT_VERSION",
    "TRAVEL_MODES",
    "UNREACHABLE_S",
    "WALK_SPEED_KPH",
    "Address",
    "AddressIndex",
    "AddressNotFoundError",
    "Area",
    "AreaCatalog",
    "AreaFileError",
    "GraphError",
    "PathGeometry",
    "StreetMatrices",
    "StreetNetwork",
    "StreetPoints",
    "TravelMode",
    "UnknownAreaError",
    "UnreachableError",
    "close_streets",
    "download_area",
    "keeps_way",
    "load_addresses",
    "load_graph",
    "snap_to_streets",
    "street_matrices",
    "street_route_geometry",
    "street_travel_matrix",
    "way_filter",
]
