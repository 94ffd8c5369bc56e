"""The API as deployed, on a real uvicorn server on loopback: health while a long plan is
solved, many plans at once on SQLite, and no solver process outliving a killed server."""

from __future__ import annotations

import asyncio
import copy
import os
import signal
import socket
import subprocess
import sys
import time
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from service.api.app import create_app
from service.auth.keys import create_key
from service.plans.store import PlanStore

from ..answers import JOB_DEADLINE_S, job_end
from ..server import serve, wait_until
from .test_edge import matrix_request

if TYPE_CHECKING:
    from fastapi import FastAPI

    from service.config import Settings
    from service.plans.networks import AreaNetworks

REPO = Path(__file__).resolve().parents[3]


@pytest.mark.slow
def test_health_and_a_small_plan_answer_while_a_long_plan_is_solved(
    settings: Settings,
    networks: AreaNetworks,
    demo_request: dict[str, Any],
    small_request: dict[str, Any],
) -> None:
    """While the sample evening is solved for 12 s, /healthz answers every time, and a small
    plan sent meanwhile is solved by the other worker at the same time: it starts before
    the big one ends and is done. How fast /healthz answers is measured in bench/ (see
    bench/RESULTS.md), never judged here."""
    by_clock = settings.model_copy(update={"solver_max_iterations": None})  # a real 12 s solve
    app = create_app(by_clock, networks=networks, store=PlanStore.from_url(by_clock.database_url))
    _, key = create_key(app.state.alert_store, "dispatcher")
    headers = {"X-API-Key": key}
    big = copy.deepcopy(demo_request)
    big["options"] = {"time_limit_s": 12, "stop_early": False}
    with serve(app) as url, httpx.Client(base_url=url, headers=headers, timeout=600) as client:
        job = client.post("/v1/plans", json=big, headers={"Prefer": "respond-async"})
        assert job.status_code == 202, job.text
        location = job.headers["location"]
        wait_until(
            "the big plan running",
            lambda: client.get(location).json()["state"] == "running",
            timeout_s=JOB_DEADLINE_S,
        )
        for _ in range(20):
            assert client.get("/healthz").status_code == 200
            time.sleep(0.1)
        small = client.post("/v1/plans", json=small_request, headers={"Prefer": "respond-async"})
        assert small.status_code == 202, small.text
        small_job = job_end(client, small.headers["location"])
        big_job = job_end(client, location)
        assert (small_job["state"], big_job["state"]) == ("done", "done")
        assert small_job["started_at"] < big_job["finished_at"]


@pytest.mark.slow
def test_48_plans_at_once_on_sqlite_give_no_500(app: FastAPI) -> None:
    """48 plans sent at once to one server on SQLite: each is answered 201, 202 or 503 with
    a Retry-After (a full queue), never another 5xx (the audit insert used to fail with
    "database is locked"); every accepted job is then solved."""
    _, key = create_key(app.state.alert_store, "dispatcher")
    request = matrix_request()
    request["options"]["time_limit_s"] = 1

    async def send_all(url: str) -> list[httpx.Response]:
        limits = httpx.Limits(max_connections=48)
        async with httpx.AsyncClient(
            base_url=url, headers={"X-API-Key": key}, timeout=120, limits=limits
        ) as client:
            return await asyncio.gather(
                *(client.post("/v1/plans", json=request) for _ in range(48))
            )

    with serve(app) as url:
        answers = asyncio.run(send_all(url))
        statuses = sorted(a.status_code for a in answers)
        assert set(statuses) <= {201, 202, 503}, [a.text for a in answers if a.status_code >= 500]
        assert all("retry-after" in a.headers for a in answers if a.status_code == 503)
        assert statuses.count(201) + statuses.count(202) >= 2
        with httpx.Client(base_url=url, headers={"X-API-Key": key}) as client:
            for answer in answers:
                if answer.status_code == 202:
                    location = answer.headers["location"]
                    wait_until("an accepted job", partial(_done, client, location), timeout_s=120)


def _done(client: httpx.Client, location: str) -> bool:
    return bool(client.get(location).json()["state"] == "done")


def _group_members(pgid: int) -> list[int]:
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(int(entry.name))
    return members


@pytest.mark.slow
def test_no_solver_process_outlives_a_killed_server(
    settings: Settings, demo_request: dict[str, Any], tmp_path: Path
) -> None:
    """kill -9 of `eyes serve` while it solves a plan: the job's worker process and the
    solver's search processes (its process group) are gone within seconds, not at the
    end of the time limit."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "EYES_DATABASE_URL": settings.database_url,
        "EYES_GRAPH_CACHE_DIR": str(settings.graph_cache_dir),
        "EYES_AUTH": "false",
        "EYES_PRELOAD_AREA": "false",
        "EYES_SENDER_IN_PROCESS": "false",
    }
    log = (tmp_path / "serve.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "service.cli", "serve", "--port", str(port)],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until("the server", lambda: _answers(url), timeout_s=60)
        big = copy.deepcopy(demo_request)
        big["options"] = {"time_limit_s": 60, "stop_early": False}
        with httpx.Client(base_url=url, timeout=30) as client:
            job = client.post("/v1/plans", json=big, headers={"Prefer": "respond-async"})
            location = job.headers["location"]
            wait_until(
                "running", lambda: client.get(location).json()["state"] == "running", timeout_s=60
            )
            time.sleep(3)  # the search processes have started
            from sqlalchemy import create_engine, text

            engine = create_engine(settings.database_url)
            with engine.connect() as connection:
                worker = connection.execute(text("select worker from plan_jobs")).scalar_one()
            engine.dispose()
        pgid = int(worker.removeprefix("local:"))
        assert len(_group_members(pgid)) >= 2  # the worker and at least one search process
    finally:
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=10)
        log.close()
    wait_until("the job's processes to die", lambda: not _group_members(pgid), timeout_s=10)


def _answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False
