"""The incidents feature's operations, shared by the API routes and the ``eyes`` command."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from ..geo import LocalProjection
from ..i18n import _
from .errors import NoIncidentsError
from .expand import no_records_message
from .hotspots import area_hotspots
from .importing import AreaBox, incidents_from_file
from .localareas import LocalArea, local_areas_from_geojson
from .reports import build_report

if TYPE_CHECKING:
    from ..plans.networks import AreaNetworks
    from .hotspots import Hotspot
    from .importing import Format
    from .reports import AreaReport
    from .store import Imported, IncidentStore

BOX_MARGIN_M = 2000.0
"""Records may lie this far outside the box of an area's streets."""


@dataclass(frozen=True, slots=True)
class AreaExtent:
    """An area's extent: the box of its drive streets, (south, west, north, east)."""

    south: float
    west: float
    north: float
    east: float

    @classmethod
    def of(cls, networks: AreaNetworks, area: str) -> AreaExtent:
        """The box of ``area``'s drive network (loads it; raises UnknownAreaError)."""
        bounds = networks.bounds(area, "drive")
        return cls(bounds.south, bounds.west, bounds.north, bounds.east)

    def box(self, area: str, margin_m: float = BOX_MARGIN_M) -> AreaBox:
        """The box records must fall in: the streets' box plus ``margin_m``."""
        centre = LocalProjection((self.south + self.north) / 2, (self.west + self.east) / 2)
        dlat, dlon = centre.degrees(margin_m)
        label = (
            f"{area} (its streets span lat {self.south:.4f}-{self.north:.4f}, "
            f"lon {self.west:.4f}-{self.east:.4f})"
        )
        return AreaBox(
            self.south - dlat, self.west - dlon, self.north + dlat, self.east + dlon, label
        )

    def as_tuple(self) -> tuple[float, float, float, float]:
        """``(south, west, north, east)``."""
        return self.south, self.west, self.north, self.east


def import_incidents(
    data: bytes,
    fmt: Format,
    *,
    area: str,
    store: IncidentStore,
    networks: AreaNetworks,
    epsg: int | None = None,
) -> Imported:
    """Check every record of a file and store them all for ``area``, or none.

    Raises
    ------
    UnknownAreaError
        If the area does not exist.
    ImportFormatError, ImportRowsError
        If the file cannot be read, or has bad rows (each named; an address not found
        with the closest addresses the area has).
    """
    box = AreaExtent.of(networks, area).box(area)

    def locate(text: str) -> tuple[float, float]:
        found = networks.find_address(area, text)  # AddressError is a ValueError
        return found.lat, found.lon

    warnings: list[str] = []
    incidents = incidents_from_file(data, fmt, epsg=epsg, box=box, locate=locate, warnings=warnings)
    imported = store.upsert(area, incidents, now=datetime.now(UTC))
    return replace(imported, warnings=tuple(warnings))


def import_local_areas(
    data: bytes,
    *,
    area: str,
    store: IncidentStore,
    networks: AreaNetworks,
    name_property: str | None = None,
) -> list[str]:
    """Make the polygons of a GeoJSON file ``area``'s local areas; returns their names.

    Raises
    ------
    UnknownAreaError
        If the area does not exist.
    ImportFormatError, ImportRowsError
        If the file cannot be read, or has bad features (each named).
    """
    networks.catalog.get(area)
    local_areas = local_areas_from_geojson(data, name_property=name_property)
    store.replace_local_areas(area, [la.stored() for la in local_areas])
    return [la.name for la in local_areas]


def stored_hotspots(
    *,
    area: str,
    as_of: datetime,
    count: int,
    store: IncidentStore,
    networks: AreaNetworks,
) -> list[Hotspot]:
    """Hotspots on ``area``'s streets from its stored records.

    Raises
    ------
    UnknownAreaError
        If the area does not exist.
    NoIncidentsError
        If the area has no records.
    """
    network = networks.get(area, "drive")
    incidents = store.incidents(area)
    if not incidents:
        raise NoIncidentsError(no_records_message(area))
    return area_hotspots(incidents, as_of=as_of, count=count, network=network)


def area_report(
    *, area: str, as_of: date, store: IncidentStore, networks: AreaNetworks
) -> AreaReport:
    """The local-area report on ``area`` from its stored records and local areas.

    Raises
    ------
    UnknownAreaError
        If the area does not exist.
    NoIncidentsError
        If the area has no records.
    """
    network = networks.get(area, "drive")
    extent = AreaExtent.of(networks, area)
    incidents = store.incidents(area, before=as_of)
    if not incidents:
        stored, first, _last = store.count(area)
        message = no_records_message(area)
        if stored:
            message = _(
                "area {area!r} has no burglary records before {day}; the first is {first}",
                area=area,
                day=as_of,
                first=first,
            )
        raise NoIncidentsError(message)
    local_areas = [LocalArea.from_stored(s) for s in store.local_areas(area)]
    return build_report(
        incidents,
        area=area,
        as_of=as_of,
        local_areas=local_areas,
        network=network,
        extent=extent.as_tuple(),
    )
