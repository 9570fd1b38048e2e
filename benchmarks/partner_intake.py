"""Benchmark: the partner intake path and its server CPU, against a bare endpoint on the same database.

Three measurements, on PostgreSQL in fresh databases:

1. The intake step alone, in process, without HTTP: admission (signature, nonce, rate limit), validation,
   idempotency, numbering, incident, appeal, audit, outbox, live feed, through the gateway's group commit
   with 16 concurrent callers. Its cost is the process's CPU time per appeal (goal <= 1.5 ms); the callers'
   requests are signed before the clock starts.
2. The rate over HTTP, with 1, 2 and 4 uvicorn workers: Kuzet's endpoint and a bare FastAPI endpoint that
   commits one row per request to the same PostgreSQL server with the same durability (a commit before the
   answer). 32 concurrent clients in this process (the load generator shares the two cores, so the servers'
   own CPU time per appeal is read from /proc, and PostgreSQL's too). Rounds alternate between the two
   servers. Goal: Kuzet's rate >= 0.5 x the bare endpoint's, at every worker count.
3. Latency at a sustained 50 appeals/s (open loop: each request is sent at its scheduled time and its
   latency counts from that time, so a stall is not hidden), 2 workers. Goal: p99 <= 100 ms.

    make bench            (PostgreSQL at KUZET_BENCH_POSTGRES_URL, default as the tests)
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
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg

from benchmarks.bare_app import CREATE
from benchmarks.goals import at_least, at_most
from benchmarks.scratch import scratch_postgres
from kuzet.config import Mode, Settings
from kuzet.container import Services
from kuzet.core import migrate
from kuzet.core.actor import Actor
from kuzet.partners import service, signing
from kuzet.partners.domain import ALL_SCOPES, Partner, PartnerKey

CLIENTS = int(os.environ.get("KUZET_BENCH_CLIENTS", "32"))
REQUESTS = int(os.environ.get("KUZET_BENCH_REQUESTS", "800"))
ROUNDS = int(os.environ.get("KUZET_BENCH_ROUNDS", "3"))
WORKER_COUNTS = (1, 2, 4)
STEP_APPEALS = 1500
SUSTAINED_RATE, SUSTAINED_SECONDS, SUSTAINED_WORKERS = 50, 20, 2
STEP_GOAL_MS, RATIO_GOAL, P99_GOAL_MS = 1.5, 0.5, 100.0
PATH = "/partner/v1/appeals"
TICK = os.sysconf("SC_CLK_TCK")
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


def start(app: str, env: dict[str, str], workers: int) -> tuple[subprocess.Popen[bytes], str]:
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
        str(workers),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    if app.startswith("kuzet"):
        command.append("--factory")
    process = subprocess.Popen(command, env={**os.environ, **env}, cwd=HERE.parent, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    wait_until_up(url + "/healthz")
    return process, url


def stop(process: subprocess.Popen[bytes]) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(30)


def _stat_fields(pid: str) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return raw[raw.rindex(")") + 2 :].split()


def cpu_seconds(group: int | None) -> float:
    """User + system CPU of the live processes of a process group (a server: its master and its workers);
    with None, of every PostgreSQL process."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        fields = _stat_fields(entry.name)
        if fields is None:
            continue
        if group is not None and int(fields[2]) != group:
            continue
        if group is None and "postgres" not in (entry / "comm").read_text(errors="replace"):
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICK


@dataclass
class Waits:
    """What the database's sessions were waiting on, sampled every few milliseconds during a round: on a row
    or transaction lock (one worker queueing behind another's numbers or audit head), or on the WAL flush of
    a commit."""

    lock: float = 0.0  # mean number of sessions waiting on a lock
    commit: float = 0.0  # mean number of sessions waiting on a WAL write or flush
    samples: int = 0


class WaitSampler(threading.Thread):
    QUERY = (
        "SELECT count(*) FILTER (WHERE wait_event_type = 'Lock'),"
        " count(*) FILTER (WHERE wait_event IN ('WALSync', 'WALWrite', 'WALWriteLock'))"
        " FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
    )

    def __init__(self, database_url: str) -> None:
        super().__init__(daemon=True)
        self.url = database_url.replace("postgresql+psycopg://", "postgresql://")
        self.done = threading.Event()
        self.waits = Waits()

    def run(self) -> None:
        locks = commits = 0
        with psycopg.connect(self.url, autocommit=True) as connection:
            while not self.done.wait(0.005):
                row = connection.execute(self.QUERY).fetchone()
                if row is not None:
                    locks, commits = locks + row[0], commits + row[1]
                    self.waits.samples += 1
        n = max(1, self.waits.samples)
        self.waits.lock, self.waits.commit = locks / n, commits / n


