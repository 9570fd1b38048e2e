"""Benchmark: hand-overs through the outbox to the agency simulator on loopback, and the answers back to the
console's live feed.

On PostgreSQL, in a fresh database: a Kuzet server (one uvicorn worker, its outbox relay running) and
`kuzet agency-sim` playing the ambulance (103) as separate processes. This process opens 1,000 incidents,
then hands them over at a steady rate, 5 a second (as dispatchers would, each hand-over its own committed
transaction), while a dispatcher's live stream (SSE, GET /api/v1/live) is read in a thread. Each hand-over
brings four answers back (accepted, dispatched, on scene, closed): 20 signed calls a second to the server.
Afterwards, where the time went is read from the database (outbox tries, our receipt of each answer).

Two intervals per hand-over, goal p99 <= 1 s each:
1. commit → the agency's receipt: from our commit of the hand-over (its outbox message in the same
   transaction) to the simulator's clock when the request reached it;
2. the agency's acknowledgement → our console: from the acknowledgement's own time to the live stream
   seeing the incident change. The simulator answers without delay here, so the acknowledgement's time is
   its receipt time; the interval includes its wait for its next pass (up to 50 ms) and the signed call.

    make bench   (PostgreSQL at KUZET_BENCH_POSTGRES_URL, default as the tests; KUZET_BENCH_HANDOVERS,
                  KUZET_BENCH_HANDOVER_RATE and KUZET_BENCH_HANDOVER_REJECT_RATE change the run)
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field

import httpx
from sqlalchemy import func, select

from benchmarks.goals import at_most
from benchmarks.partner_intake import free_port, start, stop
from benchmarks.scratch import scratch_postgres
from kuzet.appeals import service as appeals_service
from kuzet.appeals.domain import AppealInput, Region
from kuzet.config import Mode, Settings
from kuzet.container import Services
from kuzet.core import migrate
from kuzet.core.actor import Actor
from kuzet.core.auth import accounts
from kuzet.core.auth.domain import Role
from kuzet.core.outbox import outbox, outbox_attempts
from kuzet.interagency import handovers
from kuzet.interagency import service as agencies
from kuzet.interagency.domain import Agency, MessageFormat
from kuzet.interagency.store import handovers as handover_rows

HANDOVERS = int(os.environ.get("KUZET_BENCH_HANDOVERS", "1000"))
RATE = float(os.environ.get("KUZET_BENCH_HANDOVER_RATE", "5"))  # hand-overs a second (4 answers each)
# 0: every hand-over accepted, then dispatched, on scene and closed (4 answers); 1: only a rejection.
REJECT_RATE = os.environ.get("KUZET_BENCH_HANDOVER_REJECT_RATE", "0")
GOAL_S = 1.0
AGENCY = "ambulance_103"
DISTRICT = "central"
PASSWORD = secrets.token_urlsafe(16)
BOT = Actor.system("bench")


@dataclass
class Feed:
    """The dispatcher's live stream: when each incident's hand-over changes were seen (epoch seconds)."""

    url: str
    token: str
    seen: dict[int, list[float]] = field(default_factory=lambda: defaultdict(list))
    ready: threading.Event = field(default_factory=threading.Event)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        with (
            httpx.Client(base_url=self.url, headers=headers, timeout=httpx.Timeout(5, read=None)) as client,
            client.stream("GET", "/api/v1/live") as response,
        ):
            response.raise_for_status()
            self.ready.set()
            fields: dict[str, str] = {}
            for line in response.iter_lines():
                if self.stop.is_set():
                    return
                if line.startswith(":"):
                    continue
                if line == "":
                    if fields.get("event") == "incident":
                        data = json.loads(fields["data"])
                        if data.get("change") == "handover":
                            self.seen[int(data["incident_id"])].append(time.time())
                    fields = {}
                    continue
                name, _, value = line.partition(": ")
                fields[name] = value


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def prepare(services: Services, agency_port: int) -> tuple[list[int], str]:
    """The agency, a dispatcher of the district, and the incidents to hand over (before the clock starts)."""
    agency = Agency(
        code=AGENCY,
        names={"ru": "Скорая помощь 103", "kk": "Жедел жәрдем 103", "en": "Ambulance 103"},
        endpoint_url=f"http://127.0.0.1:{agency_port}/handover",
        formats=frozenset({MessageFormat.EIDO}),
        ack_deadlines={1: 3600, 2: 3600, 3: 3600, 4: 3600},  # no overdue re-sends in the measurement
        contact_phone="103",
    )
    agencies.create(services.uow(), services.auth.box, agency=agency, by=BOT, at=services.clock.now())
    accounts.create_user(
        services.uow(),
        services.auth,
        username="bench_dispatcher",
        password=PASSWORD,
        role=Role.DISPATCHER,
        district=DISTRICT,
        full_name="Bench Dispatcher",
        phone=None,
        by=BOT,
        at=services.clock.now(),
    )
    region = Region(services.settings.region_bbox)
    opened = []
    for n in range(HANDOVERS):
        now = services.clock.now()
        done = appeals_service.register(
            services.uow(),
            data=AppealInput(
                text=f"Ранение ножом, вызов {n}",
                category_code="stabbing",
                received_at=now,
                caller_phone="+77011234567",
                lat=42.5063 + n * 1e-5,
                lon=1.5218,
                district=DISTRICT,
            ),
            region=region,
            link_to=None,
            by=BOT,
            at=now,
        )
        opened.append(done.incident.id)
    return opened, "bench_dispatcher"


def start_simulator(port: int, kuzet_url: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    command = [
        sys.executable,
        "-m",
        "kuzet",
        "agency-sim",
        "--agency",
        AGENCY,
        "--port",
        str(port),
        "--kuzet-url",
        kuzet_url,
        "--min-delay",
        "0",
        "--max-delay",
        "0",
        "--reject-rate",
        REJECT_RATE,
        "--seed",
        "1",
    ]
    process = subprocess.Popen(
        command, env={**os.environ, **env}, start_new_session=True, stdout=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/control/received", timeout=1)
            return process
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError("the agency simulator did not come up")


def received(port: int) -> dict[str, float]:
    """The simulator's first receipt of each hand-over, by reference."""
    rows = httpx.get(f"http://127.0.0.1:{port}/control/received", timeout=30).json()["received"]
    first: dict[str, float] = {}
    for row in rows:
        first.setdefault(row["ref"], float(row["received_at"]))
    return first


