"""Storing records: re-import updates and never duplicates, areas are apart, a failing
import stores nothing, and retention deletes old records."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

import pytest
import sqlalchemy

from forecast import Incident
from service.cli import main
from service.config import get_settings
from service.db import Database
from service.incidents.store import IncidentStore
from service.timeutil import LOCAL_TZ

from ..databases import migrated_engine

if TYPE_CHECKING:
    from pathlib import Path

    from sqlalchemy.engine import Engine

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def _records(n: int, *, lat: float = 57.47, kind: str = "residential") -> list[Incident]:
    return [
        Incident(f"R-{i:04d}", lat, 10.18, date(2026, 11, 1) + timedelta(days=i % 20), None, kind)
        for i in range(n)
    ]


def test_reimport_updates_and_never_duplicates(incident_store: IncidentStore) -> None:
    """The same ids again are updates (new values kept), new ids are added, and the count
    is the number of distinct ids."""
    first = incident_store.upsert("sindal", _records(3), now=NOW)
    assert (first.received, first.created, first.updated) == (3, 3, 0)
    again = incident_store.upsert("sindal", _records(5, lat=57.48), now=NOW)
    assert (again.received, again.created, again.updated) == (5, 2, 3)
    stored = incident_store.incidents("sindal")
    assert len(stored) == 5
    assert {i.lat for i in stored} == {57.48}
    assert incident_store.count("sindal") == (5, date(2026, 11, 1), date(2026, 11, 5))


def test_times_round_trip_and_areas_are_apart(incident_store: IncidentStore) -> None:
    """A span comes back as the same aware moments, a date-only record as its date; the
    same id in another area is another record."""
    span = Incident(
        "S-1",
        57.47,
        10.18,
        datetime(2026, 11, 2, 8, 0, tzinfo=LOCAL_TZ),
        datetime(2026, 11, 2, 16, 0, tzinfo=LOCAL_TZ),
    )
    incident_store.upsert("sindal", [span, *_records(1)], now=NOW)
    incident_store.upsert("liechtenstein", _records(1), now=NOW)
    back = {i.id: i for i in incident_store.incidents("sindal")}
    assert back["S-1"].start == span.start
    assert back["S-1"].end == span.end
    assert back["R-0000"].start == date(2026, 11, 1)
    assert incident_store.count("liechtenstein")[0] == 1
    assert [i.id for i in incident_store.incidents("sindal", before=date(2026, 11, 2))] == [
        "R-0000"
    ]


@pytest.mark.postgres
def test_on_postgres_a_failing_import_stores_nothing(postgres_engine: Engine) -> None:
    """On PostgreSQL, 700 records whose 650th breaks a column limit (in the second batch of
    500) leave the area empty: one transaction; a good import then upserts as on SQLite."""
    store = IncidentStore(Database.from_engine(postgres_engine))
    records = _records(700)
    records[649] = Incident("R-0649", 57.47, 10.18, date(2026, 11, 2), None, "x" * 41)
    with pytest.raises(sqlalchemy.exc.DBAPIError):
        store.upsert("sindal", records, now=NOW)
    assert store.count("sindal")[0] == 0
    assert store.upsert("sindal", _records(700), now=NOW).created == 700
    assert store.upsert("sindal", _records(701), now=NOW).updated == 700


def test_retention_deletes_records_past_their_own_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``eyes retention`` with EYES_INCIDENT_RETENTION_DAYS=30 deletes records dated more
    than 30 days ago and keeps the rest (EYES_RETENTION_DAYS does not apply to them)."""
    url = f"sqlite:///{tmp_path / 'r.db'}"
    store = IncidentStore(Database.from_engine(migrated_engine(url)))
    today = datetime.now(LOCAL_TZ).date()
    old = Incident("old", 57.47, 10.18, today - timedelta(days=40))
    new = Incident("new", 57.47, 10.18, today - timedelta(days=10))
    store.upsert("sindal", [old, new], now=NOW)
    monkeypatch.setenv("EYES_DATABASE_URL", url)
    monkeypatch.setenv("EYES_INCIDENT_RETENTION_DAYS", "30")
    monkeypatch.setenv("EYES_RETENTION_DAYS", "5")
    get_settings.cache_clear()
    try:
        assert main(["retention"]) == 0
    finally:
        get_settings.cache_clear()
    assert "burglary records (30 days): 1 deleted" in capsys.readouterr().out
    assert [i.id for i in store.incidents("sindal")] == ["new"]
