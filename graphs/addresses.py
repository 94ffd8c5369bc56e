"""Danish addresses of an area, offline, from its OSM file's ``addr:*`` tags.

Denmark's OpenStreetMap data holds the official addresses (street, house number,
postcode, town) as nodes and as tags on buildings; the area's own file answers
"Nørregade 12B, 1. tv., 9870 Sindal" without the internet. A node is its own point; a
way (a building) is the mean of its nodes.

An address is written as people write it: with or without postcode and town, any case,
``aa`` for ``å``, spaces and full stops in a street name optional ("Gl Sindalvej",
"Ole Rømersvej"), and the floor and door ("1. tv.", "st. th.", "2. sal") ignored, since
the street point is the building's. `AddressIndex.find` answers one point or raises
`AddressNotFoundError` carrying the closest addresses the area has.

Reading a file takes pyosmium a fraction of a second for a town; `load_addresses` keeps
a pickle beside the street graphs' cache, keyed by the file's content.
"""

from __future__ import annotations

import difflib
import hashlib
import logging
import pickle
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from graphs.cachefile import area_file_digest, pickle_atomically
from graphs.errors import AddressNotFoundError, AreaFileError

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from pathlib import Path

__all__ = [
    "ADDRESS_FORMAT_VERSION",
    "Address",
    "AddressIndex",
    "AddressQuery",
    "addresses_from_osm",
    "load_addresses",
    "parse_address",
]

logger = logging.getLogger(__name__)

ADDRESS_FORMAT_VERSION: Final = 1
"""Bump when the index built from the same file would differ: old cache files stop matching."""

MAX_SUGGESTIONS: Final = 3

_NUMBER = re.compile(
    r"^(?P<street>.*?[^\W\d_].*?)\s+(?P<number>\d{1,4})\s*(?P<letter>[^\W\d_])?(?![^\W\d_])"
    r"(?P<rest>.*)$"
)
_POSTCODE = re.compile(r"(?<!\d)(?:dk-?)?(\d{4})(?!\d)")
# Floor and door: "1. tv.", "st. th.", "2. sal", "kl.", "3. mf.", "1. 12" (a door number).
_FLOOR_DOOR = re.compile(
    r"(?<![^\W\d_])(?:st|stuen|kl|kld|kælder|parterre|sal|tv|th|mf|\d{1,2}\s*\.(?:\s*sal)?)"
    r"(?![^\W\d_])\.?"
)
_KEY_DROP = re.compile(r"[\s.'\u2019\-/]+")


def _fold(text: str) -> str:
    """Case-folded and composed, ``aa`` read as ``å``, spaces collapsed."""
    folded = unicodedata.normalize("NFC", text).casefold().replace("aa", "å")
    return " ".join(folded.split())


def _key(text: str) -> str:
    """A name as compared: folded, without spaces, full stops, dashes or apostrophes."""
    return _KEY_DROP.sub("", _fold(text))


@dataclass(frozen=True, slots=True)
class Address:
    """One address of an area and its point (WGS84 degrees).

    Parameters
    ----------
    street
        The street (or place) name, as the OSM file writes it.
    housenumber
        The house number with its letter, e.g. ``"12B"``.
    postcode, town
        ``addr:postcode`` and ``addr:city``; empty when the file has none.
    lat, lon
        The point: the node, or the mean of a building's nodes.
    """

    street: str
    housenumber: str
    postcode: str
    town: str
    lat: float
    lon: float

    def __post_init__(self) -> None:
        if not (self.street and self.housenumber):
            msg = "An address needs a street and a house number."
            raise ValueError(msg)
        if not (-90 <= self.lat <= 90 and -180 <= self.lon <= 180):
            msg = f"({self.lat}, {self.lon}) is not a WGS84 position."
            raise ValueError(msg)

    @property
    def label(self) -> str:
        """The address as written on a letter: ``Nørregade 12B, 9870 Sindal``."""
        place = " ".join(part for part in (self.postcode, self.town) if part)
        return f"{self.street} {self.housenumber}, {place}" if place else self.label_short

    @property
    def label_short(self) -> str:
        """Street and number: ``Nørregade 12B``."""
        return f"{self.street} {self.housenumber}"


@dataclass(frozen=True, slots=True)
class AddressQuery:
    """An address as typed, read into its parts (folded; see `parse_address`).

    ``street`` is the comparison key (no spaces or full stops), ``number`` the house
    number with its letter (``"12b"``), ``postcode`` and ``town`` empty when not given.
    """

    street: str
    number: str
    postcode: str
    town: str


