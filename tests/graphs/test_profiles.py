"""The walk, bike and drive profiles: which ways each mode uses, and in which directions."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from graphs import TravelMode, keeps_way, way_filter
from graphs.profiles import access_forbids, bike_oneway, routing_tags

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    import networkx as nx

    from graphs import StreetNetwork

    from .conftest import ShippedWay

Tags = dict[str, str]

CAR_ACCESS_KEYS = {"access", "motorcar", "motor_vehicle", "vehicle"}


def matching(ways: list[ShippedWay], test: Callable[[Mapping[str, str]], bool]) -> list[Tags]:
    """The tags of the shipped ways that pass `test`; fails if there are none."""
    found = [way.tags for way in ways if test(way.tags)]
    assert found, "the shipped areas hold no way for this rule"
    return found


def way_ids(G: nx.MultiDiGraph) -> set[int]:
    """The OSM way ids on a graph's edges (simplified edges may hold lists)."""
    ids: set[int] = set()
    for _, _, osmid in G.edges(data="osmid"):
        ids.update(osmid if isinstance(osmid, list) else [osmid])
    return ids


# --- Hand-written tags: one case per rule --------------------------------------------------


@pytest.mark.parametrize(
    ("tags", "walk", "bike", "drive"),
    [
        ({"highway": "residential"}, True, True, True),
        ({"highway": "cycleway", "foot": "designated"}, True, True, False),
        ({"highway": "cycleway", "foot": "yes"}, True, True, False),
        ({"highway": "cycleway", "foot": "permissive"}, True, True, False),
        ({"highway": "cycleway"}, False, True, False),
        ({"highway": "cycleway", "foot": "no"}, False, True, False),
        ({"highway": "footway"}, True, False, False),
        ({"highway": "footway", "bicycle": "yes"}, True, True, False),
        ({"highway": "footway", "bicycle": "designated"}, True, True, False),
        ({"highway": "pedestrian"}, True, False, False),
        ({"highway": "pedestrian", "bicycle": "permissive"}, True, True, False),
        ({"highway": "path"}, True, True, False),
        ({"highway": "path", "foot": "designated"}, True, True, False),
        ({"highway": "path", "bicycle": "no"}, True, False, False),
        ({"highway": "track", "foot": "yes"}, True, True, False),
        ({"highway": "bridleway", "foot": "yes"}, True, True, False),
        ({"highway": "residential", "foot": "no"}, False, True, True),
        ({"highway": "residential", "access": "private"}, False, False, False),
        ({"highway": "residential", "access": "no"}, False, False, False),
        ({"highway": "residential", "access": "private", "foot": "yes"}, True, False, False),
        ({"highway": "track", "access": "no", "bicycle": "designated"}, False, True, False),
        (
            {"highway": "residential", "access": "private", "motor_vehicle": "yes"},
            False,
            False,
            True,
        ),
        ({"highway": "unclassified", "access": "agricultural"}, True, True, False),
        ({"highway": "unclassified", "access": "agricultural;forestry"}, True, True, False),
        ({"highway": "tertiary", "vehicle": "no"}, True, False, False),
        ({"highway": "tertiary", "bicycle": "no", "cycleway": "track"}, True, False, True),
        ({"highway": "trunk", "motorroad": "yes"}, False, False, True),
        ({"highway": "trunk", "motorroad": "yes", "cycleway:right": "track"}, False, True, True),
        ({"highway": "trunk", "motorroad": "yes", "foot": "yes"}, True, False, True),
        ({"highway": "service"}, True, True, True),
        ({"highway": "service", "service": "driveway"}, True, True, True),
        ({"highway": "service", "service": "alley"}, True, True, True),
        ({"highway": "service", "service": "parking_aisle"}, True, True, False),
        ({"highway": "service", "service": "drive-through"}, True, True, False),
        ({"highway": "service", "service": "emergency_access"}, True, True, False),
        ({"highway": "service", "service": "Privat-Strasse"}, True, True, False),
        ({"highway": "service", "access": "private"}, False, False, False),
        ({"highway": "service", "service": "driveway", "access": "no"}, False, False, False),
        ({"highway": "busway"}, True, True, False),
        ({"highway": "motorway"}, False, False, True),
        ({"highway": "residential", "area": "yes"}, False, False, False),
        ({"highway": "construction"}, False, False, False),
        ({"building": "yes"}, False, False, False),
    ],
)
def test_profile_rules_on_hand_written_tags(
    tags: Tags, walk: bool, bike: bool, drive: bool
) -> None:
    """Each profile rule keeps or drops its way as the profiles module documents."""
    assert keeps_way("walk", tags) == walk
    assert keeps_way("bike", tags) == bike
    assert keeps_way("drive", tags) == drive


