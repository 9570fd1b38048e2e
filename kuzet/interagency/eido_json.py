"""EIDO JSON, writing: `to_eido()` writes an `EidoIncident` as an EIDO document (NENA STA-024, EIDO version
1.0, the OpenAPI document of NENA911/EIDO-JSON), always in the current spelling; `eido_read.py` reads one
(`parse_eido()`), refusing bad input with the `EidoFormatError` defined here. Pure.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from html import escape
from typing import Any, Final

from kuzet.interagency.eido import (
    EIDO_VERSION,
    EidoAgency,
    EidoAgent,
    EidoCall,
    EidoDispatch,
    EidoIncident,
    EidoLocation,
    EidoNote,
    EidoPerson,
    EidoUnit,
)
from kuzet.interagency.pidf_lo import to_pidf_lo

DEFAULT_MAX_EIDO_BYTES: Final = 1024 * 1024
JSON_LD_CONTEXT: Final = {"@vocab": "./JSON-LD_Contexts/EmergencyIncidentDataObjectType.jsonld"}
# RFC 3339 date-time (section 5.6), which the schema's `format: date-time` means: an offset is required.
RFC3339: Final = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})",
)


class EidoFormatError(ValueError):
    """An EIDO document that cannot be read, with the JSON path of the first problem."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


# Writing


def eido_time(moment: datetime) -> str:
    """RFC 3339 with the offset of the value itself (`2026-12-07T10:00:00+05:00`)."""
    return moment.isoformat()


def note_to_html(text: str) -> str:
    """A plain-text note as the HTML5 the schema asks for: escaped, line breaks as <br>."""
    return "<br>".join(escape(line, quote=False) for line in text.split("\n"))


def _ref(component_id: str) -> dict[str, str]:
    return {"$ref": component_id}


def _refs(ids: tuple[str, ...]) -> list[dict[str, str]]:
    return [_ref(component_id) for component_id in ids]


def _callback_id(owner_id: str) -> str:
    return f"{owner_id}:callback"


def _put(target: dict[str, Any], key: str, value: Any) -> None:
    """Set `key` unless the value is absent (None or an empty list)."""
    if value is not None and value != []:
        target[key] = value


