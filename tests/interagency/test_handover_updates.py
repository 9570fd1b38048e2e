"""Updates and cancellations of a handed-over incident, end to end over loopback: the real server, the outbox
relay and `kuzet agency-sim` playing the agency. A change of the incident the agency needs reaches it as an
update of the same shared incident, after the request; a cancellation (the operator's, or the incident's own
end) reaches it too, and its later answers are refused."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from kuzet.container import Services
from kuzet.core.outbox import Relay, outbox
from kuzet.interagency.eido_read import parse_eido
from kuzet.interagency.eido_schema import load_eido_schema
from tests.interagency.handover_fixtures import Sim, register, wait_for
from tests.interagency.registry import audit_rows
from tests.interagency.test_handovers import _answer, hand_over, handovers_of, stabbing, timeline
from tests.ops import Centre
from tests.reference import shared_file


def messages(sim: Sim, ref: str) -> list[dict[str, Any]]:
    """What the agency received for the hand-over, in order: kind and document."""
    found = httpx.get(f"{sim.url}/control/messages", timeout=5).json()["messages"]
    return [m for m in found if m["ref"] == ref]


def received(sim: Sim, ref: str, count: int) -> list[dict[str, Any]]:
    """Wait until the agency has received `count` messages of the hand-over; return them."""
    return list(wait_for(lambda: (found := messages(sim, ref)) and len(found) >= count and found))


def queued_kinds(services: Services, agency: str) -> list[str]:
    with services.engine.connect() as connection:
        rows = connection.execute(
            select(outbox.c.kind).where(outbox.c.destination == f"agency:{agency}").order_by(outbox.c.id)
        ).all()
    return [row.kind for row in rows]


def card(centre: Centre, incident_id: int) -> dict[str, Any]:
    return dict(centre.dispatcher.ok(centre.dispatcher.get(f"/api/v1/incidents/{incident_id}")))


def test_a_new_place_reaches_the_agency_as_an_update_of_the_same_shared_incident(
    centre: Centre, services: Services, handover_relay: Relay, make_sim: Callable[..., Sim]
) -> None:
    ambulance = register(services, "ambulance_103")
    sim = make_sim(ambulance, "--silent")  # receives, never answers: the hand-over stays live
    incident_id = stabbing(centre)
    ref = hand_over(centre, incident_id)["ref"]
    before = card(centre, incident_id)["incident"]
    moved = {"lat": before["lat"] + 0.001, "lon": before["lon"] + 0.001, "address": "Carrer Major 7"}
    centre.dispatcher.ok(centre.dispatcher.post(f"/api/v1/incidents/{incident_id}/location", moved))

    request, update = received(sim, ref, 2)
    assert [request["kind"], update["kind"]] == ["request", "update"]  # in order: the request first
    first, second = parse_eido(request["document"]), parse_eido(update["document"])
    assert first.tracking_id == second.tracking_id and ref in second.tracking_id
    assert second.updated_at > first.updated_at
    (place,) = second.locations
    assert place.point is not None and place.civic is not None
    assert (place.point.latitude, place.point.longitude) == pytest.approx((moved["lat"], moved["lon"]))
    assert place.civic.location_info == "Carrer Major 7"
    # The whole incident again, not only what changed.
    assert second.incident_type == first.incident_type and second.priority_number == 1
    assert {r["kind"] for r in sim.received() if r["ref"] == ref} == {"request", "update"}
    assert {r["tracking_id"] for r in sim.received() if r["ref"] == ref} == {first.tracking_id}

    # A new category and priority, and a note: each an update, in order.
    d = centre.dispatcher
    d.ok(
        d.post(
            f"/api/v1/incidents/{incident_id}/category",
            {"category_code": "fight", "priority": 2, "reason": "Ранение не подтвердилось"},
        )
    )
    d.ok(d.post(f"/api/v1/incidents/{incident_id}/notes", {"text": "Подозреваемый в синей куртке"}))
    got = received(sim, ref, 4)
    assert [m["kind"] for m in got] == ["request", "update", "update", "update"]
    recategorised, noted = parse_eido(got[2]["document"]), parse_eido(got[3]["document"])
    assert recategorised.incident_type is not None and recategorised.incident_type.internal_code == "fight"
    assert recategorised.priority_number == 2
    assert "Подозреваемый в синей куртке" in [n.text for n in noted.notes]
    assert queued_kinds(services, "ambulance_103") == ["handover.request"] + ["handover.update"] * 3


def test_the_injured_count_is_kept_on_the_card_and_sent_to_the_agency(
    centre: Centre, services: Services, handover_relay: Relay, make_sim: Callable[..., Sim]
) -> None:
    gas = register(services, "gas_104", fmt="kuzet")
    sim = make_sim(gas, "--silent")
    incident_id = stabbing(centre)
    assert card(centre, incident_id)["incident"]["injured"] is None
    ref = hand_over(centre, incident_id, "gas_104")["ref"]

    d = centre.dispatcher
    changed = d.ok(d.post(f"/api/v1/incidents/{incident_id}/injured", {"injured": 2}))
    assert changed["injured"] == 2
    shown = card(centre, incident_id)
    assert shown["incident"]["injured"] == 2
    entry = shown["timeline"][-1]
    assert entry["kind"] == "injured" and entry["data"] == {"injured": 2, "injured_before": None}

    request, update = received(sim, ref, 2)
    assert request["document"]["kind"] == "request" and request["document"]["incident"]["injured"] is None
    assert update["document"]["kind"] == "update" and update["document"]["ref"] == ref
    assert update["document"]["incident"]["injured"] == 2
    # The same count again changes nothing and sends nothing.
    d.ok(d.post(f"/api/v1/incidents/{incident_id}/injured", {"injured": 2}))
    assert queued_kinds(services, "gas_104") == ["handover.request", "handover.update"]

    for bad in (1000, -1, "two", 2.5):
        refused = d.post(f"/api/v1/incidents/{incident_id}/injured", {"injured": bad})
        assert refused.status_code == 422, bad
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["errors"][0]["field"] == "injured"
    # Not known any more: null is a value of its own.
    assert d.ok(d.post(f"/api/v1/incidents/{incident_id}/injured", {"injured": None}))["injured"] is None


def test_the_operator_cancels_a_hand_over_and_the_agency_s_later_answers_are_refused(
    centre: Centre,
    services: Services,
    handover_relay: Relay,
    make_sim: Callable[..., Sim],
    http: httpx.Client,
) -> None:
    ambulance = register(services, "ambulance_103")
    sim = make_sim(ambulance, "--silent")
    incident_id = stabbing(centre)
    ref = hand_over(centre, incident_id)["ref"]
    acked = {"accepted": True, "at": datetime.now(UTC).isoformat()}
    assert _answer(http, ambulance, ref, "ack", acked).json()["applied"] is True

    d = centre.dispatcher
    cancel_path = f"/api/v1/incidents/{incident_id}/handovers/ambulance_103/cancel"
    unreasoned = d.post(cancel_path, {"reason": "  "})
    assert unreasoned.status_code == 422 and unreasoned.json()["errors"][0]["field"] == "reason"
    assert d.post(cancel_path, {}).json()["errors"][0]["field"] == "reason"
    stranger = d.post(f"/api/v1/incidents/{incident_id}/handovers/fire_101/cancel", {"reason": "ошибка"})
    assert stranger.status_code == 422 and stranger.json()["errors"][0]["field"] == "agency"

    cancelled = d.ok(d.post(cancel_path, {"reason": "Скорая уже на месте от другого вызова"}))
    assert (
        cancelled["state"] == "cancelled" and cancelled["reason"] == "Скорая уже на месте от другого вызова"
    )
    again = d.post(cancel_path, {"reason": "ещё раз"})
    assert again.status_code == 409 and again.json()["field"] == "agency"
    assert again.headers["content-type"] == "application/problem+json"

    steps = timeline(centre, incident_id)
    last = steps[-1]
    assert last["kind"] == "handover_cancelled" and last["actor"] == steps[0]["actor"]  # the dispatcher
    assert last["data"]["reason"] == "Скорая уже на месте от другого вызова"
    assert last["data"]["state_before"] == "acknowledged" and last["data"]["cause"] == "operator"
    assert [r.detail["ref"] for r in audit_rows(services, "incident.handover_cancelled")] == [ref]

    request, cancel = received(sim, ref, 2)
    assert cancel["kind"] == "cancel"
    document = parse_eido(cancel["document"])
    assert document.tracking_id == parse_eido(request["document"]).tracking_id
    assert document.status_internal == ("cancelled",)
    assert "Скорая уже на месте от другого вызова" in [n.text for n in document.notes]

    # The agency repeats what was applied before: idempotent as ever. Anything new is refused.
    repeat = _answer(http, ambulance, ref, "ack", acked)
    assert repeat.status_code == 200 and repeat.json() == {"ref": ref, "state": "cancelled", "applied": False}
    late = {"status": "dispatched", "units": ["103-07"], "at": datetime.now(UTC).isoformat()}
    refused = _answer(http, ambulance, ref, "status", late)
    assert refused.status_code == 409
    assert refused.headers["content-type"] == "application/problem+json"
    assert ref in refused.json()["detail"]
    assert handovers_of(centre, incident_id)["handovers"][0]["state"] == "cancelled"
    # Cancelled, the agency may be asked again.
    assert handovers_of(centre, incident_id)["proposed_agencies"] == ["ambulance_103"]


def test_a_cancel_drops_the_steps_the_agency_still_planned(
    centre: Centre, services: Services, handover_relay: Relay, make_sim: Callable[..., Sim]
) -> None:
    ambulance = register(services, "ambulance_103")
    sim = make_sim(ambulance, "--min-delay", "1.5", "--max-delay", "2")
    incident_id = stabbing(centre)
    ref = hand_over(centre, incident_id)["ref"]
    received(sim, ref, 1)
    d = centre.dispatcher
    d.ok(
        d.post(f"/api/v1/incidents/{incident_id}/handovers/ambulance_103/cancel", {"reason": "Ложный вызов"})
    )
    received(sim, ref, 2)
    plan = json.loads(sim.state_file.read_text())[ref]
    assert plan["cancelled"] is True and plan["next"] == len(plan["steps"])
    time.sleep(2.5)  # past every step the agency had planned
    assert [a for a in sim.answers() if a["ref"] == ref] == []
    assert [e["kind"] for e in timeline(centre, incident_id)] == ["handover_requested", "handover_cancelled"]


def test_closing_the_incident_cancels_its_live_hand_overs_only(
    centre: Centre,
    services: Services,
    handover_relay: Relay,
    make_sim: Callable[..., Sim],
    http: httpx.Client,
) -> None:
    ambulance = register(services, "ambulance_103")
    gas = register(services, "gas_104", fmt="kuzet")
    ambulance_sim = make_sim(ambulance, "--silent")
    gas_sim = make_sim(gas, "--silent")
    incident_id = stabbing(centre)
    live = hand_over(centre, incident_id)["ref"]
    done = hand_over(centre, incident_id, "gas_104")["ref"]
    now = datetime.now(UTC).isoformat()
    _answer(http, gas, done, "ack", {"accepted": True, "at": now})
    _answer(http, gas, done, "status", {"status": "closed", "at": now})

    d = centre.dispatcher
    d.ok(
        d.post(
            f"/api/v1/incidents/{incident_id}/status",
            {"status": "closed", "disposition": "handed_to_agency", "note": "Передано скорой"},
        )
    )
    states = {h["agency"]: h["state"] for h in handovers_of(centre, incident_id)["handovers"]}
    assert states == {"ambulance_103": "cancelled", "gas_104": "closed"}
    _, cancel = received(ambulance_sim, live, 2)
    assert cancel["kind"] == "cancel"
    document = parse_eido(cancel["document"])
    assert document.status_internal == ("cancelled",)
    number = card(centre, incident_id)["incident"]["number"]
    assert any(number in n.text for n in document.notes)  # the reason: the incident was closed
    entry = next(e for e in timeline(centre, incident_id) if e["kind"] == "handover_cancelled")
    assert entry["actor"] == "handover" and entry["data"]["cause"] == "incident_closed"
    # The finished hand-over is not told again.
    time.sleep(0.5)
    assert [m["kind"] for m in messages(gas_sim, done)] == ["request"]
    assert queued_kinds(services, "gas_104") == ["handover.request"]


def test_the_queue_carries_the_deadline_of_a_hand_over_not_yet_acknowledged(
    centre: Centre, services: Services, http: httpx.Client
) -> None:
    ambulance = register(services, "ambulance_103", p1_ack_seconds=45)
    incident_id = stabbing(centre)
    other_id = stabbing(centre)
    created = hand_over(centre, incident_id)

    def queued() -> dict[int, Any]:
        items = centre.dispatcher.ok(centre.dispatcher.get("/api/v1/incidents"))
        return {i["id"]: i["handover_ack_due_at"] for i in items}

    due = queued()
    assert due[other_id] is None
    assert datetime.fromisoformat(due[incident_id]) == datetime.fromisoformat(created["ack_due_at"])
    assert card(centre, incident_id)["incident"]["handover_ack_due_at"] == due[incident_id]
    _answer(http, ambulance, created["ref"], "ack", {"accepted": True, "at": datetime.now(UTC).isoformat()})
    assert queued()[incident_id] is None


@pytest.mark.shared_reference
def test_the_eido_updates_and_cancels_validate_against_nena_schema(
    centre: Centre, services: Services
) -> None:
    register(services, "ambulance_103")
    incident_id = stabbing(centre)
    hand_over(centre, incident_id)
    d = centre.dispatcher
    d.ok(d.post(f"/api/v1/incidents/{incident_id}/injured", {"injured": 3}))
    d.ok(d.post(f"/api/v1/incidents/{incident_id}/notes", {"text": "Второй пострадавший <в подъезде>"}))
    d.ok(d.post(f"/api/v1/incidents/{incident_id}/handovers/ambulance_103/cancel", {"reason": "Отбой"}))
    schema = load_eido_schema(shared_file("eido/openapi.yaml"))
    with services.engine.connect() as connection:
        queued = connection.execute(
            select(outbox.c.kind, outbox.c.payload)
            .where(outbox.c.destination == "agency:ambulance_103")
            .order_by(outbox.c.id)
        ).all()
    assert [q.kind for q in queued] == [
        "handover.request",
        "handover.update",
        "handover.update",
        "handover.cancel",
    ]
    for message in queued:
        schema.validate(message.payload["document"])
