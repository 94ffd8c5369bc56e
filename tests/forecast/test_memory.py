"""The forecast's memory on dense records (issue 18): bounded however dense they are."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "forecast_memory.py"

LIMIT_MB = 1536.0
"""The issue's bound on the forecast's peak memory (1.5 GB)."""

GROWTH_MB = 800.0
"""What the forecast may add to the records' own memory. Before issue 18 these 40,000
records grew it by about 1,050 MB (every pair of a scored burglary and a record within
3 km, about 10 million, held at once with a dozen arrays of that length); now about 460
(at most ``forecast.fit.PAIR_BUDGET`` pairs, evaluated a million at a time)."""


@pytest.mark.slow
def test_forecast_on_dense_records_stays_within_its_memory_bound() -> None:
    """Seven years of 40,000 burglaries over 3 km x 3 km, forecast in a fresh process (the
    bench's own child, under a 4 GB address-space limit so a regression fails instead of
    taking the machine): peak resident memory under 1.5 GB, and the forecast adds less
    than 800 MB to what the records take."""
    command = [
        sys.executable,
        str(BENCH),
        "--child",
        "--records",
        "40000",
        "--side-km",
        "3",
        "--limit-gb",
        "4",
    ]
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout)
    assert result["hotspots"] == 10
    assert result["peak_mb"] < LIMIT_MB
    assert result["peak_mb"] - result["records_peak_mb"] < GROWTH_MB
