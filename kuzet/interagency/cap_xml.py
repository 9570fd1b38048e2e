"""CAP alerts as XML: `to_cap_xml()` writes CAP 1.2; `cap_read.py` reads CAP 1.2 (and 1.1, for alerts that
other agencies still publish in it) into the model of `cap.py`, with the schemas and errors defined here.

Reading goes: size limit and defusedxml (`xml_safety.py`: no DTD, no entity, nothing external), then the XSD
of the alert's namespace (the OASIS CAP-v1.2.xsd, or the 1.1 schema), then the content rules the XSD cannot
state (a polygon's points, the `references` triples). Every error names the element by its path
(`/alert/info[2]/area/polygon`). The XSD are carried in `schemas/` (see its README for origin and licence) and
built once per process; validation never follows an `xsi:schemaLocation` hint.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Final
from xml.etree.ElementTree import Element, SubElement, tostring

import xmlschema

from kuzet.interagency.cap import (
    CAP_11_NAMESPACE,
    CAP_12_NAMESPACE,
    CapAlert,
    CapArea,
    CapInfo,
    CapPoint,
    CapValue,
)
from kuzet.interagency.xml_safety import (
    DEFAULT_MAX_XML_BYTES,
)

SCHEMAS: Final = Path(__file__).resolve().parent / "xsd"
SCHEMA_FILES: Final = {CAP_12_NAMESPACE: "CAP-v1.2.xsd", CAP_11_NAMESPACE: "cap11.xsd"}
DEFAULT_MAX_CAP_BYTES: Final = DEFAULT_MAX_XML_BYTES
# XML 1.0 allows these characters only; anything else cannot be written into a document at all.
_NOT_XML_CHARACTER: Final = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_can_carry(text: str) -> bool:
    """Whether `text` holds only characters an XML 1.0 document can carry (no control character)."""
    return _NOT_XML_CHARACTER.search(text) is None


@dataclass(frozen=True)
class CapIssue:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class CapError(ValueError):
    """A well-formed, safe XML document that is not a CAP alert we can take."""

    def __init__(self, issues: tuple[CapIssue, ...]) -> None:
        super().__init__("; ".join(str(issue) for issue in issues))
        self.issues = issues


class CapSchemaError(CapError):
    """The document fails the CAP XSD of its namespace, or is in no CAP namespace at all."""


class CapContentError(CapError):
    """The document passes the XSD but breaks a rule of the CAP text the XSD cannot state."""


@cache
def cap_schema(namespace: str) -> xmlschema.XMLSchema:
    """The XSD for a CAP namespace, built once. No fallback schemas: the signature's xmldsig content is
    `processContents="lax"` in CAP and stays unchecked, as the CAP XSD alone says."""
    return xmlschema.XMLSchema(SCHEMAS / SCHEMA_FILES[namespace], use_fallback=False)


# Writing


def _decimal(number: float) -> str:
    """The shortest text that reads back as exactly `number`, never in exponent form (CAP wants decimals)."""
    return format(Decimal(repr(float(number))), "f")


def _time(moment: datetime) -> str:
    # check_cap_time() in the model guarantees whole seconds and an offset: isoformat() then gives the XSD's
    # pattern exactly, `2026-12-07T10:00:00+05:00` (`+00:00` for UTC, never `Z`).
    return moment.isoformat(timespec="seconds")


def _point(point: CapPoint) -> str:
    return f"{_decimal(point.latitude)},{_decimal(point.longitude)}"


class _Writer:
    def __init__(self, namespace: str) -> None:
        self.namespace = namespace

    def add(self, parent: Element, name: str, text: str | None) -> None:
        if text is None:
            return
        bad = _NOT_XML_CHARACTER.search(text)
        if bad:
            raise ValueError(f"{name}: holds the character U+{ord(bad.group()):04X}, which XML cannot carry")
        SubElement(parent, f"{{{self.namespace}}}{name}").text = text

    def values(self, parent: Element, name: str, pairs: tuple[CapValue, ...]) -> None:
        for pair in pairs:
            holder = SubElement(parent, f"{{{self.namespace}}}{name}")
            self.add(holder, "valueName", pair.name)
            self.add(holder, "value", pair.value)

    def area(self, parent: Element, area: CapArea) -> None:
        element = SubElement(parent, f"{{{self.namespace}}}area")
        self.add(element, "areaDesc", area.description)
        for polygon in area.polygons:
            self.add(element, "polygon", " ".join(_point(point) for point in polygon.points))
        for circle in area.circles:
            self.add(element, "circle", f"{_point(circle.center)} {_decimal(circle.radius_km)}")
        self.values(element, "geocode", area.geocodes)
        self.add(element, "altitude", None if area.altitude is None else _decimal(area.altitude))
        self.add(element, "ceiling", None if area.ceiling is None else _decimal(area.ceiling))

    def info(self, parent: Element, info: CapInfo) -> None:
        element = SubElement(parent, f"{{{self.namespace}}}info")
        self.add(element, "language", info.language)
        for category in info.categories:
            self.add(element, "category", category.value)
        self.add(element, "event", info.event)
        for response in info.response_types:
            self.add(element, "responseType", response.value)
        self.add(element, "urgency", info.urgency.value)
        self.add(element, "severity", info.severity.value)
        self.add(element, "certainty", info.certainty.value)
        self.add(element, "audience", info.audience)
        self.values(element, "eventCode", info.event_codes)
        for name, moment in (("effective", info.effective), ("onset", info.onset), ("expires", info.expires)):
            self.add(element, name, None if moment is None else _time(moment))
        self.add(element, "senderName", info.sender_name)
        self.add(element, "headline", info.headline)
        self.add(element, "description", info.description)
        self.add(element, "instruction", info.instruction)
        self.add(element, "web", info.web)
        self.add(element, "contact", info.contact)
        self.values(element, "parameter", info.parameters)
        for area in info.areas:
            self.area(element, area)


def cap_element(alert: CapAlert) -> Element:
    """The alert as a CAP 1.2 `<alert>` element (for embedding, as in the Atom feed)."""
    writer = _Writer(CAP_12_NAMESPACE)
    root = Element(f"{{{CAP_12_NAMESPACE}}}alert")
    writer.add(root, "identifier", alert.identifier)
    writer.add(root, "sender", alert.sender)
    writer.add(root, "sent", _time(alert.sent))
    writer.add(root, "status", alert.status.value)
    writer.add(root, "msgType", alert.msg_type.value)
    writer.add(root, "source", alert.source)
    writer.add(root, "scope", alert.scope.value)
    writer.add(root, "restriction", alert.restriction)
    writer.add(root, "addresses", alert.addresses)
    for code in alert.codes:
        writer.add(root, "code", code)
    writer.add(root, "note", alert.note)
    if alert.references:
        text = " ".join(f"{ref.sender},{ref.identifier},{_time(ref.sent)}" for ref in alert.references)
        writer.add(root, "references", text)
    writer.add(root, "incidents", alert.incidents)
    for info in alert.infos:
        writer.info(root, info)
    return root


def to_cap_xml(alert: CapAlert) -> bytes:
    """The alert as a CAP 1.2 document, UTF-8, valid against CAP-v1.2.xsd."""
    written: bytes = tostring(
        cap_element(alert), encoding="utf-8", xml_declaration=True, default_namespace=CAP_12_NAMESPACE
    )
    return written
