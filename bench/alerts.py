"""Alerts benchmarks: accepting an alert for 1,000 staff on shift (targeting + one outbox
transaction), and SMS sending throughput against the loopback fake provider.

Run: ``.venv/bin/python bench/alerts.py`` (PostgreSQL rows where
``EYES_TEST_POSTGRES_URL``, default ``postgresql://postgres@127.0.0.1:5432/test``, answers).
Prints Markdown tables.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from service.alerts.outbox import Outbox, RetryPolicy
from service.alerts.sms.twilio import TwilioSender
from service.alerts.store import AlertStore
from service.alerts.worker import SenderWorker
from service.api.app import create_app
from service.auth.keys import create_key
from service.config import Settings
from service.db import create_db_engine
from service.migrations import upgrade_to_head
from service.plans.schemas import PlanResponse, PlanSummary, PointOut, RouteOut, StopOut
from service.plans.store import PlanRecord, PlanStore
from service.timeutil import LOCAL_TZ
from tests.service.alerts.fake_provider import FakeProvider, FakeProviderState
from tests.service.alerts.helpers import store_alert
from tests.service.databases import in_schema

POSTGRES_URL = os.environ.get("EYES_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
STAFF = 1000
PER_PLAN = 100
LAT0, LON0 = 57.47, 10.20


def _synthetic_plans(day: datetime) -> list[PlanRecord]:
    """10 plans x 100 staff, 17:00-22:00, each driving a 12-vertex line across Sindal."""
    plans = []
    t0 = day.replace(hour=17)
    for p in range(STAFF // PER_PLAN):
        shifts, routes, features = [], [], []
        for s in range(PER_PLAN):
            i = p * PER_PLAN + s
            staff_id = f"staff-{i}"
            lat = LAT0 + (i % 50) * 0.0004
            coords = [[LON0 + k * 0.002, lat] for k in range(12)]
            stops = [
                StopOut(
                    kind="start" if k == 0 else "hotspot",
                    id=None,
                    location=PointOut(lat=la, lon=lon),
                    arrival=t0 + timedelta(minutes=75 * k),
                    start=t0 + timedelta(minutes=75 * k),
                    departure=t0 + timedelta(minutes=75 * k),
                    wait_min=0,
                    dwell_min=0,
                    weight=0,
                )
                for k, (lon, la) in enumerate(coords[::3])
            ]
            shifts.append(
                {
                    "id": staff_id,
                    "phone": f"+4521{i:06d}",
                    "start_time": "17:00",
                    "end_time": "22:00",
                }
            )
            routes.append(
                RouteOut(
                    staff_id=staff_id,
                    name="",
                    role="service_guard",
                    mode="drive",
                    start=stops[0].start,
                    end=stops[-1].arrival,
                    travel_min=225,
                    distance_km=2.4,
                    weight_covered=0,
                    stops=stops,
                )
            )
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "LineString", "coordinates": coords},
                    "properties": {"feature": "route", "staff_id": staff_id},
                }
            )
        plan_id = uuid.uuid4().hex
        answer = PlanResponse(
            id=plan_id,
            created_at=datetime.now(UTC),
            area="sindal",
            date=day.date(),
            latest_end=None,
            summary=PlanSummary(
                weight_total=0,
                weight_visited=0,
                weight_covered=0,
                coverage_ratio=1,
                hotspots_visited=0,
                hotspots_left_out=0,
                visits_kept=0,
                travel_min=0,
                distance_km=0,
                solve_time_s=0,
            ),
            routes=routes,
            left_out=[],
        )
        plans.append(
            PlanRecord(
                id=plan_id,
                created_at=answer.created_at,
                area="sindal",
                request={"shifts": shifts},
                plan=answer.model_dump(mode="json"),
                geojson={"type": "FeatureCollection", "features": features},
            )
        )
    return plans


def _databases() -> list[tuple[str, str, Any]]:
    """(label, url, schema to drop afterwards or None)."""
    out: list[tuple[str, str, Any]] = [("SQLite", f"sqlite:///{tempfile.mkdtemp()}/bench.db", None)]
    try:
        engine = create_db_engine(POSTGRES_URL)
        with engine.connect() as connection:
            connection.execute(sqlalchemy.text("select 1"))
        out.append(("PostgreSQL", POSTGRES_URL, engine))
    except Exception as exc:
        print(f"(no PostgreSQL at {POSTGRES_URL}: {type(exc).__name__}; SQLite only)\n")
    return out


def _store_on(url: str, admin_engine: Any) -> tuple[PlanStore, str | None]:
    """A plan store on a migrated database: the SQLite file, or a fresh PostgreSQL schema."""
    schema = None
    if admin_engine is not None:
        schema = f"eyes_bench_{uuid.uuid4().hex[:8]}"
        with admin_engine.begin() as connection:
            connection.execute(sqlalchemy.text(f'create schema "{schema}"'))
        url = in_schema(url, schema)
    store = PlanStore.from_url(url)
    upgrade_to_head(store.engine)
    return store, schema


def _drop(admin_engine: Any, schema: str | None) -> None:
    if admin_engine is not None and schema:
        with admin_engine.begin() as connection:
            connection.execute(sqlalchemy.text(f'drop schema "{schema}" cascade'))


def bench_accept() -> None:
    print("## Accept an alert for 1,000 staff on shift (POST /v1/alerts -> 202)\n")
    print("Targeting over 10 stored plans x 100 staff, then the alert and its outbox rows in")
    print("one transaction. Median of 5 alerts (wall time of the HTTP call in-process).\n")
    print("| database | targeting | recipients | median ms | max ms |")
    print("|---|---|---:|---:|---:|")
    day = (datetime.now(LOCAL_TZ) + timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
    for label, url, admin in _databases():
        store, schema = _store_on(url, admin)
        try:
            with Session(store.engine) as session, session.begin():
                session.add_all(_synthetic_plans(day))
            settings = Settings(
                database_url=url,
                preload_area=False,
                sender_in_process=False,
                alert_rate_per_min=1000,
            )
            app = create_app(settings, store=store)
            key = create_key(app.state.alert_store, "police")[1]
            with TestClient(app) as client:
                for targeting in ("near_route", "all_on_shift"):
                    times, recipients = [], 0
                    for _ in range(5):
                        body = {
                            "message": "Hold øje med en hvid varevogn.",
                            "area_name": "Sindal",
                            "area": {
                                "center": {"lat": LAT0 + 0.01, "lon": LON0 + 0.011},
                                "radius_m": 1500,
                            },
                            "valid_from": day.replace(hour=18).isoformat(),
                            "valid_until": day.replace(hour=21).isoformat(),
                            "targeting": targeting,
                        }
                        started = time.perf_counter()
                        answer = client.post("/v1/alerts", json=body, headers={"X-API-Key": key})
                        times.append(time.perf_counter() - started)
                        assert answer.status_code == 202, answer.text
                        recipients = answer.json()["recipients"]
                    times.sort()
                    print(
                        f"| {label} | {targeting} | {recipients:,} | {times[2] * 1000:.0f} |"
                        f" {times[-1] * 1000:.0f} |"
                    )
        finally:
            _drop(admin, schema)
    print()


def bench_send() -> None:
    print("## Sending throughput against the loopback fake provider (Twilio shape)\n")
    print("1,000 queued messages, one sender (batches of 50, `concurrency` sends in flight); the")
    print("fake provider runs in the same process on loopback. With faults, 30 % of calls fail:")
    print("500, 429 with Retry-After 1 s, or a hang past the 0.5 s timeout (the sender then asks")
    print("the provider before any resend). 'max per phone' is checked at the fake provider.\n")
    print("| database | faults | concurrency | s for 1,000 | messages/s | max per phone |")
    print("|---|---|---:|---:|---:|---:|")
    for label, url, admin in _databases():
        for fault_rate, concurrency in ((0.0, 1), (0.0, 8), (0.3, 8)):
            plan_store, schema = _store_on(url, admin)
            try:
                store = AlertStore(plan_store.engine)
                alert = store_alert(store, 1000)
                state = FakeProviderState(fault_rate=fault_rate, hang_s=1.0, retry_after="1")
                with FakeProvider(state) as provider:
                    sender = TwilioSender(
                        httpx.Client(timeout=0.5),
                        base_url=provider.url,
                        account_sid="AC1",
                        token="t",
                        sender="+4570000000",
                        callback_url=None,
                    )
                    worker = SenderWorker(
                        Outbox(store, lease_s=5),
                        sender,
                        policy=RetryPolicy(base_s=0.05, max_s=0.5, in_doubt_settle_s=0.5),
                        batch=50,
                        concurrency=concurrency,
                        poll_s=0.02,
                    )
                    started = time.perf_counter()
                    deadline = started + 600
                    while time.perf_counter() < deadline:
                        counts = store.counts(alert.id)
                        if counts["queued"] == 0 and counts["sending"] == 0:
                            break
                        if not worker.run_once():
                            time.sleep(0.02)
                    elapsed = time.perf_counter() - started
                    sender.close()
                    worst = max(state.per_phone().values())
                    assert len(state.per_phone()) == 1000
                print(
                    f"| {label} | {fault_rate:.0%} | {concurrency} | {elapsed:.1f} |"
                    f" {1000 / elapsed:.0f} | {worst} |"
                )
            finally:
                _drop(admin, schema)
    print()


if __name__ == "__main__":
    print(f"Measured {datetime.now(UTC):%Y-%m-%d} on {os.cpu_count()} cores.\n")
    bench_accept()
    bench_send()
