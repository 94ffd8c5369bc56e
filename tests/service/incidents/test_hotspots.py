"""Hotspots on Sindal's streets: ranked, weighted for a plan, named after their street,
explained in words, never on one victim's door, and honest about sparse records."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

import numpy as np
import pytest
import shapely

from forecast import Incident, forecast_hotspots
from service.incidents.hotspots import StreetPlacer, area_hotspots, scale_weights, slug
from service.timeutil import LOCAL_TZ

from .conftest import AS_OF_MOMENT, home_beside

if TYPE_CHECKING:
    from graphs import StreetNetwork

IDENTIFIER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")


def _metres(net: StreetNetwork, a: tuple[float, float], b: tuple[float, float]) -> float:
    (ax, bx), (ay, by) = net.to_metric.transform([a[1], b[1]], [a[0], b[0]])
    return float(np.hypot(ax - bx, ay - by))


def _street_distance_m(net: StreetNetwork, lat: float, lon: float) -> tuple[float, str]:
    x, y = net.to_metric.transform(lon, lat)
    (_, (edge,)), (distance,) = net.edge_tree.query_nearest(
        shapely.points([x], [y]), return_distance=True, all_matches=False
    )
    u, v, key = int(net.edge_u[edge]), int(net.edge_v[edge]), int(net.edge_key[edge])
    name = net.graph.edges[u, v, key].get("name")
    return float(distance), name[0] if isinstance(name, list) else name


def test_hotspots_are_ranked_weighted_named_and_on_their_streets(
    sindal_incidents: list[Incident], drive: StreetNetwork
) -> None:
    """On the synthetic Sindal records: highest weight first, the top one 100, every weight
    in the plan's (0, 1000]; each point lies on a street (within 1 m of an edge) whose OSM
    name is the hotspot's street, inside its forecast disc; ids are plan identifiers."""
    hotspots = area_hotspots(sindal_incidents, as_of=AS_OF_MOMENT, count=10, network=drive)
    forecasts = forecast_hotspots(sindal_incidents, as_of=AS_OF_MOMENT, count=10)
    assert len(hotspots) == len(forecasts) == 10
    weights = [h.weight for h in hotspots]
    assert weights == sorted(weights, reverse=True)
    assert weights[0] == 100
    assert all(0 < w <= 1000 for w in weights)
    assert len({h.id for h in hotspots}) == 10
    for hotspot, forecast in zip(hotspots, forecasts, strict=True):
        assert IDENTIFIER.match(hotspot.id)
        assert len(hotspot.id) <= 64
        distance, name = _street_distance_m(drive, hotspot.lat, hotspot.lon)
        assert distance < 1.0
        assert hotspot.street == name
        assert hotspot.why.startswith(f"{name}: ")
        centre = (forecast.lat, forecast.lon)
        assert _metres(drive, (hotspot.lat, hotspot.lon), centre) <= forecast.radius_m
        assert hotspot.expected == forecast.weight
        for window in hotspot.windows:
            assert time(17) <= window.start < window.end <= time(22)


def test_the_recent_series_leads_with_its_reason_in_words(
    sindal_incidents: list[Incident], drive: StreetNetwork
) -> None:
    """The synthetic set's planted series (five burglaries in the last ten days) is the
    top hotspot, explained by recent burglaries with counts, on Odinsvej."""
    top = area_hotspots(sindal_incidents, as_of=AS_OF_MOMENT, count=3, network=drive)[0]
    assert top.id == "hs-01-odinsvej"
    assert top.near_repeat_share >= 0.5
    assert top.why == (
        "Odinsvej: 5 burglaries within 150 m in the last 8 weeks, 3 in the last 7 days; "
        "17 within 150 m in 52 weeks"
    )


def test_only_records_before_as_of_count(
    sindal_incidents: list[Incident], drive: StreetNetwork
) -> None:
    """A week earlier the planted series is mostly unknown: the top hotspot changes and no
    reason counts a burglary from after that day."""
    earlier = AS_OF_MOMENT - timedelta(days=7)
    hotspots = area_hotspots(sindal_incidents, as_of=earlier, count=3, network=drive)
    assert hotspots[0].id != "hs-01-odinsvej"
    later = [i for i in sindal_incidents if i.span(LOCAL_TZ)[1] > earlier]
    assert later  # the records do go on after it
    cut = [i for i in sindal_incidents if i.span(LOCAL_TZ)[1] <= earlier]
    assert area_hotspots(cut, as_of=earlier, count=3, network=drive) == hotspots


def _nearest_street_point(net: StreetNetwork, lat: float, lon: float) -> tuple[float, float]:
    """Plain snapping: the nearest point of the nearest edge."""
    x, y = net.to_metric.transform(lon, lat)
    (_, (edge,)) = net.edge_tree.query_nearest(shapely.points([x], [y]), all_matches=False)
    line = net.edge_geoms_m[edge]
    point = line.interpolate(line.project(shapely.Point(x, y)))
    lon_p, lat_p = StreetPlacer(net, [], [])._to_degrees.transform(point.x, point.y)
    return float(lat_p), float(lon_p)


