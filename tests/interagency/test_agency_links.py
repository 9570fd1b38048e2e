"""Agency links over loopback: a call 112 transfers to the police (a signed EIDO that becomes an appeal on
channel `agency`, joined to an open duplicate, once per idempotency key), and each link's health from its
heartbeats and our deliveries to it."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select

from kuzet.container import Services
from kuzet.core import signing
from kuzet.core.outbox import Relay
from kuzet.interagency.alert_sender import CapSender
from kuzet.interagency.domain import AgencyKey, KeyDirection
from kuzet.interagency.eido import (
    CallDirection,
    EidoAgency,
    EidoCall,
    EidoIncident,
    EidoIncidentType,
    EidoLocation,
    EidoNote,
    EidoPerson,
)
from kuzet.interagency.eido_json import to_eido
from kuzet.interagency.link_store import LinkRepository, agency_transfers
from kuzet.interagency.pidf_lo import CivicAddress, GeoPoint
from kuzet.interagency.sender import AgencySender
from tests.interagency.handover_fixtures import Sim, register, wait_for
from tests.interagency.registry import audit_rows
from tests.interagency.test_alerts_api import missing_child
from tests.ops import NEAR_PLAZA, PLAZA, Centre

TRANSFERS = "/api/v1/agency/transfers"
HEARTBEAT = "/api/v1/agency/heartbeat"
HEALTH = "/api/v1/agencies/health"


def eido_112(
    at: tuple[float, float] = NEAR_PLAZA, *, category: str = "fight", tracking: str = ""
) -> dict[str, Any]:
    """What the 112 system sends: the caller, the place and the notes as its call-taker wrote them."""
    now = datetime.now(UTC).replace(microsecond=0)
    tracking = tracking or f"urn:emergency:uid:incidentid:{secrets.token_hex(6)}:112.kz"
    return to_eido(
        EidoIncident(
            tracking_id=tracking,
            updated_at=now,
            updated_by_agency="emergency_112",
            issuing_element="112.kz",
            internal_id="112-2026-004711",
            incident_type=EidoIncidentType(common="Assault", internal_code=category),
            agencies=(
                EidoAgency(id="emergency_112", types=("ems",), roles=("Dispatch",), owns_incident=True),
            ),
            locations=(
                EidoLocation(
                    id=f"{tracking}:loc",
                    kind="Incident",
                    civic=CivicAddress(
                        country="AD", city="Andorra la Vella", street="Plaça del Poble", house_number="3"
                    ),
                    point=GeoPoint(at[0], at[1], radius_m=25.0),
                    description="у входа в магазин",
                ),
            ),
            persons=(
                EidoPerson(
                    id=f"{tracking}:caller",
                    roles=("Caller",),
                    name="Айжан Нурланқызы",
                    contact_uris=("tel:+77017654321",),
                ),
            ),
            calls=(
                EidoCall(
                    id=f"{tracking}:call",
                    started_at=now - timedelta(minutes=2),
                    direction=CallDirection.INCOMING,
                    call_type="emergency",
                    state="callEnd",
                ),
            ),
            notes=(
                EidoNote(
                    id=f"{tracking}:n1", text="Драка у магазина, трое мужчин", at=now - timedelta(minutes=1)
                ),
                EidoNote(id=f"{tracking}:n2", text="У одного <нож>?", at=now),
            ),
        )
    )


def signed_post(
    http: httpx.Client, path: str, raw: bytes, key: AgencyKey, *, nonce: str | None = None, **headers: str
) -> httpx.Response:
    signed = signing.signed_headers(
        key_id=key.key_id,
        secret=key.secret,
        method="POST",
        path=path,
        body=raw,
        timestamp=int(time.time()),
        nonce=nonce or secrets.token_hex(12),
    )
    return http.post(path, content=raw, headers={**signed, "Content-Type": "application/json", **headers})


def transfer(http: httpx.Client, key: AgencyKey, document: Any, idempotency_key: str) -> httpx.Response:
    raw = json.dumps(document, ensure_ascii=False).encode()
    return signed_post(http, TRANSFERS, raw, key, **{"Idempotency-Key": idempotency_key})


def test_a_112_transfer_becomes_an_agency_appeal_joined_to_the_open_duplicate_once(
    centre: Centre, services: Services, http: httpx.Client
) -> None:
    key = register(services, "emergency_112").key(KeyDirection.INBOUND)
    first = centre.call_taker.call(at=PLAZA, category_code="fight")
    incident = first["incident"]
    document = eido_112(NEAR_PLAZA, category="fight")

    answered = transfer(http, key, document, "112-call-0001")
    assert answered.status_code == 201, answered.text
    ack = answered.json()
    assert ack["status"] == "accepted" and ack["tracking_id"] == document["$id"]
    assert ack["incident"] == {"id": incident["id"], "number": incident["number"]}
    assert ack["linked_to_open_incident"] is True and ack["appeal"]["number"].startswith("AG-")

    appeal = centre.dispatcher.ok(centre.dispatcher.get(f"/api/v1/appeals/{ack['appeal']['id']}"))
    assert appeal["channel"] == "agency" and appeal["incident_id"] == incident["id"]
    # The sender's words, as it wrote them: notes in order, the caller, the place.
    assert appeal["text"] == "Драка у магазина, трое мужчин\nУ одного <нож>?"
    assert appeal["caller_name"] == "Айжан Нурланқызы" and appeal["caller_phone"] == "+77017654321"
    assert appeal["address"] == "Andorra la Vella, Plaça del Poble 3, у входа в магазин"
    card = centre.dispatcher.ok(centre.dispatcher.get(f"/api/v1/incidents/{incident['id']}"))
    (joined,) = [e for e in card["timeline"] if e["data"].get("appeal_id") == ack["appeal"]["id"]]
    assert joined["kind"] == "appeal_linked" and joined["actor"] == "agency:emergency_112"
    assert joined["data"]["channel"] == "agency"

    # A retry (the same key and body, a new nonce) gets the first answer; no second appeal.
    again = transfer(http, key, document, "112-call-0001")
    assert again.status_code == 200 and again.json() == {**ack, "repeated": True}
    other_body = transfer(http, key, eido_112(NEAR_PLAZA), "112-call-0001")
    assert other_body.status_code == 422
    assert other_body.json()["errors"][0]["field"] == "Idempotency-Key"
    with services.engine.connect() as connection:
        kept = connection.execute(select(agency_transfers)).all()
    assert len(kept) == 1 and kept[0].document == document and kept[0].appeal_id == ack["appeal"]["id"]
    assert [r.action for r in audit_rows(services, "agency.transfer")] == ["agency.transfer"]


def test_a_transfer_far_from_any_open_incident_opens_its_own(
    centre: Centre, services: Services, http: httpx.Client
) -> None:
    key = register(services, "emergency_112").key(KeyDirection.INBOUND)
    centre.call_taker.call(at=PLAZA, category_code="fight")
    far = (42.5400, 1.5600)  # some 4 km away
    answered = transfer(http, key, eido_112(far, category="no_such_category"), "112-call-0002")
    assert answered.status_code == 201, answered.text
    assert answered.json()["linked_to_open_incident"] is False
    card = centre.dispatcher.ok(
        centre.dispatcher.get(f"/api/v1/incidents/{answered.json()['incident']['id']}")
    )
    assert (
        card["incident"]["category_code"] == "other"
    )  # not one of ours: kept in the document, filed as other


def test_a_bad_eido_is_a_422_naming_its_path_and_a_bad_signature_is_refused(
    services: Services, http: httpx.Client
) -> None:
    registered = register(services, "emergency_112")
    key = registered.key(KeyDirection.INBOUND)
    document = eido_112()
    document["callComponent"][0]["callStartTimestamp"] = "yesterday"
    bad = transfer(http, key, document, "112-call-0003")
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"
    (error,) = bad.json()["errors"]
    assert error["field"] == "$.callComponent[0].callStartTimestamp" and error["code"] == "eido"

    not_json = signed_post(http, TRANSFERS, b"{not json", key, **{"Idempotency-Key": "112-call-0007"})
    assert not_json.status_code == 422 and not_json.json()["errors"][0]["field"] == "$"
    huge = signed_post(http, TRANSFERS, b" " * (1024 * 1024 + 1), key, **{"Idempotency-Key": "112-call-0008"})
    assert huge.status_code == 422 and huge.json()["errors"][0]["field"] == "$"  # over the EIDO size limit

    outside = eido_112((51.1, 71.4))  # Astana: outside the served region
    refused = transfer(http, key, outside, "112-call-0004")
    assert refused.status_code == 422
    assert {e["field"] for e in refused.json()["errors"]} == {"$.locationComponent[0]"}

    no_key = signed_post(http, TRANSFERS, json.dumps(eido_112()).encode(), key)
    assert no_key.status_code == 422 and no_key.json()["errors"][0]["field"] == "Idempotency-Key"

    forged = AgencyKey(**{**vars(key), "secret": "0" * 64})
    denied = transfer(http, forged, eido_112(), "112-call-0005")
    assert denied.status_code == 401 and denied.headers["content-type"] == "application/problem+json"
    outbound = transfer(http, registered.key(KeyDirection.OUTBOUND), eido_112(), "112-call-0006")
    assert outbound.status_code == 401  # our own key signs what we send, never what the agency sends
    with services.engine.connect() as connection:
        assert connection.execute(select(agency_transfers)).all() == []
    assert len(audit_rows(services, "agency.refused")) == 2


def _links(centre: Centre) -> dict[str, Any]:
    found = centre.supervisor.ok(centre.supervisor.get(HEALTH))
    return {link["agency"]: link for link in found["links"]}


def test_link_health_from_heartbeats_and_failing_deliveries(
    centre: Centre, services: Services, http: httpx.Client
) -> None:
    ambulance = register(services, "ambulance_103")
    fire = register(services, "fire_101")
    assert {link["state"] for link in _links(centre).values()} == {"down"}  # never heard from

    beat = signed_post(
        http,
        HEARTBEAT,
        json.dumps({"sent_at": datetime.now(UTC).isoformat()}).encode(),
        ambulance.key(KeyDirection.INBOUND),
    )
    assert beat.status_code == 200 and beat.json()["agency"] == "ambulance_103"
    links = _links(centre)
    assert links["ambulance_103"]["state"] == "up" and links["ambulance_103"]["reasons"] == []
    assert links["fire_101"]["state"] == "down" and links["fire_101"]["since"] is None

    # A hand-over to the ambulance, whose endpoint does not answer: the delivery fails, the link degrades.
    incident_id = centre.call_taker.call(category_code="stabbing", text="Ранение ножом")["incident"]["id"]
    created = centre.dispatcher.ok(
        centre.dispatcher.post(f"/api/v1/incidents/{incident_id}/handovers", {"agency": "ambulance_103"}), 201
    )
    relay = Relay(
        services.session_factory,
        services.clock,
        {"agency": AgencySender(services.session_factory, services.auth.box, services.clock, timeout=2)},
    )
    relay.run_once()
    ambulance_link = _links(centre)["ambulance_103"]
    assert ambulance_link["state"] == "degraded" and ambulance_link["reasons"] == ["deliveries_failing"]
    assert ambulance_link["messages_waiting"] == 1 and ambulance_link["messages_failing"] == 1
    assert ambulance_link["unacknowledged_handovers"] == 1
    assert ambulance_link["oldest_unacknowledged_ref"] == created["ref"]
    number = centre.dispatcher.ok(centre.dispatcher.get(f"/api/v1/incidents/{incident_id}"))["incident"][
        "number"
    ]
    assert ambulance_link["oldest_unacknowledged_incident"] == {"id": incident_id, "number": number}

    # The fire service's last heartbeat is two minutes old: missed, the link is down since then.
    long_ago = services.clock.now() - timedelta(minutes=2)
    with services.session_factory() as session:
        LinkRepository(session).beat("fire_101", at=long_ago, agency_at=None)
        session.commit()
    fire_link = _links(centre)["fire_101"]
    assert fire_link["state"] == "down" and fire_link["reasons"] == ["heartbeat_missed"]
    assert datetime.fromisoformat(fire_link["since"]) == long_ago

    # Dispatchers see it too; a call-taker does not.
    assert centre.dispatcher.get(HEALTH).status_code == 200
    assert centre.call_taker.get(HEALTH).status_code == 403
    forged = AgencyKey(**{**vars(fire.key(KeyDirection.INBOUND)), "secret": "1" * 64})
    assert signed_post(http, HEARTBEAT, b"{}", forged).status_code == 401
    assert _links(centre)["fire_101"]["state"] == "down"


def test_public_alerts_waiting_for_an_agency_count_in_its_link_health(
    centre: Centre, services: Services
) -> None:
    """CAP deliveries (outbox `cap:<code>`) wait and fail like hand-overs: both are the link's messages."""
    register(services, "ambulance_103", also=("cap",))  # takes hand-overs and our public alerts
    register(services, "alert_hub", fmt="cap")  # takes our public alerts only
    for code in ("ambulance_103", "alert_hub"):
        with services.session_factory() as session:
            LinkRepository(session).beat(code, at=services.clock.now(), agency_at=None)
            session.commit()
    centre.supervisor.ok(centre.supervisor.post("/api/v1/alerts", missing_child(services)), 201)
    incident_id = centre.call_taker.call(category_code="stabbing", text="Ранение ножом")["incident"]["id"]
    centre.dispatcher.ok(
        centre.dispatcher.post(f"/api/v1/incidents/{incident_id}/handovers", {"agency": "ambulance_103"}), 201
    )
    links = _links(centre)
    figures = ("messages_waiting", "alerts_waiting", "messages_failing", "unacknowledged_handovers")
    assert [links["ambulance_103"][name] for name in figures] == [2, 1, 0, 1]
    assert [links["alert_hub"][name] for name in figures] == [1, 1, 0, 0]
    assert links["alert_hub"]["oldest_waiting_at"] is not None

    # Neither endpoint answers: every delivery fails once, the alert's as much as the hand-over's.
    relay = Relay(
        services.session_factory,
        services.clock,
        {
            "agency": AgencySender(services.session_factory, services.auth.box, services.clock, timeout=2),
            "cap": CapSender(services.session_factory, services.auth.box, services.clock, timeout=2),
        },
    )
    relay.run_once()
    links = _links(centre)
    assert [links["ambulance_103"][name] for name in figures] == [2, 1, 2, 1]
    assert [links["alert_hub"][name] for name in figures] == [1, 1, 1, 0]
    hub = links["alert_hub"]
    assert hub["state"] == "degraded" and hub["reasons"] == ["deliveries_failing"]


def test_the_agency_simulator_keeps_its_link_up_with_heartbeats(
    centre: Centre, services: Services, make_sim: Callable[..., Sim]
) -> None:
    ambulance = register(services, "ambulance_103")
    assert _links(centre)["ambulance_103"]["state"] == "down"
    make_sim(ambulance)
    link = wait_for(lambda: (found := _links(centre)["ambulance_103"])["state"] == "up" and found, timeout=15)
    assert link["heartbeat_at"] is not None and link["messages_waiting"] == 0


def test_concurrent_retries_of_one_transfer_make_one_appeal(
    services: Services, http: httpx.Client, server: Any
) -> None:
    key = register(services, "emergency_112").key(KeyDirection.INBOUND)
    document = eido_112()

    def send(_: int) -> httpx.Response:
        with server.client() as own:
            return transfer(own, key, document, "112-call-race")

    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(send, range(4)))
    assert sorted(a.status_code for a in answers) == [200, 200, 200, 201], [a.text for a in answers]
    assert len({a.json()["appeal"]["id"] for a in answers}) == 1
    with services.engine.connect() as connection:
        assert len(connection.execute(select(agency_transfers)).all()) == 1
