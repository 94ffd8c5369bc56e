"""Street networks of the registered areas, loaded once per (area, mode) and kept in memory."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from graphs import (
    AddressIndex,
    AddressNotFoundError,
    AreaCatalog,
    StreetNetwork,
    load_addresses,
    load_graph,
)

from .errors import AddressError, AreaConfigError

if TYPE_CHECKING:
    from pathlib import Path

    from graphs import Address, TravelMode

    from ..config import Settings


@dataclass(frozen=True, slots=True)
class Bounds:
    """The box an area's streets span, in degrees."""

    south: float
    west: float
    north: float
    east: float

    def contains(self, lat: float, lon: float) -> bool:
        """Whether the point lies in the box."""
        return self.south <= lat <= self.north and self.west <= lon <= self.east

    def __str__(self) -> str:
        return (
            f"its streets span lat {self.south:.4f}-{self.north:.4f}, "
            f"lon {self.west:.4f}-{self.east:.4f}"
        )


def choose_default_area(catalog: AreaCatalog, configured: str, *, explicit: bool) -> str:
    """The area a request naming none plans on.

    The configured one (``EYES_DEFAULT_AREA``) if the catalogue has it; if it was not set
    explicitly and the catalogue holds one area only, that one.

    Raises
    ------
    AreaConfigError
        In one sentence, naming the areas there are.
    """
    names = catalog.names()
    if configured in names:
        return configured
    where = ", ".join(str(d) for d in catalog.directories)
    have = ", ".join(names) if names else "no area files (NAME.osm, .osm.bz2 or .osm.pbf)"
    if explicit:
        msg = f"EYES_DEFAULT_AREA={configured!r} is not an area in {where}; there: {have}"
        raise AreaConfigError(msg)
    if len(names) == 1:
        return names[0]
    msg = f"set EYES_DEFAULT_AREA to the area to plan on by default; {where} has: {have}"
    raise AreaConfigError(msg)


class AreaNetworks:
    """Loads the street network of an area for a travel mode on first use, then reuses it.

    ``default_area`` is the area requests without one plan on (see `choose_default_area`).

    Raises
    ------
    AreaConfigError
        At construction, when no default area can be chosen.
    """

    def __init__(
        self,
        catalog: AreaCatalog,
        *,
        cache_dir: Path | None,
        default_area: str = "sindal",
        default_explicit: bool = False,
    ) -> None:
        self.catalog = catalog
        self.default_area = choose_default_area(catalog, default_area, explicit=default_explicit)
        self._cache_dir = cache_dir
        self._networks: dict[tuple[str, TravelMode], StreetNetwork] = {}
        self._bounds: dict[tuple[str, TravelMode], Bounds] = {}
        self._addresses: dict[str, AddressIndex] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> AreaNetworks:
        """The areas of ``EYES_AREAS_DIR`` with ``EYES_DEFAULT_AREA`` (or the only area)."""
        return cls(
            AreaCatalog([settings.areas_dir]),
            cache_dir=settings.graph_cache_dir,
            default_area=settings.default_area,
            default_explicit="default_area" in settings.model_fields_set,
        )

    def get(self, area: str, mode: TravelMode) -> StreetNetwork:
        """The street network of ``area`` for ``mode``.

        Raises
        ------
        UnknownAreaError
            If no area has that name.
        """
        key = (area, mode)
        with self._lock:
            network = self._networks.get(key)
            if network is None:
                path = self.catalog.get(area).path
                graph = load_graph(path, mode=mode, cache_dir=self._cache_dir)
                network = StreetNetwork.from_graph(graph)
                self._networks[key] = network
            return network

    def addresses(self, area: str) -> AddressIndex:
        """The addresses of ``area``, read from its OSM file once (``graphs.addresses``).

        Raises
        ------
        UnknownAreaError
            If no area has that name.
        """
        with self._lock:
            index = self._addresses.get(area)
            if index is None:
                path = self.catalog.get(area).path
                index = load_addresses(path, cache_dir=self._cache_dir)
                self._addresses[area] = index
            return index

    def find_address(self, area: str, text: str) -> Address:
        """The address ``text`` names in ``area`` (see `graphs.AddressIndex.find`).

        Raises
        ------
        AddressError
            When the area has no such address (or has it in two towns), naming the
            closest addresses it has.
        UnknownAreaError
            If no area has that name.
        """
        try:
            return self.addresses(area).find(text)
        except AddressNotFoundError as exc:
            raise AddressError(exc, area) from None

    def bounds(self, area: str, mode: TravelMode) -> Bounds:
        """The box the streets of ``area`` for ``mode`` span (computed once)."""
        key = (area, mode)
        found = self._bounds.get(key)
        if found is None:
            graph = self.get(area, mode).graph
            lons = [float(x) for x in nx_values(graph, "x")]
            lats = [float(y) for y in nx_values(graph, "y")]
            found = Bounds(min(lats), min(lons), max(lats), max(lons))
            self._bounds[key] = found
        return found


def nx_values(graph: object, attribute: str) -> list[float]:
    """One node attribute of every node of a networkx graph."""
    return [data[attribute] for _, data in graph.nodes(data=True)]  # type: ignore[attr-defined]
