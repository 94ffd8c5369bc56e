"""Degrees to metres and back, centred on the data."""

from __future__ import annotations

import pytest

from forecast.projection import LocalProjection


def test_round_trip_and_distances_in_metres() -> None:
    """A point 1 km north of the centre is 1,000 m away and maps back to itself."""
    place = LocalProjection.around([55.6, 55.8], [12.4, 12.6])
    assert place.lat0 == pytest.approx(55.7)
    assert place.lon0 == pytest.approx(12.5)
    lat, lon = place.to_latlon(0.0, 1000.0)
    x, y = place.to_xy(lat, lon)
    assert (float(x), float(y)) == pytest.approx((0.0, 1000.0), abs=1e-6)
    assert float(lat) - 55.7 == pytest.approx(1000 / 111_210, rel=2e-3)


def test_centre_across_the_date_line_and_bad_centres() -> None:
    """Longitudes 179 and -179 centre on 180, not 0; no position or a pole is refused."""
    assert abs(LocalProjection.around([0, 0], [179, -179]).lon0) == pytest.approx(180)
    with pytest.raises(ValueError, match="at least one position"):
        LocalProjection.around([], [])
    with pytest.raises(ValueError, match="not a WGS84 position"):
        LocalProjection(90.0, 0.0)
