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

from graphs import GraphError
from solver import ShiftError, SolverError

from ..alerts.errors import AlertNotFoundError, IdempotencyConflictError, SignatureError
from ..auth.scope import AreaForbiddenError
from ..db import DATABASE_DOWN_ERRORS
from ..errors import FieldProblem, RequestError, failure_of, problems_from_validation
from ..field.errors import (
    LinkGoneError,
    LinkInvalidError,
    LinkNotFoundError,
    StaffNotInPlanError,
)
from ..field.service import PublishError, ShiftOverError
from ..i18n import N_, _
from ..jobs.errors import JobNotFoundError, QueueFullError, QueueUnavailableError
from ..outcomes import OUTCOMES
from ..plans.errors import PlanNotFoundError, VersionConflictError
from .heavy import BusyError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from fastapi import FastAPI, Request

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://protective-eyes.dk/problems/"
DEFAULT_MAX_ERRORS = 20

PROBLEM: dict[str, Any] = {"content": {PROBLEM_JSON: {}}}
"""An OpenAPI response whose body is problem+json (spread into each documented status)."""
KEY_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No valid API key (checked before the body is read)", **PROBLEM},
    403: {
        "description": "The key's role may not do this, or the key may not act on the area "
        "the request names (`area` names it)",
        **PROBLEM,
    },
}
"""Documented on every route that needs a key."""
BODY_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Malformed JSON or Content-Length", **PROBLEM},
    413: {"description": "Request body too large (EYES_MAX_BODY_BYTES)", **PROBLEM},
    422: {"description": "Invalid request; `errors` names each field", **PROBLEM},
}
"""Documented on every route that takes a body or parameters."""


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
        "title": _(title),  # a marked constant is translated here; a sentence already is
        "status": status,
        "detail": _(detail),
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
            400,
            N_("Malformed JSON"),
            N_("The request body is not valid JSON."),
            kind="malformed-json",
        )
    problems, omitted, detail = listed(problems, limit=limit, omitted=omitted)
    return problem_response(
        422,
        N_("Invalid request"),
        detail,
        kind="invalid-request",
        problems=problems,
        omitted=omitted,
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
        detail += _("; ... and {n} more", n=f"{omitted + len(shown[5:]):,}")
    return shown, omitted, detail


def _max_errors(request: Request) -> int:
    settings = getattr(request.app.state, "settings", None)
    return int(getattr(settings, "max_validation_errors", DEFAULT_MAX_ERRORS))


def job_problem(
    error: dict[str, Any], *, limit: int = DEFAULT_MAX_ERRORS
) -> tuple[int, dict[str, Any], dict[str, str]]:
    """(status, problem+json, headers) of a failed plan job's stored error, listing at most
    ``limit`` field problems as every other problem+json does."""
    outcome = OUTCOMES.get(str(error.get("kind")), OUTCOMES["internal"])
    problems = [
        FieldProblem(e["field"], e["message"], e.get("id")) for e in error.get("errors", [])
    ]
    detail = str(error.get("detail", ""))
    omitted = 0
    if len(problems) > limit:
        problems, omitted, detail = listed(problems, limit=limit)
    body = problem_body(
        outcome.status,
        outcome.title,
        detail,
        kind=outcome.kind,
        problems=problems,
        omitted=omitted,
    )
    body.update(error.get("extra") or {})
    headers = {"Retry-After": str(outcome.retry_after_s)} if outcome.retry_after_s else {}
    return outcome.status, body, headers


DOMAIN_ERRORS: tuple[type[Exception], ...] = (
    RequestError,
    GraphError,
    SolverError,
    ShiftError,
    PlanNotFoundError,
    VersionConflictError,
    AlertNotFoundError,
    JobNotFoundError,
    QueueFullError,
    QueueUnavailableError,
    IdempotencyConflictError,
    SignatureError,
    LinkInvalidError,
    LinkNotFoundError,
    LinkGoneError,
    StaffNotInPlanError,
    ShiftOverError,
    PublishError,
    BusyError,
    AreaForbiddenError,
    *DATABASE_DOWN_ERRORS,
)
"""The errors answered by `failure_of`'s outcome (``UnknownAreaError`` is a ``GraphError``;
a shift too short to reach its end, ``ShiftError``, a 422 naming it;
a database that does not answer is a 503 ``database-unavailable`` with Retry-After)."""


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

    async def on_failure(request: Request, exc: Exception) -> JSONResponse:
        failure = failure_of(exc)
        outcome = failure.outcome
        if outcome.status == 422:
            return _validation_response(
                list(failure.problems), malformed=False, limit=_max_errors(request)
            )
        if outcome.status >= 500:
            log.error("%s: %s", outcome.kind, failure.detail)
        problems = failure.problems if outcome.status == 409 else ()
        body = problem_body(
            outcome.status, outcome.title, failure.detail, kind=outcome.kind, problems=problems
        )
        body.update(failure.extra or {})
        headers = {"Retry-After": str(failure.retry_after_s)} if failure.retry_after_s else None
        return JSONResponse(
            body, status_code=outcome.status, media_type=PROBLEM_JSON, headers=headers
        )

    async def on_http(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        return problem_response(
            exc.status_code,
            str(exc.detail),
            str(exc.detail),
            kind=f"http-{exc.status_code}",
            headers=dict(exc.headers) if exc.headers else None,
        )

    async def on_unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error", exc_info=exc)
        return problem_response(
            500,
            N_("Internal error"),
            N_("Something went wrong on our side."),
            kind="internal",
        )

    app.add_exception_handler(RequestValidationError, on_validation)
    for error in DOMAIN_ERRORS:
        app.add_exception_handler(error, on_failure)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(Exception, on_unexpected)
