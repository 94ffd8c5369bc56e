"""Find the OSM area files the product can plan on.

An area is a file ``NAME.osm``, ``NAME.osm.bz2`` or ``NAME.osm.pbf`` in one of
the catalogue's directories. Directories are searched in order and the first
one holding a name wins, so a local directory can shadow the shipped data.

Each directory may hold an ``areas.toml`` beside the files, naming each area for people
and the municipality it belongs to::

    [ronne]
    name = "Rønne"
    municipality = "Bornholm"

An area without an entry is shown by its file name in title case (``ronne`` -> "Ronne")
and is a municipality of its own (named by its file name). Entries are merged over the
directories, the earlier directory winning per area, like the files.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from graphs.errors import AreaFileError, UnknownAreaError

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = [
    "AREA_NAME_RE",
    "AREA_SUFFIXES",
    "CATALOGUE_FILE",
    "Area",
    "AreaCatalog",
    "area_name_from_file",
    "display_name_from_name",
]

AREA_SUFFIXES = (".osm", ".osm.bz2", ".osm.pbf")
AREA_NAME_RE = re.compile(r"[a-z0-9][a-z0-9_-]*")
CATALOGUE_FILE = "areas.toml"
"""The file beside the area files that names them (``name``, ``municipality``)."""


def display_name_from_name(name: str) -> str:
    """
    Return the name people read for an area that the catalogue file does not name.

    Parameters
    ----------
    name
        The area's name, for example ``"ronne"`` or ``"north-hjoerring"``.

    Returns
    -------
    display_name
        The name in title case, dashes and underscores as spaces: ``"Ronne"``,
        ``"North Hjoerring"``.
    """
    return re.sub(r"[-_]+", " ", name).strip().title() or name


@dataclass(frozen=True, slots=True)
class Area:
    """One named OSM area file.

    Parameters
    ----------
    name
        The area's name, the file name without its suffix.
    path
        Path of the OSM file (XML, bzip2-compressed XML or PBF).
    display_name
        The name people read ("Rønne"); default: `display_name_from_name` of ``name``.
    municipality
        The municipality the area belongs to (API keys may be scoped to one); default:
        ``name`` (an area of its own).

    Two areas are equal when their names and files are (the names people read are
    labels, not identity).
    """

    name: str
    path: Path
    display_name: str = field(default="", compare=False)
    municipality: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if AREA_NAME_RE.fullmatch(self.name) is None:
            msg = f"Area name {self.name!r} must match {AREA_NAME_RE.pattern}."
            raise ValueError(msg)
        if not self.display_name.strip():
            object.__setattr__(self, "display_name", display_name_from_name(self.name))
        if not self.municipality.strip():
            object.__setattr__(self, "municipality", self.name)

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
        paths: dict[str, Path] = {}
        labels: dict[str, tuple[str, str]] = {}
        for directory in self._dirs:
            if not directory.is_dir():
                continue
            for labelled, label in _read_labels(directory / CATALOGUE_FILE).items():
                labels.setdefault(labelled, label)
            in_dir: dict[str, Path] = {}
            for path in sorted(directory.iterdir(), key=_suffix_rank):
                name = area_name_from_file(path)
                if name is not None and name not in in_dir and path.is_file():
                    in_dir[name] = path
            for name, path in in_dir.items():
                paths.setdefault(name, path)
        return {name: Area(name, path, *labels.get(name, ("", ""))) for name, path in paths.items()}

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

    def areas(self) -> list[Area]:
        """
        List every area found, with the names people read and its municipality.

        Returns
        -------
        areas
            Sorted by name.

        Raises
        ------
        AreaFileError
            If a directory's ``areas.toml`` is not valid TOML or an entry is malformed.
        """
        found = self._scan()
        return [found[name] for name in sorted(found)]

    def in_municipality(self, municipality: str) -> list[str]:
        """
        List the names of the areas that belong to a municipality.

        Parameters
        ----------
        municipality
            Compared without regard to case or surrounding spaces ("hjørring" finds
            "Hjørring").

        Returns
        -------
        names
            Sorted; empty when no area belongs to it.
        """
        wanted = municipality.strip().casefold()
        return [a.name for a in self.areas() if a.municipality.casefold() == wanted]

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
        raise UnknownAreaError(msg, name=name, known=tuple(sorted(areas)))


def _read_labels(path: Path) -> dict[str, tuple[str, str]]:
    """Each area's (display name, municipality) from a catalogue file ("" where not given);
    nothing when there is no file.

    Raises
    ------
    AreaFileError
        If the file is not valid TOML or an entry is not a table of strings.
    """
    if not path.is_file():
        return {}
    try:
        with path.open("rb") as file:
            data = tomllib.load(file)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        msg = f"The area catalogue {path} cannot be read: {exc}."
        raise AreaFileError(msg) from exc
    labels: dict[str, tuple[str, str]] = {}
    for name, entry in data.items():
        if not isinstance(entry, dict) or not all(
            isinstance(entry.get(key, ""), str) for key in ("name", "municipality")
        ):
            msg = (
                f"The area catalogue {path}: [{name}] must be a table with text values "
                "name and municipality."
            )
            raise AreaFileError(msg)
        labels[name] = (entry.get("name", "").strip(), entry.get("municipality", "").strip())
    return labels


def _suffix_rank(path: Path) -> tuple[int, str]:
    """Sort key putting files in `AREA_SUFFIXES` order, then by name."""
    file_name = path.name
    ranks = [rank for rank, suffix in enumerate(AREA_SUFFIXES) if file_name.endswith(suffix)]
    return (max(ranks, default=len(AREA_SUFFIXES)), file_name)
