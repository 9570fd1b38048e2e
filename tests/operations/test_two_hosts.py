"""Two Kuzet hosts on one PostgreSQL (issue 20, point 1): separate `kuzet serve` processes with separate
data folders, as on two machines. A change made through one reaches a console on the other within a second,
and their two outbox relays deliver a thousand messages exactly once between them, in order per appeal."""

from __future__ import annotations

import json
import secrets
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import paho.mqtt.publish as publish
import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session

from kuzet.core import outbox
from tests.conftest import BACKEND, PASSWORD, scratch_database
from tests.operations.hosts import (
    Host,
    Receiver,
    call_102,
    following,
    running_hosts,
    seed,
    wait_for,
    webhook_receiver,
)
from tests.ops import PLAZA

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(300),  # two servers' start and 1,000 deliveries, on a busy machine
    pytest.mark.skipif(BACKEND != "postgresql", reason="PostgreSQL only: hosts share one PostgreSQL server"),
]

CHAINS, STEPS = 100, 10  # 1,000 messages: ten in a row for each of a hundred appeals
BROKER = ("127.0.0.1", 1883)
# A shared subscription (MQTT 5, and Mosquitto for 3.1.1 clients too): the broker hands each message to one
# subscriber of the group, so a fix is stored once however many hosts subscribe. Named for this run alone.
SHARED = f"$share/kuzet-{secrets.token_hex(4)}/kuzet/units/+/position"
FIXES = 20


@pytest.fixture(scope="module")
def two_hosts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Receiver, list[Host]]]:
    folder = tmp_path_factory.mktemp("two-hosts")
    with scratch_database(folder) as url, webhook_receiver() as receiver:
        seed(url, folder, webhook=receiver.url)
        # The analytics snapshot is refreshed every second, so each host's own copy is seen to follow. Both
        # hosts take the units' positions from the machine's broker through one shared subscription.
        env = {
            "analytics_refresh_seconds": "1",
            "mqtt_url": f"mqtt://{BROKER[0]}:{BROKER[1]}",
            "mqtt_topic": SHARED,
            "forwarded_allow_ips": "127.0.0.1",  # as behind nginx on the same machine
        }
        with running_hosts(url, folder, **env) as hosts:
            receiver.watch = [host.process.pid for host in hosts]
            yield url, receiver, hosts


def test_a_change_on_one_host_reaches_a_console_on_the_other_within_a_second(
    two_hosts: tuple[str, Receiver, list[Host]],
) -> None:
    _, _, (a, b) = two_hosts
    latencies = []
    with following(a, a.login("disp")) as on_a, following(b, b.login("disp")) as on_b:
        takers = {a.name: a.login("taker"), b.name: b.login("taker")}
        for turn in range(6):  # alternately: taken on A and seen on B, taken on B and seen on A
            source, console = (a, on_b) if turn % 2 == 0 else (b, on_a)
            sent = time.monotonic()
            response = call_102(source, takers[source.name], f"Драка у магазина, вызов {turn}")
            assert response.status_code == 201, response.text
            incident = response.json()["incident"]["id"]
            seen = console.first(
                lambda kind, data, i=incident: kind == "incident" and data.get("incident_id") == i, timeout=5
            )
            assert seen is not None, f"incident {incident} from {source.name} never reached the other host"
            latencies.append(seen - sent)
    print(f"cross-host feed latency (call sent → event on the other host): max {max(latencies):.3f} s")
    # The hosts poll the feed every 5 s: under a second, the event came by LISTEN/NOTIFY.
    assert max(latencies) < 1.0, latencies


def test_each_host_keeps_its_own_analytics_snapshot_built_from_the_shared_database(
    two_hosts: tuple[str, Receiver, list[Host]],
) -> None:
    url, _, (a, b) = two_hosts
    response = call_102(a, a.login("taker"), "Драка у магазина, для статистики")
    assert response.status_code == 201, response.text
    day = response.json()["incident"]["stamps"]["received_at"][:10]
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            expected = connection.scalar(text("SELECT count(*) FROM incidents"))
    finally:
        engine.dispose()

    def total(host: Host) -> int | None:
        answer = httpx.get(
            f"{host.url}/api/v1/analytics/counts",
            params={"from": day, "to": day},
            headers=host.login("analyst"),
            timeout=30,
        )
        assert answer.status_code == 200, answer.text
        return int(answer.json()["total"])

    # Each host answers from a snapshot in its own data folder, refreshed from the database (every second
    # here): no host asks another, and both come to the database's count.
    for host in (a, b):
        wait_for(f"{host.name} counts every incident", lambda h=host: total(h) == expected, 30, every=0.5)
    snapshots = [host.data / "analytics" for host in (a, b)]
    assert all(folder.is_dir() and any(folder.iterdir()) for folder in snapshots)
    assert snapshots[0] != snapshots[1]


