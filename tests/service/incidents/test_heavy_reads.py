"""Heavy reads (issue 19): a few at once per process, 503 with Retry-After beyond, and the
same answer reused for the same area, day and records until an import changes them."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

import pytest

from service.api.heavy import BusyError, HeavyReads

from .test_api import _import

if TYPE_CHECKING:
    from fastapi.testclient import TestClient


def test_a_slot_taken_makes_others_wait_outside_and_results_are_reused() -> None:
    heavy = HeavyReads(1, keep_s=600)
    started, release = threading.Event(), threading.Event()
    computed: list[str] = []

    def slow() -> str:
        started.set()
        release.wait(timeout=60)
        computed.append("slow")
        return "slow result"

    worker = threading.Thread(target=heavy.run, args=(("report", "sindal", 1), slow))
    worker.start()
    assert started.wait(timeout=60)
    with pytest.raises(BusyError):
        heavy.run(("report", "hjoerring", 1), lambda: "never")
    release.set()
    worker.join(timeout=60)
    assert heavy.run(("report", "sindal", 1), lambda: "recomputed") == "slow result"
    heavy.forget("sindal")
    assert heavy.run(("report", "sindal", 1), lambda: "recomputed") == "recomputed"
    assert computed == ["slow"]


def test_the_api_answers_busy_with_retry_after_and_reuses_a_report(
    police: TestClient, scheduler: TestClient, sindal_csv: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    _import(police, sindal_csv)
    heavy: HeavyReads = scheduler.app.state.heavy_reads  # type: ignore[attr-defined]
    import service.api.routers.incidents as router

    calls: list[str] = []
    real = router.area_report  # type: ignore[attr-defined]

    def counted(**kwargs: object) -> object:
        calls.append(str(kwargs["area"]))
        return real(**kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(router, "area_report", counted)
    params = {"as_of": "2026-11-23"}
    taken = [heavy._slots.acquire(blocking=False) for _ in range(2)]  # every slot busy
    assert all(taken)
    busy = scheduler.get("/v1/reports/sindal", params=params)
    assert busy.status_code == 503
    assert busy.headers["retry-after"] == "15"
    assert busy.json()["type"].endswith("/busy")
    for _ in taken:
        heavy._slots.release()
    first = scheduler.get("/v1/reports/sindal", params=params)
    again = scheduler.get("/v1/reports/sindal", params=params)
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    assert calls == ["sindal"]
    _import(police, sindal_csv)  # an import forgets the area's results
    scheduler.get("/v1/reports/sindal", params=params)
    assert calls == ["sindal", "sindal"]


def test_the_report_counts_the_staffs_tips_per_local_area(
    police: TestClient, scheduler: TestClient, sindal_csv: bytes
) -> None:
    """Tips of the last 4 weeks appear per local area and category; police count only
    those marked for them; older tips do not count."""
    import uuid
    from datetime import datetime, timedelta

    from service.field.schemas import TipCreate
    from service.field.store import FieldStore, StaffLink
    from service.geo import Point
    from service.timeutil import LOCAL_TZ

    _import(police, sindal_csv)
    store = FieldStore(scheduler.app.state.plan_store.engine)  # type: ignore[attr-defined]
    link = StaffLink("l1", "plan", "guard-1", "sindal", datetime.now(LOCAL_TZ))
    noticed = datetime(2026, 11, 10, 19, 0, tzinfo=LOCAL_TZ)
    for at, for_police in ((noticed, True), (noticed, False), (noticed - timedelta(days=60), True)):
        body = TipCreate(
            id=uuid.uuid4().hex,
            category="open_door_window",
            location=Point(lat=57.4712, lon=10.2031),
            at=at,
            for_police=for_police,
        )
        store.add_tip(link, body, at=at, now=at)
    params = {"as_of": "2026-11-23"}
    tips = scheduler.get("/v1/reports/sindal", params=params).json()["tips"]
    assert [(t["category"], t["count"]) for t in tips] == [("open_door_window", 2)]
    assert tips[0]["local_area"]
    police_tips = police.get("/v1/reports/sindal", params=params).json()["tips"]
    assert [t["count"] for t in police_tips] == [1]
