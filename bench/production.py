"""Production benchmarks (issue 12), each against a real `eyes serve` on loopback.

    .venv/bin/python bench/production.py health   [--limit 120]   # /healthz during a long solve
    .venv/bin/python bench/production.py hostile                  # RSS of hostile bodies
    .venv/bin/python bench/production.py burst    [--n 48]        # n plans at once on SQLite
    .venv/bin/python bench/production.py load     [--seconds 60] [--broker redis://...]

``load`` sends plans and alerts at a steady rate (open loop: a slow answer does not slow the
sender) and reports p50/p95/p99 and errors; with ``--broker`` it starts one `eyes worker`
and the API only queues. Every scenario prints a Markdown section; ``--append`` adds it to
bench/RESULTS.md with the machine and the command.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "RESULTS.md"
PYTHON = sys.executable


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """`eyes serve` (and optionally `eyes worker`) in a temporary folder."""

    def __init__(self, tmp: Path, *, broker: str | None = None, **env: str) -> None:
        self.tmp = tmp
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "EYES_DATABASE_URL": f"sqlite:///{tmp / 'eyes.db'}",
            "EYES_GRAPH_CACHE_DIR": str(REPO / "var" / "graph-cache"),
            "EYES_SENDER_IN_PROCESS": "false",
            **env,
        }
        if broker:
            self.env["EYES_BROKER_URL"] = broker
            self.env["EYES_JOB_QUEUE_NAME"] = f"bench-{os.getpid()}"
        self.processes: list[subprocess.Popen[bytes]] = []
        self.broker = broker

    def _start(self, *args: str, log: str) -> subprocess.Popen[bytes]:
        out = (self.tmp / log).open("wb")
        process = subprocess.Popen(
            [PYTHON, "-m", "service.cli", *args],
            cwd=REPO,
            env=self.env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes.append(process)
        return process

    def key(self, role: str) -> str:
        """A new API key."""
        out = subprocess.run(
            [PYTHON, "-m", "service.cli", "keys", "create", "--role", role],
            cwd=REPO,
            env=self.env,
            capture_output=True,
            check=True,
        )
        return out.stdout.decode().strip()

    def __enter__(self) -> Server:
        subprocess.run([PYTHON, "-m", "service.cli", "migrate"], cwd=REPO, env=self.env, check=True)
        self.api = self._start("serve", "--port", str(self.port), log="serve.log")
        if self.broker:
            self._start("worker", "--hostname=bench@%h", log="worker.log")
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise RuntimeError("the server did not get ready: " + (self.tmp / "serve.log").read_text())

    def __exit__(self, *_: object) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)

    def reset_peak(self) -> None:
        """Reset the API process's peak RSS (VmHWM) to its current RSS (Linux, as root)."""
        Path(f"/proc/{self.api.pid}/clear_refs").write_text("5")

    def memory_kib(self) -> tuple[int, int]:
        """(VmRSS, VmHWM) of the API process, KiB."""
        fields = {}
        for line in Path(f"/proc/{self.api.pid}/status").read_text().splitlines():
            name, _, value = line.partition(":")
            fields[name] = value.strip()
        return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])


def demo_request(limit: float) -> dict[str, Any]:
    """The sample evening in Sindal with a time limit."""
    data: dict[str, Any] = json.loads((REPO / "examples" / "sindal_request.json").read_text())
    data.pop("date", None)
    data["options"] = {"time_limit_s": limit, "seed": 1, "stop_early": False}
    return data


def small_request(limit: float = 2) -> dict[str, Any]:
    """Two shifts, eight hotspots, two visits of the sample."""
    data = demo_request(limit)
    data["shifts"] = [s for s in data["shifts"] if s["id"] in {"guard-1", "care-1"}]
    data["hotspots"] = data["hotspots"][:8]
    data["visits"] = data["visits"][:2]
    return data


def matrix_request(limit: float = 1) -> dict[str, Any]:
    """A 3-location plan on the integrator's own matrix (no street data)."""
    return {
        "area": {"travel_time_s": [[0, 300, 900], [300, 0, 240], [420, 240, 0]]},
        "shifts": [
            {
                "id": "hc-7",
                "phone": "+4520000007",
                "start_location": {"index": 0},
                "start_time": "17:00",
                "end_time": "21:00",
            }
        ],
        "hotspots": [{"id": "h1", "location": {"index": 1}, "weight": 3}],
        "options": {"time_limit_s": limit},
    }