@dataclass
class Round:
    rate: float
    p50_ms: float
    p99_ms: float
    errors: int
    server_cpu_ms: float  # per appeal
    database_cpu_ms: float


def signed(body: bytes, key: PartnerKey | None) -> dict[str, str]:
    headers = {"Content-Type": "application/json", signing.IDEMPOTENCY_HEADER: secrets.token_hex(16)}
    if key is not None:
        headers |= signing.signed_headers(
            key_id=key.key_id,
            secret=key.secret,
            method="POST",
            path=PATH,
            body=body,
            timestamp=int(time.time()),
            nonce=secrets.token_hex(12),
        )
    return headers


def appeal_body() -> bytes:
    return json.dumps({**BODY, "text": f"{BODY['text']} {secrets.token_hex(4)}"}).encode()


def percentile(sorted_values: list[float], share: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(len(sorted_values) * share))] * 1000


async def drive(url: str, path: str, key: PartnerKey | None, group: int) -> Round:
    """CLIENTS concurrent clients send REQUESTS appeals in all; each gets its own idempotency key."""
    latencies: list[float] = []
    errors = 0
    counter = iter(range(REQUESTS))

    async def client() -> None:
        nonlocal errors
        async with httpx.AsyncClient(base_url=url, timeout=60) as http:
            for _ in counter:
                body = appeal_body()
                headers = signed(body, key)
                started = time.perf_counter()
                response = await http.post(path, content=body, headers=headers)
                latencies.append(time.perf_counter() - started)
                errors += response.status_code != 201

    server, database = cpu_seconds(group), cpu_seconds(None)
    began = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(CLIENTS)))
    elapsed = time.perf_counter() - began
    server, database = cpu_seconds(group) - server, cpu_seconds(None) - database
    latencies.sort()
    return Round(
        REQUESTS / elapsed,
        percentile(latencies, 0.5),
        percentile(latencies, 0.99),
        errors,
        server * 1000 / REQUESTS,
        database * 1000 / REQUESTS,
    )


async def sustained(url: str, key: PartnerKey) -> tuple[float, float, int]:
    """SUSTAINED_RATE appeals a second for SUSTAINED_SECONDS, each sent at its own scheduled time; a latency
    counts from that time. Returns p50, p99 (ms) and the errors."""
    total = SUSTAINED_RATE * SUSTAINED_SECONDS
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as http:
        start_at = time.perf_counter() + 0.2

        async def one(n: int) -> None:
            nonlocal errors
            scheduled = start_at + n / SUSTAINED_RATE
            await asyncio.sleep(max(0.0, scheduled - time.perf_counter()))
            body = appeal_body()
            response = await http.post(PATH, content=body, headers=signed(body, key))
            latencies.append(time.perf_counter() - scheduled)
            errors += response.status_code != 201

        await asyncio.gather(*(one(n) for n in range(total)))
    latencies.sort()
    return percentile(latencies, 0.5), percentile(latencies, 0.99), errors


def step_cost(services: Services, key: PartnerKey) -> float:
    """CPU milliseconds of this process per appeal through the intake step and its group commit, without
    HTTP: 16 callers at once, as the server's thread pool would submit them."""
    from kuzet.partners.api import intake_step_of

    def one(call: service.SignedCall) -> None:
        step = intake_step_of(services, call, secrets.token_hex(16), services.clock.now())
        answer = services.partner_intake.submit(step, isolated=False).result()
        if not isinstance(answer, service.Answer) or answer.status != 201:
            raise RuntimeError(f"the intake refused a good appeal: {answer}")

    def calls(n: int) -> list[service.SignedCall]:
        made = []
        for _ in range(n):
            body = appeal_body()
            request = signing.SignedRequest.from_headers(signed(body, key))
            made.append(service.SignedCall(request, "POST", PATH, body, "127.0.0.1"))
        return made

    with ThreadPoolExecutor(16) as pool:
        list(pool.map(one, calls(200)))  # warm: prepared statements, the catalogue, the district map
        ready = calls(STEP_APPEALS)
        began = time.process_time()
        list(pool.map(one, ready))
        return (time.process_time() - began) * 1000 / STEP_APPEALS


