"""Which OSM ways a patrol car may drive, how fast, and in which direction.

Pure domain rules with no I/O: the importer (`kuzet.geo.osm`) feeds them the tags of each way and of each
settlement area. A posted `maxspeed` wins. Without one, a way gets the speed of its class inside or outside a
settlement, never above the legal limit of the place: the traffic rules of Kazakhstan allow 60 km/h in
settlements, 90 outside, 110 on motorways and 20 in living streets. Below those limits the class ranking
(`DEFAULT_CLASS_KMH`) is our engineering choice, not a rule of law: a trunk road is faster than a residential
street. Every number lives in `SpeedRules` (the importer takes one; `kuzet import-osm` uses the defaults).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Final


class RoadClass(IntEnum):
    """A small integer per drivable highway class; time-of-day factors are applied per class."""

    MOTORWAY = 0
    MOTORWAY_LINK = 1
    TRUNK = 2
    TRUNK_LINK = 3
    PRIMARY = 4
    PRIMARY_LINK = 5
    SECONDARY = 6
    SECONDARY_LINK = 7
    TERTIARY = 8
    TERTIARY_LINK = 9
    UNCLASSIFIED = 10
    RESIDENTIAL = 11
    LIVING_STREET = 12
    SERVICE = 13


ROAD_CLASSES: Final[Mapping[str, RoadClass]] = {cls.name.lower(): cls for cls in RoadClass}

# Service roads that lead nowhere a patrol would drive to: they only add dead ends to the graph.
_SKIPPED_SERVICE: Final = frozenset({"parking_aisle", "driveway", "drive-through"})
_CLOSED_ACCESS: Final = frozenset({"no", "private"})
_OPEN_ACCESS: Final = frozenset({"yes", "designated", "permissive", "destination"})

# Settlement place types (on a node, a closed way or a multipolygon/boundary relation). A node stands for a
# settlement of about this radius around it; an area is the settlement itself.
DEFAULT_PLACE_RADII_M: Final[Mapping[str, float]] = {
    "city": 6000.0,
    "town": 3000.0,
    "village": 1500.0,
    "hamlet": 800.0,
    "suburb": 800.0,
    "quarter": 800.0,
    "neighbourhood": 800.0,
}
# Land uses found only in built-up areas. Industrial land is left out by default: quarries, plants and depots
# along a trunk road in open country are common, and the road there is not inside a settlement.
DEFAULT_SETTLEMENT_LANDUSE: Final = frozenset({"residential", "commercial", "retail"})
# Places that are a whole settlement: as an area (or as the `place` or `border_type` of an administrative
# boundary) they draw its limit. A suburb, quarter or neighbourhood area lies in a settlement but is not all
# of it.
_WHOLE_SETTLEMENTS: Final = frozenset({"city", "town", "village", "hamlet"})
# Where the map draws no settlement, dense streets still show one: km of road (motorways, trunk roads and
# their links left out) per km² around a way. Measured on the carried extracts: ways inside settlement areas
# have a median of 9-16 (Andorra, Liechtenstein, Baltimore), ways that no area or place covers stay below 5
# in Andorra and Liechtenstein, and the city of Aguascalientes, for which the extract draws no area, has
# 13-29.
DEFAULT_SETTLEMENT_ROAD_DENSITY: Final = 8.0
ROADS_LEFT_OUT_OF_DENSITY: Final = frozenset(
    {RoadClass.MOTORWAY, RoadClass.MOTORWAY_LINK, RoadClass.TRUNK, RoadClass.TRUNK_LINK}
)

# Default speed (km/h) of each class inside and outside a settlement, before the legal limits of the place
# are applied. The ranking is our engineering choice (it is not in the traffic rules): motorway > trunk >=
# primary > secondary > tertiary > unclassified > residential > service, links slower than their road.
# Inside a settlement the legal 60 km/h caps the main roads; a residential street is taken at 40 there, and
# at 50 outside any settlement the map knows (such a street is most likely in a settlement the map lacks).
DEFAULT_CLASS_KMH: Final[Mapping[RoadClass, tuple[float, float]]] = {
    # class: (inside, outside)
    RoadClass.MOTORWAY: (110.0, 110.0),
    RoadClass.MOTORWAY_LINK: (60.0, 80.0),
    RoadClass.TRUNK: (60.0, 90.0),
    RoadClass.TRUNK_LINK: (50.0, 70.0),
    RoadClass.PRIMARY: (60.0, 90.0),
    RoadClass.PRIMARY_LINK: (50.0, 60.0),
    RoadClass.SECONDARY: (60.0, 80.0),
    RoadClass.SECONDARY_LINK: (40.0, 60.0),
    RoadClass.TERTIARY: (50.0, 70.0),
    RoadClass.TERTIARY_LINK: (40.0, 50.0),
    RoadClass.UNCLASSIFIED: (40.0, 60.0),
    RoadClass.RESIDENTIAL: (40.0, 50.0),
    RoadClass.LIVING_STREET: (20.0, 20.0),
    RoadClass.SERVICE: (20.0, 30.0),
}

KMH_PER_MPH: Final = 1.609344


@dataclass(frozen=True, slots=True)
class SpeedRules:
    """Default speeds (km/h) applied when a way has no usable `maxspeed` tag, and what counts as a settlement.

    The first four numbers are the legal limits (traffic rules of Kazakhstan); they read zone values such as
    `KZ:urban` and cap the class defaults. `class_kmh` ranks the classes inside and outside settlements.
    `settlement_admin_levels` lists the `admin_level` values whose administrative boundaries are settlements
    in the deployment's country; it is empty by default because in most countries a municipality (level 7 or
    8) also covers fields and mountains: only a boundary that says it is a city, town or village counts then.
    `settlement_road_density` (km of road per km²) marks dense streets as a settlement where no area or place
    node does; None turns that off.
    """

    settlement_kmh: float = 60.0
    outside_kmh: float = 90.0
    motorway_kmh: float = 110.0
    living_street_kmh: float = 20.0
    class_kmh: Mapping[RoadClass, tuple[float, float]] = field(
        default_factory=lambda: dict(DEFAULT_CLASS_KMH)
    )
    place_radii_m: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_PLACE_RADII_M))
    settlement_landuse: frozenset[str] = DEFAULT_SETTLEMENT_LANDUSE
    settlement_admin_levels: frozenset[str] = frozenset()
    settlement_road_density: float | None = DEFAULT_SETTLEMENT_ROAD_DENSITY

    def default_speed(self, road_class: RoadClass, *, in_settlement: bool) -> float:
        """The speed of a way of this class when its tags say nothing usable: its rank, within the law."""
        inside, outside = self.class_kmh[road_class]
        ranked = inside if in_settlement else outside
        if road_class is RoadClass.MOTORWAY:
            return min(ranked, self.motorway_kmh)
        if road_class is RoadClass.LIVING_STREET:
            return min(ranked, self.living_street_kmh)
        return min(ranked, self.settlement_kmh if in_settlement else self.outside_kmh)

    def zone_speed(self, zone: str) -> float | None:
        """The speed of a country-code zone value such as `KZ:urban` (the country part is ignored)."""
        return {
            "urban": self.settlement_kmh,
            "rural": self.outside_kmh,
            "motorway": self.motorway_kmh,
            "living_street": self.living_street_kmh,
        }.get(zone)

    def way_speed(self, road_class: RoadClass, maxspeed: str | None, *, in_settlement: bool) -> float:
        """The speed used for routing: the posted limit if it parses, otherwise the class default."""
        posted = parse_maxspeed(maxspeed, self)
        if posted is not None:
            return posted
        return self.default_speed(road_class, in_settlement=in_settlement)

    def is_settlement_boundary(self, tags: Mapping[str, str]) -> bool:
        """Whether an area (closed way or multipolygon) with these tags is a settlement's whole extent.

        A city, town, village or hamlet `place` area, or an administrative boundary that is a settlement's
        limit: tagged with such a `place` or `border_type`, or of one of `settlement_admin_levels`. A place
        node inside such an area needs no radius of its own.
        """
        if tags.get("place") in _WHOLE_SETTLEMENTS:
            return True
        if tags.get("boundary") != "administrative":
            return False
        return (
            tags.get("border_type") in _WHOLE_SETTLEMENTS
            or tags.get("admin_level") in self.settlement_admin_levels
        )

    def is_settlement_area(self, tags: Mapping[str, str]) -> bool:
        """Whether an area with these tags lies inside a settlement: its boundary, a part of it (a suburb,
        quarter or neighbourhood area) or built-up land use."""
        return (
            tags.get("landuse") in self.settlement_landuse
            or tags.get("place") in self.place_radii_m
            or self.is_settlement_boundary(tags)
        )


_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(km/h|kmh|kph|mph)?\s*$")
_ZONE = re.compile(r"^\s*[A-Za-z]{2}:([a-z_]+)\s*$")


def _parse_one(value: str, rules: SpeedRules) -> float | None:
    number = _NUMBER.match(value.lower())
    if number:
        speed = float(number.group(1))
        if number.group(2) == "mph":
            speed *= KMH_PER_MPH
        return speed if speed > 0 else None
    zone = _ZONE.match(value)
    if zone:
        return rules.zone_speed(zone.group(1))
    return None


def parse_maxspeed(value: str | None, rules: SpeedRules | None = None) -> float | None:
    """The `maxspeed` tag in km/h, or None when it does not name a usable number.

    Accepts "60", "60 km/h", "30 mph", zone values ("KZ:urban", "RU:rural", "KZ:motorway",
    "RU:living_street") and lists such as "60;40" (the lowest wins). "none", "walk", "signals" and anything
    unparseable give None, so the class default applies.
    """
    if not value:
        return None
    rules = rules or SpeedRules()
    speeds = [speed for part in value.split(";") if (speed := _parse_one(part, rules)) is not None]
    return min(speeds) if speeds else None


def road_class(tags: Mapping[str, str]) -> RoadClass | None:
    """The class of a way a patrol car may drive on, or None if it is not a drivable road."""
    highway = tags.get("highway")
    if highway is None:
        return None
    cls = ROAD_CLASSES.get(highway)
    if cls is None:
        return None
    if tags.get("area") == "yes":
        return None
    if cls is RoadClass.SERVICE and tags.get("service") in _SKIPPED_SERVICE:
        return None
    # The most specific access tag that is present decides.
    for key in ("motorcar", "motor_vehicle", "vehicle", "access"):
        value = tags.get(key)
        if value is None:
            continue
        if value in _CLOSED_ACCESS:
            return None
        if value in _OPEN_ACCESS:
            break
    return cls


FORWARD: Final = 1
BACKWARD: Final = -1
BOTH: Final = 0


def oneway_direction(tags: Mapping[str, str]) -> int:
    """FORWARD (1), BACKWARD (-1) or BOTH (0) relative to the order of the way's nodes.

    Explicit `oneway` values win; otherwise roundabouts and motorways (with their links) are one-way.
    """
    value = (tags.get("oneway") or "").strip().lower()
    if value in ("yes", "true", "1"):
        return FORWARD
    if value in ("-1", "reverse"):
        return BACKWARD
    if value in ("no", "false", "0"):
        return BOTH
    if tags.get("junction") in ("roundabout", "circular"):
        return FORWARD
    if tags.get("highway") in ("motorway", "motorway_link"):
        return FORWARD
    return BOTH
