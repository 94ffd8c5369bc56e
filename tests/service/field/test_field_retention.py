"""Retention of what the staff sent: after EYES_RETENTION_DAYS a tip loses its text and
place and a check-in its place; what was checked in, and when, stays for the dosage."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from service.field.schemas import CheckinCreate, TipCreate
from service.field.store import FieldStore, StaffLink
from service.geo import Point
from service.retention import forget_before

from ..databases import migrated_engine

if TYPE_CHECKING:
    from pathlib import Path


def test_old_tips_and_check_in_positions_are_forgotten(tmp_path: Path) -> None:
    store = FieldStore(migrated_engine(f"sqlite:///{tmp_path / 'field.db'}"))
    now = datetime.now(UTC)
    link = StaffLink("l1", "plan-1", "guard-1", "sindal", now + timedelta(hours=3))
    where = Point(lat=57.47, lon=10.20)
    for age_days in (40, 1):
        received = now - timedelta(days=age_days)
        store.add_tip(
            link,
            TipCreate(
                id=uuid.uuid4().hex,
                category="other",
                text=f"{age_days}",
                location=where,
                at=received,
            ),
            at=received,
            now=received,
        )
        store.add_checkin(
            link,
            CheckinCreate(
                id=uuid.uuid4().hex, stop_id=f"hs-{age_days}", at=received, location=where
            ),
            at=received,
            now=received,
        )
    forgotten = forget_before(store, now - timedelta(days=30))
    assert (forgotten.tips, forgotten.checkins) == (1, 1)
    tips = {t.at.date(): t for t in store.tips()}
    old, new = (tips[(now - timedelta(days=d)).date()] for d in (40, 1))
    assert (old.text, old.lat, old.lon) == ("", None, None)
    assert (new.text, new.lat) == ("1", 57.47)
    checkins = {c.stop_id: c for c in store.checkins("plan-1")}
    assert (checkins["hs-40"].lat, checkins["hs-40"].at.date()) == (
        None,
        (now - timedelta(days=40)).date(),
    )
    assert checkins["hs-1"].lat == 57.47
    assert forget_before(store, now - timedelta(days=30)).tips == 0  # once is enough
