"""Find the OSM area files the product can plan on.

An area is a file ``NAME.osm``, ``NAME.osm.bz2`` or ``NAME.osm.pbf`` in one of
the catalogue's directories. Directories are searched in order and the first
one holding a name wins, so a local directory can shadow the shipped data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from graphs.errors import UnknownAreaError

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["AREA_NAME_RE", "AREA_SUFFIXES", "Area", "AreaCatalog", "area_name_from_file"]

AREA_SUFFIXES = (".osm", ".osm.bz2", ".osm.pbf")
AREA_NAME_RE = re.compile(r"[a-z0-9][a-z0-9_-]*")


@dataclass(frozen=True, slots=True)
class Area:
    """One named OSM area file.

    Parameters
    ----------
    name
        The area's name, the file name without its suffix.
    path
        Path of the OSM file (XML, bzip2-compressed XML or PBF).
    """

    name: str
    path: Path

    def __post_init__(self) -> None:
        if AREA_NAME_RE.fullmatch(self.name) is None:
            msg = f"Area name {self.name!r} must match {AREA_NAME_RE.pattern}."
            raise ValueError(msg)

    def bounds(self) -> tuple[float, float, float, float] | None:
        """
        Return the box the area's file says it covers, without reading its data.

        Returns
        -------
        bounds
            ``(south, west, north, east)`` in degrees from the file's header (an OSM XML
            ``<bounds>`` element or a PBF header box); None if the file names no box or
            cannot be read.
        """
        import osmium

        try:
            reader = osmium.io.Reader(str(self.path), osmium.osm.osm_entity_bits.NOTHING)
            try:
                box = reader.header().box()
            finally:
                reader.close()
        except RuntimeError:
            return None
        if not box.valid():
            return None
        return (box.bottom_left.lat, box.bottom_left.lon, box.top_right.lat, box.top_right.lon)


def area_name_from_file(path: Path) -> str | None:
    """
    Return the area name a file stands for, or None if it is not an area file.

    Parameters
    ----------
    path
        A file path such as ``data/areas/sindal.osm.bz2``.

    Returns
    -------
    name
        ``"sindal"`` for that example; None if the suffix is not one of
        `AREA_SUFFIXES` or the name does not match `AREA_NAME_RE`.
    """
    file_name = path.name
    for suffix in AREA_SUFFIXES:
        if file_name.endswith(suffix):
            name = file_name.removesuffix(suffix)
            return name if AREA_NAME_RE.fullmatch(name) else None
    return None


class AreaCatalog:
    """The areas found in an ordered list of directories.

    Directories are rescanned on every call, so a file added later (for
    example by `graphs.overpass.download_area`) is found without a restart.
    Missing directories are skipped. Within one directory, suffixes are
    preferred in the order of `AREA_SUFFIXES`.

    Parameters
    ----------
    dirs
        Directories to search, highest priority first.
    """

    def __init__(self, dirs: Sequence[Path]) -> None:
        self._dirs = tuple(Path(d) for d in dirs)

    def _scan(self) -> dict[str, Area]:
        found: dict[str, Area] = {}
        for directory in self._dirs:
            if not directory.is_dir():
                continue
            in_dir: dict[str, Path] = {}
            for path in sorted(directory.iterdir(), key=_suffix_rank):
                name = area_name_from_file(path)
                if name is not None and name not in in_dir and path.is_file():
                    in_dir[name] = path
            for name, path in in_dir.items():
                found.setdefault(name, Area(name=name, path=path))
        return found

    @property
    def directories(self) -> tuple[Path, ...]:
        """The directories searched, in order."""
        return self._dirs

    def names(self) -> list[str]:
        """
        List the names of all areas found.

        Returns
        -------
        names
            Area names, sorted.
        """
        return sorted(self._scan())

    def get(self, name: str) -> Area:
        """
        Look up one area by name.

        Parameters
        ----------
        name
            The area's name, for example ``"sindal"``.

        Returns
        -------
        area
            The area and the path of its OSM file.

        Raises
        ------
        UnknownAreaError
            If no directory holds an area of that name.
        """
        areas = self._scan()
        if name in areas:
            return areas[name]
        known = ", ".join(sorted(areas)) or "none"
        msg = f"Unknown area {name!r}; known areas: {known}."
        raise UnknownAreaError(msg)


def _suffix_rank(path: Path) -> tuple[int, str]:
    """Sort key putting files in `AREA_SUFFIXES` order, then by name."""
    file_name = path.name
    ranks = [rank for rank, suffix in enumerate(AREA_SUFFIXES) if file_name.endswith(suffix)]
    return (max(ranks, default=len(AREA_SUFFIXES)), file_name)
