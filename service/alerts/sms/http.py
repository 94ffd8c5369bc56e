"""HTTP plumbing shared by the providers: a POST whose total time is bounded, and the
classification of a provider's answer into accepted, retry or rejected."""

from __future__ import annotations

import email.utils
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import httpx

from .base import SendResult

if TYPE_CHECKING:
    from collections.abc import Callable


def post_with_deadline(
    client: httpx.Client,
    url: str,
    *,
    total_s: float,
    clock: Callable[[], float] = time.monotonic,
    auth: httpx.Auth | None = None,
    **kwargs: Any,
) -> httpx.Response:
    """``client.post`` whose TOTAL time is bounded by ``total_s``, not only each phase's.

    httpx's timeouts apply per phase (pool, connect, write, read), so a provider that is slow
    phase after phase can hold a request far longer than the timeout, and outlive the outbox
    lease. httpcore announces each phase through the ``trace`` extension before it starts and
    takes that phase's timeout from the ``timeout`` extension (or the traced arguments) as it
    starts: the trace here cuts every phase's timeout to the time left. The body is streamed
    and checked against the deadline between chunks. Residual: within one phase each socket
    read may wait the phase's timeout, so a server dripping its status line and headers byte
    by byte could still overrun.

    Raises
    ------
    httpx.TimeoutException
        When the deadline passes (``ReadTimeout`` once the request has been written).
    """
    end = clock() + total_s
    caps = client.timeout.as_dict()
    timeouts: dict[str, float] = {
        phase: total_s if cap is None else min(total_s, cap) for phase, cap in caps.items()
    }

    def trace(event: str, info: dict[str, Any]) -> None:
        if not event.endswith(".started"):
            return
        left = max(0.001, end - clock())
        for phase, value in timeouts.items():
            timeouts[phase] = min(value, left)
        if isinstance(info.get("timeout"), int | float):
            info["timeout"] = min(info["timeout"], left)

    request = client.build_request(
        "POST", url, extensions={"timeout": timeouts, "trace": trace}, **kwargs
    )
    response = client.send(request, stream=True, auth=auth)
    try:
        chunks = []
        for chunk in response.iter_bytes():
            chunks.append(chunk)
            if clock() > end:
                msg = f"no complete answer within the {total_s:g} s deadline"
                raise httpx.ReadTimeout(msg, request=request)
    finally:
        response.close()
    # The body is decoded already: drop the headers that describe its encoding on the wire.
    headers = [
        (name, value)
        for name, value in response.headers.multi_items()
        if name.lower() not in {"content-encoding", "content-length", "transfer-encoding"}
    ]
    return httpx.Response(
        response.status_code, headers=headers, content=b"".join(chunks), request=request
    )


def client_total_s(client: httpx.Client) -> float:
    """The client's longest per-phase timeout: the default total deadline of a request."""
    return max((t for t in client.timeout.as_dict().values() if t is not None), default=30.0)


def retry_after(response: httpx.Response) -> float | None:
    """Seconds the provider asks us to wait (delta-seconds or an HTTP date), at least 0;
    ``None`` when absent or unreadable (the backoff then decides; the policy caps it)."""
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            moment = email.utils.parsedate_to_datetime(value)
            seconds = (moment - datetime.now(UTC)).total_seconds()
        except (TypeError, ValueError, OverflowError):
            return None
    if seconds != seconds:  # NaN
        return None
    return max(0.0, seconds)


def classify_http(response: httpx.Response) -> SendResult | None:
    """A retry or rejection for a failed answer; ``None`` for a 2xx."""
    if response.is_success:
        return None
    status = response.status_code
    if status == 429 or status >= 500:
        # 502/504 come from a gateway in front of the provider: the request may have reached
        # the provider itself, so the message may exist.
        return SendResult(
            "retry",
            reason=f"provider answered {status}",
            retry_after_s=retry_after(response),
            in_doubt=status in {502, 504},
        )
    return SendResult("rejected", reason=f"provider refused the message ({status})")


def classify_transport(exc: httpx.TransportError) -> SendResult:
    """A retry for a transport failure; in doubt unless the request surely never left."""
    sure_not_sent = isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)
    return SendResult(
        "retry",
        reason=f"{type(exc).__name__} talking to the provider",
        in_doubt=not sure_not_sent,
    )


def send_message(
    client: httpx.Client,
    url: str,
    *,
    total_s: float,
    auth: httpx.Auth,
    message_id: Callable[[Any], str],
    **payload: Any,
) -> SendResult:
    """POST one message within ``total_s`` and classify the outcome.

    Parameters
    ----------
    message_id
        Reads the provider's message id from the JSON answer; an answer it cannot read
        still means accepted (the provider took the message), with no id.
    payload
        ``json=`` or ``data=`` for the provider's request.

    Returns
    -------
    SendResult
        ``accepted``, or what ``classify_http`` / ``classify_transport`` make of a failure.
    """
    try:
        response = post_with_deadline(client, url, total_s=total_s, auth=auth, **payload)
    except httpx.TransportError as exc:
        return classify_transport(exc)
    failed = classify_http(response)
    if failed is not None:
        return failed
    try:
        provider_id: str | None = message_id(response.json())
    except (ValueError, KeyError, IndexError, TypeError):
        provider_id = None
    return SendResult("accepted", provider_message_id=provider_id)
