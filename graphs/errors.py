"""Errors raised by the street-graph package.

Every class subclasses `ValueError` through `GraphError`, following osmnx's
``_errors.py``: callers that only care that a graph operation failed catch
`GraphError`; the service maps the subclasses to HTTP statuses.
"""

from __future__ import annotations

__all__ = [
    "AddressNotFoundError",
    "AreaFileError",
    "GraphError",
    "UnknownAreaError",
    "UnreachableError",
]


class GraphError(ValueError):
    """A street graph could not be loaded, queried or routed."""


class UnknownAreaError(GraphError):
    """No area file of the requested name exists; the message lists the known areas
    (``name`` and ``known`` say the same for a translation)."""

    def __init__(self, message: str, *, name: str = "", known: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.name = name
        self.known = known


class AreaFileError(GraphError):
    """An OSM area file is missing, unreadable, corrupt or holds no usable streets."""


class UnreachableError(GraphError):
    """No path along the street network joins two requested nodes."""


class AddressNotFoundError(GraphError):
    """An address the area's file does not hold (or holds more than once).

    Parameters
    ----------
    message
        One sentence, in English.
    text
        The address as it was given.
    suggestions
        The closest addresses the area has, best first (or, when ``reason`` is
        ``"ambiguous"``, those it could mean), as ``Street 12, 9870 Town``.
    reason
        ``"not_found"``, ``"ambiguous"`` or ``"unreadable"`` (no street and house number).
    """

    def __init__(
        self, message: str, *, text: str, suggestions: tuple[str, ...], reason: str
    ) -> None:
        super().__init__(message)
        self.text = text
        self.suggestions = suggestions
        self.reason = reason
