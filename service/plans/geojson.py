"""A plan as RFC 7946 GeoJSON: each route a LineString along the streets, each stop a Point."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Sequence

    from graphs import PathGeometry

    from .schemas import PlanResponse, PointOut

ATTRIBUTION = "© OpenStreetMap contributors, ODbL"


def _position(lon: float, lat: float) -> list[float]:
    return [round(lon, 6), round(lat, 6)]


def _line(legs: Sequence[PathGeometry]) -> list[list[float]]:
    coords: list[list[float]] = []
    for leg in legs:
        for lon, lat in leg.coords:
            position = _position(lon, lat)
            if not coords or coords[-1] != position:
                coords.append(position)
    return coords


def plan_to_geojson(
    plan: PlanResponse,
    geometries: Sequence[Sequence[PathGeometry] | None],
    *,
    left_out_points: Sequence[PointOut],
) -> dict[str, Any] | None:
    """The plan's routes and stops as a GeoJSON FeatureCollection.

    Parameters
    ----------
    plan
        The plan answer (times, ids).
    geometries
        Per route, the street geometry of each leg; ``None`` for a matrix area.
    left_out_points
        The location of each left-out hotspot, in ``plan.left_out`` order.

    Returns
    -------
    dict or None
        The FeatureCollection, or ``None`` when the plan has no coordinates (matrix area).
    """
    if all(g is None for g in geometries):
        return None
    features: list[dict[str, Any]] = []
    for route, legs in zip(plan.routes, geometries, strict=True):
        route_props = {"staff_id": route.staff_id, "name": route.name, "role": route.role}
        line = _line(legs or [])
        if len(line) >= 2:
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "LineString", "coordinates": line},
                    "properties": {
                        **route_props,
                        "feature": "route",
                        "mode": route.mode,
                        "start": route.start.isoformat(),
                        "end": route.end.isoformat(),
                        "distance_km": route.distance_km,
                        "travel_min": route.travel_min,
                        "weight_covered": route.weight_covered,
                    },
                }
            )
        for order, stop in enumerate(route.stops):
            if stop.location.lat is None or stop.location.lon is None:
                continue
            # The stop is drawn where it lies on the route line: its street point.
            lon, lat = stop.location.lon, stop.location.lat
            street = stop.street
            if street is not None and street.lon is not None and street.lat is not None:
                lon, lat = street.lon, street.lat
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": _position(lon, lat)},
                    "properties": {
                        **route_props,
                        "feature": "stop",
                        "order": order,
                        "kind": stop.kind,
                        "id": stop.id,
                        "arrival": stop.arrival.isoformat(),
                        "start": stop.start.isoformat(),
                        "departure": stop.departure.isoformat(),
                        "weight": stop.weight,
                        "requested": _position(stop.location.lon, stop.location.lat),
                        "snap_m": stop.snap_m,
                    },
                }
            )
    for item, point in zip(plan.left_out, left_out_points, strict=True):
        if point.lat is None or point.lon is None:
            continue
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": _position(point.lon, point.lat)},
                "properties": {
                    "feature": "left_out",
                    "id": item.hotspot_id,
                    "weight": item.weight,
                    "reason": item.reason,
                },
            }
        )
    return {
        "type": "FeatureCollection",
        "features": features,
        "properties": {"plan_id": plan.id, "attribution": ATTRIBUTION},
    }
