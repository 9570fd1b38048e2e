"""Reading CAP alerts (`parse_cap()`): size limit and defusedxml, the XSD of the alert's namespace, then the
content rules the XSD cannot state; every error names the element by its path. See `cap_xml.py`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import TypeVar
from xml.etree.ElementTree import Element

from kuzet.interagency.cap import (
    DEFAULT_LANGUAGE,
    CapAlert,
    CapArea,
    CapCategory,
    CapCertainty,
    CapCircle,
    CapInfo,
    CapMsgType,
    CapPoint,
    CapPolygon,
    CapReference,
    CapResponseType,
    CapScope,
    CapSeverity,
    CapStatus,
    CapUrgency,
    CapValue,
    cap_time,
)
from kuzet.interagency.cap_xml import (
    DEFAULT_MAX_CAP_BYTES,
    SCHEMA_FILES,
    CapContentError,
    CapIssue,
    CapSchemaError,
    cap_schema,
)
from kuzet.interagency.xml_safety import (
    element_path,
    local_name,
    namespace_of,
    parent_map,
    parse_untrusted_xml,
)

_T = TypeVar("_T")


def cap_schema_issues(root: Element) -> tuple[CapIssue, ...]:
    """What the XSD of the root's CAP namespace says is wrong; a root in no CAP namespace is one issue."""
    namespace = namespace_of(root.tag)
    if local_name(root.tag) != "alert" or namespace not in SCHEMA_FILES:
        shown = namespace or "no namespace"
        return (
            CapIssue(
                f"/{local_name(root.tag)}",
                f"not a CAP 1.2 or 1.1 alert (element '{local_name(root.tag)}' in {shown})",
            ),
        )
    parents = parent_map(root)
    issues: list[CapIssue] = []
    for error in cap_schema(namespace).iter_errors(root, use_location_hints=False):
        element = error.elem if isinstance(error.elem, Element) else root
        issues.append(CapIssue(element_path(element, parents), error.reason or error.message))
    return tuple(issues)


def read_cap_document(data: bytes, *, max_bytes: int = DEFAULT_MAX_CAP_BYTES) -> Element:
    """The `<alert>` root of a safe, schema-valid CAP document; raises XmlInputError or CapSchemaError."""
    root = parse_untrusted_xml(data, max_bytes=max_bytes)
    issues = cap_schema_issues(root)
    if issues:
        raise CapSchemaError(issues)
    return root


def parse_cap(data: bytes, *, max_bytes: int = DEFAULT_MAX_CAP_BYTES) -> CapAlert:
    """A CAP 1.2 or 1.1 document read into the model.

    Raises `xml_safety.XmlInputError` (too large, not well-formed, unsafe: `UnsafeXml`), `CapSchemaError`
    (fails the XSD, with every issue's path) or `CapContentError` (valid XSD, broken CAP rule, with its path).
    """
    root = read_cap_document(data, max_bytes=max_bytes)
    return _Reader(root).alert()


