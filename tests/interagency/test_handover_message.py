"""The messages of a hand-over, built without a server: the request, an update and a cancel are each the
whole shared incident as it is now under the same tracking id, told apart by their kind (the Kuzet profile's
`kind`, the outbox kind, the sender's header), and read back as EIDO."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from kuzet.incidents.catalogue import Agency as CategoryAgency
from kuzet.incidents.catalogue import Category, Group
from kuzet.incidents.domain import Incident, IncidentStatus, Stamps
from kuzet.interagency.domain import Agency, MessageFormat
from kuzet.interagency.eido_read import parse_eido
from kuzet.interagency.handover import Handover, HandoverState
from kuzet.interagency.handover_message import IncidentNote, Message, MessageKind, payload, tracking_id

REQUESTED = datetime(2026, 12, 7, 5, 0, tzinfo=UTC)
LATER = REQUESTED + timedelta(minutes=4)

STABBING = Category(
    "stabbing",
    Group.VIOLENCE,
    1,
    (CategoryAgency.AMBULANCE,),
    {"ru": "Ножевое ранение", "kk": "Пышақ жарақаты", "en": "Stabbing"},
)
INCIDENT = Incident(
    id=7,
    number="INC-2026-000007",
    status=IncidentStatus.DISPATCHED,
    category_code="stabbing",
    priority=1,
    district="central",
    lat=43.2389,
    lon=76.9453,
    address="проспект Достык, 105",
    description="Ранение ножом у магазина",
    stamps=Stamps(received_at=REQUESTED - timedelta(minutes=2)),
)
HANDOVER = Handover(
    id=1,
    ref="ab" * 16,
    incident_id=7,
    agency_code="ambulance_103",
    state=HandoverState.ACKNOWLEDGED,
    note="Нож",
    requested_by="dispatcher",
    requested_at=REQUESTED,
    ack_deadline_seconds=60,
)


def agency(fmt: MessageFormat) -> Agency:
    return Agency(
        code="ambulance_103",
        names={"ru": "Скорая", "kk": "Жедел жәрдем", "en": "Ambulance"},
        endpoint_url="http://127.0.0.1:1/handover",
        formats=frozenset({fmt}),
        ack_deadlines={1: 60, 2: 120, 3: 300, 4: 600},
        contact_phone="+7 7172 55 01 03",
    )


EIDO, KUZET = agency(MessageFormat.EIDO), agency(MessageFormat.KUZET)


def message(
    kind: MessageKind,
    *,
    incident: Incident = INCIDENT,
    notes: tuple[IncidentNote, ...] = (),
    reason: str | None = None,
) -> Message:
    at = REQUESTED if kind is MessageKind.REQUEST else LATER
    return Message(kind, incident, STABBING, HANDOVER, at, notes, reason)


def test_an_update_is_the_same_shared_incident_with_a_new_time_and_what_changed() -> None:
    request = parse_eido(payload(EIDO, message(MessageKind.REQUEST))["document"])
    moved = replace(INCIDENT, lat=43.25, lon=76.95, address="улица Абая, 1", injured=2)
    note = IncidentNote(41, "Подозреваемый в синей куртке", LATER - timedelta(minutes=1))
    sent = payload(EIDO, message(MessageKind.UPDATE, incident=moved, notes=(note,)))
    update = parse_eido(sent["document"])

    assert update.tracking_id == request.tracking_id == tracking_id(HANDOVER)
    assert request.updated_at == REQUESTED and update.updated_at == LATER
    (place,) = update.locations
    assert place.point is not None and (place.point.latitude, place.point.longitude) == (43.25, 76.95)
    assert place.civic is not None and place.civic.location_info == "улица Абая, 1"
    texts = {n.id.rsplit(":", 1)[1]: n.text for n in update.notes}
    assert texts == {
        "0": "Ранение ножом у магазина",
        "1": "Нож",
        "entry-41": "Подозреваемый в синей куртке",
        "injured": "Пострадавших: 2",
    }
    # The notes the request carried keep their ids in the update: the agency replaces, never duplicates.
    assert {n.id for n in request.notes} <= {n.id for n in update.notes}
    assert update.status_internal == ("dispatched",)
    assert {k: sent[k] for k in ("type", "kind", "ref", "format")} == {
        "type": "handover.update",
        "kind": "update",
        "ref": HANDOVER.ref,
        "format": "eido",
    }


def test_a_cancel_says_cancelled_and_carries_the_reason_as_a_note() -> None:
    sent = payload(EIDO, message(MessageKind.CANCEL, reason="Вызов ложный"))
    cancel = parse_eido(sent["document"])
    assert cancel.tracking_id == tracking_id(HANDOVER)
    assert cancel.status_internal == ("cancelled",)
    assert [n.text for n in cancel.notes if n.id.endswith(":note:cancel")] == ["Вызов ложный"]
    assert sent["type"] == "handover.cancel" and sent["kind"] == "cancel"


@pytest.mark.parametrize("kind", list(MessageKind))
def test_the_kuzet_profile_is_the_same_body_with_its_kind(kind: MessageKind) -> None:
    note = IncidentNote(9, "Второй пострадавший", LATER)
    hurt = replace(INCIDENT, injured=1)
    sent = payload(KUZET, message(kind, incident=hurt, notes=(note,), reason="Отбой"))
    body = sent["document"]
    assert sent["format"] == "kuzet" and sent["kind"] == kind.value == body["kind"]
    assert body["profile"] == "kuzet.handover/1" and body["ref"] == HANDOVER.ref
    assert body["incident"]["injured"] == 1 and body["incident"]["number"] == INCIDENT.number
    assert body["notes"] == [{"text": "Второй пострадавший", "at": LATER.isoformat()}]
    assert body["sent_at"] == (REQUESTED if kind is MessageKind.REQUEST else LATER).isoformat()
    assert ("reason" in body) is (kind is MessageKind.CANCEL)
    if kind is MessageKind.CANCEL:
        assert body["reason"] == "Отбой"


def test_an_unknown_injured_count_is_left_out_of_the_eido_and_null_in_the_profile() -> None:
    document = parse_eido(payload(EIDO, message(MessageKind.UPDATE))["document"])
    assert not any(n.id.endswith(":note:injured") for n in document.notes)
    assert payload(KUZET, message(MessageKind.UPDATE))["document"]["incident"]["injured"] is None
