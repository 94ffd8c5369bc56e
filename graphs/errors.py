"""Errors raised by the street-graph package.

Every class subclasses `ValueError` through `GraphError`, following osmnx's
``_errors.py``: callers that only care that a graph operation failed catch
`GraphError`; the service maps the subclasses to HTTP statuses.
"""

from __future__ import annotations

__all__ = ["AreaFileError", "GraphError", "UnknownAreaError", "UnreachableError"]


class GraphError(ValueError):
    """A street graph could not be loaded, queried or routed."""


class UnknownAreaError(GraphError):
    """No area file of the requested name exists; the message lists the known areas."""


class AreaFileError(GraphError):
    """An OSM area file is missing, unreadable, corrupt or holds no usable streets."""


class UnreachableError(GraphError):
    """No path along the street network joins two requested nodes."""