def percentiles(values: list[float]) -> tuple[float, float, float, float]:
    """p50, p95, p99 and max, in milliseconds."""
    if not values:
        return (0.0, 0.0, 0.0, 0.0)
    ordered = sorted(values)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    return at(0.5), at(0.95), at(0.99), ordered[-1] * 1000


# -- scenarios -------------------------------------------------------------------------------


def _probe_while_running(client: httpx.Client, location: str) -> tuple[list[float], Any, float]:
    """Probe /healthz every 0.2 s while the job at ``location`` runs, sending a small plan
    10 s in; the probe latencies, the small plan's (status, seconds) and the job's run time."""
    while client.get(location).json()["state"] == "queued":
        time.sleep(0.1)
    started = time.monotonic()
    latencies: list[float] = []
    small: tuple[int, float] | None = None
    while client.get(location).json()["state"] == "running":
        t0 = time.perf_counter()
        status = client.get("/healthz").status_code
        latencies.append(time.perf_counter() - t0)
        assert status == 200
        if small is None and time.monotonic() - started > 10:
            t0 = time.perf_counter()
            answer = client.post("/v1/plans", json=small_request(2))
            small = (answer.status_code, time.perf_counter() - t0)
        time.sleep(0.2)
    return latencies, small, time.monotonic() - started


def _health_table(title: str, latencies: list[float], small: Any, total_s: float) -> str:
    p50, p95, p99, worst = percentiles(latencies)
    status, wall = small or (0, 0.0)
    return (
        f"### {title}\n\n"
        "| probes | p50 ms | p95 ms | p99 ms | max ms | small plan (2 s limit) sent 10 s in |\n"
        "|---:|---:|---:|---:|---:|---|\n"
        f"| {len(latencies)} | {p50:.1f} | {p95:.1f} | {p99:.1f} | {worst:.1f} | "
        f"{status} after {wall:.2f} s |\n\n"
        f"The long job ran {total_s:.0f} s.\n"
    )


def health(args: argparse.Namespace) -> str:
    """/healthz every 0.2 s during a long solve, and a small plan sent 10 s in."""
    with tempfile.TemporaryDirectory() as tmp, Server(Path(tmp)) as server:
        key = server.key("dispatcher")
        headers = {"X-API-Key": key}
        with httpx.Client(base_url=server.url, headers=headers, timeout=300) as client:
            job = client.post(
                "/v1/plans", json=demo_request(args.limit), headers={"Prefer": "respond-async"}
            )
            measured = _probe_while_running(client, job.headers["location"])
    title = f"/healthz during a {args.limit:g} s solve (the sample evening, in-process pool)"
    return _health_table(title, *measured)


def replan(args: argparse.Namespace) -> str:
    """/healthz every 0.2 s during a long re-plan of the sample evening (a job since the
    re-plan left the API process), and a small plan sent 10 s in."""
    with tempfile.TemporaryDirectory() as tmp, Server(Path(tmp)) as server:
        key = server.key("dispatcher")
        headers = {"X-API-Key": key}
        with httpx.Client(base_url=server.url, headers=headers, timeout=300) as client:
            plan = client.post("/v1/plans", json=demo_request(5), headers={"Prefer": "wait=60"})
            plan_id = plan.json()["id"] if plan.status_code == 201 else None
            assert plan_id is not None, plan.text
            change = {
                "now": "18:30",
                "staff_leaving": ["guard-2"],
                "options": {"time_limit_s": args.limit, "seed": 1, "stop_early": False},
            }
            job = client.post(
                f"/v1/plans/{plan_id}/replan", json=change, headers={"Prefer": "respond-async"}
            )
            assert job.status_code == 202, job.text
            measured = _probe_while_running(client, job.headers["location"])
    title = f"/healthz during a {args.limit:g} s re-plan (the sample evening, in-process pool)"
    return _health_table(title, *measured)


