"""Errors of the jobs feature (web-free; ``service.api.problems`` renders them)."""

from __future__ import annotations

from typing import ClassVar


class JobNotFoundError(LookupError):
    """No job has that id."""

    outcome_kind: ClassVar[str] = "not-found"


class QueueFullError(RuntimeError):
    """The queue holds as many jobs as it may; try again after ``retry_after_s``."""

    outcome_kind: ClassVar[str] = "queue-full"

    def __init__(self, message: str, *, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class QueueUnavailableError(RuntimeError):
    """The broker cannot take the job (down or unreachable)."""

    outcome_kind: ClassVar[str] = "queue-unavailable"
