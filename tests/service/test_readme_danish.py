"""The README's Danish example runs as it stands (issue 18): a municipality's own shifts
and visits files, by address with Danish headers, semicolons and ``17.00``, geocoded
offline and planned, every visit kept by the staff member its file names."""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DANISH_MARK = (
    "# (a Danish municipality's files, run as they stand by tests/service/test_readme_danish.py)"
)


def _danish_block() -> str:
    """The README's ``sh`` block of the Danish example."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = [
        b
        for b in re.findall(r"```sh\n(.*?)```", text, flags=re.DOTALL)
        if b.startswith(DANISH_MARK)
    ]
    assert len(blocks) == 1, "the README lost its Danish example (or has two)"
    return str(blocks[0])


def test_danish_block_names_only_shipped_files() -> None:
    """Every file the example reads is shipped, and is a Danish file: semicolons, Danish
    headers, addresses and no coordinates."""
    block = _danish_block()
    paths = re.findall(r"\bexamples/[\w./-]+", block)
    assert {"examples/sindal_vagter.csv", "examples/sindal_besoeg.csv"} <= set(paths)
    for path in paths:
        assert (REPO / path).is_file(), path
    shifts = (REPO / "examples/sindal_vagter.csv").read_text(encoding="utf-8-sig")
    assert shifts.startswith("navn;telefon;adresse;start;slut;transport\n")
    visits = (REPO / "examples/sindal_besoeg.csv").read_text(encoding="utf-8-sig")
    assert visits.startswith("id;adresse;fra;til;varighed_min;medarbejdere\n")
    assert "17.00" in shifts
    assert "17.00" in visits


@pytest.mark.slow
def test_danish_example_runs_as_it_stands(tmp_path: Path, graph_cache: Path) -> None:
    """Run the block with bash (``set -e``) in a folder laid out like a clone: the address
    prints its point, the plan keeps all four visits (borger-1 and borger-2 by Hjemmepleje
    C, as ``medarbejdere`` says), and the stored request holds no address text."""
    if shutil.which("jq") is None:
        pytest.skip("the README example uses jq, which is not installed here")
    (tmp_path / ".venv").symlink_to(Path(sys.executable).parents[1])
    (tmp_path / "examples").symlink_to(REPO / "examples")
    env = {k: v for k, v in os.environ.items() if not k.startswith("EYES_")}
    env.update(
        EYES_DATABASE_URL=f"sqlite:///{tmp_path / 'danish.db'}",
        EYES_GRAPH_CACHE_DIR=str(graph_cache),
    )
    done = subprocess.run(
        ["bash", "-c", "set -euo pipefail\n" + _danish_block()],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    point = json.loads(
        next(line for line in done.stdout.splitlines() if line.startswith('{"address"'))
    )
    assert point == {
        "address": "Østergade 10, 9870 Sindal",
        "lat": 57.4708067,
        "lon": 10.2032851,
        "area": "sindal",
    }
    plan = json.loads((tmp_path / "plan-da.json").read_text())
    assert plan["summary"]["visits_kept"] == 4
    served = {
        stop["id"]: route["staff_id"]
        for route in plan["routes"]
        for stop in route["stops"]
        if stop["kind"] == "visit"
    }
    assert served["borger-1"] == served["borger-2"] == "vagt-3"
    assert set(served) == {"borger-1", "borger-2", "borger-3", "borger-4"}
    with sqlite3.connect(tmp_path / "danish.db") as db:
        [(request,)] = db.execute("SELECT request FROM plans")
    assert "Frejasvej" not in request
    assert "address" not in request