def hostile(args: argparse.Namespace) -> str:
    """Peak memory of the API process for hostile bodies (default limits)."""
    rows = []
    with tempfile.TemporaryDirectory() as tmp, Server(Path(tmp)) as server:
        key = server.key("dispatcher")
        del args
        rss0, _hwm = server.memory_kib()
        flat8 = b'{"area": {"travel_time_s": [' + b"0," * (4 * 1024 * 1024 - 40) + b"0]}}"
        flat4 = b'{"area": {"travel_time_s": [' + b"0," * (2 * 1024 * 1024 - 100) + b"0]}}"
        keys = b"".join(b'"k%d": 0, ' % i for i in range(300_000))
        extra = b'{"shifts": [{' + keys[: 4 * 1024 * 1024 - 200] + b'"id": "x"}]}'
        spread = json.dumps(
            {
                "shifts": [{"id": f"s{j}", **{f"x{i}": 0 for i in range(90)}} for j in range(100)],
                "hotspots": [
                    {"id": f"h{j}", **{f"x{i}": 0 for i in range(90)}} for j in range(1500)
                ],
            }
        ).encode()
        nested = b"[" * 100_000 + b"]" * 100_000
        cases = [
            ("8 MB flat array, no key", flat8, {}),
            ("8 MB flat array", flat8, {"X-API-Key": key}),
            ("4 MB flat array as travel_time_s", flat4, {"X-API-Key": key}),
            ("4 MB of unknown fields in one object", extra, {"X-API-Key": key}),
            ("90 unknown fields in each of 1,600 objects", spread, {"X-API-Key": key}),
            ("100,000 nested brackets", nested, {"X-API-Key": key}),
        ]
        with httpx.Client(base_url=server.url, timeout=120) as client:
            for name, body, headers in cases:
                server.reset_peak()
                before, _ = server.memory_kib()
                t0 = time.perf_counter()
                answer = client.post(
                    "/v1/plans",
                    content=body,
                    headers={**headers, "content-type": "application/json"},
                )
                wall = time.perf_counter() - t0
                rss, hwm = server.memory_kib()
                rows.append(
                    f"| {name} | {len(body) / 1e6:.1f} | {answer.status_code} | "
                    f"{len(answer.content):,} | {wall:.2f} | {before / 1024:.0f} | "
                    f"{hwm / 1024:.0f} | {(hwm - before) / 1024:.0f} | {rss / 1024:.0f} |"
                )
    return (
        "### Hostile bodies (EYES_MAX_BODY_BYTES 4 MiB, at most 20 problems listed)\n\n"
        f"API process RSS after start-up: {rss0 / 1024:.0f} MiB.\n\n"
        "| body | MB | status | answer bytes | s | RSS before MiB | peak MiB | peak - before "
        "MiB | RSS after MiB |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|\n" + "\n".join(rows) + "\n"
    )


def burst(args: argparse.Namespace) -> str:
    """``n`` plans at once on SQLite (in-process pool: 2 workers, 20 may wait)."""

    async def send(url: str, key: str) -> list[tuple[int, float, str]]:
        limits = httpx.Limits(max_connections=args.n)
        async with httpx.AsyncClient(
            base_url=url, headers={"X-API-Key": key}, timeout=300, limits=limits
        ) as client:

            async def one() -> tuple[int, float, str]:
                t0 = time.perf_counter()
                answer = await client.post("/v1/plans", json=matrix_request(1))
                return (
                    answer.status_code,
                    time.perf_counter() - t0,
                    answer.headers.get("retry-after", ""),
                )

            return await asyncio.gather(*(one() for _ in range(args.n)))

    with tempfile.TemporaryDirectory() as tmp, Server(Path(tmp)) as server:
        key = server.key("dispatcher")
        results = asyncio.run(send(server.url, key))
    counts: dict[int, int] = {}
    for status, _, _ in results:
        counts[status] = counts.get(status, 0) + 1
    retry = sorted({r for s, _, r in results if s == 503})
    p50, p95, _p99, worst = percentiles([w for _, w, _ in results])
    return (
        f"### {args.n} plans at once on SQLite (matrix plans, 1 s limit)\n\n"
        "| answers | 503 Retry-After values | p50 ms | p95 ms | max ms |\n"
        "|---|---|---:|---:|---:|\n"
        f"| {', '.join(f'{n} x {s}' for s, n in sorted(counts.items()))} | "
        f"{', '.join(retry) or '-'} | {p50:.0f} | {p95:.0f} | {worst:.0f} |\n"
    )


