"""Worked examples for the OpenAPI page (locations in the default area, Sindal)."""

from __future__ import annotations

from typing import Any

DEPOT = {"lat": 57.47083, "lon": 10.20214}

EVENING_PATROL: dict[str, Any] = {
    "area": "sindal",
    "latest_end": "22:00",
    "shifts": [
        {
            "id": "guard-1",
            "name": "Service guard A",
            "phone": "+4520000001",
            "role": "service_guard",
            "mode": "drive",
            "start_location": DEPOT,
            "start_time": "17:00",
            "end_time": "22:00",
        },
        {
            "id": "care-1",
            "name": "Home care evening",
            "phone": "+4520000004",
            "role": "home_care",
            "mode": "drive",
            "start_location": DEPOT,
            "start_time": "16:00",
            "end_time": "21:30",
        },
    ],
    "hotspots": [
        {
            "id": "hs-01",
            "location": {"lat": 57.476692, "lon": 10.203554},
            "weight": 10.0,
            "dwell_min": 15,
            "max_visits": 2,
            "min_gap_min": 90,
            "windows": [{"start": "18:00", "end": "21:45"}],
        },
        {"id": "hs-02", "location": {"lat": 57.485072, "lon": 10.201836}, "weight": 1.9},
        {"id": "hs-03", "location": {"lat": 57.475443, "lon": 10.194964}, "weight": 6.4},
    ],
    "visits": [
        {
            "id": "client-1",
            "location": {"lat": 57.4667, "lon": 10.2104},
            "window": {"start": "17:45", "end": "18:30"},
            "duration_min": 30,
            "roles": ["home_care"],
        }
    ],
    "options": {"time_limit_s": 2, "seed": 1},
}

MATRIX_PLAN: dict[str, Any] = {
    "area": {"travel_time_s": [[0, 300, 900], [300, 0, 240], [420, 240, 0]]},
    "shifts": [
        {
            "id": "hc-7",
            "phone": "+4520000007",
            "role": "home_care",
            "start_location": {"index": 0},
            "start_time": "17:00",
            "end_time": "21:00",
        }
    ],
    "hotspots": [{"id": "h1", "location": {"index": 1}, "weight": 3}],
    "visits": [
        {
            "id": "v1",
            "location": {"index": 2},
            "window": {"start": "18:00", "end": "18:30"},
            "duration_min": 20,
        }
    ],
    "options": {"time_limit_s": 1},
}

PLAN_REQUEST_EXAMPLES: dict[str, Any] = {
    "evening_patrol": {
        "summary": "Service guard and home care in Sindal",
        "description": "Two staff, three hotspots (one worth two visits), one client visit.",
        "value": EVENING_PATROL,
    },
    "own_matrix": {
        "summary": "An integrator's own travel times",
        "description": "Locations by index into a matrix of seconds; no street data needed.",
        "value": MATRIX_PLAN,
    },
}
