"""The shipped synthetic Sindal records are what ``bench/sindal_records.py`` writes, and
they have the shape the demo relies on."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "bench"))

from sindal_records import LAST, rows_to_csv, synthetic_rows

from .conftest import SINDAL_CSV

if TYPE_CHECKING:
    from forecast import Incident
    from graphs import StreetNetwork


def test_the_shipped_file_is_the_generators_output(drive: StreetNetwork) -> None:
    """Regenerating with the default seed gives the shipped CSV byte for byte."""
    assert rows_to_csv(synthetic_rows(drive)) == SINDAL_CSV.read_text(encoding="utf-8")


def test_the_records_look_like_a_police_export(sindal_incidents: list[Incident]) -> None:
    """Mostly spans with times, some dates alone; residential and attempts; more in the
    dark months; the last record on the generator's last day."""
    timed = sum(1 for i in sindal_incidents if i.has_time)
    assert 0.8 < timed / len(sindal_incidents) < 0.95
    assert set(Counter(i.kind for i in sindal_incidents)) == {"residential", "attempt"}
    months = Counter(i.start.month for i in sindal_incidents)
    assert months[11] + months[12] > months[6] + months[7]
    assert max(i.start if not i.has_time else i.start.date() for i in sindal_incidents) == LAST  # type: ignore[union-attr]
