"""Random evenings played against the API (hypothesis ``RuleBasedStateMachine``).

A plan on a small explicit matrix, then re-plans as the clock moves on: positions, stops
done, staff leaving and joining, visits added and cancelled, hotspots added, two re-plans
sent at once, and the staff an alert would reach. After every step:

- every stop done in a version is in every later version, unmoved;
- every mandatory visit not cancelled is kept once in the newest version (or the re-plan
  was refused, naming a field);
- the plan's version numbers are 1, 2, ... without gaps or doubles;
- every route of the newest version is feasible by an independent replay of the matrix
  (travel, dwell, windows, 22:00);
- an alert reaches exactly the staff on shift in the newest version.

``make test`` plays a few evenings; ``pytest tests/service/plans/test_evening_machine.py
--evenings 200`` (or ``EYES_STATEFUL_EXAMPLES=200``) plays more.
"""

from __future__ import annotations

import itertools
import os
import random
import uuid
import zlib
from collections import Counter
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any

import hypothesis.strategies as st
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from service.alerts.schemas import CircleArea
from service.alerts.targeting import choose_recipients
from service.api.app import create_app
from service.auth.keys import create_key
from service.config import Settings
from service.plans.store import PlanStore
from service.timeutil import LOCAL_TZ

from ..answers import job_end
from ..conftest import PLAN_DAY, SEARCH_ITERATIONS

if TYPE_CHECKING:
    from pathlib import Path

    from service.plans.networks import AreaNetworks

EXAMPLES = int(os.environ.get("EYES_STATEFUL_EXAMPLES", "4"))
LATEST_END = datetime.combine(PLAN_DAY, time(22, 0), tzinfo=LOCAL_TZ)
N_LOCATIONS = 14
GUARDS = ("guard-1", "guard-2")
SEARCH = {"time_limit_s": 20, "seed": 1}
"""A re-plan's search: stops once converged (see `_request`)."""
CARE = "care-1"


def _matrix(seed: int) -> list[list[int]]:
    """Travel seconds between random points in a 4 km square, at 8 m/s, rounded up."""
    rng = random.Random(seed)
    points = [(rng.uniform(0, 4000), rng.uniform(0, 4000)) for _ in range(N_LOCATIONS)]
    return [
        [int(((ax - bx) ** 2 + (ay - by) ** 2) ** 0.5 / 8 + 0.999) for bx, by in points]
        for ax, ay in points
    ]


def _shift(staff_id: str, index: int, role: str, start: str, end: str) -> dict[str, Any]:
    return {
        "id": staff_id,
        "phone": f"+4520{zlib.crc32(staff_id.encode()) % 1_000_000:06d}",
        "role": role,
        "start_location": {"index": index},
        "start_time": start,
        "end_time": end,
    }


