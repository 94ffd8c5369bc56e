"""The sender's decisions, driven step by step with a scripted provider and a fixed clock:
retries and backoff, giving up, the check before a resend, and claims that never overlap."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select

from service.alerts.models import OutboxRecord
from service.alerts.outbox import CLAIM_LEASE_S, Outbox, RetryPolicy
from service.alerts.receipts import apply_receipt
from service.alerts.sms import FindResult, OutgoingSms, Receipt, SendResult
from service.alerts.worker import SenderWorker

from .helpers import store_alert

if TYPE_CHECKING:
    from service.alerts.store import AlertStore

T0 = datetime(2030, 1, 1, 18, 0, tzinfo=UTC)


@dataclass
class ScriptedSender:
    """Answers sends from a script; ``find`` answers from ``found`` or ``find_kind``."""

    script: list[SendResult]
    find_kind: str = "absent"
    receipt_wait_s: float | None = None
    name: str = "scripted"
    sent: list[OutgoingSms] = field(default_factory=list)
    finds: list[str] = field(default_factory=list)

    def send(self, sms: OutgoingSms) -> SendResult:
        self.sent.append(sms)
        return self.script.pop(0)

    def find(self, sms: OutgoingSms, *, since: datetime) -> FindResult:
        self.finds.append(sms.reference)
        return FindResult(
            self.find_kind,  # type: ignore[arg-type]
            "X1" if self.find_kind == "found" else None,
            reason="ReadTimeout asking the provider" if self.find_kind == "error" else None,
            receipt_wait_s=self.receipt_wait_s,
        )

    def close(self) -> None:
        pass


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def _worker(
    store: AlertStore, sender: ScriptedSender, clock: Clock, **policy: float
) -> SenderWorker:
    return SenderWorker(
        Outbox(store, lease_s=60),
        sender,
        policy=RetryPolicy(**policy),
        concurrency=1,
        rng=random.Random(1),
        clock=clock,
    )


def _row(store: AlertStore) -> tuple[str, str | None, int]:
    [alert] = store.recent()
    [row] = store.get(alert.id).recipients
    return row.status, row.failure_reason, row.attempts


def test_retry_after_is_respected_then_sent(sqlite_store: AlertStore) -> None:
    """A 429 with Retry-After 30 s keeps the row back at least 30 s; then it is sent once."""
    store_alert(sqlite_store, 1, now=T0)
    sender = ScriptedSender(
        [
            SendResult("retry", reason="provider answered 429", retry_after_s=30),
            SendResult("accepted", "m1"),
        ]
    )
    clock = Clock()
    worker = _worker(sqlite_store, sender, clock, base_s=1, max_s=60)
    assert worker.run_once() == 1
    assert _row(sqlite_store) == ("queued", "provider answered 429", 1)
    clock.now = T0 + timedelta(seconds=29)
    assert worker.run_once() == 0
    clock.now = T0 + timedelta(seconds=31)
    assert worker.run_once() == 1
    assert _row(sqlite_store) == ("sent", None, 2)
    assert len(sender.sent) == 2


def test_backoff_doubles_with_jitter_and_is_capped() -> None:
    """Delays are base*2^(n-1) scaled by a jitter in [0.5, 1], never above the cap."""
    policy = RetryPolicy(base_s=2, max_s=20)
    rng = random.Random(3)
    for attempt, full in [(1, 2), (2, 4), (3, 8), (4, 16), (5, 20), (9, 20)]:
        delay = policy.delay_s(attempt, None, rng)
        assert full * 0.5 <= delay <= full
    assert policy.delay_s(1, 15.0, rng) == 15.0


def test_gives_up_after_the_configured_time(sqlite_store: AlertStore) -> None:
    """Endless 500s end in failed, with the reason and the number of attempts."""
    store_alert(sqlite_store, 1, now=T0)
    sender = ScriptedSender([SendResult("retry", reason="provider answered 500")] * 20)
    clock = Clock()
    worker = _worker(sqlite_store, sender, clock, base_s=10, max_s=10, give_up_after_s=35)
    for _ in range(20):
        worker.run_once()
        clock.now += timedelta(seconds=10)
        if _row(sqlite_store)[0] == "failed":
            break
    status, reason, attempts = _row(sqlite_store)
    assert status == "failed"
    assert reason == f"gave up after {attempts} attempts: provider answered 500"
    assert 3 <= attempts <= 8


def test_rejected_is_final(sqlite_store: AlertStore) -> None:
    """A 4xx refusal fails the row at once, without retrying."""
    store_alert(sqlite_store, 1, now=T0)
    sender = ScriptedSender([SendResult("rejected", reason="provider refused the message (400)")])
    worker = _worker(sqlite_store, sender, Clock())
    worker.run_once()
    assert _row(sqlite_store) == ("failed", "provider refused the message (400)", 1)
    assert worker.run_once() == 0


def test_worker_dying_mid_send_is_resolved_by_asking_the_provider(sqlite_store: AlertStore) -> None:
    """A row handed over by a worker that died (lease ran out) is in doubt: when the
    provider has it, it is recorded as sent without a second message; when absent, it is
    sent."""
    store_alert(sqlite_store, 2, now=T0)
    outbox = Outbox(sqlite_store, lease_s=60)
    claimed_by_dead = outbox.claim(now=T0, limit=10)  # a worker claims both rows,
    dead = [outbox.renew(c, now=T0) for c in claimed_by_dead]  # starts sending, then dies
    assert len(dead) == 2
    assert dead[0] is not None
    clock = Clock()
    sender = ScriptedSender([SendResult("accepted", "m2")], find_kind="found")
    worker = _worker(sqlite_store, sender, clock)
    assert worker.run_once() == 0  # the lease still holds
    clock.now = T0 + timedelta(seconds=61)
    claimed = worker.outbox.claim(now=clock.now, limit=1)
    assert claimed[0].in_doubt
    assert worker.process(claimed[0]) == "found"
    sender.find_kind = "absent"
    assert worker.run_once() == 1
    assert len(sender.sent) == 1
    assert len(sender.finds) == 2
    # The dead worker's late result is refused: the rows moved on.
    assert not outbox.record_sent(
        dead[0], provider="x", message_id="late", delivered=False, now=clock.now
    )


def test_rows_a_dead_worker_never_handed_over_go_on_within_seconds(
    sqlite_store: AlertStore,
) -> None:
    """Rows a worker claimed but had not yet handed to the provider when it died (the API
    killed mid-fan-out) are claimable after CLAIM_LEASE_S, not the whole lease, and are
    not in doubt: sent at once, without asking the provider."""
    store_alert(sqlite_store, 3, now=T0)
    outbox = Outbox(sqlite_store, lease_s=60)
    assert len(outbox.claim(now=T0, limit=10)) == 3  # claimed, then the worker dies
    assert outbox.claim(now=T0 + timedelta(seconds=CLAIM_LEASE_S - 1), limit=10) == []
    again = outbox.claim(now=T0 + timedelta(seconds=CLAIM_LEASE_S + 1), limit=10)
    assert len(again) == 3
    assert not any(c.in_doubt for c in again)
    clock = Clock()
    clock.now = T0 + timedelta(seconds=CLAIM_LEASE_S + 1)
    sender = ScriptedSender([SendResult("accepted", f"m{i}") for i in range(3)])
    worker = _worker(sqlite_store, sender, clock)
    assert [worker.process(c) for c in again] == ["sent"] * 3
    assert sender.finds == []


def test_in_doubt_without_lookup_is_not_resent(sqlite_store: AlertStore) -> None:
    """A timeout after the request left, on a provider that cannot be asked, ends failed
    with the reason rather than risking a second message."""
    store_alert(sqlite_store, 1, now=T0)
    sender = ScriptedSender(
        [SendResult("retry", reason="ReadTimeout talking to the provider", in_doubt=True)],
        find_kind="unknown",
    )
    clock = Clock()
    worker = _worker(sqlite_store, sender, clock, base_s=1, max_s=1)
    worker.run_once()
    clock.now += timedelta(seconds=2)
    worker.run_once()
    status, reason, _ = _row(sqlite_store)
    assert status == "failed"
    assert reason is not None
    assert "not resent to avoid a duplicate" in reason
    assert len(sender.sent) == 1


def test_expired_alert_is_not_sent(sqlite_store: AlertStore) -> None:
    """A row still queued when the alert's validity is over fails instead of going out."""
    store_alert(sqlite_store, 1, now=T0, valid_for=timedelta(minutes=5))
    clock = Clock()
    clock.now = T0 + timedelta(minutes=6)
    sender = ScriptedSender([])
    _worker(sqlite_store, sender, clock).run_once()
    assert _row(sqlite_store) == ("failed", "the alert expired before the message could be sent", 1)
    assert sender.sent == []


