"""The ``eyes`` commands for records: import (exit 2 naming each bad line), local areas,
hotspots from a file or the stored records, the report's files, a plan from
hotspots_from, and a command line that stays lazy."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import TYPE_CHECKING, Any

import pytest
from PIL import Image

from service.cli import main

from ..replay import replay_plan
from .conftest import SINDAL_CSV

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from service.plans.networks import AreaNetworks

CHICAGO_CSV = (
    SINDAL_CSV.parents[2] / "shared/data/incidents/chicago-residential-burglary-2016-h1.csv"
)


@pytest.fixture
def cli_env(tmp_path: Path, graph_cache: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The CLI on a temporary database and the session's graph cache."""
    from service.config import get_settings

    monkeypatch.setenv("EYES_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("EYES_GRAPH_CACHE_DIR", str(graph_cache))
    monkeypatch.setenv("EYES_DEFAULT_TIME_LIMIT_S", "1")
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def test_import_reimport_and_a_bad_file(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Import prints the counts; again, all are updates; a bad file exits 2 with one line
    per bad value, naming line and column."""
    assert main(["incidents", "import", str(SINDAL_CSV), "--area", "sindal"]) == 0
    assert "sindal: 306 records read: 306 new, 0 updated" in capsys.readouterr().out
    assert main(["incidents", "import", str(SINDAL_CSV), "--area", "sindal"]) == 0
    assert "0 new, 306 updated" in capsys.readouterr().out
    bad = cli_env / "bad.csv"
    bad.write_text("id,date,lat,lon\nA,2026-13-01,57.47,10.18\nB,2026-11-01,57.47,\n")
    assert main(["incidents", "import", str(bad), "--area", "sindal"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "error: line 2, column date: '2026-13-01' is not a date (YYYY-MM-DD)",
        "error: line 3, column lon: '' is not a number",
    ]
    unknown = cli_env / "records.txt"
    unknown.write_text("x")
    assert main(["incidents", "import", str(unknown), "--area", "sindal"]) == 2
    assert "--format" in capsys.readouterr().err


def test_hotspots_from_a_file_and_from_the_stored_records(
    cli_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``eyes hotspots FILE`` prints ranked JSON (no street without --area); with --area
    the hotspots are on its streets; without a file the stored records are used."""
    args = ["--as-of", "2026-11-23", "--count", "4"]
    assert main(["hotspots", str(SINDAL_CSV), *args]) == 0
    plain = json.loads(capsys.readouterr().out)["hotspots"]
    assert len(plain) == 4
    assert plain[0]["street"] is None
    assert plain[0]["weight"] == 100
    assert main(["hotspots", str(SINDAL_CSV), "--area", "sindal", *args]) == 0
    placed = json.loads(capsys.readouterr().out)["hotspots"]
    assert placed[0]["id"] == "hs-01-odinsvej"
    assert set(placed[0]) >= {"id", "lat", "lon", "weight", "windows", "why"}
    assert main(["hotspots", "--area", "sindal", *args]) == 2
    assert "no burglary records" in capsys.readouterr().err
    main(["incidents", "import", str(SINDAL_CSV), "--area", "sindal"])
    capsys.readouterr()
    assert main(["hotspots", "--area", "sindal", *args]) == 0
    assert json.loads(capsys.readouterr().out)["hotspots"] == placed
    assert main(["hotspots", "--as-of", "23/11/2026"]) == 2


def test_report_writes_json_and_png(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``eyes report`` prints the table and writes the report JSON and the map PNG; local
    areas imported from GeoJSON then name the rows."""
    main(["incidents", "import", str(SINDAL_CSV), "--area", "sindal"])
    out = cli_env / "out"
    assert main(["report", "--area", "sindal", "--as-of", "2026-11-23", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "Burglaries in Sindal before 2026-11-23" in text
    assert "Trend rule" in text
    report = json.loads((out / "report-sindal-2026-11-23.json").read_text())
    assert report["map_png"] == "report-sindal-2026-11-23.png"
    with Image.open(out / "report-sindal-2026-11-23.png") as image:
        assert image.size == (1200, 960)
    polygon = [[[10.15, 57.46], [10.22, 57.46], [10.22, 57.49], [10.15, 57.49], [10.15, 57.46]]]
    areas_file = cli_env / "local.geojson"
    areas_file.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"name": "Sindal by"},
                        "geometry": {"type": "Polygon", "coordinates": polygon},
                    }
                ],
            }
        )
    )
    assert main(["areas", "local", "import", str(areas_file), "--area", "sindal"]) == 0
    assert "sindal: 1 local areas (Sindal by)" in capsys.readouterr().out
    assert main(["report", "--area", "sindal", "--as-of", "2026-11-23", "--out", str(out)]) == 0
    assert "Sindal by" in capsys.readouterr().out


def test_plan_with_hotspots_from(
    cli_env: Path,
    small_request: dict[str, Any],
    networks: AreaNetworks,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``eyes plan`` expands hotspots_from like the API and the plan replays feasibly
    against the hotspots the forecast gave."""
    main(["incidents", "import", str(SINDAL_CSV), "--area", "sindal"])
    capsys.readouterr()
    del small_request["hotspots"]
    small_request["hotspots_from"] = {"as_of": "2026-11-23", "count": 6, "use_windows": False}
    request_file = cli_env / "request.json"
    request_file.write_text(json.dumps(small_request))
    assert main(["plan", str(request_file)]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["summary"]["hotspots_visited"] + plan["summary"]["hotspots_left_out"] == 6
    assert main(["hotspots", "--area", "sindal", "--as-of", "2026-11-23", "--count", "6"]) == 0
    forecast = json.loads(capsys.readouterr().out)["hotspots"]
    expanded = {
        **small_request,
        "hotspots_from": None,
        "hotspots": [
            {"id": h["id"], "location": {"lat": h["lat"], "lon": h["lon"]}, "weight": h["weight"]}
            for h in forecast
        ],
    }
    replay_plan(expanded, plan, networks)


@pytest.mark.skipif(not CHICAGO_CSV.exists(), reason="the Chicago extract is not beside the repo")
def test_hotspots_on_the_whole_chicago_file(capsys: pytest.CaptureFixture[str]) -> None:
    """All 5,065 Chicago records: 85 hotspots, ranked, only records before as_of used
    (how fast is measured in bench/RESULTS.md, not asserted here)."""
    args = ["hotspots", str(CHICAGO_CSV), "--as-of", "2016-07-01", "--count", "85"]
    assert main([*args, "--tz", "America/Chicago"]) == 0
    hotspots = json.loads(capsys.readouterr().out)["hotspots"]
    assert len(hotspots) == 85
    weights = [h["weight"] for h in hotspots]
    assert weights == sorted(weights, reverse=True)
    assert weights[0] == 100


def test_the_command_line_stays_lazy() -> None:
    """Building the parser loads no numpy, forecast, matplotlib or street graph, and
    ``eyes hotspots FILE`` without an area loads neither osmnx, matplotlib, FastAPI nor the
    database layer (SQLAlchemy): a file needs no store."""
    code = (
        "import sys; from service.cli import build_parser; build_parser(); "
        "print(sorted(m for m in ('numpy', 'forecast', 'matplotlib', 'osmnx') "
        "if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
    code = (
        "import sys, io, contextlib; from service.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    main(['hotspots', {str(SINDAL_CSV)!r}, '--as-of', '2026-11-23', '--count', '2'])\n"
        "print(sorted(m for m in ('osmnx', 'matplotlib', 'fastapi', 'sqlalchemy') "
        "if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
