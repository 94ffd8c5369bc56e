"""Hand-made four-vertex orienteering instances in both benchmark formats."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from orienteering_instances import read_optw, read_top

if TYPE_CHECKING:
    from orienteering_instances import Instance

# Start (0, 0), A (3, 0) worth 5, B (3, 4) worth 7, end (0, 4). Legs: s-a 3, a-b 4, b-e 3,
# s-b 5, a-e 5. With tmax 9 one route cannot take both A and B (length 10).
TOP_TEXT = """n 4
m 1
tmax 9.0
0.0\t0.0\t0
3.0\t0.0\t5
3.0\t4.0\t7
0.0\t4.0\t0
"""

# Vertex 0 at (0, 0), open [0, 18]. Vertex 1 at (3, 0): service 2, profit 10, window [0, 4].
# Vertex 2 at (3, 4): service 2, profit 20, window [10, 20]. Vertex 3 at (1, 1): service 1,
# profit 30, window [0, 50], with a two-entry pattern list. Distances truncate to one
# decimal: 0-3 is 1.4, 1-3 is 2.2, 2-3 is 3.6. The optimum 0-1-2-3-0 (60) is back at exactly
# 18.0 only because of the truncation (18.02 with exact distances); 0-1-3-2-0 is back at 18.8
# and 0-3-1 reaches vertex 1 at 1.4 + 1 + 2.2 = 4.6, too late.
OPTW_TEXT = """1 1 3 1
0 10
  0 0.00 0.00 0.00 0.00 0 0 0 18
  1 3.00 0.00 2.00 10.00 1 1 1 0 4
  2 3.00 4.00 2.00 20.00 1 1 1 10 20
  3 1.00 1.00 1.00 30.00 1 2 1 2 0 50
"""


@pytest.fixture(scope="session")
def bench_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A benchmark folder with one TOP file, one OPTW file and a bks.csv for both."""
    folder = tmp_path_factory.mktemp("bench")
    (folder / "tiny.txt").write_text(TOP_TEXT)
    (folder / "o101.txt").write_text(OPTW_TEXT)
    (folder / "bks.csv").write_text("instance,bks,source\ntiny,7,hand\no101_m1,60,hand\n")
    return folder


@pytest.fixture(scope="session")
def top_instance(bench_dir: Path) -> Instance:
    """The four-vertex TOP instance: one route of length at most 9."""
    return read_top(bench_dir / "tiny.txt", bks=7)


@pytest.fixture(scope="session")
def optw_instance(bench_dir: Path) -> Instance:
    """The four-vertex OPTW instance with one route."""
    return read_optw(bench_dir / "o101.txt", num_routes=1, bks=60)
