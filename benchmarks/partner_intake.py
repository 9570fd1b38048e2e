"""Benchmark: the full partner intake path against a bare FastAPI endpoint doing one SQLite insert.

Both servers run under uvicorn with the same number of workers on loopback, and are driven by the same
load generator (32 concurrent clients, a separate process). Kuzet runs on PostgreSQL, in a fresh database,
with every step of the real path: signature, nonce, rate limit, validation, idempotency, numbering, incident,
audit rows, outbox message and a durable commit. Prints appeals/s and p50/p99 latency for each round, the
medians, and the ratio of Kuzet's rate to the baseline's.

    make bench            (needs PostgreSQL at KUZET_BENCH_POSTGRES_URL, default as the tests)
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from benchmarks.scratch import scratch_postgres
from kuzet.config import Mode, Settings
from kuzet.container import Services
from kuzet.core import migrate
from kuzet.core.actor import Actor
from kuzet.partners import service, signing
from kuzet.partners.domain import ALL_SCOPES, Partner

CLIENTS = int(os.environ.get("KUZET_BENCH_CLIENTS", "32"))
REQUESTS = int(os.environ.get("KUZET_BENCH_REQUESTS", "1500"))
ROUNDS = int(os.environ.get("KUZET_BENCH_ROUNDS", "3"))
WORKERS = int(os.environ.get("KUZET_BENCH_WORKERS", "2"))
HERE = Path(__file__).resolve().parent
BODY = {
    "citizen": {"phone": "+77011234567"},
    "text": "Украли велосипед у подъезда",
    "category": "theft",
    "location": {"lat": 42.5063, "lon": 1.5218, "accuracy_m": 15},
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


def start(app: str, env: dict[str, str], factory: bool) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        app,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(WORKERS),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    if factory:
        command.append("--factory")
    process = subprocess.Popen(command, env={**os.environ, **env}, cwd=HERE.parent, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    wait_until_up(url + "/docs" if not factory else url + "/healthz")
    return process, url


def stop(process: subprocess.Popen[bytes]) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(30)


@dataclass
class Round:
    rate: float
    p50_ms: float
    p99_ms: float
    errors: int


async def drive(url: str, path: str, sign: tuple[str, str] | None) -> Round:
    """CLIENTS concurrent clients send REQUESTS appeals in all; each gets its own idempotency key."""
    latencies: list[float] = []
    errors = 0
    counter = iter(range(REQUESTS))

    async def client() -> None:
        nonlocal errors
        async with httpx.AsyncClient(base_url=url, timeout=60) as http:
            for _ in counter:
                body = json.dumps({**BODY, "text": f"{BODY['text']} {secrets.token_hex(4)}"}).encode()
                headers = {
                    "Content-Type": "application/json",
                    signing.IDEMPOTENCY_HEADER: secrets.token_hex(16),
                }
                if sign is not None:
                    headers |= signing.signed_headers(
                        key_id=sign[0],
                        secret=sign[1],
                        method="POST",
                        path=path,
                        body=body,
                        timestamp=int(time.time()),
                        nonce=secrets.token_hex(12),
                    )
                started = time.perf_counter()
                response = await http.post(path, content=body, headers=headers)
                latencies.append(time.perf_counter() - started)
                errors += response.status_code != 201

    began = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(CLIENTS)))
    elapsed = time.perf_counter() - began
    latencies.sort()
    return Round(
        REQUESTS / elapsed,
        latencies[len(latencies) // 2] * 1000,
        latencies[int(len(latencies) * 0.99) - 1] * 1000,
        errors,
    )


def report(name: str, rounds: list[Round]) -> float:
    for n, r in enumerate(rounds, start=1):
        print(
            f"  {name:<28} round {n}: {r.rate:8.1f} appeals/s  p50 {r.p50_ms:7.1f} ms  p99 {r.p99_ms:7.1f} ms"
            f"  errors {r.errors}"
        )
    median = statistics.median(r.rate for r in rounds)
    p50 = statistics.median(r.p50_ms for r in rounds)
    p99 = statistics.median(r.p99_ms for r in rounds)
    print(f"  {name:<28} median : {median:8.1f} appeals/s  p50 {p50:7.1f} ms  p99 {p99:7.1f} ms")
    return median


def main() -> None:
    with scratch_postgres("kuzet_bench") as database_url:
        compare(database_url)


def compare(database_url: str) -> None:
    secret_key = secrets.token_urlsafe(48)
    kuzet_env = {
        "KUZET_DATABASE_URL": database_url,
        "KUZET_MODE": "production",
        "KUZET_SECRET_KEY": secret_key,
        "KUZET_OUTBOX_RELAY": "false",
        "KUZET_LOG_LEVEL": "WARNING",
    }
    bare_db = Path(tempfile.mkdtemp()) / "bare.db"
    migrate.upgrade(database_url)
    services = Services.build(
        Settings(mode=Mode.PRODUCTION, database_url=database_url, secret_key=secret_key)
    )
    partner = Partner("bench", "Bench", True, "http://127.0.0.1:9/hook", ALL_SCOPES, 10_000_000)
    key = service.create(
        services.uow(),
        services.auth.box,
        partner=partner,
        by=Actor.system("bench"),
        at=services.clock.now(),
    ).key
    services.close()
    print(
        f"partner intake benchmark: {CLIENTS} clients, {REQUESTS} appeals a round, {ROUNDS} rounds, "
        f"{WORKERS} uvicorn workers, {os.cpu_count()} cores"
    )
    process, url = start("kuzet.app:create_app", kuzet_env, factory=True)
    try:
        kuzet = [
            asyncio.run(drive(url, "/partner/v1/appeals", (key.key_id, key.secret))) for _ in range(ROUNDS)
        ]
    finally:
        stop(process)
    process, url = start("benchmarks.bare_app:app", {"BARE_SQLITE": str(bare_db)}, factory=False)
    try:
        bare = [asyncio.run(drive(url, "/insert", None)) for _ in range(ROUNDS)]
    finally:
        stop(process)
    print("results:")
    ours = report("kuzet partner intake (PG)", kuzet)
    base = report("bare FastAPI + SQLite insert", bare)
    print(f"  ratio kuzet / bare: {ours / base:.2f}  (goal: >= 2000 appeals/s and >= 0.40)")


if __name__ == "__main__":
    main()
