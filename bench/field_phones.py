"""Phones on the eyes' page: N staff phones checking in every 30 s (and reading their page
every 30 s) against ONE API process (`eyes serve`, SQLite) whose plan workers are kept busy
solving the Sindal sample evening. Reports request latency percentiles per kind.

Run: ``.venv/bin/python bench/field_phones.py [--phones 200] [--seconds 180]``.
Prints a Markdown table (write it into bench/RESULTS.md).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import subprocess
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from statistics import quantiles

import httpx

from service.auth.keys import create_key
from service.db import Database, create_db_engine
from service.field.store import FieldStore
from service.migrations import upgrade_to_head
from service.plans.schemas import PlanResponse, PlanSummary, PointOut, RouteOut, StopOut
from service.plans.store import PlanStore
from service.timeutil import LOCAL_TZ, today_local

ROOT = Path(__file__).resolve().parents[1]
PER_PLAN = 100
STOPS = 12
LAT0, LON0 = 57.47, 10.20
PERIOD_S = 30.0


def _synthetic_plan(first_staff: int, day: datetime) -> tuple[PlanResponse, dict[str, object]]:
    """100 staff on shift all day, each with 12 hotspot stops 7 minutes apart from now."""
    routes, shifts = [], []
    t0 = datetime.now(LOCAL_TZ).replace(microsecond=0)
    for s in range(PER_PLAN):
        i = first_staff + s
        staff_id = f"staff-{i}"
        lat = LAT0 + (i % 50) * 0.0004
        stops = [
            StopOut(
                kind="start" if k == 0 else "hotspot",
                id=None if k == 0 else f"hs-{i}-{k}",
                location=PointOut(lat=lat, lon=LON0 + k * 0.001),
                arrival=t0 + timedelta(minutes=7 * k),
                start=t0 + timedelta(minutes=7 * k),
                departure=t0 + timedelta(minutes=7 * k + 5),
                wait_min=0,
                dwell_min=0 if k == 0 else 5,
                weight=0 if k == 0 else 1,
            )
            for k in range(STOPS + 1)
        ]
        routes.append(
            RouteOut(
                staff_id=staff_id,
                name=f"Staff {i}",
                role="service_guard",
                mode="walk",
                start=stops[0].start,
                end=stops[-1].departure,
                travel_min=60,
                distance_km=1.2,
                weight_covered=STOPS,
                stops=stops,
            )
        )
        shifts.append(
            {"id": staff_id, "phone": f"+4521{i:06d}", "start_time": "00:00", "end_time": "23:59"}
        )
    plan = PlanResponse(
        id=uuid.uuid4().hex,
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
    return plan, {"shifts": shifts}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def prepare(url: str, phones: int) -> tuple[list[tuple[str, list[str]]], str]:
    """Plans for ``phones`` staff and a link each; returns (token, stop ids) per phone and a
    dispatcher key."""
    engine = create_db_engine(url)
    upgrade_to_head(engine)
    store, field = PlanStore(engine), FieldStore(engine)
    day = datetime.combine(today_local(), clock(12), tzinfo=LOCAL_TZ)
    out = []
    for first in range(0, phones, PER_PLAN):
        plan, request = _synthetic_plan(first, day)
        store.save(plan, request=request, geojson=None)
        for route in plan.routes[: phones - first]:
            _link, token = field.create_link(
                lineage_id=plan.id,
                staff_id=route.staff_id,
                area="sindal",
                expires_at=datetime.now(UTC) + timedelta(hours=6),
                created_by=None,
                now=datetime.now(UTC),
            )
            out.append((token, [str(s.id) for s in route.stops[1:]]))
    _, key = create_key(Database(engine, store.sessions), "dispatcher")
    return out, key


async def phone(
    client: httpx.AsyncClient,
    token: str,
    stops: list[str],
    until: float,
    latencies: dict[str, list[float]],
    errors: dict[str, int],
) -> None:
    """Check in every 30 s (at the next stop) and read the page every 30 s, offset."""
    await asyncio.sleep(random.uniform(0, PERIOD_S))
    k = 0
    while time.monotonic() < until:
        body = {
            "id": uuid.uuid4().hex,
            "stop_id": stops[k % len(stops)],
            "at": datetime.now(UTC).isoformat(),
            "location": {"lat": LAT0, "lon": LON0},
        }
        for kind, call in (
            ("POST checkin", client.post(f"/v1/field/{token}/checkins", json=body)),
            ("GET page", client.get(f"/v1/field/{token}")),
        ):
            t0 = time.perf_counter()
            try:
                answer = await call
                ok = answer.status_code < 300
            except httpx.HTTPError:
                ok = False
            latencies[kind].append(time.perf_counter() - t0)
            if not ok:
                errors[kind] += 1
            await asyncio.sleep(PERIOD_S / 2 - (time.perf_counter() - t0) % (PERIOD_S / 2))
        k += 1


async def keep_planners_busy(base: str, key: str, until: float, solved: list[int]) -> None:
    """Keep two Sindal sample plans queued or solving in the API's own workers."""
    sample = json.loads((ROOT / "examples" / "sindal_request.json").read_text())
    sample["options"] = {"time_limit_s": 5}
    async with httpx.AsyncClient(base_url=base, timeout=120, headers={"X-API-Key": key}) as c:

        async def one() -> None:
            while time.monotonic() < until:
                answer = await c.post("/v1/plans", json=sample, headers={"Prefer": "respond-async"})
                job = answer.headers.get("location")
                while job and time.monotonic() < until:
                    state = (await c.get(job)).json().get("state")
                    if state in ("done", "failed"):
                        solved[0] += 1
                        break
                    await asyncio.sleep(1)

        await asyncio.gather(one(), one())


async def run(base: str, key: str, links: list[tuple[str, list[str]]], seconds: float) -> None:
    latencies: dict[str, list[float]] = {"POST checkin": [], "GET page": []}
    errors = dict.fromkeys(latencies, 0)
    solved = [0]
    until = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=len(links), max_keepalive_connections=len(links))
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as client:
        await asyncio.gather(
            keep_planners_busy(base, key, until, solved),
            *(phone(client, token, stops, until, latencies, errors) for token, stops in links),
        )
    print(f"\n{len(links)} phones, {seconds:.0f} s, {solved[0]} plans solved meanwhile\n")
    print("| request | count | errors | p50 ms | p95 ms | p99 ms | max ms |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for kind, values in latencies.items():
        cuts = quantiles([v * 1000 for v in values], n=100, method="inclusive")
        print(
            f"| {kind} | {len(values)} | {errors[kind]} | {cuts[49]:.0f} | {cuts[94]:.0f} | "
            f"{cuts[98]:.0f} | {max(values) * 1000:.0f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phones", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=180.0)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp())
    url = f"sqlite:///{folder / 'phones.db'}"
    links, key = prepare(url, args.phones)
    port = _free_port()
    env = {
        **os.environ,
        "EYES_DATABASE_URL": url,
        "EYES_PORT": str(port),
        "EYES_GRAPH_CACHE_DIR": str(ROOT / "var" / "graph-cache"),
        "EYES_SENDER_IN_PROCESS": "false",
    }
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "eyes"), "serve"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        asyncio.run(run(base, key, links, args.seconds))
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
