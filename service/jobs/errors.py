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


class SolveStarvedError(RuntimeError):
    """A valid request found no plan because the solve got too little CPU time (overload),
    not because of the request: try again later.

    Parameters
    ----------
    message
        One plain sentence for people.
    cpu_share
        The share of one core the solve got (CPU time over wall time).
    """

    def __init__(self, message: str, *, cpu_share: float) -> None:
        super().__init__(message)
        self.cpu_share = cpu_share
