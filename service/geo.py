"""A WGS84 point at the HTTP edge, shared by plans and alerts; and the one local projection
(degrees <-> metres around a centre) the whole service uses."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from collections.abc import Sequence


@dataclass(frozen=True, slots=True)
class LocalProjection:
    """Degrees <-> metres east and north of a centre: the forecast's transverse Mercator
    centred here (``forecast.projection``, pyproj), the one projection of the code base.
    pyproj is loaded on first use, so importing this module stays cheap."""

    lat0: float
    lon0: float
    _inner: list[Any] = field(default_factory=list, repr=False, compare=False)

    def _projection(self) -> Any:
        if not self._inner:
            from forecast.projection import LocalProjection as Tmerc

            self._inner.append(Tmerc(self.lat0, self.lon0))
        return self._inner[0]

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        """Metres east and north of the centre."""
        x, y = self._projection().to_xy(lat, lon)
        return float(x), float(y)

    def xy_many(
        self, lonlat: Sequence[tuple[float, float]] | Sequence[Sequence[float]]
    ) -> list[tuple[float, float]]:
        """Metres east and north of the centre for many (lon, lat) pairs at once."""
        if not lonlat:
            return []
        lons = [c[0] for c in lonlat]
        lats = [c[1] for c in lonlat]
        x, y = self._projection().to_xy(lats, lons)
        return list(zip(x.tolist(), y.tolist(), strict=True))

    def lonlat(self, x_m: float, y_m: float) -> tuple[float, float]:
        """The (lon, lat) ``x_m`` east and ``y_m`` north of the centre."""
        lat, lon = self._projection().to_latlon(x_m, y_m)
        return float(lon), float(lat)

    def degrees(self, metres: float) -> tuple[float, float]:
        """``metres`` as (degrees of latitude, degrees of longitude) at the centre."""
        lon_east, _ = self.lonlat(metres, 0.0)
        _, lat_north = self.lonlat(0.0, metres)
        return lat_north - self.lat0, lon_east - self.lon0


class Point(BaseModel):
    """A WGS84 location on a named area."""

    model_config = ConfigDict(extra="forbid")

    lat: float = Field(ge=-90, le=90, examples=[57.4711])
    lon: float = Field(ge=-180, le=180, examples=[10.2062])
