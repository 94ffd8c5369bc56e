"""An alert's areas: a key scoped to areas reads the alerts concerning them, and of those
only its areas' recipients (issue 18); alerts from before scoping stay with keys of every
area."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest

from service.alerts.errors import AlertNotFoundError
from service.alerts.store import NewAlert
from service.alerts.targeting import Recipient

if TYPE_CHECKING:
    from service.alerts.store import AlertStore

T0 = datetime(2026, 11, 26, 17, 0, tzinfo=UTC)


def _alert(*, areas: tuple[str, ...] = ()) -> NewAlert:
    return NewAlert(
        owner="k1",
        idempotency_key=None,
        body_hash=uuid.uuid4().hex,
        message=f"Hold øje {uuid.uuid4().hex[:4]}.",
        area_name="Grænsen",
        area={"type": "Circle", "center": {"lat": 57.47, "lon": 10.2}, "radius_m": 400},
        valid_from=T0,
        valid_until=T0 + timedelta(hours=2),
        severity="warning",
        targeting="all_on_shift",
        segments=1,
        areas=areas,
    )


def _recipient(i: int, area: str | None) -> Recipient:
    return Recipient(f"staff-{i}", f"+452000000{i}", "plan", T0.date(), "all_on_shift: x", area)


def test_a_scoped_reader_sees_its_areas_recipients_only(sqlite_store: AlertStore) -> None:
    """An alert reaching staff of two areas: a Sindal reader sees the Sindal recipient and
    counts one; a reader of every area sees both; a reader of a third area gets a 404 and
    no list line."""
    record, _ = sqlite_store.create(
        _alert(), [_recipient(1, "sindal"), _recipient(2, "hjoerring")], now=T0
    )
    sindal = sqlite_store.get(record.id, areas={"sindal"})
    assert [r.staff_id for r in sindal.recipients] == ["staff-1"]
    assert sindal.recipient_count == 1
    assert sum(sindal.counts.values()) == 1
    assert sqlite_store.get(record.id).recipient_count == 2
    with pytest.raises(AlertNotFoundError):
        sqlite_store.get(record.id, areas={"ronne"})
    assert [a.recipient_count for a in sqlite_store.recent(areas={"hjoerring"})] == [1]
    assert sqlite_store.recent(areas={"ronne"}) == []


def test_an_alert_without_recipients_concerns_its_centres_area(sqlite_store: AlertStore) -> None:
    """An alert that reached nobody still concerns the area its centre lies in; one from
    before scoping (no areas, no recipient areas) only keys of every area read."""
    record, _ = sqlite_store.create(_alert(areas=("sindal",)), [], now=T0)
    assert sqlite_store.get(record.id, areas={"sindal"}).recipient_count == 0
    old, _ = sqlite_store.create(_alert(), [_recipient(1, None)], now=T0)
    with pytest.raises(AlertNotFoundError):
        sqlite_store.get(old.id, areas={"sindal"})
    assert sqlite_store.get(old.id).recipient_count == 1
    # Its owner reads it whatever its areas (police read their own alerts).
    assert sqlite_store.get(old.id, owner="k1", areas={"sindal"}).id == old.id
