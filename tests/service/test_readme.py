"""The documentation's dispatcher, scheduler and police examples run as they stand against a live
server, so a stale date, a renamed field or an alert that reaches no one fails the suite."""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import icalendar
import pytest

REPO = Path(__file__).resolve().parents[2]


RUN_MARK = "# (run as it stands by tests/service/test_readme.py)"


def _shell_blocks() -> list[str]:
    """The README's ``sh`` blocks marked as run by this test, in order."""
    text = "\n".join(  # the README and its reference pages in docs/
        page.read_text(encoding="utf-8")
        for page in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
    )
    blocks = re.findall(r"```sh\n(.*?)```", text, flags=re.DOTALL)
    return [b for b in blocks if b.startswith(RUN_MARK)]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.slow
def test_readme_examples_run_against_a_live_server(tmp_path: Path, graph_cache: Path) -> None:
    """Run the README's API walkthrough, the scheduler's round trip and the alert example
    with bash (``set -e``, curl ``-f``): every call succeeds, tomorrow's plan is made, the
    home-care route keeps its visits in order and tolerance and comes back as CSV and
    iCalendar, and the alert reaches staff whose route passes its area."""
    for tool in ("curl", "jq"):
        if shutil.which(tool) is None:
            pytest.skip(f"the README examples use {tool}, which is not installed here")
    blocks = _shell_blocks()
    assert len(blocks) >= 5, (
        "the README lost its plan, re-plan, scheduler, alert or records example"
    )
    port = _free_port()
    script = "set -euo pipefail\n" + "\n".join(blocks).replace(
        "localhost:8000", f"localhost:{port}"
    )
    (tmp_path / ".venv").symlink_to(Path(sys.executable).parents[1])
    (tmp_path / "examples").symlink_to(REPO / "examples")
    env = {k: v for k, v in os.environ.items() if not k.startswith("EYES_")}
    env.update(
        EYES_DATABASE_URL=f"sqlite:///{tmp_path / 'readme.db'}",
        EYES_GRAPH_CACHE_DIR=str(graph_cache),
        EYES_PORT=str(port),
        # A loaded test machine may take longer than the default wait: answer 201, not 202.
        EYES_PLAN_WAIT_S="60",
    )
    process = subprocess.Popen(
        ["bash", "-c", script + "\nkill %1\nwait\n"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        output, _ = process.communicate(timeout=480)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == 0, output[-3000:]
    plan = json.loads((tmp_path / "plan.json").read_text())
    assert plan["routes"], output[-2000:]
    _check_home_care_round_trip(tmp_path)
    alert = json.loads((tmp_path / "alert.json").read_text())
    # Police see the count only as a band (one home-care visit must not be locatable): the
    # stored alert says how many it reached.
    with sqlite3.connect(tmp_path / "readme.db") as db:
        [(reached,)] = db.execute("SELECT recipient_count FROM alerts WHERE id = ?", (alert["id"],))
    assert reached >= 1, alert


def _check_home_care_round_trip(folder: Path) -> None:
    """The scheduler's example: care-1 keeps its four visits in the order asked, each within
    its tolerance of the planned start, with hotspot passes between; the CSV and the
    calendar hold the same stops."""
    request = json.loads((folder / "homecare.json").read_text())
    [shift] = request["shifts"]
    plan = json.loads((folder / "homecare-plan.json").read_text())
    [route] = plan["routes"]
    visits = [stop for stop in route["stops"] if stop["kind"] == "visit"]
    assert [v["id"] for v in visits] == [f["id"] for f in shift["fixed_visits"]]
    for stop, fixed in zip(visits, shift["fixed_visits"], strict=True):
        start = datetime.fromisoformat(stop["start"])
        planned = datetime.fromisoformat(f"{request['date']}T{fixed['planned_start']}")
        assert abs(start.replace(tzinfo=None) - planned) <= timedelta(
            minutes=fixed["tolerance_min"]
        )
    assert any(stop["kind"] == "hotspot" for stop in route["stops"])
    assert route["patrol_extra_min"] > 0
    with (folder / "homecare-routes.csv").open(newline="") as file:
        rows = list(csv.DictReader(file))
    assert [r["id"] for r in rows if r["kind"] == "visit"] == [v["id"] for v in visits]
    calendar = icalendar.Calendar.from_ical((folder / "care-1.ics").read_text())
    assert len(calendar.walk("VEVENT")) == len(route["stops"])
