"""What appeal an inbound EIDO becomes: the sender's caller, place and notes, each traced to its EIDO path."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kuzet.appeals.domain import Channel
from kuzet.interagency.eido import EidoIncident, EidoIncidentType, EidoLocation, EidoNote, EidoPerson
from kuzet.interagency.pidf_lo import CivicAddress, GeoPoint
from kuzet.interagency.transfer import place_point, transfer_of

AT = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)


def incident(**parts: object) -> EidoIncident:
    return EidoIncident(
        tracking_id="urn:emergency:uid:incidentid:1:112.kz",
        updated_at=AT,
        updated_by_agency="emergency_112",
        issuing_element="112.kz",
        incident_type=EidoIncidentType(common="Assault", internal_code="fight", internal_text="Драка"),
        **parts,  # type: ignore[arg-type]
    )


def test_the_caller_is_the_person_in_the_caller_role_and_only_a_readable_phone_is_taken() -> None:
    witness = EidoPerson(id="p1", roles=("Witness",), name="Свидетель", contact_uris=("tel:+77010000001",))
    caller = EidoPerson(
        id="p2", roles=("caller",), name="Айжан", contact_uris=("sip:aizhan@112.kz", "tel:+77017654321;ext=1")
    )
    made = transfer_of(
        incident(persons=(witness, caller)), {}, known_category=lambda code: code == "fight", received_at=AT
    )
    assert made.data.channel is Channel.AGENCY and made.data.category_code == "fight"
    assert (made.data.caller_name, made.data.caller_phone) == ("Айжан", "+77017654321")
    assert made.paths["caller_phone"] == "$.personComponent[1]"
    sip_only = EidoPerson(id="p3", roles=("Caller",), name="Б", contact_uris=("sip:b@112.kz",))
    assert (
        transfer_of(incident(persons=(sip_only,)), {}, known_category=bool, received_at=AT).data.caller_phone
        is None
    )


def test_the_place_is_the_incident_location_under_the_key_the_document_used() -> None:
    caller_place = EidoLocation(id="l1", kind="Caller", point=GeoPoint(42.6, 1.6))
    scene = EidoLocation(
        id="l2",
        kind="Incident",
        civic=CivicAddress(city="Andorra la Vella", street="Avinguda Meritxell", house_number="12"),
        point=GeoPoint(42.5063, 1.5218, radius_m=30.0),
    )
    found = incident(locations=(caller_place, scene))
    made = transfer_of(found, {"locationInformationComponent": []}, known_category=bool, received_at=AT)
    assert (made.data.lat, made.data.lon, made.data.accuracy_m) == (42.5063, 1.5218, 30.0)
    assert made.data.address == "Andorra la Vella, Avinguda Meritxell 12"
    assert made.paths["lat"] == "$.locationInformationComponent[1]"
    assert place_point(found) == (42.5063, 1.5218)


def test_notes_in_time_order_are_the_text_and_without_notes_the_type_speaks() -> None:
    later = EidoNote(id="n2", text="Второе", at=AT)
    first = EidoNote(id="n1", text=" Первое ", at=AT - timedelta(minutes=1))
    made = transfer_of(incident(notes=(later, first)), {}, known_category=lambda _: False, received_at=AT)
    assert made.data.text == "Первое\nВторое" and made.data.category_code == "other"
    assert transfer_of(incident(), {}, known_category=bool, received_at=AT).data.text == "Драка"
