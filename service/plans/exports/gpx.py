"""A plan as GPX 1.1 for staff phones: per staff member a track along the streets and a
waypoint per stop."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC
from typing import TYPE_CHECKING, Any

from ...i18n import _
from ...timeutil import hhmm
from ..errors import PlanNotFoundError
from ..geojson import ATTRIBUTION
from ..store import route_lines
from .stops import STOP_KINDS, exported_stops, route_for

if TYPE_CHECKING:
    from datetime import datetime

    from ..schemas import PlanResponse
    from .stops import ExportedStop

GPX_NS = "http://www.topografix.com/GPX/1/1"
ODBL = "https://opendatacommons.org/licenses/odbl/1-0/"


def _utc(moment: datetime) -> str:
    """GPX times are UTC (``xsd:dateTime`` with ``Z``)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrib: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrib)
    if text is not None:
        element.text = text
    return element


def _coord(value: float) -> str:
    return f"{value:.6f}"


def _waypoint(root: ET.Element, stop: ExportedStop, lat: float, lon: float) -> None:
    wpt = _sub(root, "wpt", lat=_coord(lat), lon=_coord(lon))
    _sub(wpt, "time", _utc(stop.start))
    _sub(wpt, "name", f"{stop.staff_id} {stop.order:02d} {stop.label}")
    if stop.kind in {"start", "end"}:
        desc = f"{_(STOP_KINDS[stop.kind])} {hhmm(stop.start)}"
    else:
        desc = _(
            "{kind} {id}: arrive {arrival}, start {start}, leave {departure} (Copenhagen time)",
            kind=_(STOP_KINDS[stop.kind]),
            id=stop.id,
            arrival=hhmm(stop.arrival),
            start=hhmm(stop.start),
            departure=hhmm(stop.departure),
        )
    _sub(wpt, "desc", desc)
    _sub(wpt, "type", stop.kind)


def plan_to_gpx(
    plan: PlanResponse, geojson: dict[str, Any] | None, *, staff_id: str | None = None
) -> str:
    """The plan as a GPX 1.1 document.

    Parameters
    ----------
    plan
        A stored plan.
    geojson
        Its stored GeoJSON: the street line of each route becomes that staff member's track.
    staff_id
        Only this staff member; everyone when ``None``.

    Returns
    -------
    str
        The XML text. Waypoints are named ``STAFF NN STOP`` (ids only) and carry the start
        time in UTC, as GPX requires; their description gives the Copenhagen clock times.

    Raises
    ------
    PlanNotFoundError
        If the plan has no coordinates (made on an explicit matrix), or ``staff_id`` has no
        route in it.
    """
    if geojson is None:
        msg = f"plan {plan.id!r} was made on an explicit matrix and has no map geometry."
        raise PlanNotFoundError(msg)
    routes = plan.routes if staff_id is None else [route_for(plan, staff_id)]
    lines = route_lines(geojson)
    root = ET.Element("gpx", {"version": "1.1", "creator": "Protective Eyes", "xmlns": GPX_NS})
    metadata = _sub(root, "metadata")
    _sub(metadata, "name", f"Plan {plan.id} {plan.date.isoformat()}")
    _sub(metadata, "desc", f"Streets {ATTRIBUTION}")
    copyright_ = _sub(metadata, "copyright", author="OpenStreetMap contributors")
    _sub(copyright_, "license", ODBL)
    _sub(metadata, "time", _utc(plan.created_at))
    for route in routes:
        for stop in exported_stops(plan, staff_id=route.staff_id):
            if stop.lat is not None and stop.lon is not None:
                _waypoint(root, stop, stop.lat, stop.lon)
    for route in routes:
        line = lines.get(route.staff_id, ())
        if len(line) < 2:
            continue
        track = _sub(root, "trk")
        _sub(track, "name", route.staff_id)
        _sub(track, "type", route.mode)
        segment = _sub(track, "trkseg")
        for lon, lat in line:
            _sub(segment, "trkpt", lat=_coord(lat), lon=_coord(lon))
    ET.indent(root, space=" ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
