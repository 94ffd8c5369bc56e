"""RFC 9457 problem+json: every error the API answers, rendered by one set of handlers.

Domain errors live in web-free modules (``service.errors``, each feature's ``errors.py``,
``graphs.errors``, ``solver.errors``); this module alone maps them to HTTP statuses.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from graphs import GraphError, UnknownAreaError
from solver import SolverError

from ..alerts.errors import AlertNotFoundError, IdempotencyConflictError, SignatureError
from ..errors import FieldProblem, RequestError, problems_from_validation
from ..jobs.errors import JobNotFoundError, QueueFullError, QueueUnavailableError
from ..plans.errors import PlanNotFoundError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from fastapi import FastAPI, Request

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://protective-eyes.dk/problems/"
DEFAULT_MAX_ERRORS = 20
RETRY_AFTER_BUSY_S = 30
"""Retry-After of a plan that found no plan in time or starved: about one solve."""

PROBLEM: dict[str, Any] = {"content": {PROBLEM_JSON: {}}}
"""An OpenAPI response whose body is problem+json (spread into each documented status)."""
KEY_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No valid API key (checked before the body is read)", **PROBLEM},
    403: {"description": "The key's role may not do this", **PROBLEM},
}
"""Documented on every route that needs a key."""
BODY_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Malformed JSON or Content-Length", **PROBLEM},
    413: {"description": "Request body too large (EYES_MAX_BODY_BYTES)", **PROBLEM},
    422: {"description": "Invalid request; `errors` names each field", **PROBLEM},
}
"""Documented on every route that takes a body or parameters."""

# How a plan job's stored error (``service.jobs.store.job_error``) is answered.
JOB_ERROR_STATUS: dict[str, tuple[int, str]] = {
    "invalid-request": (422, "Invalid request"),
    "no-plan-found": (503, "No plan found"),
    "street-data-unavailable": (503, "Street data unavailable"),
    "timeout": (503, "Solving took too long"),
    "worker-lost": (503, "Worker lost"),
    "restarted": (503, "Server restarted"),
    "shutdown": (503, "Server shutting down"),
    "queue-unavailable": (503, "Job queue unavailable"),
    "internal": (500, "Internal error"),
}


def problem_response(
    status: int,
    title: str,
    detail: str,
    *,
    kind: str,
    problems: Sequence[FieldProblem] = (),
    omitted: int = 0,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """A problem+json answer; ``omitted`` counts field problems not listed."""
    body = problem_body(status, title, detail, kind=kind, problems=problems, omitted=omitted)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def problem_body(
    status: int,
    title: str,
    detail: str,
    *,
    kind: str,
    problems: Sequence[FieldProblem] = (),
    omitted: int = 0,
) -> dict[str, Any]:
    """The problem+json document."""
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + kind,
        "title": title,
        "status": status,
        "detail": detail,
    }
    if problems:
        body["errors"] = [_error_item(p) for p in problems]
    if omitted:
        body["errors_omitted"] = omitted
    return body


def _error_item(problem: FieldProblem) -> dict[str, str]:
    item = {"field": problem.field, "message": problem.message}
    if problem.id is not None:
        item["id"] = problem.id
    return item


def _validation_response(
    problems: list[FieldProblem], *, malformed: bool, omitted: int = 0, limit: int
) -> JSONResponse:
    if malformed:
        return problem_response(
            400, "Malformed JSON", "The request body is not valid JSON.", kind="malformed-json"
        )
    problems, omitted, detail = listed(problems, limit=limit, omitted=omitted)
    return problem_response(
        422, "Invalid request", detail, kind="invalid-request", problems=problems, omitted=omitted
    )


def listed(
    problems: Sequence[FieldProblem], *, limit: int, omitted: int = 0
) -> tuple[list[FieldProblem], int, str]:
    """The problems a problem+json lists (at most ``limit``), how many more there were
    (``errors_omitted``), and the detail sentence: the first five and "... and N more"."""
    omitted += max(0, len(problems) - limit)
    shown = list(problems[:limit])
    detail = "; ".join(str(p) for p in shown[:5])
    if omitted or len(shown) > 5:
        detail += f"; ... and {omitted + len(shown[5:]):,} more"
    return shown, omitted, detail


def _max_errors(request: Request) -> int:
    settings = getattr(request.app.state, "settings", None)
    return int(getattr(settings, "max_validation_errors", DEFAULT_MAX_ERRORS))


def job_problem(
    error: dict[str, Any], *, limit: int = DEFAULT_MAX_ERRORS
) -> tuple[int, dict[str, Any], dict[str, str]]:
    """(status, problem+json, headers) of a failed plan job's stored error, listing at most
    ``limit`` field problems as every other problem+json does."""
    kind = str(error.get("kind", "internal"))
    status, title = JOB_ERROR_STATUS.get(kind, JOB_ERROR_STATUS["internal"])
    problems = [
        FieldProblem(e["field"], e["message"], e.get("id")) for e in error.get("errors", [])
    ]
    detail = str(error.get("detail", ""))
    omitted = 0
    if len(problems) > limit:
        problems, omitted, detail = listed(problems, limit=limit)
    body = problem_body(status, title, detail, kind=kind, problems=problems, omitted=omitted)
    headers = {"Retry-After": str(RETRY_AFTER_BUSY_S)} if status == 503 else {}
    return status, body, headers


def install_error_handlers(app: FastAPI) -> None:
    """Render every error as problem+json; never a stack trace."""

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        errors = exc.errors()
        malformed = any(e.get("type") == "json_invalid" for e in errors)
        limit = _max_errors(request)
        # Convert only what can be listed: a hostile body can carry a million errors.
        head = errors[: limit * 4]
        body_field = getattr(request.scope.get("route"), "body_field", None)
        model = getattr(getattr(body_field, "field_info", None), "annotation", None)
        problems = problems_from_validation(
            head,
            body=exc.body,
            model=model if isinstance(model, type) and issubclass(model, BaseModel) else None,
        )
        return _validation_response(
            problems, malformed=malformed, omitted=len(errors) - len(head), limit=limit
        )

    async def on_request_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestError)
        return _validation_response(exc.problems, malformed=False, limit=_max_errors(request))

    async def on_unknown_area(request: Request, exc: Exception) -> JSONResponse:
        problems = [FieldProblem("area", str(exc))]
        return _validation_response(problems, malformed=False, limit=_max_errors(request))

    async def on_graph_error(_: Request, exc: Exception) -> JSONResponse:
        log.error("street graph unavailable: %s", exc)
        return problem_response(
            503, "Street data unavailable", str(exc), kind="street-data-unavailable"
        )

    async def on_solver_error(_: Request, exc: Exception) -> JSONResponse:
        log.error("solver failed: %s", exc)
        return problem_response(
            503,
            "No plan found",
            str(exc),
            kind="no-plan-found",
            headers={"Retry-After": str(RETRY_AFTER_BUSY_S)},
        )

    async def on_queue_full(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, QueueFullError)
        return problem_response(
            503,
            "Too many plans waiting",
            str(exc),
            kind="queue-full",
            headers={"Retry-After": str(exc.retry_after_s)},
        )

    async def on_queue_unavailable(_: Request, exc: Exception) -> JSONResponse:
        log.error("job queue unavailable: %s", exc)
        return problem_response(
            503,
            "Job queue unavailable",
            str(exc),
            kind="queue-unavailable",
            headers={"Retry-After": str(RETRY_AFTER_BUSY_S)},
        )

    async def on_not_found(_: Request, exc: Exception) -> JSONResponse:
        return problem_response(404, "Not found", str(exc), kind="not-found")

    async def on_http(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        return problem_response(
            exc.status_code,
            str(exc.detail),
            str(exc.detail),
            kind=f"http-{exc.status_code}",
            headers=dict(exc.headers) if exc.headers else None,
        )

    async def on_conflict(_: Request, exc: Exception) -> JSONResponse:
        problems = [FieldProblem("Idempotency-Key", str(exc))]
        return problem_response(409, "Conflict", str(exc), kind="conflict", problems=problems)

    async def on_bad_signature(_: Request, exc: Exception) -> JSONResponse:
        return problem_response(401, "Bad signature", str(exc), kind="bad-signature")

    async def on_unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error", exc_info=exc)
        return problem_response(
            500, "Internal error", "Something went wrong on our side.", kind="internal"
        )

    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(RequestError, on_request_error)
    app.add_exception_handler(UnknownAreaError, on_unknown_area)
    app.add_exception_handler(GraphError, on_graph_error)
    app.add_exception_handler(SolverError, on_solver_error)
    app.add_exception_handler(PlanNotFoundError, on_not_found)
    app.add_exception_handler(AlertNotFoundError, on_not_found)
    app.add_exception_handler(JobNotFoundError, on_not_found)
    app.add_exception_handler(QueueFullError, on_queue_full)
    app.add_exception_handler(QueueUnavailableError, on_queue_unavailable)
    app.add_exception_handler(IdempotencyConflictError, on_conflict)
    app.add_exception_handler(SignatureError, on_bad_signature)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(Exception, on_unexpected)
