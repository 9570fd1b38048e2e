"""Hand-overs, end to end over loopback: the real server, the outbox relay and `kuzet agency-sim` as a
separate process playing the ambulance (103). Every answer is signed both ways."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from kuzet.container import Services
from kuzet.core import signing
from kuzet.core.outbox import Relay, outbox
from kuzet.interagency.domain import KeyDirection
from kuzet.interagency.eido_read import parse_eido
from kuzet.interagency.eido_schema import load_eido_schema
from tests.interagency.handover_fixtures import Registered, Sim, register, wait_for
from tests.interagency.registry import audit_rows
from tests.ops import Centre
from tests.reference import shared_file

STEPS = [
    "handover_requested",
    "handover_acknowledged",
    "handover_dispatched",
    "handover_on_scene",
    "handover_closed",
]


def stabbing(centre: Centre) -> int:
    """A P1 knife wound: the catalogue links the category to the ambulance 103."""
    registration = centre.call_taker.call(category_code="stabbing", text="Ранение ножом у магазина")
    return int(registration["incident"]["id"])


def handovers_of(centre: Centre, incident_id: int) -> dict[str, Any]:
    return dict(centre.dispatcher.ok(centre.dispatcher.get(f"/api/v1/incidents/{incident_id}/handovers")))


def timeline(centre: Centre, incident_id: int) -> list[dict[str, Any]]:
    card = centre.dispatcher.ok(centre.dispatcher.get(f"/api/v1/incidents/{incident_id}"))
    return [e for e in card["timeline"] if e["kind"].startswith("handover_")]


def hand_over(centre: Centre, incident_id: int, agency: str = "ambulance_103") -> dict[str, Any]:
    d = centre.dispatcher
    return dict(
        d.ok(d.post(f"/api/v1/incidents/{incident_id}/handovers", {"agency": agency, "note": "Нож"}), 201)
    )


def state_is(centre: Centre, incident_id: int, state: str) -> Callable[[], bool]:
    return lambda: handovers_of(centre, incident_id)["handovers"][0]["state"] == state


def test_hand_over_acknowledged_and_worked_to_closed_in_our_timeline(
    centre: Centre, services: Services, handover_relay: Relay, make_sim: Callable[..., Sim]
) -> None:
    ambulance = register(services, "ambulance_103")
    make_sim(ambulance)
    incident_id = stabbing(centre)
    assert handovers_of(centre, incident_id) == {"handovers": [], "proposed_agencies": ["ambulance_103"]}

    created = hand_over(centre, incident_id)
    assert created["state"] == "requested" and created["overdue"] is False
    assert created["contact_phone"] == "+7 7172 55 01 03"
    wait_for(state_is(centre, incident_id, "closed"))

    listed = handovers_of(centre, incident_id)
    assert listed["proposed_agencies"] == []
    (done,) = listed["handovers"]
    assert done["acknowledged_at"] is not None and done["overdue"] is False
    assert done["units"] and done["units"][0].startswith("ambulance_103-")
    steps = timeline(centre, incident_id)
    assert [e["kind"] for e in steps] == STEPS
    for entry in steps[1:]:
        assert entry["actor"] == "agency:ambulance_103"
        assert entry["data"]["ref"] == created["ref"]
        agency_at = datetime.fromisoformat(entry["data"]["agency_at"])
        received_at = datetime.fromisoformat(entry["data"]["received_at"])
        assert agency_at.tzinfo is not None and received_at >= datetime.fromisoformat(created["requested_at"])
    # The agency's own times are in the order it reported them.
    times = [datetime.fromisoformat(e["data"]["agency_at"]) for e in steps[1:]]
    assert times == sorted(times)


def test_a_second_hand_over_to_the_same_agency_is_refused_while_the_first_is_open(
    centre: Centre, services: Services
) -> None:
    register(services, "ambulance_103")
    incident_id = stabbing(centre)
    created = hand_over(centre, incident_id)
    again = centre.dispatcher.post(f"/api/v1/incidents/{incident_id}/handovers", {"agency": "ambulance_103"})
    assert again.status_code == 409
    unknown = centre.dispatcher.post(f"/api/v1/incidents/{incident_id}/handovers", {"agency": "nobody_999"})
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "agency"
    # The message is in the outbox, in the same transaction as the hand-over: exactly one.
    with services.engine.connect() as connection:
        queued = connection.execute(
            select(outbox).where(outbox.c.destination == "agency:ambulance_103")
        ).all()
    assert len(queued) == 1
    assert queued[0].payload["format"] == "eido"
    document = parse_eido(queued[0].payload["document"])
    assert created["ref"] in document.tracking_id
    assert document.incident_type is not None and document.incident_type.internal_code == "stabbing"
    assert document.priority_number == 1 and document.persons == ()  # no caller's personal data is sent


@pytest.mark.shared_reference
def test_the_eido_we_hand_over_validates_against_nena_schema(centre: Centre, services: Services) -> None:
    register(services, "ambulance_103")
    hand_over(centre, stabbing(centre))
    with services.engine.connect() as connection:
        (queued,) = connection.execute(select(outbox).where(outbox.c.destination == "agency:ambulance_103"))
    load_eido_schema(shared_file("eido/openapi.yaml")).validate(queued.payload["document"])


def test_a_silent_agency_makes_the_hand_over_overdue_and_it_is_re_sent_once(
    centre: Centre, services: Services, handover_relay: Relay, make_sim: Callable[..., Sim]
) -> None:
    ambulance = register(services, "ambulance_103", p1_ack_seconds=1)
    sim = make_sim(ambulance, "--silent")
    incident_id = stabbing(centre)
    created = hand_over(centre, incident_id)

    wait_for(lambda: handovers_of(centre, incident_id)["handovers"][0]["overdue"])
    got = wait_for(lambda: [r for r in sim.received() if r["ref"] == created["ref"]][1:] or None)
    assert len(got) == 1  # the first delivery and the one re-send
    listed = handovers_of(centre, incident_id)["handovers"][0]
    assert listed["state"] == "requested" and listed["resent_at"] is not None
    assert listed["contact_phone"] == "+7 7172 55 01 03"
    time.sleep(1.0)  # the relay's chores run every 0.1 s: a second re-send would be here by now
    assert len([r for r in sim.received() if r["ref"] == created["ref"]]) == 2
    assert [e["kind"] for e in timeline(centre, incident_id)] == ["handover_requested", "handover_resent"]


def test_the_simulator_killed_and_restarted_loses_nothing_and_applies_nothing_twice(
    centre: Centre, services: Services, handover_relay: Relay, make_sim: Callable[..., Sim]
) -> None:
    ambulance = register(services, "ambulance_103")
    sim = make_sim(ambulance, "--min-delay", "0.4", "--max-delay", "0.8")
    sim.kill()  # down before the hand-over: the outbox keeps trying
    incident_id = stabbing(centre)
    created = hand_over(centre, incident_id)
    time.sleep(0.5)
    with services.engine.connect() as connection:
        (message,) = connection.execute(select(outbox).where(outbox.c.destination == "agency:ambulance_103"))
    assert message.delivered_at is None and message.attempts >= 1

    sim.start()
    wait_for(state_is(centre, incident_id, "acknowledged"), every=0.02)
    sim.kill()  # down in the middle of the exchange
    sim.start()
    wait_for(state_is(centre, incident_id, "closed"))
    assert [e["kind"] for e in timeline(centre, incident_id)] == STEPS
    # Delivered to the agency (at least once), planned once: one acknowledgement, one of each status.
    assert {r["ref"] for r in sim.received()} <= {created["ref"]}

    # A crash after sending but before noting it sent: the agency sends its statuses again, same times.
    sim.kill()
    plans = json.loads(sim.state_file.read_text())
    assert plans[created["ref"]]["next"] == 4
    plans[created["ref"]]["next"] = 1
    sim.state_file.write_text(json.dumps(plans))
    sim.start()
    wait_for(lambda: json.loads(sim.state_file.read_text())[created["ref"]]["next"] == 4)
    assert [(a["step"], a["status"]) for a in sim.answers()] == [("status", 200)] * 3  # accepted, not applied
    assert [e["kind"] for e in timeline(centre, incident_id)] == STEPS
    assert handovers_of(centre, incident_id)["handovers"][0]["state"] == "closed"


def _signed_post(
    http: httpx.Client, path: str, body: dict[str, Any], key_id: str, secret: str, nonce: str | None = None
) -> httpx.Response:
    raw = json.dumps(body).encode()
    headers = signing.signed_headers(
        key_id=key_id,
        secret=secret,
        method="POST",
        path=path,
        body=raw,
        timestamp=int(time.time()),
        nonce=nonce or secrets.token_hex(12),
    )
    return http.post(path, content=raw, headers={**headers, "Content-Type": "application/json"})


def _answer(
    http: httpx.Client, registered: Registered, ref: str, step: str, body: dict[str, Any]
) -> httpx.Response:
    key = registered.key(KeyDirection.INBOUND)
    return _signed_post(http, f"/api/v1/agency/handovers/{ref}/{step}", body, key.key_id, key.secret)


def test_agency_answers_are_signed_once_applied_once_and_only_forward(
    centre: Centre, services: Services, http: httpx.Client
) -> None:
    ambulance = register(services, "ambulance_103")
    fire = register(services, "fire_101")
    incident_id = stabbing(centre)
    ref = hand_over(centre, incident_id)["ref"]
    key = ambulance.key(KeyDirection.INBOUND)
    at = datetime.now(UTC).isoformat()
    ack_path = f"/api/v1/agency/handovers/{ref}/ack"

    # Unsigned, wrongly signed, signed with our own (outbound) key, or by another agency: refused.
    assert http.post(ack_path, json={"accepted": True, "at": at}).status_code == 401
    assert _signed_post(http, ack_path, {"accepted": True, "at": at}, key.key_id, "wrong").status_code == 401
    ours = ambulance.key(KeyDirection.OUTBOUND)
    assert (
        _signed_post(http, ack_path, {"accepted": True, "at": at}, ours.key_id, ours.secret).status_code
        == 401
    )
    assert _answer(http, fire, ref, "ack", {"accepted": True, "at": at}).status_code == 404
    # A bad body is told to a caller whose signature holds, naming the field.
    bad = _answer(http, ambulance, ref, "ack", {"accepted": "perhaps", "at": at})
    assert bad.status_code == 422 and "accepted" in bad.text
    # Before the acknowledgement, no status.
    assert _answer(http, ambulance, ref, "status", {"status": "dispatched", "at": at}).status_code == 409

    nonce = secrets.token_hex(12)
    first = _signed_post(http, ack_path, {"accepted": True, "at": at}, key.key_id, key.secret, nonce)
    assert first.status_code == 200 and first.json() == {"ref": ref, "state": "acknowledged", "applied": True}
    replay = _signed_post(http, ack_path, {"accepted": True, "at": at}, key.key_id, key.secret, nonce)
    assert replay.status_code == 401
    assert replay.headers["content-type"] == "application/problem+json"
    refused = [r.detail["reason"] for r in audit_rows(services, "agency.refused")]
    assert refused.count("replayed_nonce") == 1 and refused.count("bad_signature") == 1

    on_scene = {"status": "on_scene", "units": ["103-07"], "at": datetime.now(UTC).isoformat()}
    assert _answer(http, ambulance, ref, "status", on_scene).json()["applied"] is True
    # The same status at the same agency time, a new nonce (the agency retried): answered, not applied again.
    repeat = _answer(http, ambulance, ref, "status", on_scene)
    assert repeat.status_code == 200 and repeat.json() == {"ref": ref, "state": "on_scene", "applied": False}
    # Backwards is refused.
    late = {"status": "dispatched", "at": datetime.now(UTC).isoformat()}
    assert _answer(http, ambulance, ref, "status", late).status_code == 409
    kinds = [e["kind"] for e in timeline(centre, incident_id)]
    assert kinds == ["handover_requested", "handover_acknowledged", "handover_on_scene"]
    assert _answer(http, ambulance, "0" * 32, "ack", {"accepted": True, "at": at}).status_code == 404


def test_a_rejection_keeps_its_reason_and_the_agency_is_proposed_again(
    centre: Centre, services: Services, http: httpx.Client
) -> None:
    ambulance = register(services, "ambulance_103")
    incident_id = stabbing(centre)
    ref = hand_over(centre, incident_id)["ref"]
    body = {"accepted": False, "reason": "нет свободных бригад", "at": datetime.now(UTC).isoformat()}
    assert _answer(http, ambulance, ref, "ack", body).json()["state"] == "rejected"
    listed = handovers_of(centre, incident_id)
    assert listed["handovers"][0]["reason"] == "нет свободных бригад"
    assert listed["proposed_agencies"] == ["ambulance_103"]
    assert timeline(centre, incident_id)[-1]["kind"] == "handover_rejected"


def test_the_simulator_refuses_a_hand_over_we_did_not_sign(
    services: Services, make_sim: Callable[..., Sim]
) -> None:
    ambulance = register(services, "ambulance_103")
    sim = make_sim(ambulance)
    body = b'{"profile": "kuzet.handover/1"}'
    assert (
        httpx.post(f"{sim.url}/handover", content=body, headers={"X-Kuzet-Handover": "ab" * 16}).status_code
        == 401
    )
    key = ambulance.key(KeyDirection.INBOUND)  # the agency's key, not ours: not our signature
    headers = signing.signed_headers(
        key_id=key.key_id,
        secret=key.secret,
        method="POST",
        path="/handover",
        body=body,
        timestamp=int(time.time()),
        nonce=secrets.token_hex(12),
    )
    forged = httpx.post(
        f"{sim.url}/handover", content=body, headers={**headers, "X-Kuzet-Handover": "ab" * 16}
    )
    assert forged.status_code == 401
    assert sim.received() == []


def test_the_dispatcher_needs_the_incident_in_scope_and_a_call_taker_cannot_hand_over(
    centre: Centre, services: Services
) -> None:
    register(services, "ambulance_103")
    incident_id = stabbing(centre)
    refused = centre.call_taker.post(
        f"/api/v1/incidents/{incident_id}/handovers", {"agency": "ambulance_103"}
    )
    assert refused.status_code == 403
    assert (
        centre.analyst.ok(centre.analyst.get(f"/api/v1/incidents/{incident_id}/handovers"))["handovers"] == []
    )


def test_the_agency_routes_are_documented_as_signed(http: httpx.Client) -> None:
    paths = http.get("/api/openapi.json").json()["paths"]
    for step in ("ack", "status"):
        operation = paths[f"/api/v1/agency/handovers/{{ref}}/{step}"]["post"]
        assert operation["security"] == [{"PartnerSignature": []}]
        assert {"401", "404", "409", "422"} <= set(operation["responses"])