def hand_over_all(services: Services, incident_ids: list[int]) -> dict[str, tuple[int, float]]:
    """Hand every incident over at RATE a second; the commit time of each, by reference."""
    committed: dict[str, tuple[int, float]] = {}
    began = time.monotonic()
    for n, incident_id in enumerate(incident_ids):
        pause = began + n / RATE - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        handover = handovers.request(
            services.uow(),
            incident_id=incident_id,
            agency_code=AGENCY,
            note=None,
            by=BOT,
            at=services.clock.now(),
        )
        committed[handover.ref] = (incident_id, time.time())
    return committed


@dataclass(frozen=True)
class Profile:
    """Where the time went, from the database: the relay's wait before the first try, the try itself, and
    our receipt of each acknowledgement (epoch seconds by reference)."""

    relay_wait: list[float]
    sender: list[float]
    retried: int
    ack_received: dict[str, float]


def read_profile(services: Services) -> Profile:
    with services.engine.connect() as connection:
        first_tries = connection.execute(
            select(outbox.c.id, outbox.c.created_at, outbox_attempts.c.at, outbox_attempts.c.duration_ms)
            .join(outbox_attempts, outbox_attempts.c.message_id == outbox.c.id)
            .where(outbox.c.destination == f"agency:{AGENCY}")
            .order_by(outbox_attempts.c.id)
        ).all()
        retried = connection.execute(
            select(func.count()).where(outbox.c.destination == f"agency:{AGENCY}", outbox.c.attempts > 1)
        ).scalar_one()
        acks = connection.execute(
            select(handover_rows.c.ref, handover_rows.c.acknowledged_at).where(
                handover_rows.c.acknowledged_at.is_not(None)
            )
        ).all()
    waits, tries, seen = [], [], set()
    for message_id, created, ended, duration_ms in first_tries:
        if message_id in seen:
            continue
        seen.add(message_id)
        tries.append(duration_ms / 1000)
        waits.append((ended - created).total_seconds() - duration_ms / 1000)
    return Profile(waits, tries, retried, {ref: at.timestamp() for ref, at in acks})


