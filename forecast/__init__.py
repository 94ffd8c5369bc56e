"""Burglary hotspot forecasts: long-term concentration plus a near-repeat boost.

The package stands alone (numpy, scipy, pyproj): records in, ranked hotspot discs out.
"""

from .errors import IncidentRowsError
from .fit import RiskFit, fit_risk_params
from .model import DEFAULT_PARAMS, RiskParams, RiskSurface, risk_surface
from .records import Incident, incidents_from_rows

__all__ = [
    "DEFAULT_PARAMS",
    "Incident",
    "IncidentRowsError",
    "RiskFit",
    "RiskParams",
    "RiskSurface",
    "fit_risk_params",
    "incidents_from_rows",
    "risk_surface",
]
