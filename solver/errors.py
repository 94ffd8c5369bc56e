"""Errors raised by the solver."""

from __future__ import annotations


class SolverError(RuntimeError):
    """The solver could not produce a plan (no solution in time, or an internal fault)."""


class InfeasibleError(ValueError):
    """A mandatory visit cannot be kept.

    Parameters
    ----------
    visit
        Index of the visit in ``RoutingProblem.visits``.
    reason
        A short machine-readable code: ``no_eligible_shift``, ``window_outside_shifts``,
        ``unreachable_in_window``, ``sequence`` (a fixed sequence that cannot be kept) or
        ``conflict``.
    message
        One plain sentence for people.
    clashes_with
        For ``conflict``: the visits (indices) it provably cannot share a route with.
    """

    def __init__(
        self, visit: int, reason: str, message: str, *, clashes_with: tuple[int, ...] = ()
    ) -> None:
        super().__init__(message)
        self.visit = visit
        self.reason = reason
        self.clashes_with = clashes_with
