"""The area catalogue: which OSM files count as areas, and lookup by name."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from graphs import Area, AreaCatalog, UnknownAreaError
from graphs.areas import area_name_from_file
from graphs.errors import AreaFileError

if TYPE_CHECKING:
    from pathlib import Path


def test_catalog_lists_shipped_areas_sorted(areas_dir: Path) -> None:
    """The shipped data directory offers exactly liechtenstein and sindal, sorted."""
    assert AreaCatalog([areas_dir]).names() == ["liechtenstein", "sindal"]


def test_get_returns_area_with_its_file(areas_dir: Path) -> None:
    """Looking up an area gives its name and the path of its OSM file."""
    area = AreaCatalog([areas_dir]).get("sindal")
    assert area == Area(name="sindal", path=areas_dir / "sindal.osm.bz2")


def test_unknown_area_error_names_known_areas(areas_dir: Path) -> None:
    """An unknown name raises UnknownAreaError whose message lists the known areas."""
    with pytest.raises(UnknownAreaError, match="known areas: liechtenstein, sindal"):
        AreaCatalog([areas_dir]).get("aarhus")


def test_unknown_area_error_is_a_value_error(tmp_path: Path) -> None:
    """UnknownAreaError is a ValueError (via GraphError), even with no areas at all."""
    with pytest.raises(ValueError, match="known areas: none"):
        AreaCatalog([tmp_path]).get("sindal")


def test_first_directory_wins_and_missing_directories_are_skipped(tmp_path: Path) -> None:
    """On a name clash the earlier directory's file is used; absent directories are ignored."""
    local, shipped = tmp_path / "local", tmp_path / "shipped"
    local.mkdir()
    shipped.mkdir()
    (local / "sindal.osm").write_text("<osm/>")
    (shipped / "sindal.osm.bz2").write_bytes(b"")
    (shipped / "hjoerring.osm.pbf").write_bytes(b"")
    catalog = AreaCatalog([tmp_path / "absent", local, shipped])
    assert catalog.names() == ["hjoerring", "sindal"]
    assert catalog.get("sindal").path == local / "sindal.osm"


def test_new_files_are_found_without_a_new_catalog(tmp_path: Path) -> None:
    """The catalogue rescans, so an area downloaded after start-up is found."""
    catalog = AreaCatalog([tmp_path])
    assert catalog.names() == []
    (tmp_path / "skagen.osm").write_text("<osm/>")
    assert catalog.names() == ["skagen"]


@pytest.mark.parametrize(
    ("file_name", "name"),
    [
        ("sindal.osm", "sindal"),
        ("sindal.osm.bz2", "sindal"),
        ("liechtenstein.osm.pbf", "liechtenstein"),
        ("north_jutland-2015.osm", "north_jutland-2015"),
        ("Sindal.osm", None),
        ("-sindal.osm", None),
        ("sindal.pbf", None),
        ("sindal.osm.gz", None),
        ("notes.txt", None),
        (".osm", None),
    ],
)
def test_area_names_from_file_names(tmp_path: Path, file_name: str, name: str | None) -> None:
    """Only NAME.osm, NAME.osm.bz2 and NAME.osm.pbf with a lowercase name are areas."""
    assert area_name_from_file(tmp_path / file_name) == name


def test_area_rejects_invalid_name(tmp_path: Path) -> None:
    """An Area cannot be made with a name outside [a-z0-9][a-z0-9_-]*."""
    with pytest.raises(ValueError, match="must match"):
        Area(name="../etc", path=tmp_path / "x.osm")


def test_shipped_catalogue_names_areas_and_their_municipality(areas_dir: Path) -> None:
    """data/areas/areas.toml gives Sindal its name and puts it in Hjørring municipality."""
    catalog = AreaCatalog([areas_dir])
    sindal = catalog.get("sindal")
    assert (sindal.display_name, sindal.municipality) == ("Sindal", "Hjørring")
    assert catalog.in_municipality(" hjørring ") == ["sindal"]
    assert catalog.in_municipality("Bornholm") == []


def test_area_without_an_entry_is_its_own_municipality_in_title_case(tmp_path: Path) -> None:
    """A file the catalogue does not name reads as its name in title case, and is a
    municipality of its own (named by the file name)."""
    (tmp_path / "north-ronne.osm").write_text("<osm/>")
    area = AreaCatalog([tmp_path]).get("north-ronne")
    assert (area.display_name, area.municipality) == ("North Ronne", "north-ronne")


def test_earlier_directory_catalogue_wins_per_area(tmp_path: Path, areas_dir: Path) -> None:
    """An areas.toml in a local directory (EYES_AREAS_DIR) renames an area of a later
    directory; entries it lacks come from the later one."""
    local = tmp_path / "local"
    local.mkdir()
    (local / "ronne.osm").write_text("<osm/>")
    (local / "areas.toml").write_text(
        '[ronne]\nname = "Rønne"\nmunicipality = "Bornholm"\n[sindal]\nname = "Sindal By"\n',
        encoding="utf-8",
    )
    catalog = AreaCatalog([local, areas_dir])
    assert catalog.get("ronne").display_name == "Rønne"
    assert catalog.get("ronne").municipality == "Bornholm"
    assert catalog.get("sindal").display_name == "Sindal By"
    assert catalog.get("sindal").municipality == "sindal"  # the local entry names none
    assert [a.name for a in catalog.areas()] == ["liechtenstein", "ronne", "sindal"]


@pytest.mark.parametrize("text", ["[ronne\nname = 1", "[ronne]\nname = 3\n", 'ronne = "x"\n'])
def test_bad_catalogue_file_is_an_area_file_error(tmp_path: Path, text: str) -> None:
    """A catalogue that is not TOML, or whose entry is not a table of text, is refused
    naming the file."""
    (tmp_path / "ronne.osm").write_text("<osm/>")
    (tmp_path / "areas.toml").write_text(text)
    with pytest.raises(AreaFileError, match=r"areas\.toml"):
        AreaCatalog([tmp_path]).names()
