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


class ShiftError(ValueError):
    """A shift cannot be planned, even with nothing on its route.

    Parameters
    ----------
    shift
        Index of the shift in ``RoutingProblem.shifts``.
    reason
        A short machine-readable code: ``end_unreachable`` (getting from its start to its
        end takes longer than the shift lasts).
    message
        One plain sentence for people.
    shift_id
        The shift's id.
    travel_s, length_s
        The travel from start to end, and the shift's length.
    """

    def __init__(
        self,
        shift: int,
        reason: str,
        message: str,
        *,
        shift_id: str,
        travel_s: int,
        length_s: int,
    ) -> None:
        super().__init__(message)
        self.shift = shift
        self.shift_id = shift_id
        self.reason = reason
        self.travel_s = travel_s
        self.length_s = length_s
