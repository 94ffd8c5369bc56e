"""Police alerts: create (202), read one with every recipient's state, list recent ones."""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Query, Request, Response

from ...alerts.schemas import AlertAccepted, AlertCreate, AlertPublic, AlertSummary
from ...alerts.service import (
    accepted,
    check_alert,
    create_alert,
    equivalent_radius_m,
    find_replay,
)
from ...alerts.store import body_hash, for_police, summary_for_police
from ...alerts.targeting import area_centre
from ...auth.audit import audit
from ...auth.scope import AreaForbiddenError
from ...i18n import _
from ...jobs.service import replan_and_wait
from ...patrol import patrol_replans
from ..deps import (
    AlertReaderDep,
    AlertSenderDep,
    AlertStoreDep,
    JobQueueDep,
    NetworksDep,
    PlanStoreDep,
    SettingsDep,
)
from ..problems import KEY_ERRORS, PROBLEM

if TYPE_CHECKING:
    from graphs import Area

    from ...plans.networks import AreaNetworks

router = APIRouter(prefix="/v1/alerts", tags=["alerts"])

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Malformed JSON", **PROBLEM},
    **KEY_ERRORS,
    404: {"description": "No such alert", **PROBLEM},
    409: {"description": "Idempotency-Key reused with another body", **PROBLEM},
    413: {"description": "Request body too large (EYES_MAX_BODY_BYTES)", **PROBLEM},
    422: {"description": "Invalid alert; `errors` names each field", **PROBLEM},
    429: {
        "description": "Too many alerts, or too many small-area alerts, from this key "
        "(see Retry-After)",
        **PROBLEM,
    },
}


@functools.lru_cache(maxsize=64)
def _box(area: Area, _mtime_ns: int) -> tuple[float, float, float, float] | None:
    """An area file's box, read once per file version."""
    return area.bounds()


def _areas_at(body: AlertCreate, networks: AreaNetworks) -> list[str]:
    """The areas whose box (from the area file's header) holds the alert's centre."""
    lat, lon = area_centre(body.area)
    found = []
    for area in networks.catalog.areas():
        try:
            box = _box(area, area.path.stat().st_mtime_ns)
        except OSError:
            continue
        if box is not None and box[0] <= lat <= box[2] and box[1] <= lon <= box[3]:
            found.append(area.name)
    return found


