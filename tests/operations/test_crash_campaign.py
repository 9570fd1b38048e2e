"""The crash campaign (issue 20, point 4): partner appeals go in under load while, in turn, the server is
killed with SIGKILL and started again (three times), PostgreSQL is stopped with `-m immediate` and started
again, and the outbox relay (`kuzet relay`, its own process) is killed while a callback is in flight.

After each blow: every acknowledged appeal is stored exactly once, every unacknowledged key retried settles
to one appeal, the numbering has no gap, every outbox message reached the partner's webhook in order per
appeal (a repeat after a kill is allowed and counted: the receiver skips a repeated X-Kuzet-Event-Id), and
`kuzet audit verify` passes. SQLite is covered for the server kills. The counts are printed on one line and
kept in test-output/operations/campaign.json.

Run it alone: `pytest -m campaign tests/operations/test_crash_campaign.py`."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.operations import pgcluster
from tests.operations.campaign import (
    Dispatcher,
    Tally,
    Webhook,
    check,
    kill9,
    report,
    restart_host,
    start_relay,
    webhook,
)
from tests.operations.hosts import Host, Seeded, seed, start_host, wait_for
from tests.operations.partner_load import PartnerLoad

pytestmark = [pytest.mark.campaign, pytest.mark.slow, pytest.mark.timeout(600)]

SERVER_KILLS = 3
APPEALS_BEFORE = 12  # acknowledged in a phase before its blow falls …
APPEALS_AFTER = 8  # … and after the service is back,
LOAD_SECONDS = 3.0  # and for at least this long each time (the dispatcher is slower than the partners)
OUTAGE = 2.0  # seconds PostgreSQL stays away
LEASE = "2"  # seconds a killed relay's message stays leased before it is sent again


class Campaign:
    """One server (and, on PostgreSQL, one separate relay) under partner load, struck phase by phase."""

    def __init__(self, url: str, folder: Path, hook: Webhook, seeded: Seeded, **server_env: str) -> None:
        self.url, self.folder, self.hook, self.seeded = url, folder, hook, seeded
        self.server_env = {"analytics_refresh_seconds": "0", "outbox_lease_seconds": LEASE, **server_env}
        self.host: Host = start_host("host-a", url, folder / "host", **self.server_env)
        self.relay: subprocess.Popen[bytes] | None = None
        self.tally = Tally()
        self.worked: set[int] = set()
        self.kills: dict[str, int] = {}
        self.phases: list[dict[str, Any]] = []
        try:
            wait_for("the server is ready", self.host.ready, timeout=90, every=0.2)
        except BaseException:
            self.host.stop()
            raise

    def start_relay(self) -> None:
        self.relay = start_relay(
            self.url, self.folder / "relay", outbox_lease_seconds=LEASE, outbox_backoff_seconds="0.2"
        )

    def close(self) -> None:
        self.host.stop()
        if self.relay is not None and self.relay.poll() is None:
            kill9(self.relay)

    def phase(self, name: str, blow: Callable[[], None]) -> dict[str, int]:
        """Load, strike, wait for service, load on; then settle every key and check everything."""
        began = time.monotonic()
        load = PartnerLoad([self.host], self.seeded)
        dispatcher = Dispatcher(self.host, load, self.worked)
        load.start()
        dispatcher.start()
        try:
            wait_for("appeals flow", lambda: len(load.acknowledged()) >= APPEALS_BEFORE, timeout=60)
            time.sleep(max(0.0, began + LOAD_SECONDS - time.monotonic()))
            struck = time.monotonic()
            blow()
            self.kills[name] = self.kills.get(name, 0) + 1
            back = time.monotonic()
            wait_for("appeals acknowledged again", lambda: load.ok_after(self.host.name, back), timeout=60)
            before = len(load.acknowledged())
            wait_for("more appeals", lambda: len(load.acknowledged()) >= before + APPEALS_AFTER, 60)
            time.sleep(max(0.0, back + LOAD_SECONDS - time.monotonic()))
        finally:
            load.stop()
            dispatcher.stop()
        settling = time.monotonic()
        load.settle(timeout=60)
        self.tally.add(load)
        checking = time.monotonic()
        counts = check(self.url, self.tally, self.hook, self.host.data)
        took = {
            "load": struck - began,
            "blow": back - struck,
            "after": settling - back,
            "settle": checking - settling,
            "check": time.monotonic() - checking,
        }
        print(
            f"\n{name}: seconds { ({k: round(v, 1) for k, v in took.items()}) }; "
            f"dispatcher closed {dispatcher.closed}, gave up on {dict(dispatcher.errors)}"
        )
        self.phases.append({"phase": name, "incidents_closed": dispatcher.closed, **counts})
        return counts

    def kill_server(self) -> None:
        kill9(self.host.process)
        self.host = restart_host(self.host, self.url, **self.server_env)
        wait_for("the server is ready again", self.host.ready, timeout=90, every=0.1)

    def kill_relay_mid_delivery(self) -> None:
        assert self.relay is not None
        self.hook.in_flight.clear()
        self.hook.hold = 3.0  # the webhook has the callback but answers only later …
        try:
            wait_for("a callback in flight", self.hook.in_flight.is_set, timeout=30)
            kill9(self.relay)  # … too late: the relay is gone before it could record the delivery
        finally:
            self.hook.hold = 0.0
        self.start_relay()

    def summary(self, started: float) -> dict[str, Any]:
        final = self.phases[-1]
        return {
            "kills": sum(self.kills.values()),
            **{f"kills_{name}": n for name, n in self.kills.items()},
            **{key: value for key, value in final.items() if key != "phase"},
            "incidents_closed": sum(p["incidents_closed"] for p in self.phases),
            "wall_seconds": round(time.monotonic() - started, 1),
            "phases": self.phases,
        }


@pytest.fixture
def private_postgresql() -> Iterator[pgcluster.PgCluster]:
    reason = pgcluster.unavailable()
    if reason is not None:
        pytest.skip(reason)
    cluster = pgcluster.PgCluster()
    try:
        yield cluster
    finally:
        cluster.close()


def test_crash_campaign_on_postgresql(private_postgresql: pgcluster.PgCluster, tmp_path: Path) -> None:
    started = time.monotonic()
    cluster = private_postgresql
    url = cluster.create_database("kuzet")
    with webhook() as hook:
        seeded = seed(url, tmp_path, webhook=hook.url)
        campaign = Campaign(url, tmp_path, hook, seeded, outbox_relay="false")
        try:
            campaign.start_relay()
            for _ in range(SERVER_KILLS):
                campaign.phase("server_kill9", campaign.kill_server)

            def database_away() -> None:
                cluster.primary.stop("immediate")
                time.sleep(OUTAGE)
                cluster.primary.start()
                wait_for("the server is ready again", campaign.host.ready, timeout=30, every=0.1)

            campaign.phase("postgres_immediate", database_away)
            campaign.phase("relay_kill9", campaign.kill_relay_mid_delivery)
        finally:
            campaign.close()
    counts = campaign.summary(started)
    report("postgresql", counts)
    assert counts["kills"] == SERVER_KILLS + 2
    assert counts["lost"] == 0 and counts["duplicates"] == 0
    assert counts["acknowledged_only_on_retry"] > 0, "no request met a blow: the campaign proved nothing"
    before, relay = campaign.phases[-2:]
    assert relay["redeliveries"] > before["redeliveries"], "the relay was never killed mid-delivery"
    assert counts["ordering_keys"] < counts["outbox_messages"], "no appeal had more than one callback"


def test_crash_campaign_on_sqlite(tmp_path: Path) -> None:
    started = time.monotonic()
    url = f"sqlite:///{tmp_path / 'kuzet.db'}"
    with webhook() as hook:
        seeded = seed(url, tmp_path, webhook=hook.url)
        campaign = Campaign(url, tmp_path, hook, seeded)  # the server's own relay delivers the callbacks
        try:
            for _ in range(SERVER_KILLS):
                campaign.phase("server_kill9", campaign.kill_server)
        finally:
            campaign.close()
    counts = campaign.summary(started)
    report("sqlite", counts)
    assert counts["kills"] == SERVER_KILLS
    assert counts["lost"] == 0 and counts["duplicates"] == 0
    assert counts["acknowledged_only_on_retry"] > 0, "no request met a kill: the campaign proved nothing"