def test_a_hotspot_never_points_at_one_victims_door(drive: StreetNetwork) -> None:
    """Eight burglaries at one home 15 m beside Friggsvej, and a few elsewhere: the hotspot
    covering that home is placed on a street at least 50 m from it (the forecast's lone-
    address rule, kept after snapping), though the street passes 15 m from the door."""
    home = home_beside(drive, street="Friggsvej", side_m=15.0)
    day = date(2026, 11, 1)
    records = [Incident(f"H-{n}", *home, day + timedelta(days=2 * n)) for n in range(8)]
    others = [(57.4775, 10.1915), (57.4690, 10.1570), (57.4560, 10.2010)]
    records += [
        Incident(f"O-{n}", lat, lon, day - timedelta(days=40 + n))
        for n, (lat, lon) in enumerate(others)
    ]
    (forecast,) = forecast_hotspots(records, as_of=AS_OF_MOMENT, count=1)
    assert _metres(drive, (forecast.lat, forecast.lon), home) >= 50.0
    plain = _nearest_street_point(drive, forecast.lat, forecast.lon)
    assert _metres(drive, plain, home) < 50.0  # plain snapping would point at the door
    (hotspot,) = area_hotspots(records, as_of=AS_OF_MOMENT, count=1, network=drive)
    assert _street_distance_m(drive, *home)[0] == pytest.approx(15.0, abs=0.5)
    assert _metres(drive, (hotspot.lat, hotspot.lon), home) >= 50.0
    assert _metres(drive, (hotspot.lat, hotspot.lon), home) <= hotspot.radius_m
    assert _street_distance_m(drive, hotspot.lat, hotspot.lon)[0] < 1.0


def test_sparse_records_fall_back_to_the_long_term_pattern_and_say_so(
    sindal_incidents: list[Incident], drive: StreetNetwork
) -> None:
    """A quarter of the records (a municipality with few burglaries): every reason says
    the forecast follows the long-term pattern because recent records are few."""
    sparse = sindal_incidents[::4]
    hotspots = area_hotspots(sparse, as_of=AS_OF_MOMENT, count=5, network=drive)
    assert hotspots
    for hotspot in hotspots:
        assert "few recent records" in hotspot.why
        assert "so the forecast follows the long-term pattern" in hotspot.why


def test_without_a_network_the_forecast_centres_stay() -> None:
    """With no street network (a file without an area) the hotspots are the forecast's
    own centres, with no street; no records before as_of give no hotspots."""
    records = [Incident(f"N-{n}", 55.70 + n * 1e-4, 12.55, date(2024, 11, 1)) for n in range(5)]
    as_of = datetime(2024, 11, 25, tzinfo=LOCAL_TZ)
    (hotspot,) = area_hotspots(records, as_of=as_of, count=1)
    (forecast,) = forecast_hotspots(records, as_of=as_of, count=1)
    assert (hotspot.lat, hotspot.lon) == (round(forecast.lat, 6), round(forecast.lon, 6))
    assert hotspot.street is None
    assert hotspot.id == "hs-01"
    assert area_hotspots(records, as_of=datetime(2024, 1, 1, tzinfo=LOCAL_TZ), count=3) == []


def test_weights_scale_to_the_plan_range() -> None:
    """The top hotspot gets the top weight, the others in proportion, rounded to 0.1 and
    never below 0.1 (plan weights must be > 0)."""
    assert scale_weights([0.5, 0.25, 0.0001]) == [100.0, 50.0, 0.1]
    assert scale_weights([2.0, 1.0], top_weight=1000) == [1000.0, 500.0]
    assert scale_weights([]) == []
    with pytest.raises(ValueError, match="top_weight"):
        scale_weights([1.0], top_weight=0)
    with pytest.raises(ValueError, match="positive"):
        scale_weights([1.0, 0.0])


def test_street_slugs_are_plan_identifiers() -> None:
    """Danish letters are spelt out the Danish way; anything else becomes a dash."""
    assert slug("Østergade") == "oestergade"
    assert slug("Ved Åen") == "ved-aaen"
    assert slug("Ægirsvej") == "aegirsvej"
    assert slug("Sct. Mathias Gade") == "sct-mathias-gade"


def test_burglaries_far_from_any_street_say_so_and_stay_at_their_centre(
    drive: StreetNetwork,
) -> None:
    """Burglaries recorded in a field more than 300 m from Sindal's drive streets (a
    position error, a farm off a private track): the hotspot stays at the forecast's centre
    and its reason says that no street lies within its radius, not that homes are in the
    way."""
    lons, lats = np.meshgrid(np.linspace(10.12, 10.26, 40), np.linspace(57.44, 57.50, 40))
    field = next(
        (float(lat), float(lon))
        for lat, lon in zip(lats.ravel(), lons.ravel(), strict=True)
        if _street_distance_m(drive, float(lat), float(lon))[0] > 400.0
    )
    day = date(2026, 11, 1)
    records = [
        Incident(f"F-{n}", field[0] + 0.0004 * (n % 3), field[1] + 0.0006 * (n // 3), day)
        for n in range(6)
    ]
    (forecast,) = forecast_hotspots(records, as_of=AS_OF_MOMENT, count=1)
    (hotspot,) = area_hotspots(records, as_of=AS_OF_MOMENT, count=1, network=drive)
    assert hotspot.street is None
    assert (hotspot.lat, hotspot.lon) == (round(forecast.lat, 6), round(forecast.lon, 6))
    assert hotspot.why.endswith(
        f"; no street within {forecast.radius_m:.0f} m, so the hotspot stays at the "
        "forecast's centre"
    )
