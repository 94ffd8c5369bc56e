"""Burglary hotspot forecasts: long-term concentration plus a near-repeat boost.

The package stands alone (numpy, scipy, pyproj): records in, ranked hotspot discs out.
"""

from .errors import IncidentRowsError
from .records import Incident, incidents_from_rows

__all__ = [
    "Incident",
    "IncidentRowsError",
    "incidents_from_rows",
]