def parse_address(text: str) -> AddressQuery | None:
    """
    Read a Danish address into street, house number, postcode and town.

    Parameters
    ----------
    text
        E.g. ``"Storegade 12B, 1. tv., 3700 Rønne"``, ``"storegade 12 b"`` or
        ``"Storegade 12, Rønne"``; floor and door are dropped.

    Returns
    -------
    query
        The parts, folded for comparison; None when no street followed by a house number
        can be read.
    """
    folded = _fold(text.replace(",", " , "))
    found = _NUMBER.match(folded)
    if found is None:
        return None
    street = _key(found["street"].strip(" ,"))
    if not street:
        return None
    number = found["number"].lstrip("0") + (found["letter"] or "")
    rest = found["rest"]
    postcode = ""
    code = _POSTCODE.search(rest)
    if code is not None:
        postcode = code.group(1)
        # The town follows the postcode; anything before it is floor and door.
        rest = rest[code.end() :]
    else:
        # Without a postcode, the town is the last comma-separated part that is not a
        # floor or door.
        parts = [p for p in rest.split(",") if _FLOOR_DOOR.sub("", p).strip(" .")]
        rest = parts[-1] if parts else ""
    town = _key(_FLOOR_DOOR.sub(" ", rest).replace(",", " "))
    return AddressQuery(street=street, number=number, postcode=postcode, town=town)


def _number_value(number: str) -> int:
    digits = re.match(r"\d+", number)
    return int(digits.group(0)) if digits else 0


class AddressIndex:
    """The addresses of one area, found by street and house number.

    Parameters
    ----------
    addresses
        The area's addresses; a street, number and postcode given twice (a node and its
        building) keeps the first.
    name
        What the index is of (an area file's name), for messages.
    """

    def __init__(self, addresses: Iterable[Address], *, name: str = "") -> None:
        self.name = name
        self._by_key: dict[tuple[str, str], list[Address]] = defaultdict(list)
        self._by_street: dict[str, list[Address]] = defaultdict(list)
        seen: set[tuple[str, str, str]] = set()
        count = 0
        for address in addresses:
            street = _key(address.street)
            number = _fold(address.housenumber).replace(" ", "").lstrip("0")
            if (street, number, address.postcode) in seen:
                continue
            seen.add((street, number, address.postcode))
            self._by_key[(street, number)].append(address)
            self._by_street[street].append(address)
            count += 1
        self._count = count

    def __len__(self) -> int:
        return self._count

    def streets(self) -> list[str]:
        """The street names of the area, sorted (as the file writes them)."""
        return sorted({found[0].street for found in self._by_street.values()})

    def find(self, text: str) -> Address:
        """
        The address ``text`` names.

        Parameters
        ----------
        text
            An address as people write it (see `parse_address`). A postcode, when given,
            must match; a town must match when no postcode is given.

        Returns
        -------
        address
            The one address meant.

        Raises
        ------
        AddressNotFoundError
            When the area has no such address, when the text is no address (no house
            number), or when it names several (the same street and number in two towns,
            without a postcode to tell them apart). ``suggestions`` lists the closest
            addresses the area has (or those it could mean).
        """
        query = parse_address(text)
        if query is None:
            msg = f"{text!r} is not an address: expected a street and a house number."
            raise AddressNotFoundError(msg, text=text, suggestions=(), reason="unreadable")
        candidates = self._by_key.get((query.street, query.number), [])
        if query.postcode:
            candidates = [a for a in candidates if a.postcode == query.postcode]
        elif query.town:
            candidates = [a for a in candidates if _key(a.town) == query.town]
        if len(candidates) == 1:
            return candidates[0]
        if len(candidates) > 1:
            labels = tuple(a.label for a in candidates[:MAX_SUGGESTIONS])
            msg = f"{text!r} is in more than one town; add the postcode: {', '.join(labels)}."
            raise AddressNotFoundError(msg, text=text, suggestions=labels, reason="ambiguous")
        labels = tuple(a.label for a in self.closest(query))
        closest = ", ".join(labels) or "none"
        msg = f"Address {text!r} not found in {self.name or 'the area'}; closest: {closest}."
        raise AddressNotFoundError(msg, text=text, suggestions=labels, reason="not_found")

    def closest(self, query: AddressQuery, *, n: int = MAX_SUGGESTIONS) -> list[Address]:
        """
        The addresses nearest what ``query`` asks for, best first.

        On the same street (or, when no street matches, the streets spelt most alike),
        the house numbers nearest the one asked for; a postcode or town given prefers
        addresses there.

        Returns
        -------
        addresses
            At most ``n``.
        """
        if query.street in self._by_street:
            streets = [query.street]
        else:
            streets = difflib.get_close_matches(query.street, self._by_street, n=n, cutoff=0.6)
        wanted = _number_value(query.number)
        found: list[Address] = []
        for street in streets:
            on_street = self._by_street[street]
            ranked = sorted(
                on_street,
                key=lambda a: (
                    bool(query.postcode) and a.postcode != query.postcode,
                    bool(query.town) and not query.postcode and _key(a.town) != query.town,
                    abs(_number_value(_fold(a.housenumber)) - wanted),
                    a.housenumber,
                ),
            )
            # One address per street when several streets are offered, else the nearest few.
            found.extend(ranked[: n if len(streets) == 1 else 1])
        return found[:n]


