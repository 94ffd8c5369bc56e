"""Danish addresses from the shipped Sindal file's ``addr:*`` tags, offline (issue 18)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from graphs import AddressIndex, AddressNotFoundError, load_addresses
from graphs.addresses import Address, addresses_from_osm, parse_address

from .conftest import SINDAL_FILE

if TYPE_CHECKING:
    from pathlib import Path

# Nørregade 1A is node 2975385007 of the shipped file (lat 57.4711164, lon 10.2020257).
NORREGADE_1A = (57.4711164, 10.2020257)


@pytest.fixture(scope="module")
def sindal_addresses(graph_cache_dir: Path) -> AddressIndex:
    """Sindal's addresses (about 1,800, all in 9870 Sindal), through the cache."""
    return load_addresses(SINDAL_FILE, cache_dir=graph_cache_dir)


def test_sindal_holds_its_addresses(sindal_addresses: AddressIndex) -> None:
    """The shipped file's addresses are read: street, number, postcode and town."""
    assert len(sindal_addresses) > 1700
    assert "Nørregade" in sindal_addresses.streets()
    found = sindal_addresses.find("Nørregade 1A, 9870 Sindal")
    assert (found.street, found.housenumber, found.postcode, found.town) == (
        "Nørregade",
        "1A",
        "9870",
        "Sindal",
    )
    assert (found.lat, found.lon) == pytest.approx(NORREGADE_1A)
    assert found.label == "Nørregade 1A, 9870 Sindal"


@pytest.mark.parametrize(
    "text",
    [
        "Nørregade 1A, 9870 Sindal",
        "Nørregade 1A",
        "nørregade 1a, sindal",
        "NØRREGADE 1 A, 9870",
        "Nørregade 1A, 1. tv.",
        "Nørregade 1A, st. th., 9870 Sindal",
        "Nørregade 1A 2. sal",
        "Nørregade 1A, kl., Sindal",
        "  Nørregade   1A ,9870  SINDAL ",
    ],
)
def test_variants_of_one_address_find_it(sindal_addresses: AddressIndex, text: str) -> None:
    """Case, postcode and town, floor and door, and spacing do not change the point."""
    found = sindal_addresses.find(text)
    assert (found.lat, found.lon) == pytest.approx(NORREGADE_1A)


def test_aa_reads_as_a_ring(sindal_addresses: AddressIndex) -> None:
    """``aa`` is ``å`` (Dalgårdsvej), and an ``aa`` in the file's own name matches ``å``."""
    assert sindal_addresses.find("Dalgaardsvej 9").street == "Dalgårdsvej"
    assert sindal_addresses.find("DALGÅRDSVEJ 9, 9870 Sindal").street == "Dalgårdsvej"
    assert sindal_addresses.find("Agerledetgårdvej 18").street == "Agerledetgaardvej"


def test_spaces_and_full_stops_in_street_names_are_optional(
    sindal_addresses: AddressIndex,
) -> None:
    """ "Ole Rømersvej" is "Ole Rømers Vej"; "Gl Sindalvej" is "Gl. Sindalvej"."""
    assert sindal_addresses.find("Ole Rømersvej 2").street == "Ole Rømers Vej"
    assert sindal_addresses.find("Gl Sindalvej 64").street == "Gl. Sindalvej"


def test_not_found_names_the_closest(sindal_addresses: AddressIndex) -> None:
    """A number the street lacks suggests the nearest numbers on it; a misspelt street the
    streets spelt alike; a wrong postcode is not found, suggesting the right town."""
    with pytest.raises(AddressNotFoundError) as missing:
        sindal_addresses.find("Nørregade 12")
    assert missing.value.reason == "not_found"
    assert missing.value.suggestions[:2] == (
        "Nørregade 12A, 9870 Sindal",
        "Nørregade 12B, 9870 Sindal",
    )
    with pytest.raises(AddressNotFoundError) as misspelt:
        sindal_addresses.find("Norregade 1A")
    assert misspelt.value.suggestions[0] == "Nørregade 1A, 9870 Sindal"
    with pytest.raises(AddressNotFoundError) as elsewhere:
        sindal_addresses.find("Nørregade 1A, 3700 Rønne")
    assert elsewhere.value.suggestions[0] == "Nørregade 1A, 9870 Sindal"
    with pytest.raises(AddressNotFoundError) as nothing:
        sindal_addresses.find("Kronprinsessegade 12, 1306 København K")
    assert nothing.value.suggestions == ()


