"""A public alert as OASIS CAP 1.2 defines it: the alert, its info blocks (one per language) and their areas.

Plain frozen data, pure. The XML form is in `cap_xml.py`, the Atom feed in `cap_feed.py`. Times are whole
seconds with a UTC offset, because that is all the CAP schema can carry (`2026-12-07T10:00:00+05:00`): a time
with a fraction or without an offset is refused here rather than silently changed on the way out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final

CAP_12_NAMESPACE: Final = "urn:oasis:names:tc:emergency:cap:1.2"
CAP_11_NAMESPACE: Final = "urn:oasis:names:tc:emergency:cap:1.1"
# The XSD's default for a missing <language>.
DEFAULT_LANGUAGE: Final = "en-US"


class CapStatus(StrEnum):
    ACTUAL = "Actual"
    EXERCISE = "Exercise"
    SYSTEM = "System"
    TEST = "Test"
    DRAFT = "Draft"


class CapMsgType(StrEnum):
    ALERT = "Alert"
    UPDATE = "Update"
    CANCEL = "Cancel"
    ACK = "Ack"
    ERROR = "Error"


class CapScope(StrEnum):
    PUBLIC = "Public"
    RESTRICTED = "Restricted"
    PRIVATE = "Private"


class CapCategory(StrEnum):
    GEO = "Geo"
    MET = "Met"
    SAFETY = "Safety"
    SECURITY = "Security"
    RESCUE = "Rescue"
    FIRE = "Fire"
    HEALTH = "Health"
    ENV = "Env"
    TRANSPORT = "Transport"
    INFRA = "Infra"
    CBRNE = "CBRNE"
    OTHER = "Other"


class CapResponseType(StrEnum):
    SHELTER = "Shelter"
    EVACUATE = "Evacuate"
    PREPARE = "Prepare"
    EXECUTE = "Execute"
    AVOID = "Avoid"
    MONITOR = "Monitor"
    ASSESS = "Assess"
    ALL_CLEAR = "AllClear"
    NONE = "None"


class CapUrgency(StrEnum):
    IMMEDIATE = "Immediate"
    EXPECTED = "Expected"
    FUTURE = "Future"
    PAST = "Past"
    UNKNOWN = "Unknown"


class CapSeverity(StrEnum):
    EXTREME = "Extreme"
    SEVERE = "Severe"
    MODERATE = "Moderate"
    MINOR = "Minor"
    UNKNOWN = "Unknown"


class CapCertainty(StrEnum):
    OBSERVED = "Observed"
    LIKELY = "Likely"
    POSSIBLE = "Possible"
    UNLIKELY = "Unlikely"
    UNKNOWN = "Unknown"


def check_cap_time(name: str, moment: datetime | None) -> None:
    """Refuse a time CAP cannot carry exactly: one without an offset, with a fraction of a second, or with an
    offset that is not whole minutes."""
    if moment is None:
        return
    offset = moment.utcoffset()
    if offset is None:
        raise ValueError(f"{name}: a CAP time needs a UTC offset")
    if moment.microsecond:
        raise ValueError(f"{name}: a CAP time is whole seconds (use cap_time())")
    if offset % timedelta(minutes=1):
        raise ValueError(f"{name}: a CAP time's offset must be whole minutes")


def cap_time(moment: datetime) -> datetime:
    """`moment` cut to the whole second, as CAP carries it."""
    return moment.replace(microsecond=0)


def _check_latitude_longitude(name: str, latitude: float, longitude: float) -> None:
    if not -90.0 <= latitude <= 90.0 or not -180.0 <= longitude <= 180.0:
        raise ValueError(f"{name}: ({latitude}, {longitude}) is not a WGS 84 latitude and longitude")


@dataclass(frozen=True)
class CapPoint:
    latitude: float
    longitude: float

    def __post_init__(self) -> None:
        _check_latitude_longitude("point", self.latitude, self.longitude)


@dataclass(frozen=True)
class CapPolygon:
    """A closed ring of at least four points, the first equal to the last (CAP 1.2, 3.3.2.2)."""

    points: tuple[CapPoint, ...]

    def __post_init__(self) -> None:
        if len(self.points) < 4:
            raise ValueError("polygon: at least four points are needed")
        if self.points[0] != self.points[-1]:
            raise ValueError("polygon: the first and last points must be the same")


@dataclass(frozen=True)
class CapCircle:
    center: CapPoint
    radius_km: float

    def __post_init__(self) -> None:
        if self.radius_km < 0:
            raise ValueError("circle: the radius cannot be negative")


@dataclass(frozen=True)
class CapValue:
    """A `valueName`/`value` pair: an event code, a parameter or a geocode."""

    name: str
    value: str


@dataclass(frozen=True)
class CapArea:
    description: str
    polygons: tuple[CapPolygon, ...] = ()
    circles: tuple[CapCircle, ...] = ()
    geocodes: tuple[CapValue, ...] = ()
    altitude: float | None = None
    ceiling: float | None = None


@dataclass(frozen=True)
class CapInfo:
    categories: tuple[CapCategory, ...]
    event: str
    urgency: CapUrgency
    severity: CapSeverity
    certainty: CapCertainty
    language: str = DEFAULT_LANGUAGE
    response_types: tuple[CapResponseType, ...] = ()
    audience: str | None = None
    event_codes: tuple[CapValue, ...] = ()
    effective: datetime | None = None
    onset: datetime | None = None
    expires: datetime | None = None
    sender_name: str | None = None
    headline: str | None = None
    description: str | None = None
    instruction: str | None = None
    web: str | None = None
    contact: str | None = None
    parameters: tuple[CapValue, ...] = ()
    areas: tuple[CapArea, ...] = ()

    def __post_init__(self) -> None:
        if not self.categories:
            raise ValueError("info: at least one category is needed")
        check_cap_time("effective", self.effective)
        check_cap_time("onset", self.onset)
        check_cap_time("expires", self.expires)


@dataclass(frozen=True)
class CapReference:
    """An earlier alert that an update, a cancellation or an acknowledgement refers to."""

    sender: str
    identifier: str
    sent: datetime

    def __post_init__(self) -> None:
        check_cap_time("references", self.sent)
        for part in (self.sender, self.identifier):
            if not part or any(character in part for character in " ,\t\n\r"):
                raise ValueError("references: a sender or identifier may hold no space or comma")


@dataclass(frozen=True)
class CapAlert:
    identifier: str
    sender: str
    sent: datetime
    status: CapStatus
    msg_type: CapMsgType
    scope: CapScope
    infos: tuple[CapInfo, ...] = ()
    source: str | None = None
    restriction: str | None = None
    addresses: str | None = None
    codes: tuple[str, ...] = ()
    note: str | None = None
    references: tuple[CapReference, ...] = ()
    incidents: str | None = None

    def __post_init__(self) -> None:
        check_cap_time("sent", self.sent)
        for name, value in (("identifier", self.identifier), ("sender", self.sender)):
            if not value or any(character in value for character in " ,<&"):
                raise ValueError(f"{name}: must be non-empty and hold no space, comma, '<' or '&'")

    def as_reference(self) -> CapReference:
        """This alert as a later update or cancellation refers to it."""
        return CapReference(sender=self.sender, identifier=self.identifier, sent=self.sent)
