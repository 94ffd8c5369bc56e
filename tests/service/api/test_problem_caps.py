"""Every problem list is capped alike: at most ``EYES_MAX_VALIDATION_ERRORS`` (20) problems
listed, ``errors_omitted`` counting the rest, whether the list comes from the request's
checks, a plan job, a records import or the command line."""

from __future__ import annotations

import copy
import json
import time
from typing import TYPE_CHECKING, Any

import pytest

from service.cli import main

if TYPE_CHECKING:
    from pathlib import Path

    from fastapi.testclient import TestClient

LIMIT = 20
FAR = 30  # locations on Bornholm, 150 km from Sindal


def _far_hotspots(request: dict[str, Any]) -> dict[str, Any]:
    """``request`` with ``FAR`` hotspots in Rønne, far outside Sindal's streets."""
    data = copy.deepcopy(request)
    data["hotspots"] = [
        {"id": f"hs-far-{i:02d}", "location": {"lat": 55.10 + i * 1e-3, "lon": 14.70}, "weight": 1}
        for i in range(FAR)
    ]
    return data


def _assert_capped(problem: dict[str, Any], total: int) -> None:
    assert len(problem["errors"]) == LIMIT, problem
    assert problem["errors_omitted"] == total - LIMIT
    assert problem["detail"].endswith(f"... and {total - 5} more")


def test_a_plan_with_many_far_locations_lists_twenty(
    client: TestClient, small_request: dict[str, Any]
) -> None:
    """30 hotspots 150 km away: the 422 lists 20 and counts the other 10, also when the
    problem comes from the plan job (``GET /v1/jobs/{id}`` after ``respond-async``)."""
    body = _far_hotspots(small_request)
    answer = client.post("/v1/plans", json=body)
    assert answer.status_code == 422, answer.text
    problem = answer.json()
    far = [e for e in problem["errors"] if e["field"].startswith("hotspots[")]
    assert far, problem
    _assert_capped(problem, problem["errors_omitted"] + LIMIT)
    assert problem["errors_omitted"] >= FAR - LIMIT
    queued = client.post("/v1/plans", json=body, headers={"Prefer": "respond-async"})
    assert queued.status_code == 202, queued.text
    job = queued.json()
    while job["state"] in {"queued", "running"}:  # until the job ends, however long
        time.sleep(0.1)
        job = client.get(queued.headers["location"]).json()
    assert job["state"] == "failed"
    assert len(job["error"]["errors"]) == LIMIT
    assert job["error"]["errors_omitted"] == problem["errors_omitted"]


def _bad_records(n: int) -> str:
    rows = [f"r{i},2026-13-{i:02d},57.47,10.20" for i in range(1, n + 1)]
    return "id,date,lat,lon\n" + "\n".join(rows) + "\n"


def test_a_records_import_lists_twenty(client: TestClient) -> None:
    """30 bad dates in a records file: 20 listed by line and column, 10 counted."""
    answer = client.post(
        "/v1/incidents?area=sindal",
        content=_bad_records(FAR),
        headers={"content-type": "text/csv"},
    )
    assert answer.status_code == 422
    problem = answer.json()
    assert len(problem["errors"]) == LIMIT
    assert problem["errors"][0]["line"] == 2
    assert problem["errors_omitted"] == FAR - LIMIT


@pytest.fixture
def cli_db(tmp_path: Path, graph_cache: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The CLI on a fresh database and the session's graph cache."""
    from service.config import get_settings

    monkeypatch.setenv("EYES_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("EYES_GRAPH_CACHE_DIR", str(graph_cache))
    get_settings.cache_clear()
    return tmp_path


def test_the_cli_lists_twenty_and_says_how_many_more(
    cli_db: Path, small_request: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    """``eyes incidents import`` and ``eyes plan`` print 20 ``error:`` lines and one
    ``error: ... and N more``, as the API lists."""
    from service.config import get_settings

    records = cli_db / "bad.csv"
    records.write_text(_bad_records(FAR))
    assert main(["incidents", "import", str(records), "--area", "sindal"]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == LIMIT + 1
    assert lines[-1] == f"error: ... and {FAR - LIMIT} more"
    request = cli_db / "far.json"
    request.write_text(json.dumps(_far_hotspots(small_request)))
    assert main(["plan", str(request)]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == LIMIT + 1
    assert lines[-1].startswith("error: ... and ")
    get_settings.cache_clear()
