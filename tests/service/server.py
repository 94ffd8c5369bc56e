"""A real uvicorn server on a free loopback port, in a thread (the API as deployed: no
TestClient), and a raw HTTP/1.1 connection to it for what httpx will not send."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from typing import TYPE_CHECKING

import uvicorn

from service.api.app import server_config

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from fastapi import FastAPI


def wait_until(what: str, condition: Callable[[], bool], *, timeout_s: float) -> None:
    """Poll ``condition`` until it holds; fail naming ``what`` after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@contextlib.contextmanager
def serve(app: FastAPI) -> Iterator[str]:
    """Serve ``app`` (lifespan included) on 127.0.0.1; yields the base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    config = server_config(app, host="127.0.0.1", port=0, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    wait_until("uvicorn start", lambda: server.started, timeout_s=60)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


def raw_exchange(url: str, requests: list[bytes], *, timeout_s: float = 10.0) -> list[bytes]:
    """Send each raw request on ONE connection, reading one whole response after each."""
    host, port = url.removeprefix("http://").split(":")
    answers = []
    with socket.create_connection((host, int(port)), timeout=timeout_s) as conn:
        for request in requests:
            conn.sendall(request)
            answers.append(read_response(conn))
    return answers


def read_response(conn: socket.socket) -> bytes:
    """One HTTP/1.1 response with a Content-Length (headers and body)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def status_of(response: bytes) -> int:
    """The status code of a raw response."""
    return int(response.split(b" ", 2)[1])


def header_of(response: bytes, name: str) -> str | None:
    """A header of a raw response (None if absent)."""
    head = response.partition(b"\r\n\r\n")[0]
    for line in head.split(b"\r\n")[1:]:
        key, _, value = line.partition(b":")
        if key.strip().lower() == name.lower().encode():
            return value.strip().decode()
    return None