def test_text_without_a_house_number_is_no_address(sindal_addresses: AddressIndex) -> None:
    """A street alone cannot be placed: the error says why, with no suggestions."""
    with pytest.raises(AddressNotFoundError) as error:
        sindal_addresses.find("Nørregade")
    assert error.value.reason == "unreadable"


def test_the_same_address_in_two_towns_asks_for_the_postcode() -> None:
    """Without a postcode or town, two towns' Storegade 12 is ambiguous; either settles it."""
    index = AddressIndex(
        [
            Address("Storegade", "12", "3700", "Rønne", 55.1, 14.7),
            Address("Storegade", "12", "9870", "Sindal", 57.47, 10.2),
        ],
        name="test",
    )
    with pytest.raises(AddressNotFoundError) as error:
        index.find("Storegade 12")
    assert error.value.reason == "ambiguous"
    assert set(error.value.suggestions) == {"Storegade 12, 3700 Rønne", "Storegade 12, 9870 Sindal"}
    assert index.find("Storegade 12, 3700").town == "Rønne"
    assert index.find("storegade 12 B, 1. tv., rønne".replace(" B", "")).lat == 55.1


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("Storegade 12, 3700 Rønne", ("storegade", "12", "3700", "rønne")),
        ("Storegade 12B, 1. tv.", ("storegade", "12b", "", "")),
        ("storegade 12 b st. th.", ("storegade", "12b", "", "")),
        ("Store Torv 3, Rønne", ("storetorv", "3", "", "rønne")),
        ("Aakirkebyvej 7, 3720 Aakirkeby", ("åkirkebyvej", "7", "3720", "åkirkeby")),
    ],
)
def test_parse_address(text: str, parts: tuple[str, str, str, str]) -> None:
    """Street, number with letter, postcode and town are read; floor and door dropped."""
    query = parse_address(text)
    assert query is not None
    assert (query.street, query.number, query.postcode, query.town) == parts


def test_a_building_way_is_placed_at_its_nodes_mean(tmp_path: Path) -> None:
    """An address on a building way gets the mean of its nodes; one on a node, the node."""
    osm = tmp_path / "town.osm"
    osm.write_text(
        """<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6">
 <node id="1" lat="55.10" lon="14.70"/>
 <node id="2" lat="55.10" lon="14.72"/>
 <node id="3" lat="55.12" lon="14.72"/>
 <node id="4" lat="55.12" lon="14.70"/>
 <node id="5" lat="55.2" lon="14.8">
  <tag k="addr:street" v="Storegade"/><tag k="addr:housenumber" v="1"/>
 </node>
 <way id="10">
  <nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="4"/>
  <tag k="building" v="house"/><tag k="addr:street" v="Storegade"/>
  <tag k="addr:housenumber" v="12B"/><tag k="addr:postcode" v="3700"/>
  <tag k="addr:city" v="Rønne"/>
 </way>
</osm>
""",
        encoding="utf-8",
    )
    found = {a.housenumber: a for a in addresses_from_osm(osm)}
    assert (found["1"].lat, found["1"].lon) == (55.2, 14.8)
    building = found["12B"]
    assert (building.postcode, building.town) == ("3700", "Rønne")
    assert (building.lat, building.lon) == pytest.approx((55.11, 14.71))


def test_the_cache_answers_alike(graph_cache_dir: Path) -> None:
    """A second load reads the cache file and finds the same addresses."""
    first = load_addresses(SINDAL_FILE, cache_dir=graph_cache_dir)
    assert list(graph_cache_dir.glob("addresses-v*.pickle"))
    again = load_addresses(SINDAL_FILE, cache_dir=graph_cache_dir)
    assert len(again) == len(first)
    assert again.find("Vestergade 13") == first.find("Vestergade 13")
