"""A sender claims only the messages accepted for its own provider: a console sender on the
same database as a real one never marks real messages delivered without sending them."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select

from service.alerts.models import ConsoleMessage, OutboxRecord
from service.alerts.outbox import Outbox, RetryPolicy
from service.alerts.sms.console import ConsoleSender
from service.alerts.store import AlertStore
from service.alerts.worker import SenderWorker

from ..databases import migrated_engine
from .helpers import store_alert

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: object) -> AlertStore:
    """An alert store on SQLite, and on real PostgreSQL where one answers."""
    if request.param == "postgres":
        engine: Engine = request.getfixturevalue("postgres_engine")
        return AlertStore(engine)
    return AlertStore(migrated_engine(f"sqlite:///{tmp_path}/claims.db"))


def _statuses(store: AlertStore) -> list[str]:
    with store.sessions() as session:
        return sorted(session.scalars(select(OutboxRecord.status)).all())


def test_a_console_sender_leaves_real_messages_alone(store: AlertStore) -> None:
    """Thirty messages accepted for GatewayAPI: the console sender's loop claims none, sends
    none and marks none delivered; a GatewayAPI outbox claims all thirty."""
    store_alert(store, 30, sms_provider="gatewayapi")
    console = SenderWorker(
        Outbox(store, lease_s=30, provider="console"),
        ConsoleSender(store),
        policy=RetryPolicy(),
        concurrency=1,
        rng=random.Random(1),
    )
    console.run_once()
    assert _statuses(store) == ["queued"] * 30
    with store.sessions() as session:
        assert session.scalars(select(ConsoleMessage)).all() == []
    claimed = Outbox(store, lease_s=30, provider="gatewayapi").claim(
        now=datetime.now(UTC), limit=100
    )
    assert len(claimed) == 30


def test_rows_from_before_providers_were_kept_go_to_any_sender(store: AlertStore) -> None:
    """Rows accepted before each row named its provider (NULL) are still sent by whichever
    sender runs: none is stranded."""
    store_alert(store, 3)
    claimed = Outbox(store, lease_s=30, provider="console").claim(now=datetime.now(UTC), limit=10)
    assert len(claimed) == 3
