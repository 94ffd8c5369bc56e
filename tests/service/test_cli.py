"""The ``eyes`` command: plan and demo make the same call as the API; bad input exits 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import TYPE_CHECKING, Any

import pytest

from service.cli import main

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from service.plans.networks import AreaNetworks

from .replay import replay_plan


@pytest.fixture
def cli_env(tmp_path: Path, graph_cache: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point the CLI at a temporary database and the session's graph cache."""
    from service.config import get_settings

    monkeypatch.setenv("EYES_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("EYES_GRAPH_CACHE_DIR", str(graph_cache))
    monkeypatch.setenv("EYES_DEFAULT_TIME_LIMIT_S", "1")
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def test_plan_prints_the_plan_json(
    cli_env: Path,
    small_request: dict[str, Any],
    networks: AreaNetworks,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``eyes plan REQUEST.json`` prints a feasible plan and writes GeoJSON on request."""
    request_file = cli_env / "request.json"
    request_file.write_text(json.dumps(small_request))
    geojson_file = cli_env / "routes.geojson"
    assert main(["plan", str(request_file), "--geojson", str(geojson_file)]) == 0
    plan = json.loads(capsys.readouterr().out)
    replay_plan(small_request, plan, networks)
    assert json.loads(geojson_file.read_text())["type"] == "FeatureCollection"


def test_plan_bad_input_exits_2_with_the_api_message(
    cli_env: Path, small_request: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    """An invalid phone exits 2 and names the field, as the API does."""
    small_request["shifts"][0]["phone"] = "12"
    request_file = cli_env / "bad.json"
    request_file.write_text(json.dumps(small_request))
    assert main(["plan", str(request_file)]) == 2
    err = capsys.readouterr().err
    assert "shifts[0].phone" in err
    assert "E.164" in err


@pytest.mark.parametrize(
    ("content", "words"),
    [("{not json", "not valid JSON"), (None, "cannot read")],
)
def test_plan_unreadable_request(
    cli_env: Path, content: str | None, words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Malformed or missing request files exit 2 with a one-line reason."""
    path = cli_env / "request.json"
    if content is not None:
        path.write_text(content)
    assert main(["plan", str(path)]) == 2
    assert words in capsys.readouterr().err


def test_unknown_area_exits_2(
    cli_env: Path, small_request: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    """An unknown area name exits 2 and lists the known ones."""
    small_request["area"] = "atlantis"
    path = cli_env / "request.json"
    path.write_text(json.dumps(small_request))
    assert main(["plan", str(path)]) == 2
    assert "sindal" in capsys.readouterr().err


@pytest.mark.slow
def test_demo_writes_plan_and_geojson(cli_env: Path, graph_cache: Path) -> None:
    """``eyes demo`` (what ``make demo`` runs) writes plan.json, routes.geojson, a summary."""
    out = cli_env / "out"
    env = {**os.environ, "EYES_DEFAULT_TIME_LIMIT_S": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "service.cli", "demo", "--out", str(out)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "Left out" in result.stdout
    assert "hs-farm" in result.stdout
    plan = json.loads((out / "plan.json").read_text())
    assert plan["summary"]["visits_kept"] == 4
    geojson = json.loads((out / "routes.geojson").read_text())
    assert any(f["geometry"]["type"] == "LineString" for f in geojson["features"])


def test_areas_lists_the_default(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``eyes areas`` lists the shipped areas and marks the default."""
    assert main(["areas"]) == 0
    assert "sindal (default)" in capsys.readouterr().out


def _own_areas(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, names: list[str], default: str | None
) -> None:
    """EYES_AREAS_DIR holding copies of Sindal under ``names``; EYES_DEFAULT_AREA if given."""
    from service.config import SHIPPED_AREAS_DIR, get_settings

    folder = tmp_path / "areas"
    folder.mkdir()
    for name in names:
        (folder / f"{name}.osm.bz2").symlink_to(SHIPPED_AREAS_DIR / "sindal.osm.bz2")
    monkeypatch.setenv("EYES_AREAS_DIR", str(folder))
    if default is None:
        monkeypatch.delenv("EYES_DEFAULT_AREA", raising=False)
    else:
        monkeypatch.setenv("EYES_DEFAULT_AREA", default)
    get_settings.cache_clear()


def test_an_own_areas_folder_with_one_area_makes_it_the_default(
    cli_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """With EYES_AREAS_DIR holding one area and no EYES_DEFAULT_AREA, that area is the
    default (the shipped ``sindal`` is not demanded)."""
    _own_areas(cli_env, monkeypatch, ["hjorring"], None)
    assert main(["areas"]) == 0
    assert capsys.readouterr().out.strip() == "hjorring (default)"


@pytest.mark.parametrize(
    ("names", "default", "words"),
    [
        (["hjorring", "aalborg"], None, "set EYES_DEFAULT_AREA"),
        (["hjorring"], "furesoe", "EYES_DEFAULT_AREA='furesoe' is not an area"),
    ],
    ids=["several, none chosen", "chosen one missing"],
)
def test_serve_without_a_usable_default_area_says_so_in_one_line(
    cli_env: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    names: list[str],
    default: str | None,
    words: str,
) -> None:
    """``eyes serve`` with an areas folder that leaves no default area exits 2 with one
    line naming the setting and the areas there are: no traceback, no server."""
    _own_areas(cli_env, monkeypatch, names, default)
    assert main(["serve", "--port", "1"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ")
    assert words in err
    assert "\n" not in err
    assert "hjorring" in err


def test_plan_prints_its_warnings_on_stderr(
    cli_env: Path, small_request: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    """``eyes plan`` prints each warning of the plan as ``warning: field (id): message``
    on stderr, beside the plan JSON on stdout."""
    request = dict(small_request)
    request["shifts"] = [dict(s) for s in small_request["shifts"]]
    request["shifts"][0]["end_time"] = "23:30"
    path = cli_env / "request.json"
    path.write_text(json.dumps(request))
    assert main(["plan", str(path)]) == 0
    captured = capsys.readouterr()
    guard = request["shifts"][0]["id"]
    assert f"warning: shifts[0].end_time ({guard}): shift ends at 23:30" in captured.err
    assert [w["code"] for w in json.loads(captured.out)["warnings"]] == ["shift_cut"]
