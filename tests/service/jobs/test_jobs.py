"""Plan jobs: the runner, the in-process pool (async answers, queue limit, hard limit,
restart), the starved-solve rule and the nightly plans."""

from __future__ import annotations

import copy
import json
import re
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.auth.keys import create_key
from service.errors import FieldProblem, RequestError
from service.incidents.importing import incidents_from_file
from service.incidents.store import IncidentStore
from service.jobs.nightly import nightly_plans
from service.jobs.runner import classify, cpu_share, run_job
from service.jobs.service import new_job
from service.jobs.store import JobStore, job_error
from service.plans.schemas import PlanRequest
from service.plans.store import PlanStore
from service.timeutil import today_local
from solver import InfeasibleError, SolverError

from ..api.test_edge import matrix_request

if TYPE_CHECKING:
    from collections.abc import Iterator

    from fastapi import FastAPI

    from service.config import Settings
    from service.plans.networks import AreaNetworks


def _app(settings: Settings, networks: AreaNetworks, **changes: Any) -> FastAPI:
    """The app with ``changes``, searching by the clock: these tests need solves that
    really take their time limit (a busy worker, a job killed at its hard limit)."""
    changed = settings.model_copy(update={"solver_max_iterations": None, **changes})
    return create_app(changed, networks=networks, store=PlanStore.from_url(changed.database_url))


@pytest.fixture
def stores(settings: Settings, app: FastAPI) -> tuple[PlanStore, JobStore]:
    """The app's plan and job stores (the app migrated the database)."""
    return app.state.plan_store, app.state.job_store