def addresses_from_osm(path: Path) -> list[Address]:
    """
    Read every address of an OSM file (XML, bzip2 XML or PBF).

    A node or way with ``addr:housenumber`` and ``addr:street`` (or ``addr:place``, the
    village name rural Danish addresses use) is an address; ``addr:postcode`` and
    ``addr:city`` are read when present. A way's point is the mean of its nodes; nodes
    missing from the file (a way cut at the edge of an extract) are skipped.

    Parameters
    ----------
    path
        The area file.

    Returns
    -------
    addresses
        In file order (nodes first).

    Raises
    ------
    AreaFileError
        If the file cannot be read.
    """
    import osmium
    import osmium.filter

    found: list[Address] = []
    try:
        processor = (
            osmium.FileProcessor(path, osmium.osm.NODE | osmium.osm.WAY)
            .with_locations()
            .with_filter(osmium.filter.KeyFilter("addr:housenumber"))
        )
        for obj in processor:
            tags = {tag.k: tag.v for tag in obj.tags}
            street = (tags.get("addr:street") or tags.get("addr:place") or "").strip()
            number = tags.get("addr:housenumber", "").strip()
            if not (street and number):
                continue
            if isinstance(obj, osmium.osm.Node):
                if not obj.location.valid():
                    continue
                lat, lon = obj.location.lat, obj.location.lon
            elif isinstance(obj, osmium.osm.Way):
                points = [(n.lat, n.lon) for n in obj.nodes if n.location.valid()]
                if not points:
                    continue
                lat = sum(p[0] for p in points) / len(points)
                lon = sum(p[1] for p in points) / len(points)
            else:  # pragma: no cover - the processor reads nodes and ways only
                continue
            found.append(
                Address(
                    street=street,
                    housenumber=number,
                    postcode=tags.get("addr:postcode", "").strip(),
                    town=tags.get("addr:city", "").strip(),
                    lat=lat,
                    lon=lon,
                )
            )
    except RuntimeError as exc:
        msg = f"Cannot read the area file {path.name}: {exc}."
        raise AreaFileError(msg) from exc
    return found


def load_addresses(path: Path, *, cache_dir: Path | None = None) -> AddressIndex:
    """
    The address index of an area file, from the cache when it is there.

    Parameters
    ----------
    path
        The area file.
    cache_dir
        If given, the addresses are pickled there, keyed by the file's content and
        `ADDRESS_FORMAT_VERSION`. Only point this at a directory the service itself
        writes: pickles are trusted code.

    Returns
    -------
    index
        Named after the file (without its suffix).

    Raises
    ------
    AreaFileError
        If the file cannot be read.
    """
    name = path.name.split(".", 1)[0]
    cache_file = None if cache_dir is None else _cache_file(path, cache_dir)
    if cache_file is not None:
        cached = _read_cached(cache_file)
        if cached is not None:
            return AddressIndex(cached, name=name)
    addresses = addresses_from_osm(path)
    logger.info("Read %d addresses from %s", len(addresses), path.name)
    if cache_file is not None:
        _write_cached(addresses, cache_file)
    return AddressIndex(addresses, name=name)


def _cache_file(path: Path, cache_dir: Path) -> Path:
    key = hashlib.sha256(f"{area_file_digest(path)}|{ADDRESS_FORMAT_VERSION}".encode()).hexdigest()
    return cache_dir / f"addresses-v{ADDRESS_FORMAT_VERSION}-{key[:32]}.pickle"


def _read_cached(cache_file: Path) -> Sequence[Address] | None:
    try:
        with cache_file.open("rb") as file:
            found: Any = pickle.load(file)  # our own cache directory: trusted
    except FileNotFoundError:
        return None
    except Exception:  # a truncated or stale pickle is rebuilt, never fatal
        logger.warning("Ignoring unreadable address cache file %s", cache_file.name)
        return None
    if not isinstance(found, list) or not all(isinstance(a, Address) for a in found):
        logger.warning("Ignoring address cache file %s of the wrong kind", cache_file.name)
        return None
    return found


def _write_cached(addresses: list[Address], cache_file: Path) -> None:
    """Pickle atomically; a cache that cannot be written only costs speed."""
    pickle_atomically(addresses, cache_file, what="address")
