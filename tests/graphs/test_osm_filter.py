"""Evaluating osmnx's network-type filters on OSM way tags."""

from __future__ import annotations

import re

import pytest
from osmnx._overpass import _get_network_filter

from graphs import GraphError, way_filter
from graphs.osm_filter import TagClause, parse_overpass_filter


@pytest.mark.parametrize(
    "tags",
    [
        {"highway": "footway"},
        {"highway": "cycleway"},
        {"highway": "track"},
        {"highway": "service", "service": "parking"},
        {"highway": "residential", "service": "parking_aisle"},
        {"highway": "residential", "access": "private"},
        {"highway": "residential", "motor_vehicle": "no"},
        {"highway": "residential", "area": "yes"},
        {"building": "yes"},
        {},
    ],
)
def test_drive_rejects_non_drivable_ways(tags: dict[str, str]) -> None:
    """Drive drops footways, cycleways, tracks, parking, private and non-highway ways."""
    assert not way_filter("drive")(tags)


@pytest.mark.parametrize(
    "tags",
    [
        {"highway": "residential"},
        {"highway": "primary", "maxspeed": "80", "oneway": "yes"},
        {"highway": "living_street", "access": "destination"},
        {"highway": "unclassified", "service": "none-of-the-listed"},
    ],
)
def test_drive_accepts_public_roads(tags: dict[str, str]) -> None:
    """Drive keeps public roads, whatever their other tags."""
    assert way_filter("drive")(tags)


def test_walk_accepts_footways_and_rejects_foot_no() -> None:
    """Walk keeps footways and residential streets but not ways tagged foot=no or motorways."""
    keep = way_filter("walk")
    assert keep({"highway": "footway"})
    assert keep({"highway": "residential"})
    assert not keep({"highway": "residential", "foot": "no"})
    assert not keep({"highway": "motorway"})
    assert not keep({"highway": "cycleway"})


def test_bike_accepts_cycleways_and_rejects_bicycle_no() -> None:
    """Bike keeps cycleways but not footways or ways tagged bicycle=no."""
    keep = way_filter("bike")
    assert keep({"highway": "cycleway"})
    assert not keep({"highway": "footway"})
    assert not keep({"highway": "tertiary", "bicycle": "no"})


def test_regex_search_semantics_match_overpass() -> None:
    """Values match by regex search as in Overpass: walk's 'motor' drops motorway_link."""
    assert not way_filter("walk")({"highway": "motorway_link"})
    assert not way_filter("drive")({"highway": "services"})


@pytest.mark.parametrize(
    "network_type", ["all", "all_public", "bike", "drive", "drive_service", "walk"]
)
def test_every_osmnx_network_filter_parses(network_type: str) -> None:
    """Every osmnx network filter parses fully, starting with the highway-present clause."""
    clauses = parse_overpass_filter(_get_network_filter(network_type))
    assert clauses[0] == TagClause(key="highway")
    assert len(clauses) >= 3


def test_parse_builds_negated_and_plain_clauses() -> None:
    """``~`` and ``!~`` clauses keep their regex and negation."""
    clauses = parse_overpass_filter('["highway"]["name"~"^Nørre"]["access"!~"private|no"]')
    assert clauses == (
        TagClause("highway"),
        TagClause("name", re.compile("^Nørre"), negated=False),
        TagClause("access", re.compile("private|no"), negated=True),
    )
    assert not clauses[1].matches({"highway": "residential"})
    assert clauses[2].matches({"highway": "residential"})


@pytest.mark.parametrize(
    "text", ["", '["highway"="residential"]', '["highway"] ["area"!~"yes"]', '["a"~"x",i]']
)
def test_unsupported_filter_syntax_fails_loudly(text: str) -> None:
    """Syntax the evaluator does not understand raises GraphError instead of being skipped."""
    with pytest.raises(GraphError, match="unsupported syntax"):
        parse_overpass_filter(text)


def test_unknown_network_type_raises() -> None:
    """A network type osmnx does not know raises GraphError."""
    with pytest.raises(GraphError, match="Unknown network type 'boat'"):
        way_filter("boat")


def test_way_filter_is_cached() -> None:
    """The filter is parsed once per network type: the same predicate comes back."""
    assert way_filter("drive") is way_filter("drive")