def test_claims_never_overlap(sqlite_store: AlertStore) -> None:
    """Two claims at the same moment split the rows; none is handed out twice."""
    store_alert(sqlite_store, 5, now=T0)
    a = Outbox(sqlite_store, lease_s=60).claim(now=T0, limit=3)
    b = Outbox(sqlite_store, lease_s=60).claim(now=T0, limit=3)
    assert len(a) == 3
    assert len(b) == 2
    assert not {c.id for c in a} & {c.id for c in b}


def test_a_failed_lookup_is_asked_again_not_given_up(sqlite_store: AlertStore) -> None:
    """When asking the provider fails (its list call times out), the row stays in doubt
    and is looked up again later; it is never resent blindly nor failed for it."""
    store_alert(sqlite_store, 1, now=T0)
    sender = ScriptedSender(
        [SendResult("retry", reason="ReadTimeout talking to the provider", in_doubt=True)],
        find_kind="error",
    )
    clock = Clock()
    worker = _worker(sqlite_store, sender, clock, base_s=1, max_s=1)
    worker.run_once()
    clock.now += timedelta(seconds=2)
    worker.run_once()
    assert _row(sqlite_store)[0] == "queued"
    sender.find_kind = "found"
    clock.now += timedelta(seconds=2)
    worker.run_once()
    assert _row(sqlite_store)[:2] == ("sent", None)
    assert len(sender.sent) == 1
    assert len(sender.finds) == 2


