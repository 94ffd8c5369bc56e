"""The HTTP edge, as pure ASGI middleware (nothing here reads a body it does not have to).

From the outside in:

- `Guard` answers every unexpected exception with a problem+json 500 itself, so the
  exception never reaches the server (uvicorn drops a keep-alive connection after one),
  adds the security headers and ``Cache-Control: no-store`` to the API's answers, and
  times each request for ``/metrics``.
  A database that stops answering mid-request is a 503 ``database-unavailable`` with
  Retry-After instead.
- `DatabaseGate` answers 503 ``database-unavailable`` to everything that needs the
  database until it has answered once (an API started while it was away).
- `KeyGate` checks the ``X-API-Key`` before a byte of the body is read: a 50 MB upload
  without a valid key costs one header lookup and a 401. Refusals are counted, and
  audited at most once per ``EYES_REFUSAL_AUDIT_INTERVAL_S`` with their number (a flood
  of them does not become a flood of audit rows).
- `BodyLimit` refuses a body over ``EYES_MAX_BODY_BYTES`` with a 413: at once when the
  ``Content-Length`` says so, else (chunked) as soon as the bytes read pass the limit. A
  large JSON body with an object of more than ``MAX_OBJECT_KEYS`` fields is a 422 before
  validation: no object of this API has that many, and pydantic would report every unknown
  field (300,000 of them in 4 MB cost 300 MB to list). Lists are bounded by their schemas
  (``max_length``, ``fail_fast``).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import TYPE_CHECKING, Any

import anyio

from ..auth.audit import audit
from ..auth.dependencies import PRINCIPAL_STATE
from ..auth.keys import authenticate
from ..errors import DATABASE_DETAIL, failure_of
from ..i18n import N_, _
from ..outcomes import OUTCOMES
from .language import Language
from .problems import PROBLEM_BASE, PROBLEM_JSON

if TYPE_CHECKING:
    from collections.abc import Callable

    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    from ..db import SessionSource
    from .metrics import Metrics

log = logging.getLogger(__name__)

# The map page and its assets are public: the page asks for a key before it reads any data.
PUBLIC_PATHS = ("/healthz", "/readyz", "/metrics", "/openapi.json", "/docs", "/map")
PUBLIC_PREFIXES = ("/docs/", "/v1/sms/receipts/", "/map/", "/v1/field/", "/s/")
"""The staff's page and its JSON carry their own capability (a staff link) in the path."""
NO_DATABASE_PATHS = ("/healthz", "/readyz", "/metrics", "/openapi.json", "/docs", "/map")
NO_DATABASE_PREFIXES = ("/docs/", "/map/")
"""What answers without the database (everything else waits for it: `DatabaseGate`)."""
NO_STORE_PREFIXES = ("/v1/",)
MAX_OBJECT_KEYS = 100
"""More fields than any object of this API has (a plan request has 8, a shift 10)."""
KEY_CHECK_FROM_BYTES = 64 * 1024
"""Smaller bodies cannot carry enough unknown fields to matter."""

API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
SECURITY_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
)