def test_access_hierarchy_takes_the_most_specific_key() -> None:
    """``foot``/``bicycle``/``motorcar`` overrule ``vehicle`` and ``access``, as OSM defines."""
    assert access_forbids("walk", {"access": "private"})
    assert not access_forbids("walk", {"access": "private", "foot": "permissive"})
    assert access_forbids("bike", {"access": "yes", "vehicle": "no"})
    assert not access_forbids("bike", {"vehicle": "no", "bicycle": "yes"})
    assert access_forbids("drive", {"motor_vehicle": "no"})
    assert not access_forbids("drive", {"motor_vehicle": "no", "motorcar": "destination"})
    assert not access_forbids("drive", {"access": "agricultural;customers"})


@pytest.mark.parametrize(
    ("tags", "oneway"),
    [
        ({"oneway": "yes"}, "yes"),
        ({"oneway": "-1"}, "-1"),
        ({"oneway": "yes", "oneway:bicycle": "no"}, "no"),
        ({"oneway": "-1", "oneway:bicycle": "no"}, "no"),
        ({"oneway": "yes", "cycleway": "opposite_lane"}, "no"),
        ({"oneway": "yes", "cycleway:left": "lane", "cycleway:left:oneway": "-1"}, "no"),
        ({"oneway": "yes", "cycleway:right": "track", "cycleway:right:oneway": "no"}, "no"),
        ({"oneway": "yes", "cycleway:right": "track"}, "yes"),
        ({"oneway:bicycle": "yes"}, "yes"),
        ({"oneway": "no"}, "no"),
        ({}, None),
    ],
)
def test_bike_oneway(tags: Tags, oneway: str | None) -> None:
    """Bikes obey one-way streets unless a contraflow tag lets them ride both ways."""
    assert bike_oneway({"highway": "residential", **tags}) == oneway


def test_routing_tags_rewrite_oneway_for_bikes_only() -> None:
    """The graph builder sees the bike's oneway for bikes and the tagged one otherwise."""
    tags = {"highway": "residential", "oneway": "yes", "oneway:bicycle": "no"}
    assert routing_tags("bike", tags)["oneway"] == "no"
    assert routing_tags("drive", tags)["oneway"] == "yes"
    assert routing_tags("walk", tags) == tags
    assert "oneway" not in routing_tags("bike", {"highway": "residential"})


# --- Real tags from the shipped area files -----------------------------------------------


def test_walk_keeps_shared_cycleways_of_liechtenstein(shipped_ways: list[ShippedWay]) -> None:
    """Real cycleways tagged foot=yes are walked; osmnx's walk filter dropped every one."""
    shared = matching(shipped_ways, lambda t: t["highway"] == "cycleway" and t.get("foot") == "yes")
    assert len(shared) > 100
    assert all(keeps_way("walk", tags) for tags in shared)
    assert not any(way_filter("walk")(tags) for tags in shared)


def test_walk_drops_real_ways_closed_to_pedestrians(shipped_ways: list[ShippedWay]) -> None:
    """Real ways tagged foot=no, and access=no|private ways without a foot tag, are not walked."""
    closed = matching(shipped_ways, lambda t: t.get("foot") == "no")
    closed += matching(
        shipped_ways, lambda t: t.get("access") in {"no", "private"} and "foot" not in t
    )
    assert not any(keeps_way("walk", tags) for tags in closed)


