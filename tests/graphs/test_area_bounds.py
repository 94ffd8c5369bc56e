"""An area's box from its file header, read without building its graph."""

from __future__ import annotations

from pathlib import Path

import pytest

from graphs import Area, AreaCatalog

SHIPPED_AREAS_DIR = Path(__file__).resolve().parents[2] / "data" / "areas"


@pytest.mark.parametrize(
    ("name", "inside"),
    [("sindal", (57.47, 10.20)), ("liechtenstein", (47.14, 9.52))],
)
def test_shipped_areas_name_their_box(name: str, inside: tuple[float, float]) -> None:
    """The shipped XML (``<bounds>``) and PBF (header box) files give (south, west, north,
    east) boxes that hold their town."""
    box = AreaCatalog([SHIPPED_AREAS_DIR]).get(name).bounds()
    assert box is not None
    south, west, north, east = box
    assert south < inside[0] < north
    assert west < inside[1] < east


def test_a_file_without_a_box_gives_none(tmp_path: Path) -> None:
    """An OSM XML file with no ``<bounds>`` element, or one that is not OSM at all, has no
    box."""
    bare = tmp_path / "bare.osm"
    bare.write_text("<?xml version='1.0'?><osm version='0.6'></osm>")
    assert Area("bare", bare).bounds() is None
    broken = tmp_path / "broken.osm.pbf"
    broken.write_bytes(b"not a pbf file")
    assert Area("broken", broken).bounds() is None
