"""Local areas: the named parts of an area a report counts burglaries in.

A municipality draws them (Aarhus has 32) and imports them as GeoJSON polygons with a name
property (``eyes areas local import FILE --area NAME``). Without them, a report uses a
regular grid of ``GRID_CELL_M`` cells laid on the area, named like map squares: a column
letter from the west and a row number from the north ("C4"); only cells holding records
are kept.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon, mapping, shape

from forecast.projection import LocalProjection

from .errors import ImportFormatError, ImportRowsError, RowProblem
from .store import StoredLocalArea

if TYPE_CHECKING:
    from collections.abc import Sequence

    from numpy.typing import ArrayLike, NDArray

GRID_CELL_M = 1000.0
NAME_PROPERTIES = ("name", "navn", "NAME", "Name", "Navn")
MAX_NAME_LENGTH = 100


@dataclass(frozen=True, slots=True)
class LocalArea:
    """A named polygon (lon/lat degrees).

    Raises
    ------
    ValueError
        If the name is empty or too long, or the polygon is empty.
    """

    name: str
    polygon: Polygon | MultiPolygon

    def __post_init__(self) -> None:
        if not self.name or len(self.name) > MAX_NAME_LENGTH:
            msg = f"A local area needs a name of 1 to {MAX_NAME_LENGTH} characters."
            raise ValueError(msg)
        if self.polygon.is_empty:
            msg = f"Local area {self.name!r} has an empty polygon."
            raise ValueError(msg)

    def stored(self) -> StoredLocalArea:
        """The form the store keeps: name and GeoJSON geometry."""
        return StoredLocalArea(self.name, dict(mapping(self.polygon)))

    @classmethod
    def from_stored(cls, stored: StoredLocalArea) -> LocalArea:
        """Back from the store."""
        polygon = shape(stored.geometry)
        assert isinstance(polygon, Polygon | MultiPolygon)
        return cls(stored.name, polygon)


def _feature_area(
    feature: Any, where: str, name_property: str | None, problems: list[RowProblem]
) -> LocalArea | None:
    props = feature.get("properties") if isinstance(feature, dict) else None
    props = props if isinstance(props, dict) else {}
    keys = (name_property,) if name_property else NAME_PROPERTIES
    name = next((str(props[k]).strip() for k in keys if props.get(k) not in (None, "")), "")
    column = name_property or "name"
    if not name:
        problems.append(RowProblem(where, f"properties.{column}", "is missing or empty"))
    elif len(name) > MAX_NAME_LENGTH:
        message = f"is {len(name)} characters long; at most {MAX_NAME_LENGTH}"
        problems.append(RowProblem(where, f"properties.{column}", message))
    geometry = feature.get("geometry") if isinstance(feature, dict) else None
    try:
        polygon = shape(geometry) if isinstance(geometry, dict) else None
    except (ValueError, TypeError, AttributeError, IndexError, shapely.errors.GEOSException):
        polygon = None
    if not isinstance(polygon, Polygon | MultiPolygon) or polygon.is_empty:
        problems.append(RowProblem(where, "geometry", "is not a Polygon or MultiPolygon"))
        return None
    west, south, east, north = polygon.bounds
    if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        message = "has coordinates outside lon/lat degrees (GeoJSON is WGS84, RFC 7946)"
        problems.append(RowProblem(where, "geometry", message))
        return None
    if not polygon.is_valid:
        polygon = shapely.make_valid(polygon)
        polygon = polygon if isinstance(polygon, Polygon | MultiPolygon) else polygon.buffer(0)
    if not name or len(name) > MAX_NAME_LENGTH:
        return None
    return LocalArea(name, polygon)


def local_areas_from_geojson(data: bytes, *, name_property: str | None = None) -> list[LocalArea]:
    """The local areas of a GeoJSON FeatureCollection of polygons, all or nothing.

    Parameters
    ----------
    data
        The file (UTF-8 GeoJSON, WGS84).
    name_property
        The property holding each area's name; by default the first of ``name``, ``navn``.

    Returns
    -------
    list of LocalArea
        In file order.

    Raises
    ------
    ImportFormatError
        If the file is not a FeatureCollection.
    ImportRowsError
        Naming each bad feature (no name, a repeated name, not a polygon).
    """
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        msg = f"not a UTF-8 GeoJSON file: {exc}"
        raise ImportFormatError(msg) from None
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        msg = 'local areas must be a GeoJSON FeatureCollection of polygons with a "name"'
        raise ImportFormatError(msg)
    features = document.get("features")
    if not isinstance(features, list) or not features:
        msg = "the FeatureCollection has no features"
        raise ImportFormatError(msg)
    problems: list[RowProblem] = []
    areas: list[LocalArea] = []
    seen: dict[str, int] = {}
    for i, feature in enumerate(features):
        area = _feature_area(feature, f"features[{i}]", name_property, problems)
        if area is None:
            continue
        if area.name in seen:
            message = f"{area.name!r} repeats the name of features[{seen[area.name]}]"
            problems.append(RowProblem(f"features[{i}]", "properties.name", message))
            continue
        seen[area.name] = i
        areas.append(area)
    if problems:
        raise ImportRowsError(problems)
    return areas


def _column_letters(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def grid_local_areas(
    lats: Sequence[float],
    lons: Sequence[float],
    *,
    centre: tuple[float, float],
    extent: tuple[float, float, float, float],
    cell_m: float = GRID_CELL_M,
) -> list[LocalArea]:
    """Grid cells over an area, keeping those that hold at least one of the points.

    Parameters
    ----------
    lats, lons
        The records' positions.
    centre
        ``(lat, lon)`` the grid is laid from (the area's centre: the cells do not move
        when records come and go).
    extent
        ``(south, west, north, east)`` of the area: columns and rows count from its
        north-west corner.
    cell_m
        Cell side in metres.

    Returns
    -------
    list of LocalArea
        Cells named by column letter (from the west) and row number (from the north),
        ordered by row, then column.
    """
    if not len(lats):
        return []
    projection = LocalProjection(*centre)
    south, west, north, east = extent
    corner_x, corner_y = projection.to_xy([north, south], [west, east])
    x_m, y_m = projection.to_xy(lats, lons)
    x0 = math.floor(min(float(np.min(corner_x)), float(np.min(x_m))) / cell_m) * cell_m
    y_top = math.ceil(max(float(np.max(corner_y)), float(np.max(y_m))) / cell_m) * cell_m
    cols = np.floor((x_m - x0) / cell_m).astype(int)
    rows = np.floor((y_top - y_m) / cell_m).astype(int)
    cells: list[LocalArea] = []
    for row, col in sorted({(int(r), int(c)) for r, c in zip(rows, cols, strict=True)}):
        xs = [x0 + col * cell_m, x0 + (col + 1) * cell_m]
        ys = [y_top - row * cell_m, y_top - (row + 1) * cell_m]
        corners_x = np.array([xs[0], xs[1], xs[1], xs[0]])
        corners_y = np.array([ys[0], ys[0], ys[1], ys[1]])
        lat_c, lon_c = projection.to_latlon(corners_x, corners_y)
        name = f"{_column_letters(col)}{row + 1}"
        cells.append(LocalArea(name, Polygon(zip(lon_c, lat_c, strict=True))))
    return cells


def assign_local_areas(
    areas: Sequence[LocalArea], lats: ArrayLike, lons: ArrayLike
) -> NDArray[np.intp]:
    """The index of the local area holding each point (the first, if areas overlap); -1
    for a point in none."""
    lat = np.asarray(lats, dtype=float)
    lon = np.asarray(lons, dtype=float)
    found = np.full(lat.shape, -1, dtype=np.intp)
    for i, area in enumerate(areas):
        free = found < 0
        if not free.any():
            break
        inside = shapely.contains_xy(area.polygon, lon[free], lat[free])
        idx = np.flatnonzero(free)[inside]
        found[idx] = i
    return found
