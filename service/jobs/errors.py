"""Errors of the jobs feature (web-free; ``service.api.problems`` renders them)."""

from __future__ import annotations


class JobNotFoundError(LookupError):
    """No job has that id."""


class QueueFullError(RuntimeError):
    """The queue holds as many jobs as it may; try again after ``retry_after_s``."""

    def __init__(self, message: str, *, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class QueueUnavailableError(RuntimeError):
    """The broker cannot take the job (down or unreachable)."""
