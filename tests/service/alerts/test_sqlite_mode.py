"""SQLite runs in WAL mode with full fsync, so the API and a sender process share the file."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy

from service.store import create_db_engine

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