def report(name: str, rounds: list[Round]) -> Round:
    for n, r in enumerate(rounds, start=1):
        print(
            f"    {name:<22} round {n}: {r.rate:7.1f} appeals/s  p50 {r.p50_ms:6.1f} ms"
            f"  p99 {r.p99_ms:6.1f} ms  server CPU {r.server_cpu_ms:5.2f} ms/appeal"
            f"  PostgreSQL CPU {r.database_cpu_ms:5.2f} ms/appeal  errors {r.errors}"
        )
    median = Round(*(statistics.median(getattr(r, f) for r in rounds) for f in Round.__dataclass_fields__))
    print(
        f"    {name:<22} median : {median.rate:7.1f} appeals/s  p50 {median.p50_ms:6.1f} ms"
        f"  p99 {median.p99_ms:6.1f} ms  server CPU {median.server_cpu_ms:5.2f} ms/appeal"
        f"  PostgreSQL CPU {median.database_cpu_ms:5.2f} ms/appeal"
    )
    return median


def settings_for(database_url: str, secret_key: str) -> Settings:
    return Settings(
        mode=Mode.PRODUCTION, database_url=database_url, secret_key=secret_key, outbox_relay=False
    )


@contextmanager
def kuzet_database() -> Iterator[tuple[str, str, PartnerKey]]:
    """A fresh, migrated database with one partner; yields its URL, the server's secret and the key."""
    with scratch_postgres("kuzet_bench") as database_url:
        secret_key = secrets.token_urlsafe(48)
        migrate.upgrade(database_url)
        services = Services.build(
            Settings(
                mode=Mode.PRODUCTION, database_url=database_url, secret_key=secret_key, outbox_relay=False
            )
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
        yield database_url, secret_key, key


def main() -> None:
    print(
        f"partner intake benchmark: {os.cpu_count()} cores; HTTP: {CLIENTS} clients, {REQUESTS} appeals"
        f" a round, {ROUNDS} rounds per server and worker count"
    )
    with kuzet_database() as (database_url, secret_key, key), scratch_postgres("kuzet_bare") as bare_url:
        services = Services.build(settings_for(database_url, secret_key))
        try:
            step_ms = step_cost(services, key)
        finally:
            services.close()
        print("the intake step alone (in process, group commit, 16 callers):")
        print(at_most("CPU per appeal", step_ms, STEP_GOAL_MS, "ms"))
        kuzet_env = {
            "KUZET_DATABASE_URL": database_url,
            "KUZET_MODE": "production",
            "KUZET_SECRET_KEY": secret_key,
            "KUZET_OUTBOX_RELAY": "false",
            "KUZET_LOG_LEVEL": "WARNING",
        }
        bare_env = {"BARE_POSTGRES": bare_url.replace("postgresql+psycopg://", "postgresql://")}
        with psycopg.connect(bare_env["BARE_POSTGRES"], autocommit=True) as connection:
            connection.execute(CREATE)
        ratios: dict[int, float] = {}
        for workers in WORKER_COUNTS:
            kuzet, kuzet_url = start("kuzet.app:create_app", kuzet_env, workers)
            bare, bare_url_http = start("benchmarks.bare_app:app", bare_env, workers)
            try:
                ours, base, waits = [], [], []
                for _ in range(ROUNDS):  # interleaved: a round of each in turn
                    sampler = WaitSampler(database_url)
                    sampler.start()
                    ours.append(asyncio.run(drive(kuzet_url, PATH, key, kuzet.pid)))
                    sampler.done.set()
                    sampler.join()
                    waits.append(sampler.waits)
                    base.append(asyncio.run(drive(bare_url_http, "/insert", None, bare.pid)))
                if workers == SUSTAINED_WORKERS:
                    p50, p99, errors = asyncio.run(sustained(kuzet_url, key))
            finally:
                stop(kuzet)
                stop(bare)
            print(f"over HTTP, {workers} worker(s):")
            mine, theirs = report("kuzet partner intake", ours), report("bare endpoint, 1 insert", base)
            ratios[workers] = mine.rate / theirs.rate
            print(at_least(f"kuzet / bare rate, {workers} worker(s)", ratios[workers], RATIO_GOAL, "x"))
            lock = statistics.median(w.lock for w in waits)
            commit = statistics.median(w.commit for w in waits)
            print(
                f"    sessions waiting (mean of {sum(w.samples for w in waits)} samples): on a lock"
                f" {lock:.2f}, on a commit's WAL flush {commit:.2f}"
            )
            queueing = lock / max(commit, 0.01)
            print(at_most(f"lock waits / commit waits, {workers} worker(s)", queueing, 1, "x"))
        print(f"sustained {SUSTAINED_RATE} appeals/s for {SUSTAINED_SECONDS} s, {SUSTAINED_WORKERS} workers:")
        print(f"    p50 {p50:.1f} ms, errors {errors}")
        print(at_most("p99 latency", p99, P99_GOAL_MS, "ms"))


if __name__ == "__main__":
    main()
