"""A stored plan as files for phones and schedulers: GPX, CSV (one row per stop) and
iCalendar (one event per stop, Europe/Copenhagen).

Every file names staff and stops by id only: no staff or client names, no phone numbers.
"""

from .gpx import plan_to_gpx
from .ics import route_to_ics
from .stops import ExportedStop, exported_stops, route_for
from .table import CSV_COLUMNS, plan_to_csv

__all__ = [
    "CSV_COLUMNS",
    "ExportedStop",
    "exported_stops",
    "plan_to_csv",
    "plan_to_gpx",
    "route_for",
    "route_to_ics",
]
