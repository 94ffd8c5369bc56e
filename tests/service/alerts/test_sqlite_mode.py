"""SQLite runs in WAL mode with full fsync, so the API and a sender process share the file."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy

from service.db import create_db_engine

from ..databases import migrated_engine

if TYPE_CHECKING:
    from pathlib import Path


def test_sqlite_file_uses_wal_and_full_sync(tmp_path: Path) -> None:
    """Every connection to a SQLite file gets journal_mode=WAL, synchronous=FULL (2) and a
    busy timeout."""
    engine = create_db_engine(f"sqlite:///{tmp_path / 'sub' / 'eyes.db'}")
    with engine.connect() as connection:
        pragma = connection.exec_driver_sql
        assert pragma("PRAGMA journal_mode").scalar() == "wal"
        assert pragma("PRAGMA synchronous").scalar() == 2
        assert pragma("PRAGMA busy_timeout").scalar() == 10000
    memory = create_db_engine("sqlite://")
    with memory.connect() as connection:
        assert connection.execute(sqlalchemy.text("PRAGMA journal_mode")).scalar() == "memory"
    engine.dispose()


def test_database_errors_do_not_carry_phones_or_texts(tmp_path: Path) -> None:
    """A failing statement's exception (which gets logged) names no bound values: no phone
    number, no alert text."""
    from datetime import UTC, datetime

    import pytest
    from sqlalchemy.exc import IntegrityError

    from service.alerts.models import ConsoleMessage
    from service.alerts.store import AlertStore

    store = AlertStore(migrated_engine(f"sqlite:///{tmp_path / 'e.db'}"))

    def add() -> None:
        with store.sessions() as session, session.begin():
            session.add(
                ConsoleMessage(
                    reference="r1",
                    created_at=datetime.now(UTC),
                    phone="+4520999999",
                    text="Hemmelig tekst",
                )
            )

    add()
    with pytest.raises(IntegrityError, match="hidden due to hide_parameters") as caught:
        add()
    assert "+4520999999" not in str(caught.value)
    assert "Hemmelig" not in str(caught.value)
    store.engine.dispose()
