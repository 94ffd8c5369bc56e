"""Replays a plan answer against the street matrix and the request, for tests only.

It recomputes every arrival from travel times between the stops' street points (the graph
tests check those against networkx paths on split edges) and checks the
request's own rules in local time: windows, dwell, shift ends, the latest end, visits kept.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from graphs import snap_to_streets, street_travel_matrix

if TYPE_CHECKING:
    from service.plans.networks import AreaNetworks

CPH = ZoneInfo("Europe/Copenhagen")


def local(value: str, day: date) -> datetime:
    """A request time ("18:00" or an ISO datetime) as an aware Copenhagen datetime."""
    if "T" in value:
        moment = datetime.fromisoformat(value)
        return moment if moment.tzinfo else moment.replace(tzinfo=CPH)
    return datetime.combine(day, time.fromisoformat(value), tzinfo=CPH)


def replay_plan(request: dict[str, Any], plan: dict[str, Any], networks: AreaNetworks) -> None:
    """Assert that ``plan`` keeps every rule of ``request``."""
    day = date.fromisoformat(plan["date"])
    area = plan["area"]
    shifts = {s["id"]: s for s in request["shifts"]}
    hotspots = {h["id"]: h for h in request.get("hotspots", [])}
    visits = {v["id"]: v for v in request.get("visits", [])}
    latest = request.get("latest_end", "22:00")
    served: Counter[str] = Counter()
    for route in plan["routes"]:
        shift = shifts[route["staff_id"]]
        network = networks.get(area, shift["mode"])
        stops = route["stops"]
        points = [(s["location"]["lat"], s["location"]["lon"]) for s in stops]
        snapped = snap_to_streets(network, [p[0] for p in points], [p[1] for p in points])
        matrix = street_travel_matrix(network, snapped)
        shift_end = local(shift["end_time"], day)
        if latest is not None:
            shift_end = min(shift_end, datetime.combine(day, time.fromisoformat(latest), CPH))
        clock = datetime.fromisoformat(stops[0]["start"])
        assert clock >= local(shift["start_time"], day)
        for i, stop in enumerate(stops[1:], start=1):
            clock += timedelta(seconds=int(matrix[i - 1, i]))
            arrival = datetime.fromisoformat(stop["arrival"])
            start = datetime.fromisoformat(stop["start"])
            assert arrival == clock, f"{route['staff_id']} stop {i}: arrival not from matrix"
            assert start >= arrival
            clock = start
            if stop["kind"] == "hotspot":
                hotspot = hotspots[stop["id"]]
                windows = [
                    (local(w["start"], day), local(w["end"], day))
                    for w in hotspot.get("windows", [])
                ]
                assert not windows or any(a <= start <= b for a, b in windows)
                clock += timedelta(minutes=hotspot.get("dwell_min", 10))
            elif stop["kind"] == "visit":
                visit = visits[stop["id"]]
                window = visit["window"]
                assert local(window["start"], day) <= start <= local(window["end"], day)
                assert visit.get("roles") is None or shift["role"] in visit["roles"]
                assert visit.get("staff_ids") is None or shift["id"] in visit["staff_ids"]
                clock += timedelta(minutes=visit["duration_min"])
                served[stop["id"]] += 1
            assert datetime.fromisoformat(stop["departure"]) == clock
        assert stops[-1]["kind"] == "end"
        assert clock <= shift_end, f"{route['staff_id']} ends after {shift_end:%H:%M}"
    assert served == Counter(dict.fromkeys(visits, 1)), "every mandatory visit exactly once"
