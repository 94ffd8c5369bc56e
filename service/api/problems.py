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
from ..plans.errors import PlanNotFoundError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from fastapi import FastAPI, Request

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://protective-eyes.dk/problems/"


def problem_response(
    status: int,
    title: str,
    detail: str,
    *,
    kind: str,
    problems: Sequence[FieldProblem] = (),
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """A problem+json answer."""
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + kind,
        "title": title,
        "status": status,
        "detail": detail,
    }
    if problems:
        body["errors"] = [_error_item(p) for p in problems]
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _error_item(problem: FieldProblem) -> dict[str, str]:
    item = {"field": problem.field, "message": problem.message}
    if problem.id is not None:
        item["id"] = problem.id
    return item


def _validation_response(problems: list[FieldProblem], *, malformed: bool) -> JSONResponse:
    if malformed:
        return problem_response(
            400, "Malformed JSON", "The request body is not valid JSON.", kind="malformed-json"
        )
    detail = "; ".join(str(p) for p in problems[:5])
    return problem_response(
        422, "Invalid request", detail, kind="invalid-request", problems=problems
    )


def install_error_handlers(app: FastAPI) -> None:
    """Render every error as problem+json; never a stack trace."""

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        errors = exc.errors()
        malformed = any(e.get("type") == "json_invalid" for e in errors)
        body_field = getattr(request.scope.get("route"), "body_field", None)
        model = getattr(getattr(body_field, "field_info", None), "annotation", None)
        problems = problems_from_validation(
            errors,
            body=exc.body,
            model=model if isinstance(model, type) and issubclass(model, BaseModel) else None,
        )
        return _validation_response(problems, malformed=malformed)

    async def on_request_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestError)
        return _validation_response(exc.problems, malformed=False)

    async def on_unknown_area(_: Request, exc: Exception) -> JSONResponse:
        problems = [FieldProblem("area", str(exc))]
        return _validation_response(problems, malformed=False)

    async def on_graph_error(_: Request, exc: Exception) -> JSONResponse:
        log.error("street graph unavailable: %s", exc)
        return problem_response(
            503, "Street data unavailable", str(exc), kind="street-data-unavailable"
        )

    async def on_solver_error(_: Request, exc: Exception) -> JSONResponse:
        log.error("solver failed: %s", exc)
        return problem_response(503, "No plan found", str(exc), kind="no-plan-found")

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
    app.add_exception_handler(IdempotencyConflictError, on_conflict)
    app.add_exception_handler(SignatureError, on_bad_signature)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(Exception, on_unexpected)
