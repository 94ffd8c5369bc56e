"""Police alerts: create (202), read one with every recipient's state, list recent ones."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Request, Response

from ...alerts.schemas import AlertAccepted, AlertCreate, AlertPublic, AlertSummary
from ...alerts.service import accepted, create_alert, find_replay
from ...alerts.store import anonymised
from ...auth.audit import audit
from ..deps import AlertReaderDep, AlertSenderDep, AlertStoreDep, PlanStoreDep, SettingsDep

router = APIRouter(prefix="/v1/alerts", tags=["alerts"])

PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Malformed JSON", **PROBLEM},
    401: {"description": "No valid API key", **PROBLEM},
    403: {"description": "The key's role may not do this", **PROBLEM},
    404: {"description": "No such alert", **PROBLEM},
    409: {"description": "Idempotency-Key reused with another body", **PROBLEM},
    422: {"description": "Invalid alert; `errors` names each field", **PROBLEM},
    429: {"description": "Too many alerts from this key (see Retry-After)", **PROBLEM},
}


@router.post("", status_code=202, responses=ERRORS)
def post_alert(
    body: AlertCreate,
    request: Request,
    response: Response,
    principal: AlertSenderDep,
    store: AlertStoreDep,
    plans: PlanStoreDep,
    settings: SettingsDep,
    idempotency_key: Annotated[
        str | None, Header(alias="Idempotency-Key", min_length=1, max_length=200)
    ] = None,
) -> AlertAccepted:
    """Send a police alert by SMS to the staff on shift near the area.

    Answers 202 with the alert id and how many recipients were chosen; the messages are in
    the outbox and go out in the background. The same `Idempotency-Key` with the same body
    returns the first alert again (not counted by the rate limit); with another body it is
    a 409.
    """
    replay = find_replay(body, principal=principal, idempotency_key=idempotency_key, store=store)
    if replay is not None:
        audit(store, principal, "alert.replay", target=replay.id, outcome="replayed")
        response.headers["Location"] = f"/v1/alerts/{replay.id}"
        return accepted(replay)
    limiter = request.app.state.alert_limiter
    limit_key = principal.owner or "anonymous"
    wait = limiter.hit(limit_key)
    if wait is not None:
        audit(store, principal, "alert.create", outcome="429 rate limited")
        raise HTTPException(
            429, "Too many alerts from this key.", headers={"Retry-After": str(int(wait) + 1)}
        )
    try:
        record, new = create_alert(
            body,
            principal=principal,
            idempotency_key=idempotency_key,
            store=store,
            plans=plans,
            settings=settings,
            now=datetime.now(UTC),
        )
    except Exception:
        limiter.refund(limit_key)  # only newly stored alerts count
        raise
    if not new:
        limiter.refund(limit_key)  # a concurrent twin stored it first: a replay
    audit(
        store,
        principal,
        "alert.create" if new else "alert.replay",
        target=record.id,
        outcome=f"{record.recipient_count} recipients",
    )
    worker = request.app.state.sender_worker
    if worker is not None:
        worker.wake()
    response.headers["Location"] = f"/v1/alerts/{record.id}"
    return accepted(record)


@router.get("", responses=ERRORS)
def list_alerts(
    principal: AlertReaderDep, store: AlertStoreDep, limit: int = 20
) -> list[AlertSummary]:
    """Recent alerts, newest first (a police key sees its own)."""
    owner = principal.owner if principal.role == "police" else None
    return store.recent(owner=owner, limit=max(1, min(limit, 200)))


@router.get("/{alert_id}", responses=ERRORS)
def get_alert(alert_id: str, principal: AlertReaderDep, store: AlertStoreDep) -> AlertPublic:
    """An alert with each recipient's state: queued, sending, sent, delivered or failed.

    A police key reads only its own alerts, with the recipients anonymised (no staff ids,
    phones, plan ids or route times); dispatchers and admins see the details."""
    police = principal.role == "police"
    alert = store.get(alert_id, owner=principal.owner if police else None)
    audit(store, principal, "alert.read", target=alert_id)
    return anonymised(alert) if police else alert
