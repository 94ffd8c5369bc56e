"""Downloading a new area from Overpass (the online option)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from graphs import GraphError, download_area, load_graph

if TYPE_CHECKING:
    from pathlib import Path


@pytest.mark.network
def test_download_small_box_loads_as_drive_graph(tmp_path: Path) -> None:
    """A live download of central Sindal writes NAME.osm that loads into a drive graph."""
    path = download_area(
        "sindal-centre", bbox=(57.465, 10.19, 57.475, 10.215), dest_dir=tmp_path, timeout_s=60
    )
    assert path == tmp_path / "sindal-centre.osm"
    assert [p.name for p in tmp_path.iterdir()] == ["sindal-centre.osm"]
    G = load_graph(path, mode="drive")
    assert len(G) > 10


@pytest.mark.parametrize(
    ("name", "bbox", "place", "message"),
    [
        ("../evil", (57.0, 10.0, 57.1, 10.1), None, "must match"),
        ("sindal", None, None, "exactly one of bbox and place"),
        ("sindal", (57.0, 10.0, 57.1, 10.1), "Sindal", "exactly one of bbox and place"),
        ("sindal", (57.1, 10.0, 57.0, 10.1), None, "south < north"),
        ("sindal", (57.0, 10.0, 57.1, float("nan")), None, "south < north"),
    ],
)
def test_invalid_requests_fail_before_any_download(
    tmp_path: Path,
    name: str,
    bbox: tuple[float, float, float, float] | None,
    place: str | None,
    message: str,
) -> None:
    """Bad names, boxes and bbox/place combinations raise GraphError without a request."""
    with pytest.raises(GraphError, match=message):
        download_area(name, bbox=bbox, place=place, dest_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []
