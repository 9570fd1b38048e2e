"""Which OSM ways a patrol car may drive, how fast, and in which direction.

Pure domain rules with no I/O: the importer (`kuzet.geo.osm`) feeds them the tags of each way. Speeds follow
the traffic rules of Kazakhstan by default (60 km/h in settlements, 90 outside, 110 on motorways, 20 in living
streets); every number lives in `SpeedRules` so a deployment can change it without touching code.
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

# Settlement place types and how far from the place node a road still counts as inside it.
DEFAULT_PLACE_RADII_M: Final[Mapping[str, float]] = {
    "city": 6000.0,
    "town": 3000.0,
    "village": 1500.0,
    "hamlet": 800.0,
    "suburb": 800.0,
    "neighbourhood": 800.0,
}

KMH_PER_MPH: Final = 1.609344


@dataclass(frozen=True, slots=True)
class SpeedRules:
    """Default speeds (km/h) applied when a way has no usable `maxspeed` tag."""

    settlement_kmh: float = 60.0
    outside_kmh: float = 90.0
    motorway_kmh: float = 110.0
    living_street_kmh: float = 20.0
    service_kmh: float = 30.0
    place_radii_m: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_PLACE_RADII_M))

    def default_speed(self, road_class: RoadClass, *, in_settlement: bool) -> float:
        """The legal speed of a way of this class when its tags say nothing usable."""
        if road_class is RoadClass.MOTORWAY:
            return self.motorway_kmh
        if road_class is RoadClass.LIVING_STREET:
            return self.living_street_kmh
        general = self.settlement_kmh if in_settlement else self.outside_kmh
        if road_class is RoadClass.SERVICE:
            return min(self.service_kmh, general)
        return general

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
