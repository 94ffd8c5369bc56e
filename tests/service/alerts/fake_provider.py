"""A fake SMS provider served by a real HTTP server on loopback (Twilio and GatewayAPI shapes).

It keeps every message it accepted, so a test can count what each phone received. With
``fault_rate`` > 0 it fails that share of send calls, evenly split between a 500, a 429
with ``Retry-After`` and a hang (the message is kept, then the answer is held longer than the
client waits: the worst case, where the sender cannot know the message went out). With
``delay_s`` > 0 every accepted message is answered that much later (a slow provider); with
``drip_s`` > 0 every answer's body is written a byte at a time, ``drip_s`` apart (each read
is quick, the whole answer slow: what per-phase timeouts alone do not catch). With
``receipt_secret`` set, every GatewayAPI message that names a ``callback_url`` gets a
DELIVERED report POSTed there (JSON, signed with an HS256 JWT in ``X-Gwapi-Signature``),
retried until the service takes it, as the gateway does.
"""

from __future__ import annotations

import email.utils
import json
import queue
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
import jwt


@dataclass
class FakeProviderState:
    """What the fake provider has seen."""

    fault_rate: float = 0.0
    hang_s: float = 1.5
    delay_s: float = 0.0
    drip_s: float = 0.0
    page_size_max: int = 1000
    receipt_secret: str | None = None
    receipts_sent: int = 0
    retry_after: str = "1"
    seed: int = 7
    messages: list[dict[str, str]] = field(default_factory=list)
    faults: Counter[str] = field(default_factory=Counter)
    calls: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def per_phone(self) -> Counter[str]:
        """How many messages each phone number got."""
        with self.lock:
            return Counter(m["to"] for m in self.messages)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""

    def _answer(self, status: int, body: object, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        try:
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            if self.server.state.drip_s:
                for i in range(len(data)):
                    self.wfile.write(data[i : i + 1])
                    self.wfile.flush()
                    time.sleep(self.server.state.drip_s)
            else:
                self.wfile.write(data)
        except OSError:
            pass  # the client gave up (hang)

    def _fault(self) -> str | None:
        state = self.server.state
        with state.lock:
            state.calls += 1
            draw = state.rng.random()
        if draw >= state.fault_rate:
            return None
        return ("500", "429", "hang")[min(2, int(3 * draw / state.fault_rate))]

    def _accept(self, to: str, body: str, userref: str | None) -> dict[str, str]:
        state = self.server.state
        with state.lock:
            message = {
                "sid": f"SM{len(state.messages):032d}",
                "to": to,
                "body": body,
                "date_created": email.utils.format_datetime(datetime.now(UTC)),
            }
            if userref:
                message["userref"] = userref
            state.messages.append(message)
        return message

    def do_POST(self) -> None:
        """Send: Twilio form (``.../Messages.json``) or GatewayAPI JSON (``/rest/mtsms``)."""
        raw = self.rfile.read(int(self.headers.get("content-length", "0")))
        fault = self._fault()
        state = self.server.state
        if fault is not None:
            with state.lock:
                state.faults[fault] += 1
        if fault == "500":
            self._answer(500, {"message": "internal error"})
            return
        if fault == "429":
            self._answer(429, {"message": "too many"}, {"Retry-After": state.retry_after})
            return
        path = urlsplit(self.path).path
        if path.endswith("/Messages.json"):
            form = dict(parse_qsl(raw.decode()))
            message = self._accept(form["To"], form["Body"], None)
            answer: dict[str, object] = {"sid": message["sid"], "status": "queued"}
            status = 201
        elif path == "/rest/mtsms":
            body = json.loads(raw)
            to = "+" + str(body["recipients"][0]["msisdn"])
            message = self._accept(to, body["message"], body.get("userref"))
            answer = {"ids": [int(message["sid"][2:])], "usage": {}}
            status = 200
            if state.receipt_secret and body.get("callback_url"):
                report = {
                    "id": int(message["sid"][2:]),
                    "msisdn": body["recipients"][0]["msisdn"],
                    "time": int(time.time()),
                    "status": "DELIVERED",
                    "userref": body.get("userref"),
                }
                self.server.receipts.put((body["callback_url"], report))
        else:
            self._answer(404, {"message": "no such endpoint"})
            return
        if fault == "hang":
            time.sleep(state.hang_s)
        elif state.delay_s:
            time.sleep(state.delay_s)
        self._answer(status, answer)

    def do_GET(self) -> None:
        """Twilio's message list as Twilio gives it: newest first, ``To`` and ``DateSent``
        filters (a queued message has no ``date_sent``, so any ``DateSent`` filter leaves it
        out), pages of ``PageSize`` (capped) with ``next_page_uri``."""
        parts = urlsplit(self.path)
        if not parts.path.endswith("/Messages.json"):
            self._answer(404, {"message": "no such endpoint"})
            return
        query = dict(parse_qsl(parts.query))
        state = self.server.state
        with state.lock:
            found = [
                {**m, "status": "queued", "date_sent": None}
                for m in reversed(state.messages)
                if m["to"] == query.get("To")
            ]
        if any(name.startswith("DateSent") for name in query):
            found = [m for m in found if m["date_sent"] is not None]
        size = min(int(query.get("PageSize", "50")), state.page_size_max)
        page = int(query.get("Page", "0"))
        rest = {k: v for k, v in query.items() if k not in {"Page", "PageSize"}}
        next_uri = None
        if (page + 1) * size < len(found):
            next_query = urlencode({**rest, "PageSize": size, "Page": page + 1})
            next_uri = f"{parts.path}?{next_query}"
        self._answer(
            200,
            {
                "messages": found[page * size : (page + 1) * size],
                "page": page,
                "page_size": size,
                "next_page_uri": next_uri,
            },
        )


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: FakeProviderState
    receipts: queue.Queue[tuple[str, dict[str, Any]] | None]


def _post_receipts(server: _Server) -> None:
    """Deliver queued reports in order, each retried until the service answers 200."""
    with httpx.Client(timeout=5) as client:
        while (item := server.receipts.get()) is not None:
            url, report = item
            claims = {**report, "iat": int(time.time())}  # as GatewayAPI dates its reports
            token = jwt.encode(claims, server.state.receipt_secret or "", algorithm="HS256")
            for _ in range(300):  # about 30 s, as the gateway keeps retrying
                try:
                    answer = client.post(url, json=report, headers={"X-Gwapi-Signature": token})
                    if answer.status_code == 200:
                        with server.state.lock:
                            server.state.receipts_sent += 1
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.1)


class FakeProvider:
    """The server on a free loopback port, run in a thread (``with FakeProvider() as p:``)."""

    def __init__(self, state: FakeProviderState | None = None) -> None:
        self.state = state or FakeProviderState()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.state = self.state
        self._server.receipts = queue.Queue()
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._receipt_thread = threading.Thread(
            target=_post_receipts, args=(self._server,), daemon=True
        )

    @property
    def url(self) -> str:
        """Base URL."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> FakeProvider:
        self._thread.start()
        self._receipt_thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.receipts.put(None)
        self._receipt_thread.join(timeout=10)
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)