def _wait_for(
    client: TestClient,
    location: str,
    *,
    states: tuple[str, ...] = ("done", "failed"),
    timeout_s: float = 60,
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        job: dict[str, Any] = client.get(location).json()
        if job["state"] in states or time.monotonic() > deadline:
            return job
        time.sleep(0.05)


def test_run_job_stores_the_plan_and_marks_it_done(
    settings: Settings,
    networks: AreaNetworks,
    stores: tuple[PlanStore, JobStore],
    small_request: dict[str, Any],
) -> None:
    """The runner plans a stored job with the real planner and links the plan; the job no
    longer holds the request (staff phones); running it again (a re-delivery) is skipped
    and changes nothing."""
    plans, jobs = stores
    job = new_job(
        PlanRequest.model_validate(small_request),
        settings=settings,
        jobs=jobs,
        owner=None,
        backend="local",
    )
    assert job.state == "queued"
    kwargs = {"settings": settings, "networks": networks, "plans": plans, "jobs": jobs}
    assert run_job(job.id, **kwargs) == "done"  # type: ignore[arg-type]
    done = jobs.get(job.id)
    assert done.state == "done"
    assert done.attempts == 1
    assert done.plan_id is not None
    assert plans.get(done.plan_id).id == done.plan_id
    assert job.request["shifts"][0]["phone"].startswith("+45")
    assert done.request == {}
    assert run_job(job.id, **kwargs) == "skipped"  # type: ignore[arg-type]
    assert jobs.get(job.id) == done


def test_run_job_records_the_callers_error(
    settings: Settings,
    networks: AreaNetworks,
    stores: tuple[PlanStore, JobStore],
    small_request: dict[str, Any],
) -> None:
    """Two 60-minute visits in one 10-minute window: the job fails as invalid-request
    naming a visit (the solve had its CPU, so the conflict is the request's)."""
    plans, jobs = stores
    request = copy.deepcopy(small_request)
    for visit in request["visits"]:
        visit["window"] = {"start": "18:00", "end": "18:10"}
        visit["duration_min"] = 60
    job = new_job(
        PlanRequest.model_validate(request), settings=settings, jobs=jobs, owner=None, backend="x"
    )
    assert run_job(job.id, settings=settings, networks=networks, plans=plans, jobs=jobs) == "failed"
    failed = jobs.get(job.id)
    assert failed.request == {}
    error = failed.error
    assert error is not None
    assert error["kind"] == "invalid-request"
    assert error["errors"][0]["field"] in {"visits[0]", "visits[1]"}


def test_job_errors_are_stored_by_kind() -> None:
    """A proven clash (the solver's InfeasibleError behind a RequestError) is the caller's
    422 with the field and the visit's id; no plan in time (unproven) is no-plan-found, a
    503 to retry; anything else is internal."""
    cause = InfeasibleError(0, "conflict", "mandatory visit 'client-1' clashes with 'client-2'")
    error = RequestError([FieldProblem("visits[0]", str(cause), "client-1")])
    error.__cause__ = cause
    stored = classify(error)
    assert stored["kind"] == "invalid-request"
    assert stored["errors"] == [{"field": "visits[0]", "message": str(cause), "id": "client-1"}]
    assert classify(SolverError("no plan"))["kind"] == "no-plan-found"
    assert classify(KeyError("bug"))["kind"] == "internal"


def test_cpu_share_counts_the_search_processes(settings: Settings) -> None:
    """Without search processes one core is expected; with them, the solver's workers."""
    assert cpu_share((0, 0), (1.0, 0), 1.0, settings=settings) == pytest.approx(1.0)
    assert cpu_share((0, 0), (1.0, 1.0), 1.0, settings=settings) == pytest.approx(1.0)
    assert cpu_share((0, 0), (0.1, 0.0), 1.0, settings=settings) == pytest.approx(0.1)


def test_prefer_respond_async_answers_202_and_the_job_links_the_plan(
    client: TestClient,
) -> None:
    """``Prefer: respond-async`` answers 202 at once with Location /v1/jobs/{id}; the job
    goes queued/running -> done with progress, and links the stored plan."""
    answer = client.post("/v1/plans", json=matrix_request(), headers={"Prefer": "respond-async"})
    assert answer.status_code == 202, answer.text
    location = answer.headers["location"]
    assert location == f"/v1/jobs/{answer.json()['id']}"
    assert int(answer.headers["retry-after"]) >= 1
    assert answer.json()["state"] in ("queued", "running", "done")
    job = _wait_for(client, location)
    assert job["state"] == "done", job
    assert job["progress"]["fraction"] == 1.0
    assert job["progress"]["time_limit_s"] == 0.5
    assert job["plan"] == f"/v1/plans/{job['plan_id']}"
    assert client.get(job["plan"]).json()["id"] == job["plan_id"]


def test_a_rerun_is_a_job_too(client: TestClient) -> None:
    """Planning a stored plan again (the map's re-plan button) is queued like a new plan,
    never solved in the API process: with ``Prefer: respond-async`` it is a 202 with its
    job, which ends done with a new plan of the same request and the new seed."""
    first = client.post("/v1/plans", json=matrix_request()).json()
    answer = client.post(
        f"/v1/plans/{first['id']}/rerun", json={"seed": 3}, headers={"Prefer": "respond-async"}
    )
    assert answer.status_code == 202, answer.text
    assert answer.headers["location"] == f"/v1/jobs/{answer.json()['id']}"
    job = _wait_for(client, answer.headers["location"])
    assert job["state"] == "done", job
    again = client.get(job["plan"]).json()
    assert again["id"] not in (first["id"], None)
    assert {r["staff_id"] for r in again["routes"]} == {r["staff_id"] for r in first["routes"]}


def test_a_plan_done_in_time_is_201_and_a_failed_one_its_problem(client: TestClient) -> None:
    """Without Prefer, a quick plan is answered 201 with the plan; a job that fails answers
    with its problem (here 422 for an unknown index, found while placing locations)."""
    answer = client.post("/v1/plans", json=matrix_request())
    assert answer.status_code == 201, answer.text
    assert answer.headers["location"] == f"/v1/plans/{answer.json()['id']}"
    bad = matrix_request()
    bad["hotspots"][0]["location"] = {"index": 5}
    failed = client.post("/v1/plans", json=bad)
    assert failed.status_code == 422
    assert failed.headers["content-type"] == "application/problem+json"
    assert "hotspots[0].location" in {e["field"] for e in failed.json()["errors"]}


def test_unknown_job_is_404(client: TestClient) -> None:
    """GET /v1/jobs/{id} of no job is a 404 problem."""
    answer = client.get("/v1/jobs/nope")
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/problem+json"


@pytest.fixture
def busy_client(settings: Settings, networks: AreaNetworks) -> Iterator[TestClient]:
    """One worker, room for one waiting job."""
    app = _app(settings, networks, job_workers=1, job_queue_max=1)
    _, key = create_key(app.state.alert_store, "dispatcher")
    with TestClient(app, raise_server_exceptions=False, headers={"X-API-Key": key}) as client:
        yield client


def test_a_full_queue_is_503_with_retry_after(busy_client: TestClient) -> None:
    """With one worker busy and one job waiting, the next plan is a 503 problem with a
    Retry-After (nothing is stored for it); the accepted two still finish."""
    slow = matrix_request()
    slow["options"]["time_limit_s"] = 3
    slow["options"]["stop_early"] = False  # busy for the whole 3 s
    prefer = {"Prefer": "respond-async"}
    first = busy_client.post("/v1/plans", json=slow, headers=prefer)
    assert first.status_code == 202, first.text
    # The worker has taken the first (however long a busy machine takes to start it)...
    running = _wait_for(busy_client, first.headers["location"], states=("running", "done"))
    assert running["state"] == "running"
    # ...and is busy with it for 3 s: the second waits, the third finds no room.
    second = busy_client.post("/v1/plans", json=slow, headers=prefer)
    assert second.status_code == 202, second.text
    refused = busy_client.post("/v1/plans", json=slow, headers=prefer)
    assert refused.status_code == 503, refused.text
    assert refused.json()["type"].endswith("/queue-full")
    assert int(refused.headers["retry-after"]) >= 1
    for answer in (first, second):
        job = _wait_for(busy_client, answer.headers["location"])
        assert job["state"] == "done", job


def test_a_job_past_its_hard_limit_is_killed_and_fails(
    settings: Settings, stores: tuple[PlanStore, JobStore]
) -> None:
    """A job still running at its hard limit (here announced as 0 s plus a grace of 0.05 s
    while it really solves for 5 s) is killed with its worker's whole process group and
    fails as "timeout"; the pool starts a fresh worker that solves the next job."""
    from service.jobs.local import LocalQueue

    _, jobs = stores
    by_clock = {"job_workers": 1, "job_grace_s": 0.05, "solver_max_iterations": None}
    queue = LocalQueue(settings.model_copy(update=by_clock), jobs)
    slow = matrix_request()
    slow["options"]["time_limit_s"] = 5
    slow["options"]["stop_early"] = False  # really solves for 5 s
    request = PlanRequest.model_validate(slow)
    queue.start()  # (it fails the local jobs stored before it: there are none yet)
    job = new_job(request, settings=settings, jobs=jobs, owner=None, backend="local")
    quick = new_job(
        PlanRequest.model_validate(matrix_request()),
        settings=settings,
        jobs=jobs,
        owner=None,
        backend="local",
    )
    try:
        queue.enqueue(job.id, time_limit_s=0.0)
        queue.enqueue(quick.id, time_limit_s=5.0)
        deadline = time.monotonic() + 60
        while jobs.get(quick.id).state not in ("done", "failed") and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        queue.stop()
    killed = jobs.get(job.id)
    assert killed.state == "failed"
    assert killed.error is not None
    assert killed.error["kind"] == "timeout"
    assert jobs.get(quick.id).state == "done"


def test_jobs_left_by_an_earlier_run_fail_as_restarted(
    settings: Settings, networks: AreaNetworks, stores: tuple[PlanStore, JobStore]
) -> None:
    """The in-process queue lives in memory: a job queued by a server that died is failed
    at the next start (503 "restarted"), not left queued for ever."""
    _, jobs = stores
    job = new_job(
        PlanRequest.model_validate(matrix_request()),
        settings=settings,
        jobs=jobs,
        owner=None,
        backend="local",
    )
    app = _app(settings, networks)
    _, key = create_key(app.state.alert_store, "dispatcher")
    with TestClient(app, raise_server_exceptions=False, headers={"X-API-Key": key}) as client:
        answer = client.get(f"/v1/jobs/{job.id}").json()
    assert answer["state"] == "failed"
    assert answer["error"]["status"] == 503
    assert answer["error"]["type"].endswith("/restarted")


def test_a_job_running_for_far_too_long_is_reported_lost(
    settings: Settings, stores: tuple[PlanStore, JobStore]
) -> None:
    """A job that shows running long past its hard limit has no worker any more: it is
    reported (and stored) as failed, "worker-lost"."""
    from datetime import UTC, datetime, timedelta

    _, jobs = stores
    job = new_job(
        PlanRequest.model_validate(matrix_request()),
        settings=settings,
        jobs=jobs,
        owner=None,
        backend="celery",
    )
    started = jobs.start(job.id, worker="gone:1")
    assert started is not None
    later = datetime.now(UTC) + timedelta(hours=2)
    lost = jobs.expire_lost(started, lost_after=timedelta(hours=1), now=later)
    assert lost.state == "failed"
    assert lost.error == job_error(
        "worker-lost",
        "the worker solving this plan stopped without an answer; send the plan again.",
    )
    assert jobs.expire_lost(lost, lost_after=timedelta(0), now=later) == lost


def test_nightly_plans_plan_each_template_for_tonight(
    settings: Settings,
    networks: AreaNetworks,
    stores: tuple[PlanStore, JobStore],
    small_request: dict[str, Any],
    tmp_path: Path,
) -> None:
    """Every *.json template in EYES_NIGHTLY_DIR becomes a job for today's date (whatever
    date the template says); an invalid template is skipped and the others still run."""
    plans, jobs = stores
    folder = tmp_path / "nightly"
    folder.mkdir()
    (folder / "a-sindal.json").write_text(json.dumps({**small_request, "date": "2020-01-01"}))
    (folder / "b-broken.json").write_text('{"shifts": []}')
    (folder / "c-matrix.json").write_text(json.dumps(matrix_request()))
    nightly = settings.model_copy(update={"nightly_dir": folder})
    ran: list[str] = []

    def enqueue(job_id: str, *, time_limit_s: float) -> None:
        assert time_limit_s > 0
        ran.append(run_job(job_id, settings=nightly, networks=networks, plans=plans, jobs=jobs))

    job_ids = nightly_plans(nightly, jobs=jobs, enqueue=enqueue)
    assert len(job_ids) == 2
    assert ran == ["done", "done"]
    for job_id in job_ids:
        job = jobs.get(job_id)
        assert job.owner == "nightly"
        assert job.plan_id is not None
        assert plans.get(job.plan_id).date == today_local()
    assert (
        nightly_plans(
            settings.model_copy(update={"nightly_dir": tmp_path / "none"}),
            jobs=jobs,
            enqueue=enqueue,
        )
        == []
    )


def test_a_nightly_template_with_hotspots_from_plans_the_latest_forecast(
    settings: Settings,
    networks: AreaNetworks,
    stores: tuple[PlanStore, JobStore],
    small_request: dict[str, Any],
    tmp_path: Path,
) -> None:
    """A nightly template may ask for ``hotspots_from`` instead of listing hotspots: the job
    forecasts them from the area's stored records on the worker, and tonight's plan covers
    forecast hotspots (ids hs-NN-street) and stores them in its request."""
    plans, jobs = stores
    records = incidents_from_file(
        (Path(__file__).parents[3] / "examples" / "sindal_burglaries.csv").read_bytes(), "csv"
    )
    IncidentStore(plans).upsert("sindal", records, now=datetime.now(UTC))
    template = {k: v for k, v in small_request.items() if k not in ("hotspots", "date")}
    template["hotspots_from"] = {"count": 6}
    folder = tmp_path / "nightly"
    folder.mkdir()
    (folder / "sindal.json").write_text(json.dumps(template))
    nightly = settings.model_copy(update={"nightly_dir": folder})
    ran: list[str] = []

    def enqueue(job_id: str, *, time_limit_s: float) -> None:
        ran.append(run_job(job_id, settings=nightly, networks=networks, plans=plans, jobs=jobs))

    [job_id] = nightly_plans(nightly, jobs=jobs, enqueue=enqueue)
    assert ran == ["done"], jobs.get(job_id).error
    plan_id = jobs.get(job_id).plan_id
    assert plan_id is not None
    plan = plans.get(plan_id)
    covered = [s.id for r in plan.routes for s in r.stops if s.kind == "hotspot"]
    assert covered
    assert all(re.fullmatch(r"hs-\d\d(-[a-z0-9-]+)?", str(h)) for h in covered)
    assert plan.summary.weight_total > 0


def test_a_broker_that_does_not_answer_is_503_and_not_ready(
    settings: Settings, networks: AreaNetworks
) -> None:
    """With EYES_BROKER_URL pointing where nothing listens, a plan is a 503 problem with
    Retry-After (its job stored as failed, not lost in between) and /readyz says the broker
    is down."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = _app(settings, networks, broker_url=f"redis://127.0.0.1:{port}/0")
    _, key = create_key(app.state.alert_store, "dispatcher")
    with TestClient(app, raise_server_exceptions=False, headers={"X-API-Key": key}) as client:
        answer = client.post("/v1/plans", json=matrix_request())
        assert answer.status_code == 503, answer.text
        assert answer.json()["type"].endswith("/queue-unavailable")
        assert answer.headers["retry-after"]
        assert app.state.job_store.counts() == {"failed": 1}
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["checks"]["broker"]["ok"] is False


def test_worker_and_beat_need_a_broker(monkeypatch: pytest.MonkeyPatch) -> None:
    """`eyes worker` and `eyes beat` without EYES_BROKER_URL exit with status 2 saying so."""
    from service.cli import main
    from service.config import get_settings

    monkeypatch.delenv("EYES_BROKER_URL", raising=False)
    get_settings.cache_clear()
    try:
        assert main(["worker"]) == 2
        assert main(["beat"]) == 2
    finally:
        get_settings.cache_clear()
