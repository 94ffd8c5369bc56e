"""Download a new area's streets from OpenStreetMap (the online option).

Fetches every way with a ``highway`` tag, and its nodes, inside a bounding box
from the Overpass API as OSM XML, ready for `graphs.load.load_graph`. A place
name is turned into its bounding box with Nominatim. The product itself plans
on shipped files; this is for adding an area, never for a request.
"""

from __future__ import annotations

import logging
import math
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Final

from graphs.areas import AREA_NAME_RE
from graphs.errors import GraphError

if TYPE_CHECKING:
    import httpx

__all__ = ["NOMINATIM_URL", "OVERPASS_URL", "USER_AGENT", "download_area"]

logger = logging.getLogger(__name__)

OVERPASS_URL: Final = "https://overpass-api.de/api/interpreter"
NOMINATIM_URL: Final = "https://nominatim.openstreetmap.org/search"
USER_AGENT: Final = "protective-eyes/0.1 (municipal outreach route planning)"

BBox = tuple[float, float, float, float]


def download_area(
    name: str,
    *,
    bbox: BBox | None = None,
    place: str | None = None,
    dest_dir: Path,
    timeout_s: float = 180,
) -> Path:
    """
    Download the streets of a bounding box or place to ``dest_dir/NAME.osm``.

    Parameters
    ----------
    name
        The new area's name (``[a-z0-9][a-z0-9_-]*``).
    bbox
        ``(south, west, north, east)`` in degrees. Give this or `place`.
    place
        A place name to geocode with Nominatim, for example
        ``"Sindal, Denmark"``; its bounding box is used.
    dest_dir
        Directory for the file; created if missing.
    timeout_s
        Time limit for each request, and for the Overpass query itself.

    Returns
    -------
    path
        The written OSM XML file. It replaces any earlier file of that name
        in one step, so readers never see half a file.

    Raises
    ------
    GraphError
        If the name or box is invalid, not exactly one of `bbox` and `place`
        is given, the place is not found, or a request fails or returns no
        streets.
    """
    if AREA_NAME_RE.fullmatch(name) is None:
        msg = f"Area name {name!r} must match {AREA_NAME_RE.pattern}."
        raise GraphError(msg)
    if (bbox is None) == (place is None):
        msg = "Give exactly one of bbox and place."
        raise GraphError(msg)
    import httpx  # only downloads need it: `import graphs` stays light

    timeout = httpx.Timeout(timeout_s + 10, connect=min(timeout_s, 30))
    try:
        with httpx.Client(timeout=timeout, headers={"User-Agent": USER_AGENT}) as client:
            box = bbox if bbox is not None else _geocode_bbox(client, str(place))
            _check_bbox(box)
            logger.info("Downloading streets of area %s from Overpass", name)
            osm_xml = _fetch_streets_xml(client, box, timeout_s=timeout_s)
    except httpx.HTTPError as exc:
        msg = f"Downloading area {name!r} failed: {type(exc).__name__}."
        raise GraphError(msg) from exc
    if b"<way" not in osm_xml:
        msg = f"Overpass returned no streets for area {name!r}."
        raise GraphError(msg)
    dest = dest_dir / f"{name}.osm"
    _write_atomically(dest, osm_xml)
    logger.info("Wrote area %s (%d bytes)", name, len(osm_xml))
    return dest


def _geocode_bbox(client: httpx.Client, place: str) -> BBox:
    """Return Nominatim's ``(south, west, north, east)`` for a place name."""
    response = client.get(NOMINATIM_URL, params={"q": place, "format": "jsonv2", "limit": 1})
    response.raise_for_status()
    results = response.json()
    if not results:
        msg = f"Nominatim found no place called {place!r}."
        raise GraphError(msg)
    south, north, west, east = (float(value) for value in results[0]["boundingbox"])
    return (south, west, north, east)


def _check_bbox(bbox: BBox) -> None:
    """Refuse boxes that are not finite, ordered south < north and west < east."""
    south, west, north, east = bbox
    ok = (
        all(math.isfinite(value) for value in bbox)
        and -90 <= south < north <= 90
        and -180 <= west < east <= 180
    )
    if not ok:
        msg = "The bounding box must be (south, west, north, east) with south < north, west < east."
        raise GraphError(msg)


def _fetch_streets_xml(client: httpx.Client, bbox: BBox, *, timeout_s: float) -> bytes:
    """Run the Overpass query for highway ways and their nodes; return OSM XML."""
    south, west, north, east = bbox
    query = (
        f"[out:xml][timeout:{math.ceil(timeout_s)}];"
        f'way["highway"]({south},{west},{north},{east});'
        "(._;>;);out body;"
    )
    response = client.post(OVERPASS_URL, data={"data": query})
    response.raise_for_status()
    content = response.content
    if b"<osm" not in content[:1000]:
        msg = "Overpass did not return OSM XML."
        raise GraphError(msg)
    if b"<remark>" in content and b"error" in content:
        msg = "Overpass stopped with an error (the area may be too large for the timeout)."
        raise GraphError(msg)
    return content


def _write_atomically(dest: Path, content: bytes) -> None:
    """Write bytes to a temporary file beside `dest`, then rename it over `dest`."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(content)
        os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, dest)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
