"""One staff member's route as an iCalendar file (RFC 5545): an event per stop, in
Europe/Copenhagen time, so a phone's calendar shows the evening."""

from __future__ import annotations

from datetime import UTC
from typing import TYPE_CHECKING

from ...i18n import _
from ...timeutil import hhmm
from .stops import STOP_KINDS, exported_stops, route_for

if TYPE_CHECKING:
    from datetime import datetime

    from ..schemas import PlanResponse
    from .stops import ExportedStop

TZID = "Europe/Copenhagen"

# The EU rule in force since 1996: summer time from the last Sunday of March 02:00 to the
# last Sunday of October 03:00.
VTIMEZONE = (
    "BEGIN:VTIMEZONE",
    f"TZID:{TZID}",
    "BEGIN:DAYLIGHT",
    "TZOFFSETFROM:+0100",
    "TZOFFSETTO:+0200",
    "TZNAME:CEST",
    "DTSTART:19700329T020000",
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
    "END:DAYLIGHT",
    "BEGIN:STANDARD",
    "TZOFFSETFROM:+0200",
    "TZOFFSETTO:+0100",
    "TZNAME:CET",
    "DTSTART:19701025T030000",
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
    "END:STANDARD",
    "END:VTIMEZONE",
)


def _text(value: str) -> str:
    """An iCalendar TEXT value: backslash, semicolon, comma and newline escaped."""
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """Fold a content line at 75 octets, continuation lines starting with a space."""
    data = line.encode()
    if len(data) <= 75:
        return line
    parts: list[str] = []
    start, limit = 0, 75
    while start < len(data):
        end = min(start + limit, len(data))
        while end < len(data) and (data[end] & 0xC0) == 0x80:  # not inside a UTF-8 character
            end -= 1
        parts.append(data[start:end].decode())
        start, limit = end, 74
    return "\r\n ".join(parts)


def _local(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%S")


def _summary(stop: ExportedStop) -> str:
    if stop.kind == "start":
        return _("Start of route")
    if stop.kind == "end":
        return _("End of route")
    return f"{stop.order}. {stop.id}"


def _description(stop: ExportedStop) -> str:
    kind = _(STOP_KINDS[stop.kind])
    if stop.kind in {"start", "end"}:
        return f"{kind} {hhmm(stop.start)}"
    wait = _(", wait {min} min", min=f"{stop.wait_min:.0f}") if stop.wait_min >= 1 else ""
    return _(
        "{kind} {id}: arrive {arrival}{wait}, start {start}, leave {departure}",
        kind=kind,
        id=stop.id,
        arrival=hhmm(stop.arrival),
        wait=wait,
        start=hhmm(stop.start),
        departure=hhmm(stop.departure),
    )


def _event(plan: PlanResponse, stop: ExportedStop) -> list[str]:
    lines = [
        "BEGIN:VEVENT",
        f"UID:{plan.id}-{stop.staff_id}-{stop.order}@protective-eyes",
        f"DTSTAMP:{plan.created_at.astimezone(UTC):%Y%m%dT%H%M%SZ}",
        f"DTSTART;TZID={TZID}:{_local(stop.start)}",
        f"DTEND;TZID={TZID}:{_local(stop.departure)}",
        f"SUMMARY:{_text(_summary(stop))}",
        f"DESCRIPTION:{_text(_description(stop))}",
        f"CATEGORIES:{_text(stop.kind)}",
        "TRANSP:TRANSPARENT",
    ]
    if stop.lat is not None and stop.lon is not None:
        lines.append(f"GEO:{stop.lat:.6f};{stop.lon:.6f}")
        lines.append(f"LOCATION:{_text(f'{stop.lat:.6f}, {stop.lon:.6f}')}")
    lines.append("END:VEVENT")
    return lines


def route_to_ics(plan: PlanResponse, staff_id: str) -> str:
    """The route of ``staff_id`` as an iCalendar document.

    Parameters
    ----------
    plan
        A stored plan.
    staff_id
        Whose route.

    Returns
    -------
    str
        ``VCALENDAR`` text with ``\\r\\n`` line ends: a ``VTIMEZONE`` for Europe/Copenhagen
        and one ``VEVENT`` per stop (start, each hotspot and visit, end) from its start to
        its departure, with ``TZID=Europe/Copenhagen`` times. Summaries name stops by id.

    Raises
    ------
    PlanNotFoundError
        If the plan has no route for ``staff_id``.
    """
    route = route_for(plan, staff_id)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Protective Eyes//Route plan//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:"
        + _text(_("Route {staff} {day}", staff=route.staff_id, day=plan.date.isoformat())),
        f"X-WR-TIMEZONE:{TZID}",
        *VTIMEZONE,
    ]
    for stop in exported_stops(plan, staff_id=staff_id):
        lines += _event(plan, stop)
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)
