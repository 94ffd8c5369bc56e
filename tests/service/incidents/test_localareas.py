"""Local areas: GeoJSON polygons with a name, refused whole with each bad feature named;
the grid named like map squares; points assigned to the area holding them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from shapely.geometry import box, mapping

from service.incidents.errors import ImportFormatError, ImportRowsError
from service.incidents.localareas import (
    LocalArea,
    assign_local_areas,
    grid_local_areas,
    local_areas_from_geojson,
)


def _feature(props: dict[str, Any], geometry: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": props, "geometry": geometry}


def _collection(*features: dict[str, Any]) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}).encode()


def test_polygons_with_a_name_or_navn_are_read_in_file_order() -> None:
    """``name`` or the Danish ``navn`` names each area; MultiPolygons are kept; the stored
    form round-trips."""
    multi = {
        "type": "MultiPolygon",
        "coordinates": [mapping(box(10.0, 57.0, 10.1, 57.1))["coordinates"]],
    }
    data = _collection(
        _feature({"name": "Sindal By"}, mapping(box(10.1, 57.4, 10.3, 57.5))),
        _feature({"navn": "Ugilt"}, multi),
    )
    areas = local_areas_from_geojson(data)
    assert [a.name for a in areas] == ["Sindal By", "Ugilt"]
    assert LocalArea.from_stored(areas[1].stored()).polygon.equals(areas[1].polygon)


def test_bad_features_are_each_named_and_nothing_is_read() -> None:
    """A missing name, a point instead of a polygon and a repeated name are three problems
    naming their features."""
    square = mapping(box(10.1, 57.4, 10.3, 57.5))
    data = _collection(
        _feature({}, square),
        _feature({"name": "A"}, {"type": "Point", "coordinates": [10.2, 57.45]}),
        _feature({"name": "B"}, square),
        _feature({"name": "B"}, square),
    )
    with pytest.raises(ImportRowsError) as caught:
        local_areas_from_geojson(data)
    assert [(p.where, p.column) for p in caught.value.problems] == [
        ("features[0]", "properties.name"),
        ("features[1]", "geometry"),
        ("features[3]", "properties.name"),
    ]


def test_a_file_that_is_not_a_feature_collection_is_refused() -> None:
    """One sentence for a file that is not GeoJSON polygons at all."""
    with pytest.raises(ImportFormatError, match="FeatureCollection"):
        local_areas_from_geojson(b'{"type": "Polygon"}')


def test_grid_cells_are_named_like_map_squares_and_only_where_records_are() -> None:
    """1 km cells from the area's north-west corner: a record in the first column's first
    row is A1; one about 2.5 km east and 1.5 km south is C2; cells without records are not
    made; every record falls in its cell."""
    extent = (57.40, 10.00, 57.50, 10.20)  # south, west, north, east
    lats = [57.4995, 57.4995 - 1.5 / 111.32]
    lons = [10.0005, 10.0005 + 2.5 / (111.32 * 0.537)]
    cells = grid_local_areas(lats, lons, centre=(57.45, 10.10), extent=extent)
    assert [c.name for c in cells] == ["A1", "C2"]
    assert assign_local_areas(cells, lats, lons).tolist() == [0, 1]
    assert grid_local_areas([], [], centre=(57.45, 10.10), extent=extent) == []


def test_points_go_to_the_first_area_holding_them() -> None:
    """Overlapping areas: the first in file order wins; a point in none gets -1."""
    first = LocalArea("first", box(0, 0, 2, 2))
    second = LocalArea("second", box(1, 1, 3, 3))
    found = assign_local_areas([first, second], [1.5, 2.5, 5.0], [1.5, 2.5, 5.0])
    assert found.tolist() == [0, 1, -1]
