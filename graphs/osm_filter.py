"""Evaluate osmnx's network-type filters on the tags of OSM ways.

osmnx selects the ways of a network type ("drive", "walk", "bike", ...) with an
Overpass QL filter string built by ``osmnx._overpass._get_network_filter``. To
load local files with exactly osmnx's choice of ways, that string is parsed
once per network type into clauses and evaluated on each way's tags:

- ``["k"]``: the key is present;
- ``["k"~"re"]``: the key is present and ``re.search(re, value)`` matches;
- ``["k"!~"re"]``: the key is absent, or its value does not match.

Any other Overpass syntax makes parsing fail loudly, so a change in osmnx's
filters cannot silently change which streets are kept.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from graphs.errors import GraphError

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

__all__ = ["TagClause", "parse_overpass_filter", "way_filter"]

_CLAUSE_RE = re.compile(r'\["(?P<key>[^"]+)"(?:(?P<op>!?~)"(?P<pattern>[^"]*)")?\]')


@dataclass(frozen=True, slots=True)
class TagClause:
    """One ``[...]`` clause of an Overpass tag filter.

    Parameters
    ----------
    key
        The OSM tag key.
    pattern
        The value regex, or None for a bare key-present clause.
    negated
        True for ``!~`` (absent or not matching), False for ``~``.
    """

    key: str
    pattern: re.Pattern[str] | None = None
    negated: bool = False

    def matches(self, tags: Mapping[str, str]) -> bool:
        """
        Tell whether a way's tags satisfy this clause.

        Parameters
        ----------
        tags
            The way's tags, key to value.

        Returns
        -------
        matches
            True if the clause holds, with Overpass semantics.
        """
        value = tags.get(self.key)
        if self.pattern is None:
            return value is not None
        if value is None:
            return self.negated
        return (self.pattern.search(value) is not None) != self.negated


def parse_overpass_filter(text: str) -> tuple[TagClause, ...]:
    """
    Parse an Overpass QL tag filter such as osmnx builds into clauses.

    Parameters
    ----------
    text
        The filter, for example ``'["highway"]["access"!~"private"]'``.

    Returns
    -------
    clauses
        The clauses in order; a way passes if it satisfies all of them.

    Raises
    ------
    GraphError
        If the text holds anything but ``["k"]``, ``["k"~"re"]`` and
        ``["k"!~"re"]`` clauses, or no clause at all.
    """
    clauses: list[TagClause] = []
    position = 0
    for match in _CLAUSE_RE.finditer(text):
        if match.start() != position:
            break
        op = match["op"]
        pattern = None if op is None else re.compile(match["pattern"])
        clauses.append(TagClause(key=match["key"], pattern=pattern, negated=op == "!~"))
        position = match.end()
    if position != len(text) or not clauses:
        msg = f"Cannot evaluate the Overpass filter {text!r}: unsupported syntax."
        raise GraphError(msg)
    return tuple(clauses)


@functools.cache
def way_filter(network_type: str) -> Callable[[Mapping[str, str]], bool]:
    """
    Build the predicate osmnx's filter for a network type defines on way tags.

    The filter text is read from osmnx (including ``ox.settings.default_access``
    at the first call) and parsed once per network type; the result is cached.
    osmnx is imported at the first call (through `graphs.load.configured_osmnx`,
    which sets its settings), not with this module.

    Parameters
    ----------
    network_type
        An osmnx network type: "drive", "drive_service", "walk", "bike",
        "all_public" or "all".

    Returns
    -------
    keep
        A function taking a way's tags and returning True if osmnx would
        download that way for the network type.

    Raises
    ------
    GraphError
        If osmnx does not know the network type.
    """
    from graphs.load import configured_osmnx  # not at the top: graphs.load imports us

    configured_osmnx()
    from osmnx._overpass import _get_network_filter

    try:
        text = _get_network_filter(network_type)
    except ValueError as exc:
        msg = f"Unknown network type {network_type!r}."
        raise GraphError(msg) from exc
    clauses = parse_overpass_filter(text)

    def keep(tags: Mapping[str, str]) -> bool:
        return all(clause.matches(tags) for clause in clauses)

    return keep
