"""Readiness and Prometheus metrics."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .test_edge import matrix_request

if TYPE_CHECKING:
    from fastapi.testclient import TestClient


def test_readyz_checks_the_database_and_the_pool(client: TestClient) -> None:
    """Ready with the database answering and the in-process pool running; not ready (503,
    naming the check) once the pool has stopped."""
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.text
    body = ready.json()
    assert body["status"] == "ready"
    assert body["checks"]["database"]["ok"]
    assert body["checks"]["workers"]["detail"].startswith("in-process pool")
    client.app.state.job_queue.stop()  # type: ignore[attr-defined]
    stopped = client.get("/readyz")
    assert stopped.status_code == 503
    assert stopped.json()["checks"]["workers"]["ok"] is False


def test_metrics_count_requests_jobs_and_sms(client: TestClient) -> None:
    """/metrics (no key) exposes request latency by route template, the plan queue, jobs by
    state, the solve-time histogram and the SMS figures, in Prometheus' text format."""
    assert client.post("/v1/plans", json=matrix_request()).status_code == 201
    client.get("/v1/plans/unknown-id")
    answer = client.get("/metrics", headers={"X-API-Key": ""})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    text = answer.text
    assert (
        'eyes_http_request_duration_seconds_count{method="POST",route="/v1/plans",status="201"} 1.0'
        in text
    )
    assert 'route="/v1/plans/{plan_id}",status="404"' in text  # templates, not raw paths
    assert "unknown-id" not in text
    assert 'eyes_plan_jobs{state="done"} 1.0' in text
    assert "eyes_plan_queue_length 0.0" in text
    assert 'eyes_plan_solve_seconds_bucket{le="+Inf"} 1.0' in text
    assert "eyes_plan_solve_seconds_count 1.0" in text
    for name in (
        "eyes_sms_sent_total",
        "eyes_sms_failed_total",
        "eyes_sms_queued",
        "eyes_sms_oldest_queued_age_seconds",
        "eyes_plan_queue_oldest_age_seconds",
        "eyes_auth_refused_total",
    ):
        assert f"\n{name} " in text, name
