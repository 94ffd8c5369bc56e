"""One table from errors to outcomes: the API, a job and the CLI answer each error alike."""

from __future__ import annotations

import pytest

from graphs import GraphError, UnknownAreaError
from service.alerts.errors import IdempotencyConflictError, SignatureError
from service.cli import _failure
from service.errors import FieldProblem, RequestError, failure_of
from service.jobs.errors import QueueFullError
from service.jobs.runner import classify
from service.outcomes import OUTCOMES
from service.plans.errors import PlanNotFoundError
from solver import SolverError


@pytest.mark.parametrize(
    ("error", "kind", "status", "exit_code"),
    [
        (RequestError([FieldProblem("shifts[0]", "bad")]), "invalid-request", 422, 2),
        (UnknownAreaError("no area 'x'"), "invalid-request", 422, 2),
        (GraphError("no street data"), "street-data-unavailable", 503, 1),
        (SolverError("no plan in time"), "no-plan-found", 503, 1),
        (PlanNotFoundError("no plan"), "not-found", 404, 2),
        (QueueFullError("full", retry_after_s=7), "queue-full", 503, 1),
        (IdempotencyConflictError("reused"), "conflict", 409, 2),
        (SignatureError("bad"), "bad-signature", 401, 2),
        (KeyError("a bug"), "internal", 500, 1),
    ],
)
def test_each_error_has_one_outcome_for_every_door(
    error: Exception, kind: str, status: int, exit_code: int
) -> None:
    """The outcome of an error names its problem type, HTTP status and exit status; a job
    that ends with it stores that kind; the CLI exits with that status (a bug is re-raised
    by the CLI, never reported as bad input)."""
    failure = failure_of(error)
    assert (failure.outcome.kind, failure.outcome.status) == (kind, status)
    assert failure.outcome.exit_code == exit_code
    if not isinstance(error, PlanNotFoundError):  # a job names its plan_id field instead
        assert classify(error)["kind"] == kind
    cli = _failure(error)
    if kind == "internal":
        assert cli is None
        assert failure.detail == "Something went wrong on our side."
    else:
        assert cli is not None
        assert cli[1] == exit_code


def test_a_full_queue_says_when_to_come_back() -> None:
    """Retry-After of a full queue is the queue's own estimate, not the table's default."""
    assert failure_of(QueueFullError("full", retry_after_s=7)).retry_after_s == 7
    assert failure_of(SolverError("x")).retry_after_s == OUTCOMES["no-plan-found"].retry_after_s


def test_every_stored_job_kind_has_an_outcome() -> None:
    """Every kind a job can end with is in the table (an unknown one would answer 500)."""
    for kind in ("timeout", "worker-lost", "restarted", "shutdown", "queue-unavailable"):
        assert OUTCOMES[kind].status == 503
        assert OUTCOMES[kind].retry_after_s


def test_a_job_that_lost_its_version_answers_like_the_api() -> None:
    """A re-plan job that ends with a version conflict stores it, and its problem is the
    API's own 409, naming the newest version."""
    from datetime import UTC, date, datetime

    from service.api.problems import job_problem
    from service.plans.errors import VersionConflictError
    from service.plans.schemas import PlanResponse, PlanSummary

    newest = PlanResponse(
        id="v3id",
        created_at=datetime.now(UTC),
        area="sindal",
        date=date(2026, 11, 26),
        latest_end=None,
        summary=PlanSummary(
            weight_total=0,
            weight_visited=0,
            weight_covered=0,
            coverage_ratio=None,
            hotspots_visited=0,
            hotspots_left_out=0,
            visits_kept=0,
            travel_min=0,
            distance_km=None,
            solve_time_s=0,
        ),
        routes=[],
        left_out=[],
        version=3,
    )
    status, body, _ = job_problem(classify(VersionConflictError("p1", 2, newest)))
    assert status == 409
    assert (body["current_version"], body["current_id"]) == (3, "v3id")
    assert body["errors"][0]["field"] == "base_version"
