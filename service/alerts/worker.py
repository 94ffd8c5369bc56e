"""The sender: a loop that claims outbox rows, sends them once, and records what happened.

It runs in-process (a background thread started by the app's lifespan) or on its own
(``eyes sender``). Any number of senders may run against one database; see ``outbox.py``
for why none of them sends a message twice.
"""

from __future__ import annotations

import logging
import random
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from .outbox import Outbox, RetryPolicy
from .sms import FindResult, SendResult

if TYPE_CHECKING:
    from collections.abc import Callable

    from ..config import Settings
    from .outbox import Claimed
    from .sms import OutgoingSms, SmsSender
    from .store import AlertStore

log = logging.getLogger(__name__)


def utc_now() -> datetime:
    """Now, in UTC."""
    return datetime.now(UTC)


class SenderWorker:
    """Sends due outbox rows through one ``SmsSender``.

    Parameters
    ----------
    outbox
        Where rows are claimed and recorded.
    sender
        The SMS provider.
    policy
        Backoff and give-up time.
    batch
        Rows claimed at a time.
    concurrency
        Sends in flight at once within one batch.
    poll_s
        Sleep when nothing is due (``wake`` cuts it short).
    """

    def __init__(
        self,
        outbox: Outbox,
        sender: SmsSender,
        *,
        policy: RetryPolicy,
        batch: int = 20,
        concurrency: int = 4,
        poll_s: float = 1.0,
        rng: random.Random | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.outbox = outbox
        self.sender = sender
        self.policy = policy
        self.batch = batch
        self.concurrency = concurrency
        self.poll_s = poll_s
        self._rng = rng or random.Random()
        self._rng_lock = threading.Lock()
        self._clock = clock
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def process(self, claimed: Claimed) -> str:
        """Send one claimed row (checking first when in doubt); returns what happened."""
        now = self._clock()
        if claimed.expired_reason is not None or claimed.sms is None:
            return self._expire(claimed)
        sms = claimed.sms
        if claimed.in_doubt:
            checked = self._check_in_doubt(claimed, sms)
            if checked is not None:
                return checked
        started = self._clock()
        renewed = self.outbox.renew(claimed, now=started)
        if renewed is None:
            log.info("outbox %s: lease lost to another worker before sending; skipped", claimed.id)
            return "skipped"
        claimed = renewed
        try:
            result = self.sender.send(sms)
        except Exception as exc:
            # A sender bug or an unforeseen error: an attempt like any other (the request may
            # have left), so backoff and the give-up time apply rather than endless retries.
            log.exception("outbox %s: the SMS sender raised", claimed.id)
            result = SendResult(
                "retry", reason=f"{type(exc).__name__} while sending", in_doubt=True
            )
        now = self._clock()
        if result.kind == "accepted":
            self.outbox.record_sent(
                claimed,
                provider=self.sender.name,
                message_id=result.provider_message_id,
                delivered=result.delivered,
                now=now,
            )
            return "sent"
        if result.kind == "rejected":
            self.outbox.record_failed(claimed, reason=result.reason or "rejected", now=now)
            return "failed"
        with self._rng_lock:
            self.outbox.record_retry(
                claimed, result, policy=self.policy, rng=self._rng, now=now, in_doubt_since=started
            )
        log.info("outbox %s: %s; will retry", claimed.id, result.reason)
        return "retry"

    def _expire(self, claimed: Claimed) -> str:
        """Fail a row that may no longer be sent; one in doubt is looked up first, since an
        earlier attempt may have reached the provider (then it is recorded as sent)."""
        reason = claimed.expired_reason or "nothing to send"
        if claimed.in_doubt and claimed.sms is not None:
            found = (
                FindResult("found", claimed.provider_message_id)
                if claimed.receipt_seen
                else self.sender.find(claimed.sms, since=claimed.first_attempt_at)
            )
            if found.kind == "found":
                return self._record_found(claimed, found.provider_message_id)
            reason += "; an earlier attempt's outcome is unknown (not resent)"
        self.outbox.record_failed(claimed, reason=reason, now=self._clock())
        return "failed"

    def _record_found(self, claimed: Claimed, message_id: str | None) -> str:
        """The provider has the message already: record it sent, never resend it."""
        self.outbox.record_sent(
            claimed,
            provider=self.sender.name,
            message_id=message_id,
            delivered=False,
            now=self._clock(),
        )
        return "found"

    def _check_in_doubt(self, claimed: Claimed, sms: OutgoingSms) -> str | None:
        """Settle a row in doubt without sending; ``None`` when it is to be sent (again)."""
        if claimed.receipt_seen:
            log.info("outbox %s: a delivery report names it; not resent", claimed.id)
            return self._record_found(claimed, claimed.provider_message_id)
        found = self.sender.find(sms, since=claimed.first_attempt_at)
        if found.kind == "found":
            log.info("outbox %s: the provider already has it; not resent", claimed.id)
            return self._record_found(claimed, found.provider_message_id)
        if found.kind == "error":
            # Asking failed this time: still in doubt, ask again after a backoff.
            result = SendResult("retry", reason=found.reason, in_doubt=True)
            with self._rng_lock:
                self.outbox.record_retry(
                    claimed,
                    result,
                    policy=self.policy,
                    rng=self._rng,
                    now=self._clock(),
                    in_doubt_since=claimed.in_doubt_since,
                )
            return "retry"
        if found.kind == "unknown" and found.receipt_wait_s is None:
            reason = (
                "outcome unknown (the sender stopped or timed out mid-send) and the "
                "provider cannot be asked; not resent to avoid a duplicate"
            )
            self.outbox.record_failed(claimed, reason=reason, now=self._clock())
            return "failed"
        if found.kind == "unknown":
            since = claimed.in_doubt_since or claimed.first_attempt_at
            until = since + timedelta(seconds=found.receipt_wait_s or 0.0)
            if self._clock() < until:
                self.outbox.record_waiting(claimed, until=until)
                return "waiting"
            log.warning(
                "outbox %s: no delivery report within the settle window; sending again "
                "with the same reference",
                claimed.id,
            )
        return None

    def run_once(self) -> int:
        """Claim one batch and process it; returns the number of rows claimed."""
        claimed = self.outbox.claim(now=self._clock(), limit=self.batch)
        if not claimed:
            return 0
        if self.concurrency <= 1 or len(claimed) == 1:
            for row in claimed:
                self._process_logged(row)
        else:
            with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
                list(pool.map(self._process_logged, claimed))
        return len(claimed)

    def _process_logged(self, claimed: Claimed) -> None:
        try:
            self.process(claimed)
        except Exception:
            # The row keeps its lease and is retried (in doubt) once the lease runs out.
            log.exception("outbox %s: unexpected error while sending", claimed.id)

    def run(self) -> None:
        """Loop until ``stop``; sleeps ``poll_s`` when nothing is due."""
        while not self._stop.is_set():
            try:
                busy = self.run_once()
            except Exception:
                log.exception("sender loop: database trouble; trying again shortly")
                busy = 0
            if not busy:
                self._wake.wait(self.poll_s)
                self._wake.clear()

    def wake(self) -> None:
        """Cut the idle sleep short (a new alert was queued)."""
        self._wake.set()

    def start(self) -> None:
        """Run the loop in a daemon thread."""
        self._stop.clear()
        self._thread = threading.Thread(target=self.run, name="eyes-sender", daemon=True)
        self._thread.start()

    def stop(self, *, timeout_s: float = 10.0) -> None:
        """Ask the loop to stop and wait for it."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=timeout_s)
            self._thread = None


def worker_from_settings(settings: Settings, store: AlertStore, sender: SmsSender) -> SenderWorker:
    """The SMS sender loop as configured."""
    return SenderWorker(
        Outbox(store, lease_s=settings.sms_lease_s, provider=sender.name),
        sender,
        policy=RetryPolicy(
            base_s=settings.sms_backoff_base_s,
            max_s=settings.sms_backoff_max_s,
            give_up_after_s=settings.sms_give_up_after_s,
            in_doubt_settle_s=settings.sms_timeout_s,
        ),
        concurrency=settings.sms_concurrency,
        poll_s=settings.sender_poll_s,
        rng=random.Random(),
    )