def test_walk_keeps_real_paths_and_pedestrian_streets(shipped_ways: list[ShippedWay]) -> None:
    """Real paths with foot=designated and pedestrian streets (Vaduz's Städtle) are walked."""
    paths = matching(
        shipped_ways, lambda t: t["highway"] == "path" and t.get("foot") == "designated"
    )
    streets = matching(shipped_ways, lambda t: t["highway"] == "pedestrian")
    assert all(keeps_way("walk", tags) for tags in paths + streets)


def test_walk_drops_real_cycleways_without_foot_tag(shipped_ways: list[ShippedWay]) -> None:
    """A cycleway without foot=yes|designated|permissive stays a cycle path (Sindal has some)."""
    plain = matching(shipped_ways, lambda t: t["highway"] == "cycleway" and "foot" not in t)
    assert not any(keeps_way("walk", tags) for tags in plain)


def test_bike_uses_real_footways_only_where_cycling_is_allowed(
    shipped_ways: list[ShippedWay],
) -> None:
    """Real footways and pedestrian streets are ridden only where a bicycle tag allows it."""
    open_ways = matching(
        shipped_ways,
        lambda t: (
            t["highway"] in {"footway", "pedestrian"}
            and t.get("bicycle") in {"yes", "designated", "permissive"}
        ),
    )
    closed_ways = matching(
        shipped_ways,
        lambda t: t["highway"] in {"footway", "pedestrian"} and "bicycle" not in t,
    )
    assert all(keeps_way("bike", tags) for tags in open_ways)
    assert not any(keeps_way("bike", tags) for tags in closed_ways)
    # osmnx rode every pedestrian street, including St. Martins-Ring (no bicycle tag).
    assert any(way_filter("bike")(tags) for tags in closed_ways)


def test_bike_drops_real_ways_with_bicycle_no(shipped_ways: list[ShippedWay]) -> None:
    """Real ways tagged bicycle=no (paths, footways, tracks, roads) are never ridden."""
    closed = matching(shipped_ways, lambda t: t.get("bicycle") == "no")
    assert not any(keeps_way("bike", tags) for tags in closed)


def test_drive_keeps_real_driveways_and_alleys(shipped_ways: list[ShippedWay]) -> None:
    """Real driveways (Sindal's farms), alleys and untagged service roads are driven."""
    for service in ("driveway", "alley"):

        def open_service(t: Mapping[str, str], kind: str = service) -> bool:
            """A service road of this kind that no car access tag governs."""
            return (
                t["highway"] == "service"
                and t.get("service") == kind
                and not CAR_ACCESS_KEYS & set(t)
            )

        ways = matching(shipped_ways, open_service)
        assert all(keeps_way("drive", tags) for tags in ways)
    plain = matching(
        shipped_ways,
        lambda t: t["highway"] == "service" and not {"service", *CAR_ACCESS_KEYS} & set(t),
    )
    assert all(keeps_way("drive", tags) for tags in plain)
    # Alleys closed to motor vehicles (Liechtenstein's Steinestgasse) stay out.
    closed = matching(
        shipped_ways, lambda t: t.get("service") == "alley" and t.get("motor_vehicle") == "no"
    )
    assert not any(keeps_way("drive", tags) for tags in closed)


