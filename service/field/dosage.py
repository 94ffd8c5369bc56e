"""Dosage: the minutes of presence each hotspot was planned and got (issue 17).

Hot-spot policing studies measure presence in minutes a stop (about 10-15 make a
difference). *Planned* is every hotspot stop of the newest version of each plan for the
nights asked; *delivered* is the stops a staff member checked in at, credited with the
stop's planned dwell (the page records arrivals, not departures). Client visits are not
dosage and are left out.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .view import planned_stops

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence
    from datetime import date

    from ..plans.schemas import PlanResponse
    from .store import Checkin

CREDIT_RULE = (
    "planned: every hotspot stop of each plan's newest version; delivered: the stops checked "
    "in at, each credited with its planned dwell"
)


@dataclass
class Dose:
    """Visits and minutes, planned and delivered."""

    planned_visits: int = 0
    planned_min: float = 0.0
    delivered_visits: int = 0
    delivered_min: float = 0.0

    def add(self, minutes: float, *, delivered: bool) -> None:
        self.planned_visits += 1
        self.planned_min += minutes
        if delivered:
            self.delivered_visits += 1
            self.delivered_min += minutes


@dataclass
class HotspotDose:
    """A hotspot's dose, where it is and the local area holding it."""

    id: str
    lat: float | None
    lon: float | None
    local_area: str | None
    dose: Dose = field(default_factory=Dose)


@dataclass(frozen=True, slots=True)
class DosageReport:
    """Dosage per night, per hotspot, per local area and in total."""

    nights: dict[date, Dose]
    hotspots: list[HotspotDose]
    local_areas: dict[str, Dose]
    total: Dose


def dosage(
    plans: Sequence[tuple[str, PlanResponse]],
    checkins: Mapping[str, Sequence[Checkin]],
    *,
    local_area_of: Callable[[float, float], str | None] = lambda _lat, _lon: None,
) -> DosageReport:
    """The dosage of ``plans`` (``(lineage id, newest version)``) given each lineage's
    check-ins; ``local_area_of(lat, lon)`` names the local area holding a point."""
    nights: dict[date, Dose] = defaultdict(Dose)
    spots: dict[str, HotspotDose] = {}
    areas: dict[str, Dose] = defaultdict(Dose)
    total = Dose()
    for lineage, plan in plans:
        checked = {(c.staff_id, c.stop_id) for c in checkins.get(lineage, ())}
        for route in plan.routes:
            for planned in planned_stops(lineage, route):
                stop = planned.stop
                if stop.kind != "hotspot" or stop.id is None:
                    continue
                delivered = (route.staff_id, planned.stop_id) in checked
                spot = spots.get(stop.id)
                if spot is None:
                    lat, lon = stop.location.lat, stop.location.lon
                    where = None if lat is None or lon is None else local_area_of(lat, lon)
                    spot = spots[stop.id] = HotspotDose(stop.id, lat, lon, where)
                for dose in (nights[plan.date], spot.dose, total):
                    dose.add(stop.dwell_min, delivered=delivered)
                if spot.local_area is not None:
                    areas[spot.local_area].add(stop.dwell_min, delivered=delivered)
    ranked = sorted(spots.values(), key=lambda s: (-s.dose.planned_min, s.id))
    return DosageReport(dict(sorted(nights.items())), ranked, dict(sorted(areas.items())), total)
