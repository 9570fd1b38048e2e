"""The database goes away and comes back (issue 20, point 2), under partner load on two hosts.

A private PostgreSQL cluster is stopped with `-m immediate` and started again on the same port, or its
primary is killed and a synchronous replica is promoted on the primary's address. Meanwhile: `/readyz` is
503, requests fail as 503 problem+json with Retry-After, and afterwards every host recovers by itself within
10 s, no acknowledged appeal is lost, each Idempotency-Key settles to one appeal, the numbering has no gap,
every appeal's callback is delivered, and a console on one host hears of a change made on the other."""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from kuzet.core.problems import PROBLEM_JSON
from tests.conftest import BACKEND
from tests.operations import pgcluster
from tests.operations.hosts import (
    Host,
    Receiver,
    Seeded,
    call_102,
    following,
    running_hosts,
    seed,
    status_of,
    wait_for,
    webhook_receiver,
)
from tests.operations.partner_load import PartnerLoad, appeal_text, is_clean_unavailable

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(300),  # a cluster and two servers to start, on a busy machine
    pytest.mark.skipif(
        BACKEND != "postgresql", reason="PostgreSQL only: it stops a private PostgreSQL cluster"
    ),
    pytest.mark.skipif(pgcluster.unavailable() is not None, reason=str(pgcluster.unavailable())),
]

RECOVERY_LIMIT = 10.0  # seconds from the database's return to every host serving again
OUTAGE = 3.0  # seconds the database stays away in the restart test


@dataclass
class Deployment:
    cluster: pgcluster.PgCluster
    url: str
    receiver: Receiver
    seeded: Seeded
    hosts: list[Host]


def deployment(folder: Path, *, replica: bool) -> Iterator[Deployment]:
    cluster = pgcluster.PgCluster(replica=replica)
    try:
        url = cluster.create_database("kuzet")
        with webhook_receiver() as receiver:
            seeded = seed(url, folder, webhook=receiver.url)
            # A message leased by a relay when the database went away is tried again 5 s later.
            env = {"analytics_refresh_seconds": "0", "outbox_lease_seconds": "5"}
            with running_hosts(url, folder, **env) as hosts:
                yield Deployment(cluster, url, receiver, seeded, hosts)
    finally:
        cluster.close()


@pytest.fixture
def single(tmp_path: Path) -> Iterator[Deployment]:
    yield from deployment(tmp_path, replica=False)


@pytest.fixture
def replicated(tmp_path: Path) -> Iterator[Deployment]:
    yield from deployment(tmp_path, replica=True)


def test_every_host_recovers_from_an_immediate_restart_and_no_appeal_is_lost(single: Deployment) -> None:
    def restart() -> None:
        time.sleep(OUTAGE)
        single.cluster.primary.start()

    survive(single, stop=lambda: single.cluster.primary.stop("immediate"), back=restart)


def test_every_host_recovers_when_a_promoted_replica_takes_over_the_address(replicated: Deployment) -> None:
    survive(replicated, stop=replicated.cluster.kill_primary, back=replicated.cluster.promote_replica)


def survive(d: Deployment, *, stop: Callable[[], None], back: Callable[[], None]) -> None:
    a, b = d.hosts
    load = PartnerLoad(d.hosts, d.seeded)
    with following(b, b.login("disp")) as console:
        takers = {host.name: host.login("taker") for host in d.hosts}
        load.start()
        try:
            wait_for("appeals flow", lambda: len(load.acknowledged()) >= 20, timeout=30)
            gone = time.monotonic()
            stop()
            for host in d.hosts:  # while the database is away
                wait_for(f"{host.name} is not ready", lambda h=host: status_of(f"{h.url}/readyz") == 503, 5)
                ready = httpx.get(f"{host.url}/readyz", timeout=10).json()
                assert ready["checks"]["database"].startswith("unreachable"), ready
                refused = call_102(
                    host, takers[host.name], "Драка у магазина, база недоступна", language="en"
                )
                assert refused.status_code == 503, refused.text
                assert refused.headers["content-type"].startswith(PROBLEM_JSON)
                problem = refused.json()
                assert problem["type"].endswith(":database-unavailable")
                assert problem["title"] == "Database unavailable", problem
                assert int(refused.headers["retry-after"]) > 0
            back()
            returned = time.monotonic()
            recovery = {
                host.name: wait_for(
                    f"{host.name} serves again",
                    lambda h=host: status_of(f"{h.url}/readyz") == 200 and load.ok_after(h.name, returned),
                    timeout=RECOVERY_LIMIT + 5,
                )
                - returned
                for host in d.hosts
            }
        finally:
            load.stop()
        print(f"database away {returned - gone:.1f} s; each host's recovery after its return: {recovery}")
        assert max(recovery.values()) < RECOVERY_LIMIT, recovery
        # A console that followed host B through the outage hears of a call taken on host A.
        sent = time.monotonic()
        taken = call_102(a, takers[a.name], "Драка у магазина, после восстановления")
        assert taken.status_code == 201, taken.text
        incident = taken.json()["incident"]["id"]
        seen = console.first(
            lambda kind, data: kind == "incident" and data.get("incident_id") == incident, 10
        )
        assert seen is not None, "the console on host B never heard of the call taken on host A"
        print(f"feed latency after the outage: {seen - sent:.3f} s")
        assert seen - sent < 2.0

    load.settle()
    failed = load.failures()
    unclean = [f for f in failed if not is_clean_unavailable(f)]
    print(f"answers: {dict(load.statuses())}")
    assert any(f.status == 503 for f in failed), "no request met the outage"
    assert unclean == [], unclean[:3]  # every failure is a 503 problem with Retry-After, nothing else
    check_every_appeal(d, load)


def check_every_appeal(d: Deployment, load: PartnerLoad) -> None:
    acknowledged = load.acknowledged()
    assert all(len(ids) == 1 for ids in acknowledged.values()), "a key was answered with two appeals"
    engine = create_engine(d.url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT id, number, text FROM appeals WHERE channel = 'partner_app'")
            )
            stored = {row.id: (row.number, row.text) for row in rows}
    finally:
        engine.dispose()
    texts = Counter(body for _, body in stored.values())
    for key, (appeal_id,) in acknowledged.items():
        assert appeal_id in stored, f"acknowledged appeal {appeal_id} is lost"
        assert stored[appeal_id][1] == appeal_text(key)
        assert texts[appeal_text(key)] == 1, f"key {key} made {texts[appeal_text(key)]} appeals"
    assert len(stored) == len(acknowledged) == len(load.answers)
    serials = sorted(int(re.sub(r"\D", "", number.rsplit("-", 1)[1])) for number, _ in stored.values())
    assert serials == list(range(serials[0], serials[0] + len(serials))), "the numbering has a gap"
    # Every appeal's «registered» callback reaches the partner, whichever host's relay sends it.
    delivered = wait_for(
        "every callback delivered",
        lambda: (
            got
            if len(got := {body["appeal_id"] for _, body in list(d.receiver.deliveries)}) >= len(stored)
            else None
        ),
        timeout=30,
    )
    assert delivered == set(stored)
    repeats = sum(n - 1 for n in Counter(e for e, _ in d.receiver.deliveries).values())
    print(f"appeals {len(stored)}; callbacks delivered {len(d.receiver.deliveries)}, repeated {repeats}")
