"""Answers that may come as a job: wait for the job's end, never for a speed.

``POST /v1/plans`` and a re-plan answer 201 when their job ends within
``EYES_PLAN_WAIT_S``, else 202 with the job. On a machine whose cores are busy elsewhere
either may happen, so tests follow a 202 to the job's end instead of expecting a 201.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastapi.testclient import TestClient
    from httpx import Client

# How long a job may take before the test gives up: a hang, not a slow machine.
JOB_DEADLINE_S = 900.0


def job_end(client: TestClient | Client, location: str) -> dict[str, Any]:
    """The job at ``location`` once it is done or failed."""
    deadline = time.monotonic() + JOB_DEADLINE_S
    while True:
        job: dict[str, Any] = client.get(location).json()
        if job["state"] in ("done", "failed") or time.monotonic() > deadline:
            return job
        time.sleep(0.1)


def planned(client: TestClient | Client, path: str, body: dict[str, Any]) -> dict[str, Any]:
    """POST ``body`` to ``path`` (a plan or a re-plan) and the plan it makes, however long
    its job takes; fails the test with the problem if it makes none."""
    answer = client.post(path, json=body)
    if answer.status_code == 202:
        job = job_end(client, answer.headers["location"])
        assert job["state"] == "done", job
        answer = client.get(job["plan"])
        assert answer.status_code == 200, answer.text
    else:
        assert answer.status_code == 201, answer.text
    plan: dict[str, Any] = answer.json()
    return plan