def test_two_relays_deliver_a_thousand_messages_exactly_once_in_order_per_appeal(
    two_hosts: tuple[str, Receiver, list[Host]],
) -> None:
    url, receiver, hosts = two_hosts
    engine = create_engine(url)
    try:
        with Session(engine) as session, session.begin():
            # Written as a busy day writes them: the appeals' messages interleaved, each appeal's in order.
            now = datetime.now(UTC)
            for step in range(STEPS):
                for chain in range(CHAINS):
                    outbox.enqueue(
                        session,
                        destination="partner:kaspi",
                        kind="appeal.status",
                        ordering_key=f"appeal:load-{chain}",
                        payload={"type": "appeal.status", "chain": chain, "step": step},
                        at=now,
                    )
        started = time.monotonic()

        def ours() -> list[tuple[str, dict[str, object]]]:
            return [d for d in list(receiver.deliveries) if "chain" in d[1]]

        wait_for("1,000 messages delivered", lambda: len(ours()) >= CHAINS * STEPS or None, timeout=120)
        took = time.monotonic() - started
        time.sleep(1.0)  # a duplicate, if any, would come now
        with Session(engine) as session:
            undelivered = session.scalar(
                select(func.count()).select_from(outbox.outbox).where(outbox.outbox.c.delivered_at.is_(None))
            )
            tries = session.scalar(select(func.max(outbox.outbox.c.attempts)))
    finally:
        engine.dispose()
    delivered = ours()
    ids = Counter(event_id for event_id, _ in delivered)
    assert len(delivered) == CHAINS * STEPS and len(ids) == CHAINS * STEPS, "a message came twice"
    assert undelivered == 0 and tries == 1
    order: dict[object, list[object]] = defaultdict(list)
    for _, body in delivered:
        order[body["chain"]].append(body["step"])
    assert all(steps == list(range(STEPS)) for steps in order.values()), (
        "an appeal's messages came out of order"
    )
    with receiver.lock:
        senders = Counter(
            sender
            for sender, (_, body) in zip(receiver.senders, receiver.deliveries, strict=True)
            if "chain" in body
        )
    share = {host.name: senders[host.process.pid] for host in hosts}
    print(f"1,000 messages in {took:.1f} s; delivered by host: {share}; unknown: {senders[None]}")
    assert all(count > 0 for count in share.values()), f"one relay did all the work: {share}"
    assert sum(share.values()) == CHAINS * STEPS


def test_a_host_sees_the_other_ones_session(two_hosts: tuple[str, Receiver, list[Host]]) -> None:
    """A console logged in through one host goes on through the other (as a load balancer may move it)."""
    _, _, (a, b) = two_hosts
    headers = a.login("disp")
    assert httpx.get(f"{b.url}/api/v1/live/head", headers=headers, timeout=10).status_code == 200
    assert b.data != a.data and Path(b.data).is_dir() and Path(a.data).is_dir()


def stored_fixes(host: Host) -> float:
    """The host's count of GPS fixes it took over MQTT and stored (from its /metrics)."""
    metrics = httpx.get(f"{host.url}/metrics", timeout=10).text
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in metrics.splitlines()
        if line.startswith("kuzet_unit_fixes_total{")
        and 'source="mqtt"' in line
        and 'outcome="stored"' in line
    )


def test_a_units_fix_over_mqtt_is_stored_once_though_both_hosts_subscribe(
    two_hosts: tuple[str, Receiver, list[Host]],
) -> None:
    url, _, hosts = two_hosts
    a = hosts[0]
    supervisor = a.login("super")
    call_sign = f"Сокол-{secrets.token_hex(2)}"
    made = httpx.post(
        f"{a.url}/api/v1/units",
        json={
            "call_sign": call_sign,
            "type": "patrol_car",
            "district": "central",
            "crew": [{"name": "Ерлан Сейтов", "badge": "0412"}],
        },
        headers=supervisor,
        timeout=10,
    )
    assert made.status_code == 201, made.text
    unit = made.json()["id"]
    for host in hosts:  # each subscribes in the background once started
        wait_for(
            f"{host.name} subscribed",
            lambda h=host: any(
                r.get("message") == "mqtt subscribed" and r.get("topic") == SHARED for r in h.records()
            ),
            timeout=20,
            every=0.2,
        )
    before = {host.name: stored_fixes(host) for host in hosts}
    start = datetime.now(UTC) - timedelta(seconds=FIXES + 5)
    for n in range(FIXES):
        fix = {"at": (start + timedelta(seconds=n)).isoformat(), "lat": PLAZA[0], "lon": PLAZA[1]}
        publish.single(
            f"kuzet/units/{call_sign}/position", json.dumps(fix), qos=1, hostname=BROKER[0], port=BROKER[1]
        )
    engine = create_engine(url)
    try:

        def tracked() -> int:
            with engine.connect() as connection:
                return int(
                    connection.scalar(
                        text("SELECT count(*) FROM unit_tracks WHERE unit_id = :u"), {"u": unit}
                    )
                    or 0
                )

        wait_for("every fix stored", lambda: tracked() >= FIXES, timeout=20)
        time.sleep(1.0)  # a second copy, if any, would be stored by now
        assert tracked() == FIXES
    finally:
        engine.dispose()
    took = {host.name: stored_fixes(host) - before[host.name] for host in hosts}
    print(f"MQTT fixes stored by host: {took}")
    assert all(count > 0 for count in took.values()), f"one host took every fix: {took}"


def test_behind_the_proxy_a_login_is_audited_under_the_clients_address(
    two_hosts: tuple[str, Receiver, list[Host]],
) -> None:
    url, _, (a, _b) = two_hosts
    client = "203.0.113.7"  # what nginx puts in X-Forwarded-For
    response = httpx.post(
        f"{a.url}/api/v1/auth/login",
        json={"username": "disp", "password": PASSWORD},
        headers={"X-Forwarded-For": client},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            source = connection.scalar(
                text("SELECT source FROM audit_log WHERE action = 'auth.login' ORDER BY seq DESC LIMIT 1")
            )
    finally:
        engine.dispose()
    assert source == client