def _request(seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    return {
        "area": {"travel_time_s": _matrix(seed)},
        "date": PLAN_DAY.isoformat(),
        "shifts": [
            _shift("guard-1", 0, "service_guard", "17:00", "22:00"),
            _shift("guard-2", 1, "service_guard", "18:00", "21:30"),
            _shift(CARE, 2, "home_care", "17:00", "21:00"),
        ],
        "hotspots": [
            {
                "id": f"hs-{i}",
                "location": {"index": i},
                "weight": rng.choice([1, 2, 5, 10]),
                "dwell_min": rng.choice([5, 10, 15]),
            }
            for i in range(3, 11)
        ],
        "visits": [
            {
                "id": "client-1",
                "location": {"index": 11},
                "window": {"start": "18:00", "end": "19:00"},
                "duration_min": 20,
                "roles": ["home_care"],
            }
        ],
        # A generous limit: the search stops once it has converged, so a busy machine
        # only makes it slower, never a failure.
        "options": {"time_limit_s": 20, "seed": seed, "variation": {"enabled": False}},
    }


def _done_stops(plan: dict[str, Any]) -> set[tuple[str, str, str, str]]:
    return {
        (r["staff_id"], s["kind"], s["id"] or "", s["start"])
        for r in plan["routes"]
        for s in r["stops"]
        if s["done"] and s["kind"] in ("hotspot", "visit")
    }


def replay_on_matrix(plan: dict[str, Any], matrix: list[list[int]]) -> None:
    """Each route's times recomputed from the matrix: no stop is reached sooner than the
    travel from the stop before allows, none ends after 22:00 (done stops are history, and
    the first stop after them is reached from where the staff member was: checked for order
    only)."""
    for route in plan["routes"]:
        stops = route["stops"]
        for a, b in itertools.pairwise(stops):
            depart = datetime.fromisoformat(a["departure"])
            arrive = datetime.fromisoformat(b["arrival"])
            start = datetime.fromisoformat(b["start"])
            leave = datetime.fromisoformat(b["departure"])
            assert arrive <= start <= leave, (route["staff_id"], b)
            if a["done"] or b["done"]:
                continue  # history, or carrying on from where the staff member was
            travel_s = matrix[a["location"]["index"]][b["location"]["index"]]
            assert (arrive - depart).total_seconds() >= travel_s - 1, (route["staff_id"], a, b)
        end = datetime.fromisoformat(route["end"])
        assert end <= LATEST_END, route["staff_id"]


class Evening(RuleBasedStateMachine):
    """One evening of one plan, changed at random through the API."""

    def __init__(self) -> None:
        super().__init__()
        folder: Path = MACHINE_DIR["path"]
        database = f"sqlite:///{folder / f'machine-{uuid.uuid4().hex}.db'}"
        self.settings = Settings(
            database_url=database,
            graph_cache_dir=folder / "graphs",
            preload_area=False,
            plan_wait_s=60,
            solver_max_iterations=SEARCH_ITERATIONS,
        )
        networks: AreaNetworks = MACHINE_DIR["networks"]
        self.app = create_app(self.settings, networks=networks, store=PlanStore.from_url(database))
        _, key = create_key(self.app.state.alert_store, "dispatcher")
        self.client = TestClient(
            self.app, raise_server_exceptions=False, headers={"X-API-Key": key}
        )
        self.client.__enter__()
        self.plan_id = ""
        self.matrix: list[list[int]] = []
        self.now = datetime.combine(PLAN_DAY, time(17, 0), tzinfo=LOCAL_TZ)
        self.visits: set[str] = set()
        self.on_shift: dict[str, tuple[datetime, datetime]] = {}
        self.history: list[dict[str, Any]] = []
        self.joined = 0

    def teardown(self) -> None:
        self.client.__exit__(None, None, None)

    # -- the model -------------------------------------------------------------------

    def newest(self) -> dict[str, Any]:
        versions = self.client.get(f"/v1/plans/{self.plan_id}/versions").json()
        plan: dict[str, Any] = self.client.get(f"/v1/plans/{versions[-1]['id']}").json()
        return plan

    def _route_stops(self, plan: dict[str, Any]) -> list[tuple[str, str]]:
        return [
            (r["staff_id"], s["id"])
            for r in plan["routes"]
            for s in r["stops"]
            if s["kind"] in ("hotspot", "visit") and not s["done"]
        ]

    def _settle(self, answer: Any) -> dict[str, Any] | None:
        """The new version, or None for a re-plan refused naming a field (422)."""
        if answer.status_code == 202:
            job = job_end(self.client, answer.headers["location"])
            if job["state"] == "failed":
                assert job["error"]["status"] == 422, job
                assert job["error"]["errors"], job
                return None
            answer = self.client.get(job["plan"])
        if answer.status_code == 422:
            assert answer.json()["errors"], answer.text
            return None
        assert answer.status_code in (200, 201), answer.text
        plan: dict[str, Any] = answer.json()
        return plan

    # -- the rules ---------------------------------------------------------------------

    @initialize(seed=st.integers(0, 10_000))
    def plan(self, seed: int) -> None:
        request = _request(seed)
        self.matrix = request["area"]["travel_time_s"]
        answer = self.client.post("/v1/plans", json=request)
        plan = self._settle(answer)
        assert plan is not None
        self.plan_id = plan["id"]
        self.visits = {v["id"] for v in request["visits"]}
        self.on_shift = {
            s["id"]: (
                datetime.combine(PLAN_DAY, time.fromisoformat(s["start_time"]), LOCAL_TZ),
                datetime.combine(PLAN_DAY, time.fromisoformat(s["end_time"]), LOCAL_TZ),
            )
            for s in request["shifts"]
        }
        self.history.append(plan)

    @rule(data=st.data())
    def replan(self, data: st.DataObject) -> None:
        self.now += timedelta(minutes=data.draw(st.integers(0, 40), label="minutes later"))
        newest = self.newest()
        body: dict[str, Any] = {"now": self.now.isoformat(), "options": SEARCH}
        staff = sorted(self.on_shift)
        planned = self._route_stops(newest)
        change = data.draw(
            st.sampled_from(
                ["none", "position", "done", "leave", "join", "visit", "cancel", "hotspot"]
            ),
            label="change",
        )
        leaving: str | None = None
        joining: str | None = None
        if change == "position" and staff:
            body["positions"] = [
                {
                    "staff_id": data.draw(st.sampled_from(staff)),
                    "location": {"index": data.draw(st.integers(0, N_LOCATIONS - 1))},
                }
            ]
        elif change == "done" and planned:
            body["done"] = [data.draw(st.sampled_from(planned))[1]]
        elif change == "leave" and staff:
            leaving = data.draw(st.sampled_from(staff), label="leaving")
            body["staff_leaving"] = [leaving]
        elif change == "join":
            self.joined += 1
            joining = f"guard-j{self.joined}"
            body["staff_joining"] = [
                _shift(joining, 12, "service_guard", self.now.strftime("%H:%M"), "21:45")
            ]
        elif change == "visit" and self.now.hour < 20:
            start = (self.now + timedelta(minutes=30)).strftime("%H:%M")
            end = (self.now + timedelta(minutes=90)).strftime("%H:%M")
            visit_id = f"client-{len(self.visits) + 2}"
            body["visits_added"] = [
                {
                    "id": visit_id,
                    "location": {"index": 13},
                    "window": {"start": start, "end": end},
                    "duration_min": 15,
                }
            ]
        elif change == "cancel":
            undone = {i for _, i in planned} & self.visits
            if undone:
                body["visits_cancelled"] = [data.draw(st.sampled_from(sorted(undone)))]
        elif change == "hotspot":
            body["hotspots_added"] = [
                {"id": f"hs-new-{len(self.history)}", "location": {"index": 12}, "weight": 3}
            ]
        answer = self.client.post(f"/v1/plans/{self.plan_id}/replan", json=body)
        plan = self._settle(answer)
        if plan is None:
            return
        self.visits -= set(body.get("visits_cancelled", []))
        self.visits |= {v["id"] for v in body.get("visits_added", [])}
        if leaving is not None:
            self.on_shift.pop(leaving, None)
        if joining is not None:
            self.on_shift[joining] = (
                self.now.replace(second=0, microsecond=0),
                datetime.combine(PLAN_DAY, time(21, 45), LOCAL_TZ),
            )
        self.history.append(plan)

    @rule()
    def two_replans_at_once(self) -> None:
        self.now += timedelta(minutes=5)
        answers = [
            self.client.post(
                f"/v1/plans/{self.plan_id}/replan",
                json={
                    "now": self.now.isoformat(),
                    "options": SEARCH,
                    "hotspots_added": [
                        {
                            "id": f"hs-at-once-{len(self.history)}-{i}",
                            "location": {"index": 12 - i},
                            "weight": 2,
                        }
                    ],
                },
                headers={"Prefer": "respond-async"},
            )
            for i in range(2)
        ]
        made = [plan for plan in (self._settle(a) for a in answers) if plan is not None]
        self.history += sorted(made, key=lambda p: p["version"])
        if len(made) == 2:
            newest = self.newest()
            mentioned = {s["id"] for r in newest["routes"] for s in r["stops"]}
            mentioned |= {h["hotspot_id"] for h in newest["left_out"]}
            names = {f"hs-at-once-{len(self.history) - 2}-{i}" for i in range(2)}
            assert names <= mentioned, names - mentioned

    # -- what must always hold ---------------------------------------------------------------

    @invariant()
    def versions_without_gaps(self) -> None:
        if not self.plan_id:
            return
        versions = self.client.get(f"/v1/plans/{self.plan_id}/versions").json()
        assert [v["version"] for v in versions] == list(range(1, len(versions) + 1))

    @invariant()
    def done_stays_done(self) -> None:
        if not self.plan_id:
            return
        versions = self.client.get(f"/v1/plans/{self.plan_id}/versions").json()
        plans = [self.client.get(f"/v1/plans/{v['id']}").json() for v in versions]
        for before, after in itertools.pairwise(plans):
            lost = _done_stops(before) - _done_stops(after)
            assert not lost, (before["version"], after["version"], lost)

    @invariant()
    def visits_kept_once(self) -> None:
        if not self.plan_id:
            return
        newest = self.newest()
        served = Counter(
            s["id"] for r in newest["routes"] for s in r["stops"] if s["kind"] == "visit"
        )
        assert self.visits <= set(served), self.visits - set(served)
        assert all(n == 1 for n in served.values()), served

    @invariant()
    def routes_feasible(self) -> None:
        if not self.plan_id:
            return
        replay_on_matrix(self.newest(), self.matrix)

    @invariant()
    def alerts_reach_the_staff_on_shift(self) -> None:
        if not self.plan_id:
            return
        since = datetime.now(LOCAL_TZ) - timedelta(hours=1)
        staff = self.app.state.plan_store.staff_plans_since(since)
        until = self.now + timedelta(minutes=30)
        chosen = choose_recipients(
            staff,
            CircleArea(type="Circle", center={"lat": 57.47, "lon": 10.21}, radius_m=1000),
            self.now,
            until,
            all_on_shift=True,
        )
        expected = {
            s for s, (start, end) in self.on_shift.items() if start < until and end > self.now
        }
        newest = self.newest()
        finished = {r["staff_id"] for r in newest["routes"] if all(s["done"] for s in r["stops"])}
        assert {r.staff_id for r in chosen} == expected - finished


MACHINE_DIR: dict[str, Any] = {}


@pytest.mark.slow
def test_random_evenings_keep_one_truth(
    tmp_path: Path, networks: AreaNetworks, pytestconfig: pytest.Config
) -> None:
    """Random evenings, each step checked (see the module's docstring)."""
    MACHINE_DIR.update(path=tmp_path, networks=networks)
    evenings = int(pytestconfig.getoption("evenings") or EXAMPLES)
    run_state_machine_as_test(
        Evening,
        settings=settings(
            max_examples=evenings,
            stateful_step_count=6,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            # Each step runs jobs: shrinking a failure would take many minutes; the failing
            # steps are printed as they were played.
            phases=(Phase.explicit, Phase.reuse, Phase.generate),
        ),
    )
