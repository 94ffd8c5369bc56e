"""Retention: `eyes retention` deletes staff phones and alert texts past EYES_RETENTION_DAYS."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from service.alerts.store import AlertStore
from service.cli import main
from service.config import get_settings
from service.plans.store import PlanRecord

from ..databases import migrated_engine
from .helpers import store_alert

if TYPE_CHECKING:
    from pathlib import Path

    import pytest


def _plan(plan_id: str, created: datetime) -> PlanRecord:
    return PlanRecord(
        id=plan_id,
        created_at=created,
        area="sindal",
        request={"shifts": [{"id": "s1", "phone": "+4520000001", "start_time": "17:00"}]},
        plan={"date": created.date().isoformat(), "routes": []},
        geojson=None,
    )


def test_retention_forgets_old_personal_data_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """With EYES_RETENTION_DAYS=30, a 40-day-old alert loses its text and phones, a 40-day-old
    plan its staff phones, the console copies go; a 1-day-old alert and plan keep theirs."""
    url = f"sqlite:///{tmp_path / 'ret.db'}"
    store = AlertStore(migrated_engine(url))
    now = datetime.now(UTC)
    old = store_alert(store, 2, now=now - timedelta(days=40))
    new = store_alert(store, 2, now=now - timedelta(days=1))
    with store.sessions() as session, session.begin():
        session.add_all(
            [_plan("old", now - timedelta(days=40)), _plan("new", now - timedelta(days=1))]
        )
    from service.alerts.sms import OutgoingSms
    from service.alerts.sms.console import ConsoleSender

    console = ConsoleSender(store)
    console.send(OutgoingSms("r1", "+4520000001", "text"))
    monkeypatch.setenv("EYES_DATABASE_URL", url)
    monkeypatch.setenv("EYES_RETENTION_DAYS", "30")
    get_settings.cache_clear()
    try:
        assert main(["retention"]) == 0
    finally:
        get_settings.cache_clear()
    assert "1 alert texts and the phones of 1 plans deleted" in capsys.readouterr().out
    assert store.get(old.id).message is None
    assert store.get(new.id).message == "Hold øje med en hvid varevogn."
    with store.sessions() as session:
        from service.alerts.models import OutboxRecord

        phones = {(r.alert_id, r.phone is None) for r in session.query(OutboxRecord).all()}
        plans = {p.id: p.request["shifts"][0]["phone"] for p in session.query(PlanRecord).all()}
    assert phones == {(old.id, True), (new.id, False)}
    assert plans == {"old": None, "new": "+4520000001"}
    # The console copy was made just now: kept.
    assert [m.reference for m in store.console_messages()] == ["r1"]
    # Masked phones stay for the status view.
    assert (store.get(old.id).recipients[0].phone or "").startswith("+45 ••••")
