"""The agency simulator as the other side of the exchange, over loopback: `kuzet agency-sim` playing 112
transfers a call to the police (a signed EIDO that becomes one appeal on channel `agency`, with the place the
simulator wrote), and playing the ambulance with `--reject-rate 1` rejects a hand-over, the reason kept in
our timeline."""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from kuzet.appeals.domain import Region
from kuzet.appeals.store import appeals
from kuzet.container import Services
from kuzet.core.outbox import Relay
from kuzet.interagency.eido_schema import load_eido_schema
from kuzet.interagency.link_store import agency_transfers
from kuzet.interagency.sim_cli import TRANSFER_KINDS, TransferPlace, transfer_maker
from tests.interagency.handover_fixtures import Sim, register, wait_for
from tests.interagency.test_handovers import hand_over, handovers_of, stabbing, state_is, timeline
from tests.ops import Centre
from tests.reference import shared_file


def transfers_of(sim: Sim) -> list[dict[str, Any]]:
    """What the simulator transferred: its key, place, document, the statuses of its posts, our answer."""
    return list(httpx.get(f"{sim.url}/control/transfers", timeout=5).json()["transfers"])


def answered(sim: Sim) -> list[dict[str, Any]] | None:
    found = transfers_of(sim)
    return found if found and all(t.get("answer") for t in found) else None


def written_address(place: dict[str, Any]) -> str:
    """The address as the simulator's call-taker wrote it: city, street and house, and the words."""
    street = " ".join(p for p in (place["street"], place["house_number"]) if p)
    return ", ".join(p for p in (place["city"], street, place["description"]) if p)


def _appeal_id(sent: dict[str, Any]) -> int:
    """Our appeal's id, from the acknowledgement Kuzet answered the simulator with."""
    return int(json.loads(sent["answer"])["appeal"]["id"])


def agency_appeals(services: Services) -> int:
    with services.engine.connect() as connection:
        return int(
            connection.execute(
                select(func.count()).select_from(appeals).where(appeals.c.channel == "agency")
            ).scalar_one()
        )


def test_a_transfer_from_the_simulated_112_becomes_one_agency_appeal_with_its_place(
    centre: Centre, services: Services, make_sim: Callable[..., Sim]
) -> None:
    emergency = register(services, "emergency_112")
    assert agency_appeals(services) == 0
    sim = make_sim(emergency, "--transfer-every", "0.2", "--transfer-count", "1", "--seed", "7")

    (sent,) = wait_for(lambda: answered(sim))
    assert sent["statuses"][-1] == 201, sent
    place, document = sent["place"], sent["document"]
    assert Region(services.settings.region_bbox).contains(place["lat"], place["lon"])
    assert document["$id"] == sent["tracking_id"]
    assert document["incidentComponent"]["incidentTypeInternalCode"] == sent["category"]

    appeal = centre.dispatcher.ok(centre.dispatcher.get(f"/api/v1/appeals/{_appeal_id(sent)}"))
    assert appeal["channel"] == "agency" and appeal["created_by"] == "agency:emergency_112"
    assert (appeal["lat"], appeal["lon"]) == (place["lat"], place["lon"])
    assert appeal["address"] == written_address(place)
    assert appeal["caller_phone"] == sent["caller_phone"]
    assert appeal["category_code"] == sent["category"]  # one of ours: 112 hands over police categories
    assert appeal["text"] in next(k.notes for k in TRANSFER_KINDS if k.category == sent["category"])

    # Once: --transfer-count 1 holds over several more intervals, and Kuzet kept one transfer, one appeal.
    time.sleep(1.0)
    assert len(transfers_of(sim)) == 1
    with services.engine.connect() as connection:
        (kept,) = connection.execute(select(agency_transfers)).all()
    assert kept.tracking_id == sent["tracking_id"] and kept.appeal_id == appeal["id"]
    assert kept.idempotency_key == sent["key"] and kept.agency_code == "emergency_112"
    assert agency_appeals(services) == 1


def test_a_silent_simulator_transfers_nothing(services: Services, make_sim: Callable[..., Sim]) -> None:
    emergency = register(services, "emergency_112")
    sim = make_sim(emergency, "--transfer-every", "0.1", "--transfer-count", "1", "--silent")
    time.sleep(1.0)  # ten intervals
    assert transfers_of(sim) == [] and agency_appeals(services) == 0
    assert httpx.post(f"{sim.url}/control/silent", json={"silent": False}, timeout=5).status_code == 200
    (sent,) = wait_for(lambda: answered(sim))
    assert sent["statuses"] == [201] and agency_appeals(services) == 1


def test_the_simulator_at_reject_rate_one_rejects_the_hand_over_with_its_reason_in_our_timeline(
    centre: Centre, services: Services, handover_relay: Relay, make_sim: Callable[..., Sim]
) -> None:
    ambulance = register(services, "ambulance_103")
    sim = make_sim(ambulance, "--reject-rate", "1")  # after the fixture's `--reject-rate 0`: the last wins
    incident_id = stabbing(centre)
    created = hand_over(centre, incident_id)

    wait_for(state_is(centre, incident_id, "rejected"))
    listed = handovers_of(centre, incident_id)
    (rejected,) = listed["handovers"]
    assert rejected["reason"] == "no free crew" and rejected["acknowledged_at"] is not None
    assert rejected["units"] == []
    assert listed["proposed_agencies"] == ["ambulance_103"]  # the operator may try again
    steps = timeline(centre, incident_id)
    assert [e["kind"] for e in steps] == ["handover_requested", "handover_rejected"]
    assert steps[-1]["actor"] == "agency:ambulance_103" and steps[-1]["data"]["ref"] == created["ref"]
    assert steps[-1]["data"]["reason"] == "no free crew" and steps[-1]["data"]["accepted"] is False

    time.sleep(1.0)  # past the simulator's longest delay (0.3 s) three times: no status after a rejection
    assert [(a["step"], a["status"]) for a in sim.answers()] == [("ack", 200)]
    assert [e["kind"] for e in timeline(centre, incident_id)] == ["handover_requested", "handover_rejected"]


@pytest.mark.shared_reference
def test_the_transfers_the_simulator_writes_validate_against_nena_schema() -> None:
    schema = load_eido_schema(shared_file("eido/openapi.yaml"))
    places = (
        TransferPlace(42.5063, 1.5218, description="на остановке"),
        TransferPlace(42.5063, 1.5218, "Plaça del Poble", "3", "Andorra la Vella"),
    )
    make = transfer_maker("emergency_112", places)
    draw = random.Random(3)
    for _ in range(12):
        schema.validate(make(draw)["document"])
