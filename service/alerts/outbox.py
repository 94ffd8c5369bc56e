"""The outbox protocol: how rows are claimed, sent once, and their results recorded.

Never lost, never twice
-----------------------
1. ``AlertStore.create`` writes the alert and one ``queued`` row per recipient in one
   transaction, before anything is sent. A crash before that commit sends nothing; after
   it, every row is there to be sent.
2. ``claim`` takes due rows (``queued`` with ``next_attempt_at`` reached, or ``sending`` whose
   lease ran out because its worker died; a claim's lease is short, ``CLAIM_LEASE_S``, so
   rows a dead worker claimed but never handed to the provider go on within seconds) with
   ``SELECT ... FOR UPDATE SKIP LOCKED`` on PostgreSQL, so concurrent workers never pick the
   same row; each row is then moved with a compare-and-set on ``version`` (which also
   makes SQLite, where ``FOR UPDATE`` does not exist, safe). The claim COMMITS
   ``status='sending'``, a lease and ``attempts + 1`` before any HTTP call.
3. A row reclaimed from ``sending`` after it was handed over (its worker died between
   `renew` and the commit of the result: ``in_doubt_since`` is set), or one whose
   last attempt timed out after the request may have left, is ``in_doubt``. Before sending
   it again the worker asks the provider (``SmsSender.find``) whether a message with that
   reference exists: found means it is recorded as sent without a second message; absent
   means it is sent. A delivery report already recorded on the row (its provider state or
   message id, e.g. a Twilio callback found by its ``?ref=``) counts as found, asked or not.
   A row whose alert expired meanwhile is looked up the same way before it is failed
   (found: recorded as sent); it is never sent.

   GatewayAPI cannot be asked (``find`` answers ``unknown`` with a settle window,
   ``EYES_SMS_RECEIPT_WAIT_S``, a few minutes): the row stays queued in doubt until the
   window after ``in_doubt_since`` (when the uncertain request was made, or the dead
   worker's row was reclaimed) has passed, waiting for the delivery report that carries
   its reference (``userref``). A final report makes it delivered/failed and it is never
   claimed again; a transient one counts as found. Only when the window passes without any
   report is it sent again, with the SAME ``userref``. Residual risk, accepted because a
   police alert that never arrives is worse than one that arrives twice: if the first
   request did reach GatewayAPI but no report for it reaches us within the window (our
   receipt endpoint down or unreachable for longer than the gateway retries, no
   ``EYES_PUBLIC_BASE_URL`` in development, or the gateway holding reports back), the
   recipient gets the message twice; both carry the same ``userref``, so their reports
   land on the one row. A provider answering ``unknown`` without a window is not resent:
   the row is failed with that reason, and a later report can still make it delivered.

   An exception from a send counts as an attempt in doubt, so backoff and the give-up
   time apply to it like any other failure.
4. Right before each send the worker renews the row's lease (``renew``: ``lease_until =
   now + lease``, ``in_doubt_since`` set: handed over; a compare-and-set on ``version``)
   and skips the row if that fails: a batch is claimed at once but sent ``concurrency``
   rows at a time, so a row waiting its turn may outlive the claim's lease and be
   reclaimed by another worker, which sends it; the renewal makes only one of the two send.
   Each provider request has a TOTAL deadline (``EYES_SMS_TIMEOUT_S``, not only httpx's
   per-phase timeouts), and the lease (``EYES_SMS_LEASE_S``) must exceed twice it: a
   renewed row's request has ended before its lease runs out, with a timeout's worth of
   margin for the provider to have landed it before anyone looks it up.
5. ``record`` writes the result only if the row still has the version this worker holds;
   otherwise another worker took it over after the lease ran out, and its own in-doubt
   check decides.
The reference sent to the provider is the row id, unique per (alert, recipient); GatewayAPI
gets it as ``userref`` and echoes it in delivery reports.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import and_, func, or_, select, update

from ..db import aware_utc
from .models import AlertRecord, OutboxRecord
from .sms import OutgoingSms, SendResult
from .text import sms_text

if TYPE_CHECKING:
    import random

    from .store import AlertStore


def _rowcount(result: object) -> int:
    """Rows an UPDATE matched (a ``CursorResult`` attribute the generic type hides)."""
    return int(getattr(result, "rowcount", 0) or 0)


CLAIM_LEASE_S = 5.0
"""A claimed row's lease until `Outbox.renew` hands it over with the full lease: a worker
killed mid-batch (the API, an ``eyes sender``) holds the rows it had not sent yet only this
long, so a restart goes on with them within seconds."""


@dataclass(frozen=True, slots=True)
class Claimed:
    """A row this worker may send: valid while the row's version is ``version``."""

    id: str
    version: int
    attempts: int
    in_doubt: bool
    first_attempt_at: datetime
    sms: OutgoingSms | None  # None when the alert text or phone is gone (retention)
    expired_reason: str | None  # set when the row must not be sent any more
    in_doubt_since: datetime | None = None
    # A delivery report already names this row (its provider state or message id).
    receipt_seen: bool = False
    provider_message_id: str | None = None


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff with jitter, bounded by a give-up time."""

    base_s: float = 2.0
    max_s: float = 300.0
    give_up_after_s: float = 3600.0
    in_doubt_settle_s: float = 0.0

    def delay_s(
        self,
        attempts: int,
        retry_after_s: float | None,
        rng: random.Random,
        *,
        in_doubt: bool = False,
    ) -> float:
        """Seconds to wait after attempt number ``attempts`` (1-based).

        An attempt in doubt waits at least ``in_doubt_settle_s`` (the HTTP timeout), so a
        request the provider is still working on has landed before it is looked for. A
        provider's Retry-After is honoured up to ``max_s`` (clamped to [0, ``max_s``]).
        """
        backoff = min(self.max_s, self.base_s * 2 ** max(0, min(attempts - 1, 60)))
        delay = backoff * rng.uniform(0.5, 1.0)
        retry_after = min(self.max_s, max(0.0, retry_after_s or 0.0))
        floor = max(retry_after, self.in_doubt_settle_s if in_doubt else 0.0)
        return float(max(delay, floor))


class Outbox:
    """Claims and records outbox rows on an ``AlertStore``'s database."""

    def __init__(
        self,
        store: AlertStore,
        *,
        lease_s: float,
        provider: str | None = None,
        claim_lease_s: float = CLAIM_LEASE_S,
    ) -> None:
        self._store = store
        self._lease = timedelta(seconds=lease_s)
        self._claim_lease = timedelta(seconds=min(lease_s, claim_lease_s))
        self._provider = provider

    def claim(self, *, now: datetime, limit: int) -> list[Claimed]:
        """Take up to ``limit`` due rows for this worker (committed before returning): with a
        ``provider``, only rows accepted for it (or from before rows named theirs)."""
        due = or_(
            and_(OutboxRecord.status == "queued", OutboxRecord.next_attempt_at <= now),
            and_(OutboxRecord.status == "sending", OutboxRecord.lease_until < now),
        )
        if self._provider is not None:
            due = and_(
                due,
                or_(
                    OutboxRecord.sms_provider == self._provider,
                    OutboxRecord.sms_provider.is_(None),
                ),
            )
        claimed: list[tuple[OutboxRecord, int]] = []
        with self._store.sessions() as session, session.begin():
            rows = session.scalars(
                select(OutboxRecord)
                .where(due)
                .order_by(OutboxRecord.next_attempt_at)
                .limit(limit)
                .with_for_update(skip_locked=True)
            ).all()
            for row in rows:
                version = row.version
                moved = session.execute(
                    update(OutboxRecord)
                    .where(OutboxRecord.id == row.id, OutboxRecord.version == version)
                    .values(
                        status="sending",
                        version=version + 1,
                        lease_until=now + self._claim_lease,
                        attempts=OutboxRecord.attempts + 1,
                        # Reclaimed from a dead worker: in doubt only if it was handed over
                        # (`renew` set in_doubt_since); a row it never renewed was not sent.
                        in_doubt=or_(
                            OutboxRecord.in_doubt,
                            and_(
                                OutboxRecord.status == "sending",
                                OutboxRecord.in_doubt_since.is_not(None),
                            ),
                        ),
                        first_attempt_at=row.first_attempt_at or now,
                    )
                    .execution_options(synchronize_session=False)
                )
                if _rowcount(moved) == 1:
                    claimed.append((row, version + 1))
            alerts = {
                a.id: a
                for a in session.scalars(
                    select(AlertRecord).where(
                        AlertRecord.id.in_({row.alert_id for row, _ in claimed})
                    )
                )
            }
            out: list[Claimed] = []
            for row, version in claimed:
                session.refresh(row)
                alert = alerts[row.alert_id]
                expired = None
                if aware_utc(alert.valid_until) <= now:
                    expired = "the alert expired before the message could be sent"
                elif alert.message is None or row.phone is None:
                    expired = "the alert text or phone number was deleted (retention)"
                # Kept for an expired row too: one in doubt is looked up before it is failed.
                sms = (
                    None
                    if row.phone is None or alert.message is None
                    else OutgoingSms(
                        row.id, row.phone, row.text or sms_text(alert.message, alert.area_name)
                    )
                )
                out.append(
                    Claimed(
                        id=row.id,
                        version=version,
                        attempts=row.attempts,
                        in_doubt=row.in_doubt,
                        first_attempt_at=aware_utc(row.first_attempt_at) or now,
                        sms=sms,
                        expired_reason=expired,
                        in_doubt_since=aware_utc(row.in_doubt_since),
                        receipt_seen=row.provider_status is not None
                        or row.provider_message_id is not None,
                        provider_message_id=row.provider_message_id,
                    )
                )
        return out

    def renew(self, claimed: Claimed, *, now: datetime) -> Claimed | None:
        """Extend the lease to ``now`` + lease right before a send, and mark the row handed
        over (``in_doubt_since``, kept if already set); ``None`` if the row is no longer this
        worker's (another worker reclaimed it after the lease ran out).

        A compare-and-set on ``version`` (which it bumps): a batch is claimed at once but sent
        a few rows at a time, so a row late in the batch may have outlived its claim's lease.
        """
        with self._store.sessions() as session, session.begin():
            moved = session.execute(
                update(OutboxRecord)
                .where(
                    OutboxRecord.id == claimed.id,
                    OutboxRecord.version == claimed.version,
                    OutboxRecord.status == "sending",
                )
                .values(
                    version=claimed.version + 1,
                    lease_until=now + self._lease,
                    # From now on a request may leave: a worker that dies leaves it in doubt.
                    in_doubt_since=func.coalesce(OutboxRecord.in_doubt_since, now),
                )
                .execution_options(synchronize_session=False)
            )
        if _rowcount(moved) != 1:
            return None
        return replace(claimed, version=claimed.version + 1)

    def _set(self, claimed: Claimed, **values: object) -> bool:
        with self._store.sessions() as session, session.begin():
            moved = session.execute(
                update(OutboxRecord)
                .where(
                    OutboxRecord.id == claimed.id,
                    OutboxRecord.version == claimed.version,
                    OutboxRecord.status == "sending",
                )
                .values(lease_until=None, **values)
                .execution_options(synchronize_session=False)
            )
        return _rowcount(moved) == 1

    def record_sent(
        self,
        claimed: Claimed,
        *,
        provider: str,
        message_id: str | None,
        delivered: bool,
        now: datetime,
    ) -> bool:
        """The provider has the message. False if the row was taken over meanwhile."""
        return self._set(
            claimed,
            status="delivered" if delivered else "sent",
            in_doubt=False,
            in_doubt_since=None,
            provider=provider,
            provider_message_id=message_id,
            sent_at=now,
            delivered_at=now if delivered else None,
            failure_reason=None,
        )

    def record_failed(self, claimed: Claimed, *, reason: str, now: datetime) -> bool:
        """Give up on the row with ``reason``."""
        return self._set(claimed, status="failed", failure_reason=reason[:300], failed_at=now)

    def record_waiting(self, claimed: Claimed, *, until: datetime) -> bool:
        """Keep a row in doubt, queued until ``until``, waiting for a delivery report."""
        return self._set(
            claimed,
            status="queued",
            in_doubt=True,
            next_attempt_at=until,
            failure_reason="in doubt: waiting for the provider's delivery report",
        )

    def record_retry(
        self,
        claimed: Claimed,
        result: SendResult,
        *,
        policy: RetryPolicy,
        rng: random.Random,
        now: datetime,
        in_doubt_since: datetime | None = None,
    ) -> bool:
        """Queue the row again after a backoff, or give up once past the give-up time.

        ``in_doubt_since``: when the request that may have landed was made (for a result in
        doubt; defaults to ``now``)."""
        since = (in_doubt_since or now) if result.in_doubt else None
        delay = policy.delay_s(
            claimed.attempts, result.retry_after_s, rng, in_doubt=result.in_doubt
        )
        deadline = claimed.first_attempt_at + timedelta(seconds=policy.give_up_after_s)
        if now + timedelta(seconds=delay) > deadline:
            reason = f"gave up after {claimed.attempts} attempts: {result.reason}"
            return self._set(
                claimed,
                status="failed",
                in_doubt=result.in_doubt,
                in_doubt_since=since,
                failure_reason=reason[:300],
                failed_at=now,
            )
        return self._set(
            claimed,
            status="queued",
            in_doubt=result.in_doubt,
            in_doubt_since=since,
            next_attempt_at=now + timedelta(seconds=delay),
            failure_reason=result.reason,
        )