class _Writer:
    def __init__(self, incident: EidoIncident) -> None:
        self.incident = incident

    def prologue(
        self, component_id: str, at: datetime | None = None, agency: str | None = None
    ) -> dict[str, Any]:
        incident = self.incident
        prologue: dict[str, Any] = {
            "$id": component_id,
            "lastUpdateTimeStamp": eido_time(at or incident.updated_at),
            "updatedByAgencyReference": _ref(agency or incident.updated_by_agency),
        }
        if incident.updated_by_agent is not None:
            prologue["updatedByAgentReference"] = _ref(incident.updated_by_agent)
        return prologue

    def incident_component(self) -> dict[str, Any] | None:
        incident = self.incident
        if incident.incident_type is None:
            return None
        component = self.prologue(f"{incident.tracking_id}:incident")
        _put(component, "incidentTypeInternalCode", incident.incident_type.internal_code)
        _put(component, "incidentTypeInternalText", incident.incident_type.internal_text)
        component["incidentTypeCommonRegistryText"] = incident.incident_type.common
        _put(component, "incidentStatusInternalText", list(incident.status_internal))
        _put(component, "incidentStatusCommonRegistryText", list(incident.status_common))
        _put(component, "internalIncidentId", incident.internal_id)
        _put(component, "agentReference", _refs(tuple(agent.id for agent in incident.agents)))
        _put(component, "locationReference", _refs(tuple(location.id for location in incident.locations)))
        _put(component, "personReference", _refs(tuple(person.id for person in incident.persons)))
        _put(component, "incidentPriorityInternalText", incident.priority_text)
        _put(component, "incidentCommonPriorityNumber", incident.priority_number)
        _put(component, "notesReference", _refs(tuple(note.id for note in incident.notes)))
        return component

    def callback(self, owner_id: str, uris: tuple[str, ...]) -> dict[str, Any]:
        component = self.prologue(_callback_id(owner_id))
        component["callBackInformationUri"] = list(uris)
        return component

    def call(self, call: EidoCall) -> dict[str, Any]:
        component = self.prologue(call.id)
        component["standardPrimaryCallType"] = call.call_type
        component["direction"] = call.direction.value
        component["callStartTimestamp"] = eido_time(call.started_at)
        _put(component, "answerDate", None if call.answered_at is None else eido_time(call.answered_at))
        component["callStateRegistryText"] = call.state
        _put(component, "agentReference", _refs(call.agent_ids))
        if call.callback_uris:
            component["callBackReference"] = _ref(_callback_id(call.id))
        _put(component, "locationReference", _refs(call.location_ids))
        _put(component, "personReference", _refs(call.person_ids))
        return component

    def agency(self, agency: EidoAgency) -> dict[str, Any]:
        component = self.prologue(agency.id)
        component["agencyRoleDescriptionRegistryText"] = list(agency.roles)
        component["agencyType"] = list(agency.types)
        _put(component, "incidentOwningAgencyIndicator", agency.owns_incident)
        return component

    def agent(self, agent: EidoAgent) -> dict[str, Any]:
        component = self.prologue(agent.id)
        _put(component, "agentWorkstationPositionIdentification", agent.position)
        component["agentRoleRegistryText"] = list(agent.roles)
        component["agencyReference"] = _ref(agent.agency_id)
        return component

    def location(self, location: EidoLocation) -> dict[str, Any]:
        component = self.prologue(location.id)
        component["locationTypeDescriptionRegistryText"] = location.kind
        if location.unread_pidf_lo is not None:
            component["locationByValue"] = location.unread_pidf_lo
        elif location.civic is not None or location.point is not None:
            component["locationByValue"] = to_pidf_lo(
                entity=f"pres:{location.id}", civic=location.civic, point=location.point
            )
        _put(component, "locationByReferenceUrl", location.reference_url)
        _put(component, "locationDescriptionText", location.description)
        return component

    def person(self, person: EidoPerson) -> dict[str, Any]:
        component = self.prologue(person.id)
        if person.name is not None:
            # NIEM nc:PersonType (its schema is not published with EIDO): the name as one full name.
            component["ncPersonComponent"] = {"PersonName": {"PersonFullName": person.name}}
        component["personIncidentRoleRegistryText"] = list(person.roles)
        _put(component, "callIdentifier", list(person.call_ids))
        _put(component, "locationReference", _refs(person.location_ids))
        if person.contact_uris:
            component["callBackReference"] = _ref(_callback_id(person.id))
        return component

    def note(self, note: EidoNote) -> dict[str, Any]:
        component = self.prologue(note.id, at=note.at)
        component["notesActionComments"] = note_to_html(note.text)
        _put(component, "agentReference", None if note.author_id is None else _ref(note.author_id))
        return component

    def unit(self, unit: EidoUnit) -> dict[str, Any]:
        component = self.prologue(unit.id, at=unit.updated_at, agency=unit.agency_id)
        component["emergencyResourceTypeCommonRegistryText"] = unit.resource_type
        component["resourceAttributeRegistryText"] = []
        _put(component, "emergencyResourceName", unit.name)
        component["primaryUnitStatusRegistryText"] = unit.status
        component["secondaryUnitStatusRegistryText"] = []
        component["agentReference"] = []
        _put(component, "unitLocationReference", None if unit.location_id is None else _ref(unit.location_id))
        _put(component, "eta", None if unit.eta is None else eido_time(unit.eta))
        return component

    def dispatch(self, dispatch: EidoDispatch) -> dict[str, Any]:
        component = self.prologue(dispatch.id)
        _put(component, "agencyReference", None if dispatch.agency_id is None else _ref(dispatch.agency_id))
        _put(component, "emergencyResourceReference", _refs(dispatch.unit_ids))
        return component

    def document(self) -> dict[str, Any]:
        incident = self.incident
        document = self.prologue(incident.tracking_id)
        document["eidoVersion"] = EIDO_VERSION
        document["issuingElementIdentification"] = incident.issuing_element
        _put(document, "incidentComponent", self.incident_component())
        _put(document, "callComponent", [self.call(call) for call in incident.calls])
        callbacks = [
            self.callback(call.id, call.callback_uris) for call in incident.calls if call.callback_uris
        ]
        callbacks += [self.callback(p.id, p.contact_uris) for p in incident.persons if p.contact_uris]
        _put(document, "callbackComponent", callbacks)
        _put(document, "dispatchComponent", [self.dispatch(dispatch) for dispatch in incident.dispatches])
        _put(document, "notesComponent", [self.note(note) for note in incident.notes])
        _put(document, "emergencyResourceComponent", [self.unit(unit) for unit in incident.units])
        document["agencyComponent"] = [self.agency(agency) for agency in incident.agencies]
        _put(document, "agentComponent", [self.agent(agent) for agent in incident.agents])
        _put(document, "locationComponent", [self.location(location) for location in incident.locations])
        _put(document, "personComponent", [self.person(person) for person in incident.persons])
        document["@context"] = dict(JSON_LD_CONTEXT)
        return document


def to_eido(incident: EidoIncident) -> dict[str, Any]:
    """The incident as an EIDO document (a JSON object); it validates against the EIDO schema."""
    return _Writer(incident).document()


def to_eido_json(incident: EidoIncident) -> bytes:
    return json.dumps(to_eido(incident), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
