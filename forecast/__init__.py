"""Burglary hotspot forecasts: long-term concentration plus a near-repeat boost.

The package stands alone (numpy, scipy, pyproj): records in, ranked hotspot discs out.
"""

from .errors import IncidentRowsError
from .fit import RiskFit, fit_pooled_params, fit_risk_params
from .hotspots import HotspotForecast, forecast_hotspots
from .model import DEFAULT_PARAMS, LITERATURE_PARAMS, RiskParams, RiskSurface, risk_surface
from .records import Incident, incidents_from_rows
from .windows import EveningWindow, evening_windows

__all__ = [
    "DEFAULT_PARAMS",
    "LITERATURE_PARAMS",
    "EveningWindow",
    "HotspotForecast",
    "Incident",
    "IncidentRowsError",
    "RiskFit",
    "RiskParams",
    "RiskSurface",
    "evening_windows",
    "fit_pooled_params",
    "fit_risk_params",
    "forecast_hotspots",
    "incidents_from_rows",
    "risk_surface",
]
