"""The demo's agency simulators: `kuzet demo` starts one `kuzet agency-sim` child process per demo agency on
loopback; a hand-over reaches its agency and the acknowledgement comes back; stop() ends the processes."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime

import httpx
import numpy as np
import pytest

from kuzet.container import Services
from kuzet.core.outbox import Relay
from kuzet.demo.access import Account
from kuzet.demo.agencies import seed_demo_agencies
from kuzet.demo.agency_sims import AgencySims, specs
from kuzet.demo.desk import Desk
from kuzet.demo.places import Place, Places
from kuzet.demo.traffic import Kind, Traffic
from kuzet.interagency.domain import KNOWN_AGENCIES
from tests.conftest import PASSWORD, LiveServer
from tests.interagency.handover_fixtures import handover_relay, wait_for
from tests.ops import Centre

__all__ = ["handover_relay"]
PLAZA = Place(42.5063, 1.5218, "Plaça del Poble", "central")


def _free_port_base() -> int:
    """A base whose four agency ports (base + 101, 103, 104, 112) are free on loopback now."""
    for base in range(21000, 60000, 211):
        with ExitStack() as stack:
            try:
                for code in KNOWN_AGENCIES:
                    sock = stack.enter_context(socket.socket())
                    sock.bind(("127.0.0.1", base + int(code.rsplit("_", 1)[1])))
            except OSError:
                continue
            return base
    raise RuntimeError("no free ports for the agency simulators")


@pytest.fixture
def sims(services: Services, server: LiveServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[AgencySims]:
    s = services.settings
    # The children read the agencies' sealed keys from the test database, as `kuzet demo`'s do from its own.
    monkeypatch.setenv("KUZET_DATA_DIR", str(s.data_dir))
    monkeypatch.setenv("KUZET_MODE", "test")
    monkeypatch.setenv("KUZET_SECRET_KEY", s.secret_key)
    monkeypatch.setenv("KUZET_LOG_LEVEL", "WARNING")
    base = _free_port_base()
    assert sorted(seed_demo_agencies(services, port_base=base)) == sorted(KNOWN_AGENCIES)
    running = AgencySims(
        specs(list(KNOWN_AGENCIES), base),
        server.url,
        s.database_url,
        silences=False,
        delays=(0.05, 0.2),
        reject_rate=0.0,  # every answer an acceptance, so the run does not depend on chance
    )
    try:
        yield running.start()
    finally:
        running.stop()


def _ready(running: AgencySims) -> bool:
    try:
        return all(
            httpx.get(f"http://127.0.0.1:{spec.port}/control/received", timeout=1).status_code == 200
            for spec in running.sims
        )
    except httpx.HTTPError:
        return False


def hand_over(centre: Centre) -> int:
    registration = centre.call_taker.call(category_code="stabbing", text="Ранение ножом у магазина")
    incident_id = int(registration["incident"]["id"])
    d = centre.dispatcher
    d.ok(d.post(f"/api/v1/incidents/{incident_id}/handovers", {"agency": "ambulance_103"}), 201)
    return incident_id


def handover_of(centre: Centre, incident_id: int) -> dict[str, object]:
    d = centre.dispatcher
    return dict(d.ok(d.get(f"/api/v1/incidents/{incident_id}/handovers"))["handovers"][0])


def test_the_demo_agencies_run_and_acknowledge_a_hand_over(
    sims: AgencySims, centre: Centre, handover_relay: Relay, http: httpx.Client
) -> None:
    wait_for(lambda: _ready(sims), timeout=30)
    assert {code for code, p in sims.processes.items() if p.poll() is None} == set(KNOWN_AGENCIES)

    # The ambulance goes silent: its link goes quiet, and the hand-over waits, received but unanswered
    # (until its deadline passes and Kuzet sends it again).
    ambulance = next(s for s in sims.sims if s.code == "ambulance_103")
    assert sims.set_silent(ambulance, True)
    unanswered = hand_over(centre)
    received = f"http://127.0.0.1:{ambulance.port}/control/received"
    wait_for(lambda: httpx.get(received, timeout=2).json()["received"], timeout=15)
    time.sleep(0.5)  # well past the simulator's longest delay
    assert handover_of(centre, unanswered)["state"] == "requested"

    # Back again, it answers the next hand-over: the acknowledgement reaches the incident.
    assert sims.set_silent(ambulance, False)
    answered = hand_over(centre)
    seen = wait_for(
        lambda: handover_of(centre, answered)["acknowledged_at"] and handover_of(centre, answered)
    )
    assert seen["state"] in {"acknowledged", "dispatched", "on_scene", "closed"}

    # The traffic generator hands a knife wound over as the district's dispatcher would, and it is answered.
    traffic = Traffic(
        call_takers={"central": Desk(http, Account("ct1", "central", PASSWORD))},
        partners={},
        places=Places({"central": [PLAZA]}, {}, {"central": 1.0}),
        kinds={"stabbing": Kind("stabbing", "violence")},
        rng=np.random.default_rng(3),
        dispatchers={"central": Desk(http, Account("disp1", "central", PASSWORD))},
        handover_share=1.0,
    )
    traffic.send_one(datetime.now(UTC))
    assert traffic.sent["phone_102"] == 1 and traffic.sent["handover"] == 1
    generated = traffic.recent[-1].incident_id
    assert generated is not None
    wait_for(lambda: handover_of(centre, generated)["acknowledged_at"])

    sims.stop()
    assert all(p.poll() is not None for p in sims.processes.values())