def load(args: argparse.Namespace) -> str:
    """Plans and alerts at a steady rate for ``seconds``."""
    env = {"EYES_ALERT_RATE_PER_MIN": "100000", "EYES_SMALL_ALERT_RATE_PER_HOUR": "100000"}
    with tempfile.TemporaryDirectory() as tmp, Server(Path(tmp), broker=args.broker, **env) as srv:
        planner, police = srv.key("dispatcher"), srv.key("police")
        now = datetime.now(UTC)
        alert = {
            "message": "Hold øje med en hvid varevogn.",
            "area_name": "Sindal",
            "area": {"center": {"lat": 57.4711, "lon": 10.2062}, "radius_m": 1500},
            "valid_until": (now + timedelta(hours=2)).isoformat(),
        }
        results: dict[str, list[tuple[int, float]]] = {"plan": [], "alert": []}

        async def run() -> None:
            async with httpx.AsyncClient(base_url=srv.url, timeout=120) as client:
                tasks = []

                async def one(kind: str) -> None:
                    t0 = time.perf_counter()
                    try:
                        if kind == "plan":
                            answer = await client.post(
                                "/v1/plans",
                                json=small_request(1),
                                headers={"X-API-Key": planner},
                            )
                        else:
                            answer = await client.post(
                                "/v1/alerts", json=alert, headers={"X-API-Key": police}
                            )
                        status = answer.status_code
                    except httpx.HTTPError:
                        status = 0
                    results[kind].append((status, time.perf_counter() - t0))

                start = time.monotonic()
                sent = {"plan": 0, "alert": 0}
                rates = {"plan": args.plans_per_s, "alert": args.alerts_per_s}
                while (elapsed := time.monotonic() - start) < args.seconds:
                    for kind, rate in rates.items():
                        while sent[kind] < elapsed * rate:
                            sent[kind] += 1
                            tasks.append(asyncio.create_task(one(kind)))
                    await asyncio.sleep(0.01)
                await asyncio.gather(*tasks)

        asyncio.run(run())
    rows = []
    for kind, items in results.items():
        p50, p95, p99, worst = percentiles([w for _, w in items])
        statuses: dict[int, int] = {}
        for status, _ in items:
            statuses[status] = statuses.get(status, 0) + 1
        errors = sum(n for s, n in statuses.items() if s == 0 or s >= 500)
        answers = ", ".join(f"{n} x {s}" for s, n in sorted(statuses.items()))
        rows.append(
            f"| {kind} | {len(items)} | {answers} | {errors} | {p50:.0f} | {p95:.0f} | "
            f"{p99:.0f} | {worst:.0f} |"
        )
    backend = f"Celery (one `eyes worker`, {args.broker})" if args.broker else "in-process pool"
    return (
        f"### Steady load for {args.seconds:g} s: {args.plans_per_s:g} plans/s "
        f"(small Sindal plans, 1 s limit) and {args.alerts_per_s:g} alerts/s; {backend}\n\n"
        "| kind | requests | answers | errors (5xx, none) | p50 ms | p95 ms | p99 ms | max ms |\n"
        "|---|---:|---|---:|---:|---:|---:|---:|\n" + "\n".join(rows) + "\n"
    )


def main() -> None:
    """Run one scenario; print it (and append it to RESULTS.md with --append)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("scenario", choices=["health", "replan", "hostile", "burst", "load"])
    parser.add_argument(
        "--limit", type=float, default=120, help="health, replan: the long job's limit"
    )
    parser.add_argument("--n", type=int, default=48, help="burst: plans at once")
    parser.add_argument("--seconds", type=float, default=60, help="load: how long")
    parser.add_argument("--plans-per-s", type=float, default=1.0)
    parser.add_argument("--alerts-per-s", type=float, default=2.0)
    parser.add_argument("--broker", help="load: a Celery broker URL (starts one eyes worker)")
    parser.add_argument("--append", action="store_true", help="append to bench/RESULTS.md")
    args = parser.parse_args()
    scenarios = {"health": health, "replan": replan, "hostile": hostile, "burst": burst}
    section = {**scenarios, "load": load}[args.scenario](args)
    command = "python bench/production.py " + shlex.join(sys.argv[1:])
    header = (
        f"Measured {datetime.now(UTC):%Y-%m-%d} on {platform.node()}: {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; command: `.venv/bin/{command}`\n\n"
    )
    text = header + section
    print(text)
    if args.append:
        with RESULTS.open("a", encoding="utf-8") as out:
            out.write("\n" + text)


if __name__ == "__main__":
    main()