@router.post("", status_code=202, responses=ERRORS)
def post_alert(
    body: AlertCreate,
    request: Request,
    response: Response,
    principal: AlertSenderDep,
    store: AlertStoreDep,
    plans: PlanStoreDep,
    settings: SettingsDep,
    networks: NetworksDep,
    queue: JobQueueDep,
    idempotency_key: Annotated[
        str | None, Header(alias="Idempotency-Key", min_length=1, max_length=200)
    ] = None,
) -> AlertAccepted:
    """Send a police alert by SMS to the staff on shift near the area.

    Answers 202 with the alert id and how many recipients were chosen; the messages are in
    the outbox and go out in the background. The same `Idempotency-Key` with the same body
    returns the first alert again (not counted by the rate limit); with another body it is
    a 409.

    Privacy: an area must be at least a circle of `EYES_MIN_ALERT_RADIUS_M` (200 m); a police
    key sees a near-route alert's recipients as a band ("fewer than 3", "3-9", "10 or
    more"); small-area alerts (up to `EYES_SMALL_ALERT_RADIUS_M`) are limited to
    `EYES_SMALL_ALERT_RATE_PER_HOUR` per key and audited as such.
    """
    police = principal.role == "police"
    floor = settings.alert_count_floor
    at_centre = _areas_at(body, networks)
    if principal.scoped and at_centre and not any(principal.may_see(a) for a in at_centre):
        audit(store, principal, "alert.create", target=at_centre[0], outcome="403 area")
        raise AreaForbiddenError(at_centre[0])
    replay = find_replay(body, principal=principal, idempotency_key=idempotency_key, store=store)
    if replay is not None:
        audit(store, principal, "alert.replay", target=replay.id, outcome="replayed")
        response.headers["Location"] = f"/v1/alerts/{replay.id}"
        return accepted(replay, police=police, floor=floor)
    limiter = request.app.state.alert_limiter
    small_limiter = request.app.state.small_area_limiter
    limit_key = principal.owner or "anonymous"
    small = equivalent_radius_m(body.area) <= settings.small_alert_radius_m
    if small:
        small_wait = small_limiter.hit(limit_key)
        if small_wait is not None:
            audit(store, principal, "alert.small_area", outcome="429 small-area rate limited")
            raise HTTPException(
                429,
                _("Too many small-area alerts from this key."),
                headers={"Retry-After": str(int(small_wait) + 1)},
            )
    wait = limiter.hit(limit_key)
    if wait is not None:
        if small:
            small_limiter.refund(limit_key)
        audit(store, principal, "alert.create", outcome="429 rate limited")
        raise HTTPException(
            429,
            _("Too many alerts from this key."),
            headers={"Retry-After": str(int(wait) + 1)},
        )
    replanned: list[str] = []
    now = datetime.now(UTC)  # one moment for the patrol stop and the alert's validity
    try:
        if body.patrol is not None:
            valid_from, valid_until = check_alert(body, settings=settings, now=now)
            replanned = patrol_replans(
                body,
                body_hash(body.model_dump(mode="json", exclude_unset=True)),
                valid_from=valid_from,
                valid_until=valid_until,
                now=now,
                networks=networks,
                plans=plans,
                run_replan=functools.partial(
                    replan_and_wait,
                    queue=queue,
                    settings=settings,
                    owner=principal.key_id,
                ),
                may_act=principal.may_see,
            )
        record, new = create_alert(
            body,
            principal=principal,
            idempotency_key=idempotency_key,
            store=store,
            plans=plans,
            settings=settings,
            now=now,
            areas_at_centre=at_centre,
        )
    except Exception:
        limiter.refund(limit_key)  # only newly stored alerts count
        if small:
            small_limiter.refund(limit_key)
        raise
    if not new:
        limiter.refund(limit_key)  # a concurrent twin stored it first: a replay
        if small:
            small_limiter.refund(limit_key)
    action = "alert.create" if new else "alert.replay"
    audit(
        store,
        principal,
        f"{action} small area" if small else action,
        target=record.id,
        outcome=f"{record.recipient_count} recipients",
    )
    worker = request.app.state.sender_worker
    if worker is not None:
        worker.wake()
    response.headers["Location"] = f"/v1/alerts/{record.id}"
    answer = accepted(record, police=police, floor=floor)
    return answer.model_copy(update={"replanned": replanned}) if replanned else answer


@router.get("", responses=ERRORS)
def list_alerts(
    principal: AlertReaderDep,
    store: AlertStoreDep,
    settings: SettingsDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
) -> list[AlertSummary]:
    """Recent alerts, newest first (a police key sees its own, near-route counts banded)."""
    areas = principal.visible()
    if principal.role != "police":
        return store.recent(areas=areas, limit=limit)
    floor = settings.alert_count_floor
    return [
        summary_for_police(summary, floor=floor)
        for summary in store.recent(owner=principal.owner, areas=areas, limit=limit)
    ]


@router.get("/{alert_id}", responses=ERRORS)
def get_alert(
    alert_id: str, principal: AlertReaderDep, store: AlertStoreDep, settings: SettingsDep
) -> AlertPublic:
    """An alert with each recipient's state: queued, sending, sent, delivered or failed.

    A police key reads only its own alerts, with the recipients anonymised (no staff ids,
    phones, plan ids or route times) and a near-route alert's count as a band; below
    `EYES_ALERT_COUNT_FLOOR` (3) it sees no per-recipient list. Dispatchers and admins see
    the details."""
    police = principal.role == "police"
    alert = store.get(
        alert_id, owner=principal.owner if police else None, areas=principal.visible()
    )
    audit(store, principal, "alert.read", target=alert_id)
    return for_police(alert, floor=settings.alert_count_floor) if police else alert
