"""Street networks of the registered areas, loaded once per (area, mode) and kept in memory."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from graphs import AreaCatalog, StreetNetwork, load_graph

if TYPE_CHECKING:
    from pathlib import Path

    from graphs import TravelMode


class AreaNetworks:
    """Loads the street network of an area for a travel mode on first use, then reuses it."""

    def __init__(self, catalog: AreaCatalog, *, cache_dir: Path | None) -> None:
        self.catalog = catalog
        self._cache_dir = cache_dir
        self._networks: dict[tuple[str, TravelMode], StreetNetwork] = {}
        self._lock = threading.Lock()

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