def test_in_doubt_retries_wait_for_the_settle_time() -> None:
    """A retry in doubt waits at least the settle time (the HTTP timeout); others do not."""
    policy = RetryPolicy(base_s=0.1, max_s=0.1, in_doubt_settle_s=10)
    rng = random.Random(0)
    assert policy.delay_s(1, None, rng, in_doubt=True) == 10
    assert policy.delay_s(1, None, rng) <= 0.1


def _outbox_id(store: AlertStore) -> str:
    with store.sessions() as session:
        return session.scalars(select(OutboxRecord.id)).one()


TIMEOUT = SendResult("retry", reason="ReadTimeout talking to the provider", in_doubt=True)


def test_unaskable_provider_waits_for_a_report_then_resends_with_the_same_reference(
    sqlite_store: AlertStore,
) -> None:
    """GatewayAPI cannot be asked: a send that timed out stays queued in doubt for the settle
    window after the attempt, waiting for a delivery report; with none, it is sent again
    (same reference, so a late report still lands on the row) instead of being lost."""
    store_alert(sqlite_store, 1, now=T0)
    sender = ScriptedSender(
        [TIMEOUT, SendResult("accepted", "m2")], find_kind="unknown", receipt_wait_s=300
    )
    clock = Clock()
    worker = _worker(sqlite_store, sender, clock, base_s=1, max_s=1)
    worker.run_once()
    clock.now = T0 + timedelta(seconds=2)
    assert worker.run_once() == 1  # in doubt: asked, told to wait
    status, reason, _ = _row(sqlite_store)
    assert (status, reason) == ("queued", "in doubt: waiting for the provider's delivery report")
    assert len(sender.sent) == 1
    clock.now = T0 + timedelta(seconds=299)
    assert worker.run_once() == 0
    clock.now = T0 + timedelta(seconds=301)
    assert worker.run_once() == 1
    assert _row(sqlite_store)[:2] == ("sent", None)
    assert [s.reference for s in sender.sent] == [sender.sent[0].reference] * 2


def test_a_report_already_on_the_row_counts_as_found(sqlite_store: AlertStore) -> None:
    """A transient delivery report (ENROUTE) that arrived for a row in doubt shows the
    provider has it: it is recorded as sent with the report's message id, not resent."""
    store_alert(sqlite_store, 1, now=T0)
    sender = ScriptedSender([TIMEOUT], find_kind="unknown", receipt_wait_s=300)
    clock = Clock()
    worker = _worker(sqlite_store, sender, clock, base_s=1, max_s=1)
    worker.run_once()
    report = Receipt(_outbox_id(sqlite_store), "77", "ENROUTE", None, None)
    assert apply_receipt(sqlite_store, report, now=T0) == "applied"
    clock.now = T0 + timedelta(seconds=2)
    assert worker.run_once() == 1
    assert _row(sqlite_store)[:2] == ("sent", None)
    assert len(sender.sent) == 1
    assert sender.finds == []


