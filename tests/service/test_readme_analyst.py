"""The README's analyst example runs as pasted from a fresh clone: every path it names is
shipped, every command succeeds and writes what the README says."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ANALYST_MARK = (
    "# (an analyst's commands, run as they stand by tests/service/test_readme_analyst.py)"
)


def _analyst_block() -> str:
    """The README's ``sh`` block of the analyst's commands."""
    text = "\n".join(  # the README and its reference pages in docs/
        page.read_text(encoding="utf-8")
        for page in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
    )
    blocks = [
        b
        for b in re.findall(r"```sh\n(.*?)```", text, flags=re.DOTALL)
        if b.startswith(ANALYST_MARK)
    ]
    assert len(blocks) == 1, "the README lost its analyst example (or has two)"
    return str(blocks[0])


def test_analyst_block_names_only_shipped_files() -> None:
    """Every file the analyst's commands read lies in the repository: no path into a
    folder a clone does not have (``../shared/...``)."""
    block = _analyst_block()
    assert "../" not in block
    for path in re.findall(r"\bexamples/[\w./-]+", block):
        assert (REPO / path).is_file(), path


@pytest.mark.slow
def test_analyst_commands_run_as_pasted(tmp_path: Path, graph_cache: Path) -> None:
    """Run the block with bash (``set -e``) in a folder laid out like a clone: the records
    import, the hotspots print as JSON, the report writes its JSON and PNG."""
    (tmp_path / ".venv").symlink_to(Path(sys.executable).parents[1])
    (tmp_path / "examples").symlink_to(REPO / "examples")
    env = {k: v for k, v in os.environ.items() if not k.startswith("EYES_")}
    env.update(
        EYES_DATABASE_URL=f"sqlite:///{tmp_path / 'analyst.db'}",
        EYES_GRAPH_CACHE_DIR=str(graph_cache),
    )
    done = subprocess.run(
        ["bash", "-c", "set -euo pipefail\n" + _analyst_block()],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    # Two hotspots answers (the area's and the file's), each a JSON document.
    decoder = json.JSONDecoder()
    out = "\n" + done.stdout
    documents = [decoder.raw_decode(out, m.start() + 1)[0] for m in re.finditer(r"\n\{", out)]
    with_hotspots = [d for d in documents if isinstance(d, dict) and "hotspots" in d]
    assert [len(d["hotspots"]) for d in with_hotspots] == [5, 5], done.stdout[-2000:]
    assert with_hotspots[0]["area"] == "sindal"
    assert with_hotspots[1]["area"] is None
    report = tmp_path / "out" / "report-sindal-2026-11-23.json"
    assert json.loads(report.read_text())["area"] == "sindal"
    assert (tmp_path / "out" / "report-sindal-2026-11-23.png").stat().st_size > 0
