"""Reading XML that came from outside (CAP alerts, PIDF-LO locations inside EIDO) without trusting it.

Every such document goes through defusedxml with a document type declaration refused outright: no DTD, so no
entity of any kind (internal ones make "billion laughs" bombs, external ones read files or URLs), and no
external reference is ever followed. The size is checked before a byte is parsed. Nothing here opens a file or
a connection: XInclude and `xsi:schemaLocation` hints are plain elements and attributes to the parser. Pure.
"""

from __future__ import annotations

from typing import Final
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

DEFAULT_MAX_XML_BYTES: Final = 1024 * 1024


class XmlInputError(ValueError):
    """An XML document that is not read: too large, not well-formed, or unsafe."""


class XmlTooLarge(XmlInputError):
    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"the XML document is {size} bytes, over the limit of {limit} bytes")
        self.size = size
        self.limit = limit


class MalformedXml(XmlInputError):
    def __init__(self, reason: str) -> None:
        super().__init__(f"the XML document is not well-formed: {reason}")


class UnsafeXml(XmlInputError):
    """A DTD, an entity declaration or an external reference: refused before anything is resolved."""

    def __init__(self, construct: str) -> None:
        super().__init__(f"the XML document is refused: it declares {construct}, which is never accepted")
        self.construct = construct


def _construct(error: DefusedXmlException) -> str:
    names = {
        "DTDForbidden": "a document type (DTD)",
        "EntitiesForbidden": "an entity",
        "ExternalReferenceForbidden": "an external reference",
        "NotSupportedError": "a feature not supported safely",
    }
    return names.get(type(error).__name__, "a forbidden construct")


def parse_untrusted_xml(data: bytes, *, max_bytes: int = DEFAULT_MAX_XML_BYTES) -> Element:
    """The root element of `data`, read with every dangerous XML feature refused."""
    if len(data) > max_bytes:
        raise XmlTooLarge(len(data), max_bytes)
    try:
        return fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as error:
        raise UnsafeXml(_construct(error)) from None
    except ParseError as error:
        raise MalformedXml(str(error)) from None


def local_name(tag: str) -> str:
    """`{urn:…}alert` → `alert`."""
    return tag.rpartition("}")[2]


def namespace_of(tag: str) -> str:
    """`{urn:…}alert` → `urn:…`; '' for a tag with no namespace."""
    return tag[1:].partition("}")[0] if tag.startswith("{") else ""


def element_path(element: Element, parents: dict[Element, Element]) -> str:
    """An XPath-like path of `element` with local names: `/alert/info[2]/area`. A step carries an index only
    where its parent holds more than one child of that name."""
    steps: list[str] = []
    node: Element | None = element
    while node is not None:
        parent = parents.get(node)
        step = local_name(node.tag)
        if parent is not None:
            same = [child for child in parent if child.tag == node.tag]
            if len(same) > 1:
                step += f"[{same.index(node) + 1}]"
        steps.append(step)
        node = parent
    return "/" + "/".join(reversed(steps))


def parent_map(root: Element) -> dict[Element, Element]:
    return {child: parent for parent in root.iter() for child in parent}
