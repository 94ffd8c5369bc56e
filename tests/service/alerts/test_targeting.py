"""Targeting on hand-made plans: timed tracks along the route line, shifts, newest plan wins."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from service.alerts.schemas import CircleArea
from service.alerts.targeting import choose_recipients
from service.geo import LocalProjection, Point
from service.plans.store import PlanRecord, StaffPlan, staff_plans
from service.timeutil import LOCAL_TZ

DAY = date(2030, 6, 1)
LAT0, LON0 = 57.47, 10.20
PROJ = LocalProjection(LAT0, LON0)
CREATED = datetime(2030, 5, 31, tzinfo=UTC)


def _lon_east(metres: float) -> float:
    """The longitude ``metres`` east of LON0 at LAT0."""
    x_per_deg = PROJ.xy(LON0 + 1, LAT0)[0]
    return LON0 + metres / x_per_deg


def _at(hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(DAY.year, DAY.month, DAY.day, hour, minute, second, tzinfo=LOCAL_TZ)


def _stop(kind: str, east_m: float, arrival: datetime, departure: datetime) -> dict[str, Any]:
    return {
        "kind": kind,
        "id": None,
        "location": {"lat": LAT0, "lon": _lon_east(east_m)},
        "arrival": arrival.isoformat(),
        "start": arrival.isoformat(),
        "departure": departure.isoformat(),
        "wait_min": 0,
        "dwell_min": 0,
        "weight": 0,
    }


def _stored_plan(stops: list[dict[str, Any]], *, routes: bool = True) -> dict[str, Any]:
    """A plan answer as stored, with one route (s1) through ``stops``."""
    route = {
        "staff_id": "s1",
        "name": "",
        "role": "service_guard",
        "mode": "drive",
        "start": stops[0]["start"],
        "end": stops[-1]["arrival"],
        "travel_min": 20,
        "distance_km": 2,
        "weight_covered": 0,
        "stops": stops,
    }
    summary = {
        "weight_total": 0,
        "weight_visited": 0,
        "weight_covered": 0,
        "coverage_ratio": 1,
        "hotspots_visited": 0,
        "hotspots_left_out": 0,
        "visits_kept": 0,
        "travel_min": 20,
        "distance_km": 2,
        "solve_time_s": 0,
    }
    return {
        "id": "p",
        "created_at": CREATED.isoformat(),
        "area": "test",
        "date": DAY.isoformat(),
        "latest_end": "22:00:00",
        "summary": summary,
        "routes": [route],
        "left_out": [],
    }


def _plan(
    plan_id: str,
    *,
    created: datetime,
    line_via_north: bool = False,
    phone: str = "+4520000001",
    with_line: bool = True,
) -> StaffPlan:
    """One staff member: at 0 m until 18:00, drives 2 km east arriving 18:20, stays to 22:00.

    With ``line_via_north`` the street line detours 1 km north at the 1 km mark.
    """
    stops = [
        _stop("start", 0, _at(17, 0), _at(18, 0)),
        _stop("end", 2000, _at(18, 20), _at(22, 0)),
    ]
    coords = [[LON0, LAT0], [_lon_east(1000), LAT0], [_lon_east(2000), LAT0]]
    if line_via_north:
        north = LAT0 + 1000 / PROJ.xy(LON0, LAT0 + 1)[1]
        coords = [[LON0, LAT0], [_lon_east(1000), north], [_lon_east(2000), LAT0]]
    geojson = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": coords},
                "properties": {"feature": "route", "staff_id": "s1"},
            }
        ],
    }
    record = PlanRecord(
        id=plan_id,
        created_at=created,
        area="test",
        request={
            "shifts": [{"id": "s1", "phone": phone, "start_time": "17:00", "end_time": "22:00"}]
        },
        plan=_stored_plan(stops),
        geojson=geojson if with_line else None,
    )
    [staff] = staff_plans(record)
    return staff


def _circle(east_m: float, north_m: float = 0.0, radius_m: float = 100.0) -> CircleArea:
    north = LAT0 + north_m / PROJ.xy(LON0, LAT0 + 1)[1]
    return CircleArea(center=Point(lat=north, lon=_lon_east(east_m)), radius_m=radius_m)


def test_time_is_interpolated_along_the_leg() -> None:
    """Moving 2 km in 20 min, the 1 km mark (±100 m) is passed from 18:09 to 18:11: an alert
    valid 18:05-18:08 misses it and one valid 18:09-18:15 finds it, entering at 18:09."""
    plans = [_plan("p1", created=CREATED)]
    area = _circle(1000)
    assert choose_recipients(plans, area, _at(18, 5), _at(18, 8), all_on_shift=False) == []
    [hit] = choose_recipients(plans, area, _at(18, 8, 30), _at(18, 15), all_on_shift=False)
    assert hit.staff_id == "s1"
    assert hit.reason == "near_route: planned route passes the area at 18:09"


def test_the_street_line_counts_not_the_straight_line() -> None:
    """A route whose street line detours 1 km north passes a circle there, and not one on
    the straight line between its stops."""
    plans = [_plan("p1", created=CREATED, line_via_north=True)]
    window = (_at(18, 0), _at(18, 20))
    assert choose_recipients(plans, _circle(1000, 1000), *window, all_on_shift=False)
    assert not choose_recipients(plans, _circle(1000, 0), *window, all_on_shift=False)
    straight = [_plan("p1", created=CREATED, with_line=False)]
    assert choose_recipients(straight, _circle(1000, 0), *window, all_on_shift=False)


def test_waiting_at_a_stop_counts() -> None:
    """Staying at the end stop from 18:20 to 22:00 puts the staff member in an area there."""
    plans = [_plan("p1", created=CREATED)]
    [hit] = choose_recipients(plans, _circle(2000), _at(21, 0), _at(21, 30), all_on_shift=False)
    assert hit.reason.endswith("21:00")


def test_shift_must_overlap_and_newest_plan_wins() -> None:
    """all_on_shift needs the shift to overlap the validity; a newer plan for the same staff
    member and date replaces the older one; a phone deleted by retention is no recipient."""
    old = _plan("old", created=CREATED, phone="+4520000001")
    new = _plan("new", created=CREATED + timedelta(hours=1), phone="+4520000002")
    [hit] = choose_recipients([new, old], _circle(0), _at(21, 0), _at(23, 0), all_on_shift=True)
    assert (hit.plan_id, hit.phone) == ("new", "+4520000002")
    assert hit.reason == "all_on_shift: on shift 17:00-22:00"
    assert choose_recipients([new], _circle(0), _at(22, 0), _at(23, 0), all_on_shift=True) == []
    forgotten = _plan("f", created=CREATED, phone="")
    assert (
        choose_recipients([forgotten], _circle(0), _at(18, 0), _at(19, 0), all_on_shift=True) == []
    )