def print_profile(
    profile: Profile, committed: dict[str, tuple[int, float]], receipts: dict[str, float], feed: Feed
) -> None:
    def line(label: str, values: list[float]) -> None:
        if values:
            ms = [v * 1000 for v in values]
            print(f"      {label}: p50 {percentile(ms, 0.5):.0f} ms, p99 {percentile(ms, 0.99):.0f} ms")

    print("    where the time goes:")
    line("outbox message committed -> relay's try begins", profile.relay_wait)
    line("relay's try (keys, signing, POST to the agency, answer)", profile.sender)
    print(f"      messages tried more than once: {profile.retried}")
    acks = [(ref, incident_id) for ref, (incident_id, _) in committed.items() if ref in profile.ack_received]
    line(
        "agency's acknowledgement -> our receipt of it (clock.now() in the answer)",
        [profile.ack_received[ref] - receipts[ref] for ref, _ in acks if ref in receipts],
    )
    line(
        "our receipt of it -> live feed",
        [feed.seen[i][1] - profile.ack_received[ref] for ref, i in acks if len(feed.seen.get(i, [])) >= 2],
    )


def summary(label: str, values: list[float]) -> None:
    ms = [v * 1000 for v in values]
    print(f"    {label}: n {len(ms)}, p50 {percentile(ms, 0.5):.0f} ms, mean {statistics.fmean(ms):.0f} ms")
    print(at_most(f"{label} p99", percentile(ms, 0.99) / 1000, GOAL_S, "s"))


def main() -> None:
    print(
        f"hand-over benchmark: {os.cpu_count()} cores; {HANDOVERS} hand-overs at {RATE:g}/s to"
        f" `kuzet agency-sim` on loopback (answers at once, reject rate {REJECT_RATE});"
        " 1 uvicorn worker with its outbox relay"
    )
    with scratch_postgres("kuzet_bench_handover") as database_url:
        secret_key = secrets.token_urlsafe(48)
        migrate.upgrade(database_url)
        settings = Settings(
            mode=Mode.PRODUCTION, database_url=database_url, secret_key=secret_key, outbox_relay=False
        )
        services = Services.build(settings)
        agency_port = free_port()
        env = {
            "KUZET_DATABASE_URL": database_url,
            "KUZET_MODE": "production",
            "KUZET_SECRET_KEY": secret_key,
            "KUZET_LOG_LEVEL": "WARNING",
        }
        server = simulator = None
        try:
            incident_ids, username = prepare(services, agency_port)
            server, url = start("kuzet.app:create_app", {**env, "KUZET_OUTBOX_RELAY": "true"}, 1)
            simulator = start_simulator(agency_port, url, env)
            login = httpx.post(f"{url}/api/v1/auth/login", json={"username": username, "password": PASSWORD})
            login.raise_for_status()
            feed = Feed(url, str(login.json()["token"]))
            threading.Thread(target=feed.run, daemon=True).start()
            if not feed.ready.wait(10):
                raise RuntimeError("the live stream did not answer")
            began = time.monotonic()
            committed = hand_over_all(services, incident_ids)
            sent_s = time.monotonic() - began
            # Each incident's changes: the request, then the acknowledgement (then the agency's statuses).
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and (
                sum(len(feed.seen.get(i, [])) >= 2 for i in incident_ids) < len(incident_ids)
            ):
                time.sleep(0.2)
            feed.stop.set()
            receipts = received(agency_port)
            profile = read_profile(services)
        finally:
            if simulator is not None:
                os.killpg(simulator.pid, signal.SIGTERM)
                simulator.wait(30)
            if server is not None:
                stop(server)
            services.close()
    to_agency = [receipts[ref] - at for ref, (_, at) in committed.items() if ref in receipts]
    to_console = [
        feed.seen[incident_id][1] - receipts[ref]
        for ref, (incident_id, _) in committed.items()
        if ref in receipts and len(feed.seen.get(incident_id, [])) >= 2
    ]
    print(
        f"  handed over in {sent_s:.1f} s; received by the agency {len(to_agency)},"
        f" acknowledged on the console {len(to_console)} of {len(committed)}"
    )
    summary("commit -> agency's receipt", to_agency)
    summary("agency's acknowledgement -> console live feed", to_console)
    print_profile(profile, committed, receipts, feed)
    missing = len(committed) - min(len(to_agency), len(to_console))
    print(at_most("hand-overs not acknowledged on the console within 60 s of the last", missing, 0, ""))


if __name__ == "__main__":
    main()