def test_a_final_report_while_waiting_settles_the_row(sqlite_store: AlertStore) -> None:
    """A DELIVERED report arriving during the settle window makes the row delivered; it is
    never claimed or sent again."""
    store_alert(sqlite_store, 1, now=T0)
    sender = ScriptedSender([TIMEOUT], find_kind="unknown", receipt_wait_s=300)
    clock = Clock()
    worker = _worker(sqlite_store, sender, clock, base_s=1, max_s=1)
    worker.run_once()
    clock.now = T0 + timedelta(seconds=2)
    worker.run_once()
    report = Receipt(_outbox_id(sqlite_store), "77", "DELIVERED", "delivered", None)
    assert apply_receipt(sqlite_store, report, now=clock.now) == "applied"
    clock.now = T0 + timedelta(seconds=400)
    assert worker.run_once() == 0
    assert _row(sqlite_store)[0] == "delivered"
    assert len(sender.sent) == 1


@dataclass
class RaisingSender(ScriptedSender):
    """Raises from every send, as a sender bug would."""

    def send(self, sms: OutgoingSms) -> SendResult:
        self.sent.append(sms)
        msg = "boom"
        raise ValueError(msg)


def test_a_send_that_raises_counts_as_an_attempt_and_gives_up(sqlite_store: AlertStore) -> None:
    """An exception from the sender is an attempt (in doubt: the request may have left):
    backoff and the give-up time apply, so the row ends failed instead of being retried
    forever each time its lease runs out."""
    store_alert(sqlite_store, 1, now=T0)
    sender = RaisingSender([], find_kind="absent")
    clock = Clock()
    worker = _worker(sqlite_store, sender, clock, base_s=10, max_s=10, give_up_after_s=35)
    for _ in range(20):
        worker.run_once()
        clock.now += timedelta(seconds=11)
        if _row(sqlite_store)[0] == "failed":
            break
    status, reason, attempts = _row(sqlite_store)
    assert status == "failed"
    assert reason == f"gave up after {attempts} attempts: ValueError while sending"
    assert len(sender.sent) == attempts


def test_retry_after_is_clamped_to_the_backoff_maximum() -> None:
    """A huge or negative Retry-After is held to [0, max_s]."""
    policy = RetryPolicy(base_s=1, max_s=60)
    rng = random.Random(0)
    assert policy.delay_s(1, 1e12, rng) == 60
    assert policy.delay_s(1, -5.0, rng) <= 1
    assert policy.delay_s(10_000, None, rng) <= 60


def test_an_expired_row_in_doubt_is_looked_up_before_it_is_failed(
    sqlite_store: AlertStore,
) -> None:
    """A send that timed out just before the alert expired may have gone out: the provider
    is asked first; found, the row is sent (not failed); absent, it is failed, never sent."""
    for find_kind, expected in (("found", "sent"), ("absent", "failed")):
        # Another text each round: the same text to the same phone within 10 minutes would
        # be merged into the first round's message (sent once).
        store_alert(
            sqlite_store,
            1,
            now=T0,
            valid_for=timedelta(minutes=5),
            message=f"Hold øje {find_kind}.",
        )
        sender = ScriptedSender([TIMEOUT], find_kind=find_kind)
        clock = Clock()
        worker = _worker(sqlite_store, sender, clock, base_s=1, max_s=1)
        worker.run_once()
        clock.now = T0 + timedelta(minutes=6)
        assert worker.run_once() == 1
        [alert] = sqlite_store.recent(limit=1)
        [row] = sqlite_store.get(alert.id).recipients
        assert row.status == expected
        assert len(sender.sent) == 1
        assert len(sender.finds) == 1
        if expected == "failed":
            assert row.failure_reason == (
                "the alert expired before the message could be sent; an earlier attempt's "
                "outcome is unknown (not resent)"
            )