class _Reader:
    def __init__(self, root: Element) -> None:
        self.root = root
        self.namespace = namespace_of(root.tag)
        self.parents = parent_map(root)

    def fail(self, element: Element, message: str) -> CapContentError:
        return CapContentError((CapIssue(element_path(element, self.parents), message),))

    def build(self, element: Element, factory: Callable[..., _T], **fields: object) -> _T:
        """The model object, or a CapContentError at `element` saying which rule it broke."""
        try:
            return factory(**fields)
        except ValueError as error:
            raise self.fail(element, str(error)) from None

    def children(self, parent: Element, name: str) -> Iterator[Element]:
        return iter(parent.findall(f"{{{self.namespace}}}{name}"))

    def text(self, parent: Element, name: str) -> str | None:
        """The text of the child as written; None when the child is absent ('' when it is empty)."""
        child = parent.find(f"{{{self.namespace}}}{name}")
        return None if child is None else (child.text or "")

    def token(self, parent: Element, name: str) -> str:
        """A required child (the XSD checked it is there), with its surrounding white space dropped."""
        return (self.text(parent, name) or "").strip()

    def moment(self, element: Element, text: str) -> datetime:
        try:
            parsed = datetime.fromisoformat(text.strip())
        except ValueError:
            raise self.fail(element, "not a date and time") from None
        # CAP 1.1's schema allowed fractions of a second; the model carries whole seconds as 1.2 does.
        return cap_time(parsed)

    def optional_moment(self, parent: Element, name: str) -> datetime | None:
        child = parent.find(f"{{{self.namespace}}}{name}")
        return None if child is None else self.moment(child, child.text or "")

    def values(self, parent: Element, name: str) -> tuple[CapValue, ...]:
        return tuple(
            CapValue(name=self.token(holder, "valueName"), value=self.text(holder, "value") or "")
            for holder in self.children(parent, name)
        )

    def number(self, element: Element, text: str) -> float:
        try:
            return float(text)
        except ValueError:
            raise self.fail(element, f"'{text}' is not a number") from None

    def point(self, element: Element, text: str) -> CapPoint:
        latitude, comma, longitude = text.partition(",")
        if not comma:
            raise self.fail(element, f"'{text}' is not a 'latitude,longitude' pair")
        return self.build(
            element,
            CapPoint,
            latitude=self.number(element, latitude),
            longitude=self.number(element, longitude),
        )

    def area(self, element: Element) -> CapArea:
        polygons = []
        for polygon in self.children(element, "polygon"):
            points = tuple(self.point(polygon, pair) for pair in (polygon.text or "").split())
            polygons.append(self.build(polygon, CapPolygon, points=points))
        circles = []
        for circle in self.children(element, "circle"):
            center, _, radius = (circle.text or "").strip().partition(" ")
            if not radius.strip():
                raise self.fail(circle, "a circle is 'latitude,longitude radius'")
            circles.append(
                self.build(
                    circle,
                    CapCircle,
                    center=self.point(circle, center),
                    radius_km=self.number(circle, radius.strip()),
                )
            )
        altitude = self.text(element, "altitude")
        ceiling = self.text(element, "ceiling")
        return self.build(
            element,
            CapArea,
            description=self.text(element, "areaDesc") or "",
            polygons=tuple(polygons),
            circles=tuple(circles),
            geocodes=self.values(element, "geocode"),
            altitude=None if altitude is None else self.number(element, altitude),
            ceiling=None if ceiling is None else self.number(element, ceiling),
        )

    def info(self, element: Element) -> CapInfo:
        language = self.text(element, "language")
        return self.build(
            element,
            CapInfo,
            language=DEFAULT_LANGUAGE if language is None else language.strip(),
            categories=tuple(CapCategory((c.text or "").strip()) for c in self.children(element, "category")),
            event=self.text(element, "event") or "",
            response_types=tuple(
                CapResponseType((r.text or "").strip()) for r in self.children(element, "responseType")
            ),
            urgency=CapUrgency(self.token(element, "urgency")),
            severity=CapSeverity(self.token(element, "severity")),
            certainty=CapCertainty(self.token(element, "certainty")),
            audience=self.text(element, "audience"),
            event_codes=self.values(element, "eventCode"),
            effective=self.optional_moment(element, "effective"),
            onset=self.optional_moment(element, "onset"),
            expires=self.optional_moment(element, "expires"),
            sender_name=self.text(element, "senderName"),
            headline=self.text(element, "headline"),
            description=self.text(element, "description"),
            instruction=self.text(element, "instruction"),
            web=self.text(element, "web"),
            contact=self.text(element, "contact"),
            parameters=self.values(element, "parameter"),
            areas=tuple(self.area(area) for area in self.children(element, "area")),
        )

    def references(self) -> tuple[CapReference, ...]:
        element = self.root.find(f"{{{self.namespace}}}references")
        if element is None:
            return ()
        found = []
        for triple in (element.text or "").split():
            parts = triple.split(",")
            if len(parts) != 3:
                raise self.fail(element, f"'{triple}' is not a 'sender,identifier,sent' triple")
            sender, identifier, sent = parts
            found.append(
                self.build(
                    element,
                    CapReference,
                    sender=sender,
                    identifier=identifier,
                    sent=self.moment(element, sent),
                )
            )
        return tuple(found)

    def alert(self) -> CapAlert:
        root = self.root
        sent = root.find(f"{{{self.namespace}}}sent")
        if sent is None:  # the XSD requires it; kept for a root that skipped validation
            raise self.fail(root, "<sent> is missing")
        return self.build(
            root,
            CapAlert,
            identifier=self.token(root, "identifier"),
            sender=self.token(root, "sender"),
            sent=self.moment(sent, sent.text or ""),
            status=CapStatus(self.token(root, "status")),
            msg_type=CapMsgType(self.token(root, "msgType")),
            scope=CapScope(self.token(root, "scope")),
            source=self.text(root, "source"),
            restriction=self.text(root, "restriction"),
            addresses=self.text(root, "addresses"),
            codes=tuple(code.text or "" for code in self.children(root, "code")),
            note=self.text(root, "note"),
            references=self.references(),
            incidents=self.text(root, "incidents"),
            infos=tuple(self.info(info) for info in self.children(root, "info")),
        )
