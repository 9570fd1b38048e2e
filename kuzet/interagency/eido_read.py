"""EIDO JSON, reading: `parse_eido()` reads an EIDO document (NENA STA-024, EIDO version 1.0) into the model;
`eido_json.py` writes one.

Reading takes the current spelling and the spelling of the NENA 2020 draft sample, so that an agency still
sending that draft is understood: `LastUpdateTimeStamp`, `OwningAgencyIdentifier` and
`UpdatedByAgentIdentifier` (plain strings, not references), `incidentTrackingIdentifier` beside a header
`$id`, `organizationIdentification` and `agentIdentification` as the agency's and agent's ids,
`locationInformationComponent`, an `incidentComponent` array of one, and single strings where arrays are now
due. An agent with no `agencyReference` belongs to the agency that last updated it.

Bad input is refused with `EidoFormatError` naming the JSON path (`$.callComponent[0].callStartTimestamp`);
the message never repeats the value, which may be personal data. Pure.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from html.parser import HTMLParser
from typing import Any, Final

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
from kuzet.interagency.eido_json import DEFAULT_MAX_EIDO_BYTES, EidoFormatError
from kuzet.interagency.eido_node import Node
from kuzet.interagency.pidf_lo import parse_pidf_lo
from kuzet.interagency.xml_safety import MalformedXml, XmlInputError


class _HtmlText(HTMLParser):
    """The text of an HTML5 note: tags dropped, <br> and block ends as line breaks, entities decoded."""

    BLOCKS: Final = frozenset(
        {"p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre"}
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self.skipping += 1
        elif tag == "br" or (tag in self.BLOCKS and self.parts and not self.parts[-1].endswith("\n")):
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self.skipping:
            self.skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def note_from_html(html_text: str) -> str:
    reader = _HtmlText()
    reader.feed(html_text)
    reader.close()
    return "".join(reader.parts)


def _agency_of(node: Node) -> str | None:
    return node.reference("updatedByAgencyReference", "OwningAgencyIdentifier")


class _Reader:
    def __init__(self, root: Node) -> None:
        self.root = root
        self.callbacks: dict[str, tuple[str, ...]] = {}
        for node in root.components("callbackComponent"):
            self.callbacks[node.string("$id")] = node.strings("callBackInformationUri")

    def callback_uris(self, node: Node) -> tuple[str, ...]:
        callback_id = node.reference("callBackReference")
        return () if callback_id is None else self.callbacks.get(callback_id, ())

    def location(self, node: Node) -> EidoLocation:
        by_value = node.optional_string("locationByValue")
        civic = point = unread = None
        if by_value is not None:
            try:
                read = parse_pidf_lo(by_value)
            except MalformedXml:
                unread = by_value
            except XmlInputError as error:
                raise node.fail("locationByValue", f"refused: {error}") from None
            else:
                civic, point = read.civic, read.point
                if civic is None and point is None:
                    unread = by_value
        return EidoLocation(
            id=node.string("$id"),
            kind=node.string("locationTypeDescriptionRegistryText"),
            civic=civic,
            point=point,
            description=node.optional_string("locationDescriptionText"),
            reference_url=node.optional_string("locationByReferenceUrl"),
            unread_pidf_lo=unread,
        )

    def person(self, node: Node) -> EidoPerson:
        return EidoPerson(
            id=node.string("$id"),
            roles=node.strings("personIncidentRoleRegistryText"),
            name=_person_name(node),
            contact_uris=self.callback_uris(node),
            call_ids=node.strings("callIdentifier"),
            location_ids=node.references("locationReference"),
        )

    def call(self, node: Node) -> EidoCall:
        direction = node.string("direction")
        if direction not in {member.value for member in CallDirection}:
            raise node.fail("direction", "must be incoming, outgoing or internal")
        return EidoCall(
            id=node.string("$id"),
            started_at=node.time("callStartTimestamp"),
            direction=CallDirection(direction),
            call_type=node.string("standardPrimaryCallType"),
            state=node.string("callStateRegistryText"),
            answered_at=node.optional_time("answerDate"),
            callback_uris=self.callback_uris(node),
            agent_ids=node.references("agentReference"),
            location_ids=node.references("locationReference"),
            person_ids=node.references("personReference"),
        )

    def unit(self, node: Node) -> EidoUnit:
        agency = _agency_of(node)
        if agency is None:
            raise node.fail("updatedByAgencyReference", "is required")
        return EidoUnit(
            id=node.string("$id"),
            agency_id=agency,
            resource_type=node.string("emergencyResourceTypeCommonRegistryText"),
            status=node.string("primaryUnitStatusRegistryText"),
            updated_at=node.time("lastUpdateTimeStamp", "LastUpdateTimeStamp"),
            name=node.optional_string("emergencyResourceName"),
            eta=node.optional_time("eta"),
            location_id=node.reference("unitLocationReference"),
        )

    def incident(self) -> EidoIncident:
        root = self.root
        agency = _agency_of(root)
        if agency is None:
            raise root.fail("updatedByAgencyReference", "is required")
        incidents = list(root.components("incidentComponent"))
        if len(incidents) > 1:
            raise root.fail("incidentComponent", "holds more than one incident")
        component = incidents[0] if incidents else None
        agents = []
        for node in root.components("agentComponent"):
            agent_agency = node.reference("agencyReference") or _agency_of(node)
            if agent_agency is None:
                raise node.fail("agencyReference", "is required")
            agents.append(
                EidoAgent(
                    id=node.string("agentIdentification", "$id"),
                    agency_id=agent_agency,
                    roles=node.strings("agentRoleRegistryText"),
                    position=node.optional_string("agentWorkstationPositionIdentification"),
                )
            )
        try:
            return EidoIncident(
                # The 2020 draft has the tracking id beside a header `$id`; now the `$id` is the tracking id.
                tracking_id=root.optional_string("incidentTrackingIdentifier") or root.string("$id"),
                updated_at=root.time("lastUpdateTimeStamp", "LastUpdateTimeStamp"),
                updated_by_agency=agency,
                issuing_element=root.string("issuingElementIdentification"),
                updated_by_agent=root.reference("updatedByAgentReference", "UpdatedByAgentIdentifier"),
                internal_id=None if component is None else component.optional_string("internalIncidentId"),
                incident_type=None if component is None else _incident_type(component),
                status_common=()
                if component is None
                else component.strings("incidentStatusCommonRegistryText"),
                status_internal=() if component is None else component.strings("incidentStatusInternalText"),
                priority_text=None
                if component is None
                else component.optional_string("incidentPriorityInternalText"),
                priority_number=None
                if component is None
                else component.integer("incidentCommonPriorityNumber"),
                agencies=tuple(
                    EidoAgency(
                        id=node.string("organizationIdentification", "$id"),
                        types=node.strings("agencyType"),
                        roles=node.strings("agencyRoleDescriptionRegistryText"),
                        owns_incident=node.boolean("incidentOwningAgencyIndicator"),
                    )
                    for node in root.components("agencyComponent")
                ),
                agents=tuple(agents),
                locations=tuple(
                    self.location(node)
                    for node in root.components("locationComponent", "locationInformationComponent")
                ),
                persons=tuple(self.person(node) for node in root.components("personComponent")),
                calls=tuple(self.call(node) for node in root.components("callComponent")),
                notes=tuple(
                    EidoNote(
                        id=node.string("$id"),
                        text=note_from_html(node.string("notesActionComments")),
                        at=node.time("lastUpdateTimeStamp", "LastUpdateTimeStamp"),
                        author_id=node.reference("agentReference"),
                    )
                    for node in root.components("notesComponent")
                ),
                units=tuple(self.unit(node) for node in root.components("emergencyResourceComponent")),
                dispatches=tuple(
                    EidoDispatch(
                        id=node.string("$id"),
                        agency_id=node.reference("agencyReference")
                        or node.optional_string("organizationIdentification"),
                        unit_ids=node.references("emergencyResourceReference"),
                    )
                    for node in root.components("dispatchComponent")
                ),
            )
        except EidoFormatError:
            raise
        except ValueError as error:
            raise root.fail(None, str(error)) from None


def _incident_type(node: Node) -> EidoIncidentType:
    return EidoIncidentType(
        common=node.string("incidentTypeCommonRegistryText"),
        internal_code=node.optional_string("incidentTypeInternalCode"),
        internal_text=node.optional_string("incidentTypeInternalText"),
    )


def _person_name(node: Node) -> str | None:
    """The name in the NIEM person component: a full name, else the given, middle and surnames joined."""
    person = node.object("ncPersonComponent")
    if person is None:
        return None
    name = person.object(person.first_key("PersonName", "nc:PersonName") or "PersonName")
    if name is None:
        return None
    full = name.optional_string("PersonFullName", "nc:PersonFullName")
    if full is not None:
        return full
    parts = [
        name.optional_string(f"{prefix}{part}")
        for part in ("PersonGivenName", "PersonMiddleName", "PersonSurName")
        for prefix in ("", "nc:")
    ]
    joined = " ".join(part for part in parts if part)
    return joined or None


def parse_eido(
    document: Mapping[str, Any] | str | bytes, *, max_bytes: int = DEFAULT_MAX_EIDO_BYTES
) -> EidoIncident:
    """An EIDO document (already decoded, or JSON text) read into the model; raises EidoFormatError."""
    if isinstance(document, str | bytes):
        size = len(document.encode("utf-8") if isinstance(document, str) else document)
        if size > max_bytes:
            raise EidoFormatError("$", f"the document is {size} bytes, over the limit of {max_bytes} bytes")
        try:
            document = json.loads(document)
        except (ValueError, RecursionError):
            raise EidoFormatError("$", "is not JSON") from None
    if not isinstance(document, Mapping):
        raise EidoFormatError("$", "must be a JSON object")
    return _Reader(Node("$", document)).incident()
