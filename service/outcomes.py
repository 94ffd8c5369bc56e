"""The one table from what went wrong to how each door answers it: the HTTP status, problem
type and Retry-After (``service.api.problems``), a failed job's stored kind
(``service.jobs``) and ``eyes``' exit status (``service.cli``). Light on purpose: the CLI
reads it before any library is imported. ``service.errors.failure_of`` finds an error's
outcome."""

from __future__ import annotations

from dataclasses import dataclass

from .i18n import N_

EXIT_FAILED = 1
"""``eyes``' exit status when the work could not be done (no plan found, no street data)."""
EXIT_BAD_INPUT = 2
"""``eyes``' exit status for input or configuration at fault."""
RETRY_AFTER_BUSY_S = 30
"""Retry-After of a failure that passes: about one solve."""
RETRY_AFTER_DATABASE_S = 5
"""Retry-After while the database does not answer: a restart or a fail-over takes seconds."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """How each door answers one kind of failure: ``kind`` is the problem type's last part
    and a failed job's stored kind, ``status`` the HTTP status, ``exit_code`` the CLI's."""

    kind: str
    status: int
    title: str
    exit_code: int
    retry_after_s: int | None = None


OUTCOMES: dict[str, Outcome] = {
    o.kind: o
    for o in (
        Outcome("invalid-request", 422, N_("Invalid request"), EXIT_BAD_INPUT),
        Outcome("invalid-config", 500, N_("Server misconfigured"), EXIT_BAD_INPUT),
        Outcome("not-found", 404, N_("Not found"), EXIT_BAD_INPUT),
        Outcome("area-forbidden", 403, N_("Area not allowed for this key"), EXIT_BAD_INPUT),
        Outcome("conflict", 409, N_("Conflict"), EXIT_BAD_INPUT),
        Outcome("version-conflict", 409, N_("Not the newest version"), EXIT_FAILED),
        Outcome("bad-signature", 401, N_("Bad signature"), EXIT_BAD_INPUT),
        Outcome("bad-link", 401, N_("Not a staff link"), EXIT_BAD_INPUT),
        Outcome("gone", 410, N_("Gone"), EXIT_BAD_INPUT),
        Outcome("no-plan-found", 503, N_("No plan found"), EXIT_FAILED, RETRY_AFTER_BUSY_S),
        Outcome(
            "street-data-unavailable",
            503,
            N_("Street data unavailable"),
            EXIT_FAILED,
            RETRY_AFTER_BUSY_S,
        ),
        Outcome("busy", 503, N_("Busy"), EXIT_FAILED, 15),
        Outcome("queue-full", 503, N_("Too many plans waiting"), EXIT_FAILED, RETRY_AFTER_BUSY_S),
        Outcome(
            "queue-unavailable", 503, N_("Job queue unavailable"), EXIT_FAILED, RETRY_AFTER_BUSY_S
        ),
        Outcome(
            "database-unavailable",
            503,
            N_("Database unavailable"),
            EXIT_FAILED,
            RETRY_AFTER_DATABASE_S,
        ),
        Outcome("timeout", 503, N_("Solving took too long"), EXIT_FAILED, RETRY_AFTER_BUSY_S),
        Outcome("worker-lost", 503, N_("Worker lost"), EXIT_FAILED, RETRY_AFTER_BUSY_S),
        Outcome("restarted", 503, N_("Server restarted"), EXIT_FAILED, RETRY_AFTER_BUSY_S),
        Outcome("shutdown", 503, N_("Server shutting down"), EXIT_FAILED, RETRY_AFTER_BUSY_S),
        Outcome("internal", 500, N_("Internal error"), EXIT_FAILED),
    )
}
"""Every outcome by kind (a failed job stores the kind; the API and CLI look it up)."""
