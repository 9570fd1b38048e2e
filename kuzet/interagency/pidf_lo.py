"""A place as PIDF-LO (RFC 4119), the XML that an EIDO location carries by value: a civic address (RFC 5139)
and a point or a circle of uncertainty in WGS 84 (RFC 5491). Pure.

Reading is forgiving about what it does not understand and strict about safety: the XML goes through
`xml_safety` (no DTD, no entity, nothing external); shapes in another reference system than WGS 84 (EPSG 4326,
or 4979 with altitude) are ignored; an ellipse or ellipsoid is kept as the circle of its semi-major axis, the
smallest circle sure to hold it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Final
from xml.etree.ElementTree import Element, SubElement, tostring

from kuzet.interagency.xml_safety import local_name, parse_untrusted_xml

PIDF: Final = "urn:ietf:params:xml:ns:pidf"
GEOPRIV: Final = "urn:ietf:params:xml:ns:pidf:geopriv10"
CIVIC: Final = "urn:ietf:params:xml:ns:pidf:geopriv10:civicAddr"
GML: Final = "http://www.opengis.net/gml"
SHAPES: Final = "http://www.opengis.net/pidflo/1.0"
XML_LANG: Final = "{http://www.w3.org/XML/1998/namespace}lang"
WGS84_2D: Final = "urn:ogc:def:crs:EPSG::4326"
WGS84_3D: Final = "urn:ogc:def:crs:EPSG::4979"
METRE: Final = "urn:ogc:def:uom:EPSG::9001"
MAX_PIDF_LO_BYTES: Final = 64 * 1024


@dataclass(frozen=True)
class CivicAddress:
    """RFC 5139 civic address elements, by what they mean (the element name is in `CIVIC_ELEMENTS`)."""

    country: str | None = None  # ISO 3166 alpha-2: KZ
    region: str | None = None  # A1: oblast, city of republican status
    district: str | None = None  # A2: district (аудан)
    city: str | None = None  # A3
    city_district: str | None = None  # A4
    neighbourhood: str | None = None  # A5: микрорайон, block
    street: str | None = None  # RD (A6, RFC 4776's street, is read as this when RD is absent)
    street_section: str | None = None  # RDSEC
    street_branch: str | None = None  # RDBR
    street_sub_branch: str | None = None  # RDSUBBR
    prefix_direction: str | None = None  # PRD
    prefix_modifier: str | None = None  # PRM
    street_suffix: str | None = None  # STS
    post_direction: str | None = None  # POD
    post_modifier: str | None = None  # POM
    house_number: str | None = None  # HNO
    house_number_suffix: str | None = None  # HNS
    landmark: str | None = None  # LMK
    location_info: str | None = None  # LOC: entrance, "второй подъезд"
    name: str | None = None  # NAM: a business or resident name
    postal_code: str | None = None  # PC
    building: str | None = None  # BLD
    unit: str | None = None  # UNIT: apartment, office
    floor: str | None = None  # FLR
    room: str | None = None  # ROOM
    seat: str | None = None  # SEAT
    place_type: str | None = None  # PLC
    postal_community: str | None = None  # PCN
    po_box: str | None = None  # POBOX
    additional_code: str | None = None  # ADDCODE
    language: str | None = None  # xml:lang of the address: ru, kk

    def is_empty(self) -> bool:
        return all(getattr(self, name) is None for name in CIVIC_ELEMENTS)


CIVIC_ELEMENTS: Final = {
    "country": "country",
    "region": "A1",
    "district": "A2",
    "city": "A3",
    "city_district": "A4",
    "neighbourhood": "A5",
    "street": "RD",
    "street_section": "RDSEC",
    "street_branch": "RDBR",
    "street_sub_branch": "RDSUBBR",
    "prefix_direction": "PRD",
    "prefix_modifier": "PRM",
    "street_suffix": "STS",
    "post_direction": "POD",
    "post_modifier": "POM",
    "house_number": "HNO",
    "house_number_suffix": "HNS",
    "landmark": "LMK",
    "location_info": "LOC",
    "name": "NAM",
    "postal_code": "PC",
    "building": "BLD",
    "unit": "UNIT",
    "floor": "FLR",
    "room": "ROOM",
    "seat": "SEAT",
    "place_type": "PLC",
    "postal_community": "PCN",
    "po_box": "POBOX",
    "additional_code": "ADDCODE",
}
_FIELD_OF_ELEMENT: Final = {element: name for name, element in CIVIC_ELEMENTS.items()}


@dataclass(frozen=True)
class GeoPoint:
    """A WGS 84 position, with an altitude and a radius of uncertainty in metres when known."""

    latitude: float
    longitude: float
    altitude_m: float | None = None
    radius_m: float | None = None

    def __post_init__(self) -> None:
        if not -90.0 <= self.latitude <= 90.0 or not -180.0 <= self.longitude <= 180.0:
            raise ValueError(f"({self.latitude}, {self.longitude}) is not a WGS 84 latitude and longitude")
        if self.radius_m is not None and self.radius_m < 0:
            raise ValueError("a radius of uncertainty cannot be negative")


@dataclass(frozen=True)
class PidfLocation:
    civic: CivicAddress | None
    point: GeoPoint | None


def _number(value: float) -> str:
    return format(Decimal(repr(float(value))), "f")


def to_pidf_lo(*, entity: str, civic: CivicAddress | None, point: GeoPoint | None) -> str:
    """A PIDF-LO document holding the address and/or the point; `entity` is the presentity URI
    (`pres:…`) the location is about."""
    presence = Element(f"{{{PIDF}}}presence", {"entity": entity})
    status = SubElement(SubElement(presence, f"{{{PIDF}}}tuple", {"id": "location"}), f"{{{PIDF}}}status")
    geopriv = SubElement(status, f"{{{GEOPRIV}}}geopriv")
    info = SubElement(geopriv, f"{{{GEOPRIV}}}location-info")
    if point is not None:
        three_d = point.altitude_m is not None
        coordinates = f"{_number(point.latitude)} {_number(point.longitude)}"
        if three_d:
            coordinates += f" {_number(point.altitude_m or 0.0)}"
        srs = {"srsName": WGS84_3D if three_d else WGS84_2D}
        if point.radius_m is None:
            shape = SubElement(info, f"{{{GML}}}Point", srs)
        else:
            shape = SubElement(info, f"{{{SHAPES}}}{'Sphere' if three_d else 'Circle'}", srs)
        SubElement(shape, f"{{{GML}}}pos").text = coordinates
        if point.radius_m is not None:
            SubElement(shape, f"{{{SHAPES}}}radius", {"uom": METRE}).text = _number(point.radius_m)
    if civic is not None and not civic.is_empty():
        address = SubElement(info, f"{{{CIVIC}}}civicAddress")
        if civic.language:
            address.set(XML_LANG, civic.language)
        for name, element in CIVIC_ELEMENTS.items():
            value = getattr(civic, name)
            if value is not None:
                SubElement(address, f"{{{CIVIC}}}{element}").text = value
    SubElement(geopriv, f"{{{GEOPRIV}}}usage-rules")
    written: bytes = tostring(presence, encoding="utf-8", xml_declaration=True)
    return written.decode("utf-8")


def _civic(element: Element) -> CivicAddress | None:
    values: dict[str, str] = {}
    street_a6: str | None = None
    for child in element:
        name = local_name(child.tag)
        text = (child.text or "").strip()
        if not text:
            continue
        if name == "A6":
            street_a6 = text
        elif name in _FIELD_OF_ELEMENT:
            values[_FIELD_OF_ELEMENT[name]] = text
    if street_a6 is not None and "street" not in values:
        values["street"] = street_a6
    address = CivicAddress(language=element.get(XML_LANG), **values)
    return None if address.is_empty() else address


def _float(text: str | None) -> float | None:
    try:
        return float((text or "").strip())
    except ValueError:
        return None


def _point(shape: Element) -> GeoPoint | None:
    srs = shape.get("srsName")
    if srs not in (WGS84_2D, WGS84_3D):
        return None
    pos = shape.find(f"{{{GML}}}pos")
    numbers = [_float(part) for part in (pos.text or "").split()] if pos is not None else []
    expected = 3 if srs == WGS84_3D else 2
    if len(numbers) != expected or any(number is None for number in numbers):
        return None
    radius: float | None = None
    kind = local_name(shape.tag)
    if kind in ("Circle", "Sphere"):
        radius_element = shape.find(f"{{{SHAPES}}}radius")
    elif kind in ("Ellipse", "Ellipsoid"):
        radius_element = shape.find(f"{{{SHAPES}}}semiMajorAxis")
    else:
        radius_element = None
    if radius_element is not None:
        if radius_element.get("uom", METRE) != METRE:
            return None
        radius = _float(radius_element.text)
        if radius is None:
            return None
    latitude, longitude = numbers[0], numbers[1]
    assert latitude is not None and longitude is not None  # noqa: S101 - checked above
    try:
        return GeoPoint(
            latitude, longitude, altitude_m=numbers[2] if expected == 3 else None, radius_m=radius
        )
    except ValueError:
        return None


def parse_pidf_lo(text: str) -> PidfLocation:
    """The first civic address and the first WGS 84 shape in a PIDF-LO document (either may be None).
    Raises `xml_safety.XmlInputError` for a document that is unsafe, too large or not well-formed."""
    # White space before the XML declaration is not well-formed XML, but harmless: it is dropped.
    root = parse_untrusted_xml(text.strip().encode("utf-8"), max_bytes=MAX_PIDF_LO_BYTES)
    civic: CivicAddress | None = None
    point: GeoPoint | None = None
    shapes = {f"{{{GML}}}Point"} | {
        f"{{{SHAPES}}}{kind}" for kind in ("Circle", "Sphere", "Ellipse", "Ellipsoid")
    }
    for element in root.iter():
        if civic is None and element.tag == f"{{{CIVIC}}}civicAddress":
            civic = _civic(element)
        elif point is None and element.tag in shapes:
            point = _point(element)
    return PidfLocation(civic=civic, point=point)
