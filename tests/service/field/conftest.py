"""Field fixtures: a planned evening in Sindal (two staff: a guard and home care), the
app's clock set inside it, and a link for each staff member."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from typing import TYPE_CHECKING, Any

import pytest

from service.timeutil import LOCAL_TZ

from ..answers import planned
from ..conftest import PLAN_DAY

if TYPE_CHECKING:
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

EVENING = datetime.combine(PLAN_DAY, time(18, 30), tzinfo=LOCAL_TZ)
"""The moment the app believes it is while the evening is played."""


@dataclass
class Evening:
    """A stored plan, the app's clock and a link per staff member (token by staff id)."""

    plan: dict[str, Any]
    app: FastAPI
    tokens: dict[str, str]

    def set_clock(self, moment: datetime) -> None:
        self.app.state.clock = lambda: moment

    def route(self, staff_id: str) -> dict[str, Any]:
        return next(r for r in self.plan["routes"] if r["staff_id"] == staff_id)


@pytest.fixture
def evening(app: FastAPI, client: TestClient, small_request: dict[str, Any]) -> Evening:
    plan = planned(client, "/v1/plans", small_request)
    result = Evening(plan, app, {})
    result.set_clock(EVENING)
    for route in plan["routes"]:
        answer = client.post(f"/v1/plans/{plan['id']}/staff/{route['staff_id']}/link")
        assert answer.status_code == 201, answer.text
        result.tokens[route["staff_id"]] = answer.json()["token"]
    return result