async def send_problem(
    send: Send,
    status: int,
    title: str,
    detail: str,
    *,
    kind: str,
    headers: list[tuple[bytes, bytes]] | None = None,
    field: str | None = None,
) -> None:
    """Send a whole problem+json answer (``field``: the one field at fault)."""
    problem: dict[str, Any] = {
        "type": PROBLEM_BASE + kind,
        "title": _(title),
        "status": status,
        "detail": _(detail),
    }
    if field is not None:
        problem["errors"] = [{"field": field, "message": detail}]
    body = json.dumps(problem).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", PROBLEM_JSON.encode()),
                (b"content-length", str(len(body)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def send_database_unavailable(send: Send) -> None:
    """503 ``database-unavailable`` with Retry-After (before any route ran, or after one
    whose database call failed)."""
    outcome = OUTCOMES["database-unavailable"]
    await send_problem(
        send,
        outcome.status,
        outcome.title,
        DATABASE_DETAIL,
        kind=outcome.kind,
        headers=[(b"retry-after", str(outcome.retry_after_s).encode())],
    )


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return bytes(value)
    return None


def _has_body(scope: Scope) -> bool:
    length = _header(scope, b"content-length")
    return (length is not None and length.strip() not in (b"", b"0")) or (
        _header(scope, b"transfer-encoding") is not None
    )


class Guard:
    """Outermost: no exception escapes, security headers, no-store, request timing."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        started = time.perf_counter()
        status = 500
        response_started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                response_started = True
                status = int(message["status"])
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"server"]
                present = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in SECURITY_HEADERS if k not in present]
                if b"content-security-policy" not in present:
                    headers.append((b"content-security-policy", API_CSP.encode()))
                if path.startswith(NO_STORE_PREFIXES) and b"cache-control" not in present:
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception as exc:
            failure = failure_of(exc)
            if failure.outcome.kind == "database-unavailable":
                log.warning("database unavailable on %s %s: %s", scope.get("method"), path, exc)
                if not response_started:
                    await send_database_unavailable(send_with_headers)
                return
            log.exception("unexpected error on %s %s", scope.get("method"), path)
            if not response_started:
                await send_problem(
                    send_with_headers,
                    500,
                    N_("Internal error"),
                    N_("Something went wrong on our side."),
                    kind="internal",
                )
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            self.metrics.observe_request(
                scope.get("method", ""), template, status, time.perf_counter() - started
            )


class RefusalAudit:
    """Counts requests refused for want of a valid key; writes one audit row per interval
    carrying how many there were."""

    def __init__(self, db: SessionSource, *, interval_s: float) -> None:
        self.db = db
        self.interval_s = interval_s
        self._pending = 0
        self._last: float | None = None
        self._lock = threading.Lock()

    def refused(self, what: str) -> None:
        """Count one refusal; audit the count if the interval has passed (blocking I/O)."""
        now = time.monotonic()
        with self._lock:
            self._pending += 1
            if self._last is not None and now - self._last < self.interval_s:
                return
            count, self._pending, self._last = self._pending, 0, now
        self._write(count, what)

    def flush(self) -> None:
        """Audit what is still counted (at shut-down)."""
        with self._lock:
            count, self._pending = self._pending, 0
        if count:
            self._write(count, "at shut-down")

    def _write(self, count: int, what: str) -> None:
        try:
            audit(self.db, None, "refused: no valid key", target=what, outcome=f"401 x{count}")
        except Exception:  # the refusal stands; the count is logged instead
            log.exception("could not audit %d refused requests", count)


class KeyGate:
    """401 before the body is read when a protected path has no valid ``X-API-Key``."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        enabled: bool,
        db: SessionSource,
        refusals: RefusalAudit,
        metrics: Metrics,
    ) -> None:
        self.app = app
        self.enabled = enabled
        self.db = db
        self.refusals = refusals
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if (
            scope["type"] != "http"
            or not self.enabled
            or path in PUBLIC_PATHS
            or path.startswith(PUBLIC_PREFIXES)
        ):
            await self.app(scope, receive, send)
            return
        raw = _header(scope, b"x-api-key")
        key = raw.decode("latin-1") if raw else ""
        principal = None
        if key and len(key) <= 200:
            principal = await anyio.to_thread.run_sync(authenticate, self.db, key)
        if principal is not None:
            # The route's key dependency reads it here instead of asking the database again.
            scope.setdefault("state", {})[PRINCIPAL_STATE] = principal
            await self.app(scope, receive, send)
            return
        self.metrics.refused.inc()
        await anyio.to_thread.run_sync(self.refusals.refused, f"{scope['method']} {path}"[:200])
        headers = [(b"www-authenticate", b"ApiKey")]
        if _has_body(scope):  # the body stays unread: do not reuse the connection
            headers.append((b"connection", b"close"))
        await send_problem(
            send,
            401,
            N_("A valid X-API-Key is required."),
            N_("A valid X-API-Key is required."),
            kind="http-401",
            headers=headers,
        )


class _TooManyKeys(ValueError):
    def __init__(self, count: int) -> None:
        super().__init__(count)
        self.count = count


def _few_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    if len(pairs) > MAX_OBJECT_KEYS:
        raise _TooManyKeys(len(pairs))
    return dict(pairs)


def too_many_keys(body: bytes) -> int | None:
    """The field count of the first JSON object with more than ``MAX_OBJECT_KEYS`` fields
    (parsing stops there), or None (also for a body that is not JSON: left to the app)."""
    try:
        json.loads(body, object_pairs_hook=_few_keys)
    except _TooManyKeys as exc:
        return exc.count
    except (ValueError, RecursionError):
        return None
    return None


class BodyLimit:
    """413 for a body over ``max_bytes``; the body is buffered (it is small) and replayed."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, metrics: Metrics) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.metrics = metrics

    async def _too_large(self, send: Send) -> None:
        self.metrics.body_rejected.inc()
        await send_problem(
            send,
            413,
            N_("Request body too large"),
            _("The request body may be at most {most} bytes.", most=f"{self.max_bytes:,}"),
            kind="body-too-large",
            headers=[(b"connection", b"close")],
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _has_body(scope):
            await self.app(scope, receive, send)
            return
        length = _header(scope, b"content-length")
        if length is not None:
            try:
                declared = int(length)
            except ValueError:
                await send_problem(
                    send,
                    400,
                    N_("Bad request"),
                    N_("Invalid Content-Length."),
                    kind="http-400",
                )
                return
            if declared > self.max_bytes:
                await self._too_large(send)
                return
        chunks: list[bytes] = []
        total = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            total += len(chunk)
            if total > self.max_bytes:
                await self._too_large(send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        if total >= KEY_CHECK_FROM_BYTES and b"json" in (_header(scope, b"content-type") or b""):
            count = await anyio.to_thread.run_sync(too_many_keys, b"".join(chunks))
            if count is not None:
                await send_problem(
                    send,
                    422,
                    N_("Invalid request"),
                    _(
                        "a JSON object in the body has {count} fields; no object of this API "
                        "has more than {most}",
                        count=f"{count:,}",
                        most=MAX_OBJECT_KEYS,
                    ),
                    kind="invalid-request",
                    field="body",
                )
                return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


class DatabaseGate:
    """503 ``database-unavailable`` for every path that needs the database until it has
    answered once (an API started while it was away); health, metrics and docs pass."""

    def __init__(self, app: ASGIApp, *, ready: Callable[[], bool]) -> None:
        self.app = app
        self.ready = ready

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if (
            scope["type"] != "http"
            or self.ready()
            or path in NO_DATABASE_PATHS
            or path.startswith(NO_DATABASE_PREFIXES)
        ):
            await self.app(scope, receive, send)
            return
        await send_database_unavailable(send)


def install_edge(
    app: Any,
    *,
    settings: Any,
    db: SessionSource,
    metrics: Metrics,
    ready: Callable[[], bool] = lambda: True,
) -> RefusalAudit:
    """Add the middleware in the order described above; returns the refusal counter.
    ``ready``: whether the database has answered (`DatabaseGate`)."""
    refusals = RefusalAudit(db, interval_s=settings.refusal_audit_interval_s)
    # add_middleware wraps: the last added is the outermost.
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes, metrics=metrics)
    app.add_middleware(KeyGate, enabled=settings.auth, db=db, refusals=refusals, metrics=metrics)
    app.add_middleware(DatabaseGate, ready=ready)
    app.add_middleware(Guard, metrics=metrics)
    app.add_middleware(Language, default=settings.language)
    return refusals
