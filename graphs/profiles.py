"""Which OSM ways each travel mode uses, and in which directions: the three profiles.

Every rule about how our staff move lives here; `graphs.load` only applies it. Each
profile starts from osmnx's filter for the mode (`graphs.osm_filter.way_filter`) and
changes it where Danish practice differs:

walk
    osmnx's ``walk`` ways, plus ``highway=cycleway`` where ``foot=yes|designated|permissive``
    (shared foot and cycle paths are the norm in Denmark; osmnx drops every cycleway), plus
    any way whose ``foot`` tag explicitly allows walking even though osmnx would drop it for
    ``access=private`` or ``service=private``. Dropped: anything the access tags close to
    pedestrians (``foot=no``; ``access=no|private`` unless ``foot`` allows), and
    ``motorroad=yes`` (motortrafikvej: no pedestrians) unless ``foot`` allows. Paths,
    tracks, bridleways, footways, steps and pedestrian streets stay, as in osmnx. Walking
    is two-way on every way.
bike
    osmnx's ``bike`` ways, but footways and pedestrian streets only where
    ``bicycle=yes|designated|permissive`` (osmnx drops all footways and keeps all
    pedestrian streets; Danish law bans cycling on both unless signed), plus any way whose
    ``bicycle`` tag explicitly allows cycling, and roads carrying a cycle track or lane
    (``cycleway``, ``cycleway:left|right|both`` = ``track|lane|...``) even if they are a
    motorroad. Dropped: ``bicycle=no`` and other closures by access tags (``bicycle``, then
    ``vehicle``, then ``access`` = ``no|private``), and ``motorroad=yes`` without a cycle
    track or an explicit ``bicycle`` permission. One-way streets are one-way for bikes too,
    except where ``oneway:bicycle=no``, a contraflow lane (``cycleway*=opposite*``,
    ``cycleway:<side>:oneway=-1|no``) opens them; ``oneway:bicycle=yes|-1`` makes a way
    one-way for bikes only. Roundabouts stay one-way (osmnx's rule).
drive
    osmnx's ``drive`` ways, plus ``highway=service`` roads that lead to homes: those without
    a ``service`` tag, ``service=driveway`` and ``service=alley``. Burglaries happen at the
    end of driveways and in back alleys, and on rural land the house lies at the end of a
    long driveway; without them a farm snaps to the public road hundreds of metres away.
    Every other service road (``parking_aisle``, ``parking``, ``drive-through``,
    ``emergency_access``, and any unknown value) stays out, as does any way the access tags
    close to cars (``motorcar``, then ``motor_vehicle``, then ``vehicle``, then ``access``
    = ``no|private|agricultural|forestry|delivery|emergency``; osmnx reads only
    ``access=private``, ``motor_vehicle=no`` and ``motorcar=no``, each on its own) and
    bus-only ``highway=busway``. One-way streets follow osmnx.

The most specific access key present decides for a mode (``foot=yes`` opens an
``access=private`` way to walkers; ``motor_vehicle=permissive`` opens it to cars), and a
value list such as ``agricultural;forestry`` closes a way only if every value does.
osmnx's own filter for the mode is then applied to the other tags (highway types, areas,
``service=private``), without its access clauses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from graphs.osm_filter import way_filter

if TYPE_CHECKING:
    from collections.abc import Mapping

    from graphs.load import TravelMode

__all__ = [
    "ALLOWING_VALUES",
    "BIDIRECTIONAL_MODES",
    "access_forbids",
    "bike_oneway",
    "keeps_way",
    "routing_tags",
]

# Values that explicitly open a way to a mode (``foot=yes``, ``bicycle=designated``).
ALLOWING_VALUES: Final = frozenset({"yes", "designated", "permissive"})

# Modes whose every way is two-way (osmnx's bidirectional network types).
BIDIRECTIONAL_MODES: Final[frozenset[str]] = frozenset({"walk"})

# Access keys from most to least specific; the first one present decides.
_ACCESS_KEYS: Final[dict[str, tuple[str, ...]]] = {
    "walk": ("foot", "access"),
    "bike": ("bicycle", "vehicle", "access"),
    "drive": ("motorcar", "motor_vehicle", "vehicle", "access"),
}

# Access values that close a way to a mode. Agricultural and forestry closures close a way
# to our cars only: in Liechtenstein (and often in Denmark) such signs restrict motor
# traffic, and walkers and cyclists use those tracks.
_CLOSING_VALUES: Final[dict[str, frozenset[str]]] = {
    "walk": frozenset({"no", "private"}),
    "bike": frozenset({"no", "private"}),
    "drive": frozenset({"no", "private", "agricultural", "forestry", "delivery", "emergency"}),
}

# highway values that are not (yet, or any more) usable ways for anyone.
_NOT_WAYS: Final = frozenset(
    {"abandoned", "construction", "disused", "no", "planned", "platform", "proposed", "razed"}
)

# Service roads cars may use: a plain service road, a driveway or an alley.
_DRIVE_SERVICES: Final = frozenset({"driveway", "alley"})

_CYCLEWAY_KEYS: Final = ("cycleway", "cycleway:left", "cycleway:right", "cycleway:both")
_CYCLE_INFRASTRUCTURE: Final = frozenset(
    {"track", "lane", "opposite_track", "opposite_lane", "opposite", "shared_lane", "share_busway"}
)
_ONEWAY_VALUES: Final = frozenset({"yes", "true", "1", "-1", "reverse"})
_TWO_WAY_VALUES: Final = frozenset({"no", "false", "0"})


def access_forbids(mode: TravelMode, tags: Mapping[str, str]) -> bool:
    """
    Tell whether a way's access tags close it to a travel mode.

    The most specific access key present decides (for bikes ``bicycle``, then ``vehicle``,
    then ``access``); the highway type's own default is not considered.

    Parameters
    ----------
    mode
        The travel mode.
    tags
        The way's tags.

    Returns
    -------
    forbids
        True if the deciding key's value (every value of a ``;`` list) closes the way.
    """
    for key in _ACCESS_KEYS[mode]:
        value = tags.get(key)
        if value is not None:
            return all(part.strip() in _CLOSING_VALUES[mode] for part in value.split(";"))
    return False


def keeps_way(mode: TravelMode, tags: Mapping[str, str]) -> bool:
    """
    Tell whether a mode's street graph uses an OSM way (see the module docstring).

    Parameters
    ----------
    mode
        The travel mode.
    tags
        The way's tags; ways without ``highway`` are never kept.

    Returns
    -------
    keep
        True if the profile keeps the way.
    """
    highway = tags.get("highway")
    if highway is None or highway in _NOT_WAYS or tags.get("area") == "yes":
        return False
    if access_forbids(mode, tags):
        return False
    if mode == "walk":
        return _walk_keeps(highway, tags)
    if mode == "bike":
        return _bike_keeps(highway, tags)
    return _drive_keeps(highway, tags)


def _walk_keeps(highway: str, tags: Mapping[str, str]) -> bool:
    """Walk rules after the common checks (see the module docstring)."""
    foot_allowed = tags.get("foot") in ALLOWING_VALUES
    if highway == "cycleway" or tags.get("motorroad") == "yes":
        return foot_allowed
    return foot_allowed or _osmnx_keeps("walk", tags)


def _bike_keeps(highway: str, tags: Mapping[str, str]) -> bool:
    """Bike rules after the common checks (see the module docstring)."""
    bicycle_allowed = tags.get("bicycle") in ALLOWING_VALUES
    if highway in {"footway", "pedestrian"}:
        return bicycle_allowed
    if bicycle_allowed or _has_cycle_infrastructure(tags):
        return True
    return tags.get("motorroad") != "yes" and _osmnx_keeps("bike", tags)


def _drive_keeps(highway: str, tags: Mapping[str, str]) -> bool:
    """Drive rules after the common checks (see the module docstring)."""
    if highway == "service":
        service = tags.get("service")
        return service is None or service in _DRIVE_SERVICES
    if highway == "busway":
        return False
    return _osmnx_keeps("drive", tags)


def _osmnx_keeps(mode: TravelMode, tags: Mapping[str, str]) -> bool:
    """
    Apply osmnx's filter for the mode to everything but the mode's access keys.

    `access_forbids` has already decided access; osmnx's own access clauses (which read
    ``access=private`` without looking at ``foot``, say) must not overrule it.
    """
    keys = _ACCESS_KEYS[mode]
    return way_filter(mode)({key: value for key, value in tags.items() if key not in keys})


def _has_cycle_infrastructure(tags: Mapping[str, str]) -> bool:
    """True if a road carries a cycle track or lane on some side."""
    return any(tags.get(key) in _CYCLE_INFRASTRUCTURE for key in _CYCLEWAY_KEYS)


def bike_oneway(tags: Mapping[str, str]) -> str | None:
    """
    Give the ``oneway`` value that holds for bikes on a way.

    Parameters
    ----------
    tags
        The way's tags.

    Returns
    -------
    oneway
        ``"no"`` where a bike may ride both ways although cars may not
        (``oneway:bicycle=no``, an ``opposite*`` cycleway, a contraflow
        ``cycleway:<side>:oneway=-1|no``); the ``oneway:bicycle`` value where it makes the
        way one-way; otherwise the way's own ``oneway`` tag (None if it has none).
    """
    explicit = tags.get("oneway:bicycle")
    if explicit in _TWO_WAY_VALUES:
        return "no"
    if explicit in _ONEWAY_VALUES:
        return explicit
    oneway = tags.get("oneway")
    if oneway not in _ONEWAY_VALUES:
        return oneway
    contraflow = any(
        (tags.get(key) or "").startswith("opposite")
        or tags.get(f"{key}:oneway") in {"-1", *_TWO_WAY_VALUES}
        for key in _CYCLEWAY_KEYS
    )
    return "no" if contraflow else oneway


def routing_tags(mode: TravelMode, tags: Mapping[str, str]) -> dict[str, str]:
    """
    Return a way's tags as the mode's graph builder should read them.

    osmnx decides one-way streets from ``oneway`` (and ``junction=roundabout``) only, so for
    bikes ``oneway`` is replaced by `bike_oneway`. Walk graphs are built bidirectional and
    drive graphs read ``oneway`` as tagged.

    Parameters
    ----------
    mode
        The travel mode.
    tags
        The way's tags.

    Returns
    -------
    tags
        A new dict; for bikes ``oneway`` holds the bike value (absent if none).
    """
    out = dict(tags)
    if mode == "bike":
        oneway = bike_oneway(tags)
        if oneway is None:
            out.pop("oneway", None)
        else:
            out["oneway"] = oneway
    return out
