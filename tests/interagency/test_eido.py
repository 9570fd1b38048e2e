"""EIDO incidents: what we write carries the fields we promise and reads back equal; bad input is refused
with the path of the problem; and, against NENA's own schema and samples (shared-only material, marked
`shared_reference`), every document we write validates and both samples read, write and read back equivalent.

"Equivalent" means: the two documents read into equal `EidoIncident` values, i.e. every field the model
keeps is equal after the round trip (see kuzet/interagency/eido.py for the fields)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from functools import cache
from typing import Any

import pytest
import yaml
from jsonschema import Draft4Validator, SchemaError

from kuzet.interagency.eido import (
    CallDirection,
    EidoAgency,
    EidoAgent,
    EidoCall,
    EidoDispatch,
    EidoIncident,
    EidoIncidentType,
    EidoLocation,
    EidoNote,
    EidoPerson,
    EidoUnit,
)
from kuzet.interagency.eido_json import EidoFormatError, to_eido, to_eido_json
from kuzet.interagency.eido_read import note_from_html, parse_eido
from kuzet.interagency.eido_schema import EidoSchema, load_eido_schema
from kuzet.interagency.pidf_lo import CIVIC_ELEMENTS, CivicAddress, GeoPoint, parse_pidf_lo, to_pidf_lo
from tests.reference import shared_file

ALMATY = timezone(timedelta(hours=5))
AT = datetime(2026, 12, 7, 10, 0, 12, 345000, tzinfo=ALMATY)
TRACKING = "urn:emergency:uid:incidentid:2026-001234:cou.police.almaty.kz"
POLICE = "cou.police.almaty.kz"
AMBULANCE = "ambulance103.almaty.kz"


def handover() -> EidoIncident:
    """A police hand-over to the ambulance: a knife fight, the caller, the place, a note, our unit."""
    place = EidoLocation(
        id=f"{TRACKING}:location:incident",
        kind="Incident",
        civic=CivicAddress(
            country="KZ",
            region="Алматы",
            district="Медеуский район",
            city="Алматы",
            street="проспект Достык",
            house_number="105",
            unit="кв. 12",
            location_info="второй подъезд",
            language="ru",
        ),
        point=GeoPoint(43.2389, 76.9453, radius_m=25.0),
        description="у входа в магазин",
    )
    caller_place = EidoLocation(
        id=f"{TRACKING}:location:caller", kind="Caller", point=GeoPoint(43.2391, 76.9449, altitude_m=850.0)
    )
    caller = EidoPerson(
        id=f"{TRACKING}:person:caller",
        roles=("Caller",),
        name="Айгерим Сапарова",
        contact_uris=("tel:+77011234567",),
        call_ids=(f"{TRACKING}:call:1",),
        location_ids=(caller_place.id,),
    )
    return EidoIncident(
        tracking_id=TRACKING,
        updated_at=AT,
        updated_by_agency=POLICE,
        updated_by_agent="dispatcher-07@cou.police.almaty.kz",
        issuing_element="kuzet.cou.police.almaty.kz",
        internal_id="2026-001234",
        incident_type=EidoIncidentType(
            common="Assault", internal_code="fight_knife", internal_text="Драка с ножом"
        ),
        status_common=("Dispatched",),
        status_internal=("dispatched",),
        priority_text="P1",
        priority_number=1,
        agencies=(
            EidoAgency(id=POLICE, types=("police",), roles=("Dispatch", "PSAP"), owns_incident=True),
            EidoAgency(id=AMBULANCE, types=("ems",), roles=("Responding",), owns_incident=False),
        ),
        agents=(
            EidoAgent(
                id="dispatcher-07@cou.police.almaty.kz",
                agency_id=POLICE,
                roles=("Dispatching",),
                position="console-07",
            ),
        ),
        locations=(place, caller_place),
        persons=(caller,),
        calls=(
            EidoCall(
                id=f"{TRACKING}:call:1",
                started_at=AT - timedelta(minutes=3),
                answered_at=AT - timedelta(minutes=3) + timedelta(seconds=4),
                direction=CallDirection.INCOMING,
                call_type="emergency",
                state="callEnd",
                callback_uris=("tel:+77011234567",),
                agent_ids=("dispatcher-07@cou.police.almaty.kz",),
                location_ids=(caller_place.id,),
                person_ids=(caller.id,),
            ),
        ),
        notes=(
            EidoNote(
                id=f"{TRACKING}:note:1",
                text="Один раненый, ножевое в бок.\nНападавший <скрылся> в сторону парка & сквера.",
                at=AT - timedelta(minutes=1),
                author_id="dispatcher-07@cou.police.almaty.kz",
            ),
        ),
        units=(
            EidoUnit(
                id=f"{TRACKING}:unit:PPS-12",
                agency_id=POLICE,
                resource_type="Law Enforcement Patrol",
                status="Enroute",
                updated_at=AT - timedelta(seconds=30),
                name="ППС-12",
                eta=AT + timedelta(minutes=4),
                location_id=place.id,
            ),
        ),
        dispatches=(
            EidoDispatch(
                id=f"{TRACKING}:dispatch:police", agency_id=POLICE, unit_ids=(f"{TRACKING}:unit:PPS-12",)
            ),
        ),
    )


def all_refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [ref for value in node.values() for ref in all_refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in all_refs(value)]
    return []


def all_ids(document: dict[str, Any]) -> set[str]:
    return {
        component["$id"]
        for key, value in document.items()
        if key.endswith("Component")
        for component in (value if isinstance(value, list) else [value])
    }


# What we write


def test_the_document_carries_the_fields_we_promise() -> None:
    document = to_eido(handover())
    assert document["$id"] == TRACKING
    assert document["eidoVersion"] == "1.0"
    assert document["issuingElementIdentification"] == "kuzet.cou.police.almaty.kz"
    assert document["lastUpdateTimeStamp"] == "2026-12-07T10:00:12.345000+05:00"
    assert document["updatedByAgencyReference"] == {"$ref": POLICE}
    incident = document["incidentComponent"]
    assert incident["incidentTypeCommonRegistryText"] == "Assault"
    assert incident["incidentTypeInternalCode"] == "fight_knife"
    assert incident["internalIncidentId"] == "2026-001234"
    assert incident["incidentStatusCommonRegistryText"] == ["Dispatched"]
    assert incident["incidentPriorityInternalText"] == "P1"
    assert incident["incidentCommonPriorityNumber"] == 1
    assert [agency["$id"] for agency in document["agencyComponent"]] == [POLICE, AMBULANCE]
    assert document["agencyComponent"][1]["agencyType"] == ["ems"]
    call = document["callComponent"][0]
    assert call["callStartTimestamp"] == "2026-12-07T09:57:12.345000+05:00"
    assert call["direction"] == "incoming"
    person = document["personComponent"][0]
    assert person["ncPersonComponent"] == {"PersonName": {"PersonFullName": "Айгерим Сапарова"}}
    assert person["personIncidentRoleRegistryText"] == ["Caller"]
    callbacks = {callback["$id"]: callback for callback in document["callbackComponent"]}
    assert callbacks[person["callBackReference"]["$ref"]]["callBackInformationUri"] == ["tel:+77011234567"]
    note = document["notesComponent"][0]
    assert note["notesActionComments"] == (
        "Один раненый, ножевое в бок.<br>Нападавший &lt;скрылся&gt; в сторону парка &amp; сквера."
    )
    assert note["lastUpdateTimeStamp"] == "2026-12-07T09:59:12.345000+05:00"
    unit = document["emergencyResourceComponent"][0]
    assert (unit["emergencyResourceName"], unit["primaryUnitStatusRegistryText"]) == ("ППС-12", "Enroute")
    assert document["dispatchComponent"][0]["emergencyResourceReference"] == [{"$ref": unit["$id"]}]


def test_the_place_travels_as_pidf_lo_with_address_and_circle() -> None:
    document = to_eido(handover())
    place = document["locationComponent"][0]
    assert place["locationTypeDescriptionRegistryText"] == "Incident"
    assert place["locationDescriptionText"] == "у входа в магазин"
    pidf = place["locationByValue"]
    assert "urn:ietf:params:xml:ns:pidf:geopriv10:civicAddr" in pidf
    assert "Circle" in pidf and "urn:ogc:def:crs:EPSG::4326" in pidf
    read = parse_pidf_lo(pidf)
    assert read.point == GeoPoint(43.2389, 76.9453, radius_m=25.0)
    assert read.civic is not None
    assert (read.civic.street, read.civic.house_number, read.civic.language) == (
        "проспект Достык",
        "105",
        "ru",
    )


def test_every_reference_in_our_document_points_at_a_component_in_it() -> None:
    document = to_eido(handover())
    references = set(all_refs(document))
    assert references  # the test would pass vacuously without
    assert references - all_ids(document) == set()


def test_what_we_write_reads_back_equal() -> None:
    incident = handover()
    assert parse_eido(to_eido(incident)) == incident
    assert parse_eido(to_eido_json(incident)) == incident


def test_an_incident_without_a_type_writes_no_incident_component_and_reads_back_equal() -> None:
    bare = EidoIncident(
        tracking_id=TRACKING, updated_at=AT, updated_by_agency=POLICE, issuing_element="kuzet"
    )
    document = to_eido(bare)
    assert "incidentComponent" not in document
    assert document["agencyComponent"] == []
    assert parse_eido(document) == bare


def test_the_model_refuses_what_an_eido_cannot_say() -> None:
    with pytest.raises(ValueError, match="offset"):
        replace(handover(), updated_at=datetime(2026, 12, 7, 10, 0))  # noqa: DTZ001
    with pytest.raises(ValueError, match="incident_type"):
        replace(handover(), incident_type=None)
    with pytest.raises(ValueError, match="used twice"):
        replace(handover(), notes=(*handover().notes, replace(handover().notes[0], text="again")))


def test_a_note_in_html_reads_as_plain_text() -> None:
    assert note_from_html("<p>Caller <b>hurt</b> &amp; bleeding</p><p>second&nbsp;line</p>") == (
        "Caller hurt & bleeding\nsecond\xa0line"
    )
    assert note_from_html("a<br>b<script>alert(1)</script>") == "a\nb"


def test_pidf_lo_round_trips_every_civic_element_and_each_shape() -> None:
    civic = CivicAddress(**{name: f"v-{element}" for name, element in CIVIC_ELEMENTS.items()}, language="kk")
    assert set(CIVIC_ELEMENTS) == set(civic.__dataclass_fields__) - {"language"}
    for point in (
        GeoPoint(43.25, 76.95),
        GeoPoint(43.25, 76.95, altitude_m=850.5),
        GeoPoint(43.25, 76.95, radius_m=12.5),
        GeoPoint(-0.00001, 179.99999, altitude_m=0.0, radius_m=3.0),
    ):
        read = parse_pidf_lo(to_pidf_lo(entity="pres:x@kuzet", civic=civic, point=point))
        assert (read.civic, read.point) == (civic, point)


def test_an_ellipse_is_kept_as_the_circle_of_its_major_axis_and_other_crs_ignored() -> None:
    pidf = (
        '<presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:gml="http://www.opengis.net/gml" '
        'xmlns:gs="http://www.opengis.net/pidflo/1.0" entity="pres:a@b">'
        '<gs:Ellipse srsName="urn:ogc:def:crs:EPSG::4326"><gml:pos>43.1 76.2</gml:pos>'
        '<gs:semiMajorAxis uom="urn:ogc:def:uom:EPSG::9001">40</gs:semiMajorAxis>'
        '<gs:semiMinorAxis uom="urn:ogc:def:uom:EPSG::9001">10</gs:semiMinorAxis></gs:Ellipse></presence>'
    )
    assert parse_pidf_lo(pidf).point == GeoPoint(43.1, 76.2, radius_m=40.0)
    other = pidf.replace("EPSG::4326", "EPSG::3857")
    assert parse_pidf_lo(other).point is None


# Refusing bad input


def refused(document: Any) -> EidoFormatError:
    with pytest.raises(EidoFormatError) as caught:
        parse_eido(document)
    return caught.value


def test_bad_input_is_refused_with_the_path_of_the_problem() -> None:
    good = to_eido(handover())
    assert refused([1, 2]).path == "$"
    assert refused(b"{not json").path == "$"
    missing = {key: value for key, value in good.items() if key != "$id"}
    assert refused(missing).path == "$.$id"

    def broken(change: Any) -> dict[str, Any]:
        document: dict[str, Any] = json.loads(json.dumps(good))
        change(document)
        return document

    error = refused(broken(lambda d: d["callComponent"][0].update(callStartTimestamp="2026-12-07T09:57:12")))
    assert error.path == "$.callComponent[0].callStartTimestamp"
    assert "offset" in error.message
    error = refused(broken(lambda d: d.update(agencyComponent="police")))
    assert error.path == "$.agencyComponent"
    error = refused(
        broken(lambda d: d["personComponent"][0].update(personIncidentRoleRegistryText=["Caller", 7]))
    )
    assert error.path == "$.personComponent[0].personIncidentRoleRegistryText[1]"
    error = refused(broken(lambda d: d["callComponent"][0].update(direction="sideways")))
    assert error.path == "$.callComponent[0].direction"
    error = refused(broken(lambda d: d["incidentComponent"].pop("incidentTypeCommonRegistryText")))
    assert error.path == "$.incidentComponent.incidentTypeCommonRegistryText"
    error = refused(broken(lambda d: d["dispatchComponent"][0].update(agencyReference={"id": POLICE})))
    assert error.path == "$.dispatchComponent[0].agencyReference"


def test_a_refusal_never_repeats_the_value() -> None:
    document = to_eido(handover())
    document["personComponent"][0]["ncPersonComponent"]["PersonName"]["PersonFullName"] = [
        "Айгерим",
        "Сапарова",
    ]
    error = refused(document)
    assert error.path == "$.personComponent[0].ncPersonComponent.PersonName.PersonFullName"
    assert "Айгерим" not in str(error)


def test_an_unsafe_pidf_lo_is_refused_and_a_malformed_one_kept_as_received(tmp_path: Any) -> None:
    document = to_eido(handover())
    secret = tmp_path / "secret"
    secret.write_text("x", encoding="utf-8")
    document["locationComponent"][0]["locationByValue"] = (
        f'<!DOCTYPE p [<!ENTITY s SYSTEM "{secret.as_uri()}">]><presence>&s;</presence>'
    )
    error = refused(document)
    assert error.path == "$.locationComponent[0].locationByValue"
    assert "refused" in error.message
    broken = "<presence><unclosed></presence>"
    document["locationComponent"][0]["locationByValue"] = broken
    place = parse_eido(document).locations[0]
    assert (place.unread_pidf_lo, place.civic, place.point) == (broken, None, None)
    assert to_eido(parse_eido(document))["locationComponent"][0]["locationByValue"] == broken


def test_a_document_over_the_size_limit_is_refused() -> None:
    data = to_eido_json(handover())
    assert refused_with_limit(data, len(data) - 1).path == "$"
    assert parse_eido(data, max_bytes=len(data)) == handover()


def refused_with_limit(data: bytes, limit: int) -> EidoFormatError:
    with pytest.raises(EidoFormatError, match="over the limit") as caught:
        parse_eido(data, max_bytes=limit)
    return caught.value


# Against NENA's schema and samples (shared-only material)

SAMPLES = ["Sample_EIDO_2020.json", "Sample_call_transfer_EIDO.json"]


@cache
def nena_openapi() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(shared_file("eido/openapi.yaml").read_text(encoding="utf-8"))
    return document


@cache
def nena_schema() -> EidoSchema:
    return load_eido_schema(shared_file("eido/openapi.yaml"))


def sample(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(shared_file(f"eido/{name}").read_text(encoding="utf-8"))
    return document


@pytest.mark.shared_reference
def test_the_schema_defects_we_work_around_are_real_and_exactly_those_found() -> None:
    schemas = nena_openapi()["components"]["schemas"]
    with pytest.raises(SchemaError):
        Draft4Validator.check_schema(schemas["AgentType"])
    found = {(w.pointer, w.repair) for w in nena_schema().workarounds}
    prefix = "/components/schemas/"
    assert found == {
        (f"{prefix}AgentType/allOf/1/properties/agentRoleRegistryText/minItems", "minItems: 1"),
        (f"{prefix}PersonInformationType/allOf/1/properties/ncPersonComponent", '{"type": "object"}'),
        (
            f"{prefix}OrganizationInformationType/allOf/1/properties/ncOrganizationComponent",
            '{"type": "object"}',
        ),
        (f"{prefix}VehicleInformationType/allOf/1/properties/ncVehicleComponent", '{"type": "object"}'),
        (
            f"{prefix}VehicleInformationType/allOf/1/properties/jCommercialVehicleComponent",
            '{"type": "object"}',
        ),
        (f"{prefix}ItemInformationType/allOf/1/properties/ncItemType", '{"type": "object"}'),
    }


@pytest.mark.shared_reference
def test_every_document_we_write_validates_against_the_eido_schema() -> None:
    incident = handover()
    variants = [
        incident,
        EidoIncident(tracking_id=TRACKING, updated_at=AT, updated_by_agency=POLICE, issuing_element="kuzet"),
        replace(incident, updated_at=AT.astimezone(UTC), priority_number=None, notes=(), persons=()),
        *(parse_eido(sample(name)) for name in SAMPLES),
    ]
    for variant in variants:
        assert nena_schema().issues(to_eido(variant)) == ()


@pytest.mark.shared_reference
def test_the_schema_reports_a_broken_document_by_path_without_its_values() -> None:
    document = to_eido(handover())
    del document["agentComponent"][0]["agencyReference"]
    document["callComponent"][0]["callStartTimestamp"] = "7 December, Айгерим"
    document["incidentComponent"]["incidentCommonPriorityNumber"] = "один"
    document["callComponent"][0]["direction"] = "sideways"
    issues = nena_schema().issues(document)
    assert [(issue.path, issue.message) for issue in issues] == [
        ("$.agentComponent[0]", "'agencyReference' is a required property"),
        ("$.callComponent[0].callStartTimestamp", "must be a valid date-time"),
        ("$.callComponent[0].direction", "must be one of incoming, outgoing, internal"),
        ("$.incidentComponent.incidentCommonPriorityNumber", "must be of type integer"),
    ]
    assert not any("Айгерим" in issue.message or "один" in issue.message for issue in issues)


@pytest.mark.shared_reference
@pytest.mark.parametrize("name", SAMPLES)
def test_a_nena_sample_reads_into_the_model_and_comes_back_out_equivalent(name: str) -> None:
    read = parse_eido(sample(name))
    written = to_eido(read)
    assert nena_schema().issues(written) == ()
    assert parse_eido(written) == read
    assert parse_eido(json.dumps(written)) == read


@pytest.mark.shared_reference
def test_the_call_transfer_sample_is_valid_as_published_and_reads_its_content() -> None:
    document = sample("Sample_call_transfer_EIDO.json")
    assert nena_schema().issues(document) == ()
    read = parse_eido(document)
    assert read.tracking_id == "urn:emergency:uid:incidentid:a56e556d871:bcf.state.pa.us"
    assert read.updated_by_agency == "state.pa.us"
    call = read.calls[0]
    assert call.started_at == datetime(2021, 4, 30, 18, 40, tzinfo=UTC)
    assert call.direction is CallDirection.INCOMING
    assert read.persons[0].roles == ("Caller",)
    assert read.persons[0].contact_uris == ("sip:8195551212@osp.com", "tel:8195551212")
    routing = read.locations[0].civic
    assert routing is not None
    assert (routing.country, routing.city, routing.street, routing.house_number) == (
        "US",
        "Wilmington",
        "Cellular",
        "42",
    )
    assert read.locations[1].reference_url == "https://lrf.osp.com?oasufdqwerjn12346jfias"
    assert read.agents[0].agency_id == "state.pa.us"


@pytest.mark.shared_reference
def test_the_2020_draft_sample_reads_in_its_own_spelling() -> None:
    document = sample("Sample_EIDO_2020.json")
    # It predates the schema: as published it does not validate (the prologue names, single strings).
    paths = {issue.path for issue in nena_schema().issues(document)}
    assert {"$", "$.agencyComponent[0].agencyType", "$.incidentComponent"} <= paths
    read = parse_eido(document)
    assert read.tracking_id == "urn:emergency:uid:incidentid:0:psap.allegheny.pa.us"
    assert read.updated_at == datetime(2020, 10, 29, 18, 40, 4, 337000, tzinfo=UTC)
    assert read.incident_type == EidoIncidentType("CU1", "10-101", "CIVIL UNREST; REQUEST MUTUAL AID")
    assert (read.priority_text, read.priority_number) == ("10: VERY HIGH PRIORITY", 10)
    assert read.agencies[0] == EidoAgency("psap.allegheny.pa.us", ("PSAP",), ("Dispatch", "PSAP"), True)
    assert [agent.roles for agent in read.agents] == [("Call Taking",), ("Dispatching",)]
    assert read.dispatches[0].agency_id == "police.allegheny.pa.us"
    # Its PIDF-LO is not well-formed XML (a missing '>', undeclared prefixes): kept as received.
    unread = read.locations[0].unread_pidf_lo
    assert unread is not None and "40.441345 -80.000266" in unread