def test_drive_drops_real_parking_aisles_and_closed_roads(shipped_ways: list[ShippedWay]) -> None:
    """Real parking aisles, private service roads and access=no streets are not driven."""
    aisles = matching(shipped_ways, lambda t: t.get("service") == "parking_aisle")
    private = matching(
        shipped_ways,
        lambda t: (
            t["highway"] == "service"
            and t.get("access") == "private"
            and not (CAR_ACCESS_KEYS - {"access"}) & set(t)
        ),
    )
    closed_streets = matching(
        shipped_ways,
        lambda t: (
            t["highway"] == "residential"
            and t.get("access") == "no"
            and not (CAR_ACCESS_KEYS - {"access"}) & set(t)
        ),
    )
    assert not any(keeps_way("drive", tags) for tags in aisles + private + closed_streets)
    # osmnx drove residential streets tagged access=no.
    assert all(way_filter("drive")(tags) for tags in closed_streets)
    # A private road open to motor vehicles (motor_vehicle=permissive) is driven.
    permitted = matching(
        shipped_ways,
        lambda t: t.get("access") == "private" and t.get("motor_vehicle") == "permissive",
    )
    assert all(keeps_way("drive", tags) for tags in permitted)


def test_liechtenstein_contraflow_street_is_two_way_for_bikes(
    shipped_ways: list[ShippedWay],
    liechtenstein_bike: nx.MultiDiGraph,
    liechtenstein_drive: nx.MultiDiGraph,
) -> None:
    """In der Egerta (oneway=-1, oneway:bicycle=no) is ridden both ways but driven one way."""
    (way,) = [
        w for w in shipped_ways if w.tags.get("oneway:bicycle") == "no" and "oneway" in w.tags
    ]

    def directions(G: nx.MultiDiGraph) -> set[tuple[int, int]]:
        """The (u, v) pairs of the graph's edges that carry the way."""
        edges = set()
        for u, v, osmid in G.edges(data="osmid"):
            if way.way_id in (osmid if isinstance(osmid, list) else [osmid]):
                edges.add((u, v))
        return edges

    bike, drive = directions(liechtenstein_bike), directions(liechtenstein_drive)
    assert drive
    assert all((v, u) not in drive for u, v in drive)
    assert all((v, u) in bike for u, v in bike)
    assert drive < bike


def test_sindal_graphs_follow_the_profiles(
    shipped_ways: list[ShippedWay], sindal_walk: nx.MultiDiGraph, sindal_drive: nx.MultiDiGraph
) -> None:
    """Sindal's walk graph has its shared foot/cycle path; its drive graph has driveways."""
    sindal = [way for way in shipped_ways if way.area == "sindal.osm.bz2"]
    shared = {
        way.way_id
        for way in sindal
        if way.tags["highway"] == "cycleway" and way.tags.get("foot") == "yes"
    }
    driveways = {way.way_id for way in sindal if way.tags.get("service") == "driveway"}
    aisles = {way.way_id for way in sindal if way.tags.get("service") == "parking_aisle"}
    assert shared & way_ids(sindal_walk)
    assert len(driveways & way_ids(sindal_drive)) > 10
    assert not aisles & way_ids(sindal_drive)


# --- The hand-written town, loaded -------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "kept"),
    [
        ("walk", {100, 101, 102, 103, 105, 106, 107, 108, 109, 110, 112, 113}),
        ("bike", {100, 101, 102, 103, 104, 105, 108, 109, 110, 112}),
        ("drive", {100, 101, 102, 108, 109, 112, 114}),
    ],
)
def test_tiny_town_graphs_hold_the_profile_ways(
    tiny_town_nets: dict[TravelMode, StreetNetwork], mode: TravelMode, kept: set[int]
) -> None:
    """Loading the tiny town keeps exactly the ways its comments say each mode may use."""
    assert way_ids(tiny_town_nets[mode].graph) == kept


def test_tiny_town_one_way_street_is_two_way_for_bikes_only(
    tiny_town_nets: dict[TravelMode, StreetNetwork],
) -> None:
    """Tvaervej (13 -> 3, oneway:bicycle=no) is driven north to south only, ridden both ways."""
    assert tiny_town_nets["drive"].graph.has_edge(13, 3)
    assert not tiny_town_nets["drive"].graph.has_edge(3, 13)
    assert tiny_town_nets["bike"].graph.has_edge(3, 13)
    assert tiny_town_nets["bike"].graph.has_edge(13, 3)
