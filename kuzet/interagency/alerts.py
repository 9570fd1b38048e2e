"""Public alerts as the ЦОУ issues them: a supervisor's draft (event, CAP codes, texts in Russian and Kazakh,
an area drawn on the map or a district, onset and expiry) becomes a CAP 1.2 alert with one <info> per
language; an update or a cancellation is a new CAP message that refers to every earlier one of its chain.
Alerts imported from other agencies are read back into the same record. Pure: no framework, no clock.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Final

from kuzet.core.errors import FieldError
from kuzet.core.events import DomainEvent
from kuzet.core.i18n import N_
from kuzet.interagency.cap import (
    CapAlert,
    CapArea,
    CapCategory,
    CapCertainty,
    CapInfo,
    CapMsgType,
    CapPoint,
    CapPolygon,
    CapReference,
    CapScope,
    CapSeverity,
    CapStatus,
    CapUrgency,
    cap_time,
)
from kuzet.interagency.cap_xml import xml_can_carry

# Our languages, and the RFC 3066 codes their <info> blocks carry.
LANGUAGES: Final[Mapping[str, str]] = {"ru": "ru-RU", "kk": "kk-KZ"}
TEXT_FIELDS: Final = ("headline", "description", "instruction")
HEADLINE_MAX: Final = 160
TEXT_MAX: Final = 4000
EVENT_MAX: Final = 200
POLYGON_POINTS_MAX: Final = 2000
# The areaDesc of an area drawn on the map when the supervisor gives no words for it.
DRAWN_AREA: Final[Mapping[str, str]] = {
    "ru": "Область, отмеченная на карте",
    "kk": "Картада белгіленген аумақ",
}

LatLon = tuple[float, float]
NOT_XML = N_("Contains a character that XML cannot carry.")


class AlertOrigin(StrEnum):
    OURS = "ours"
    IMPORTED = "imported"


@dataclass(frozen=True)
class AlertChanged(DomainEvent):
    """An alert was issued, updated, cancelled or imported: every console reads the alerts in force again.
    `follows` is the earlier alert an update or a cancellation replaces."""

    name = "alert.changed"
    alert_id: int
    change: str  # issued | updated | cancelled | imported
    follows: int | None = None


@dataclass(frozen=True)
class AlertText:
    headline: str | None = None
    description: str | None = None
    instruction: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        return {"headline": self.headline, "description": self.description, "instruction": self.instruction}

    def merged(self, newer: AlertText) -> AlertText:
        """This text with the fields `newer` gives replaced."""
        return AlertText(
            headline=newer.headline if newer.headline is not None else self.headline,
            description=newer.description if newer.description is not None else self.description,
            instruction=newer.instruction if newer.instruction is not None else self.instruction,
        )


@dataclass(frozen=True)
class AlertArea:
    """Where the alert applies: its words per language, the district it was picked from (if any) and its
    polygons as closed rings of (latitude, longitude)."""

    descriptions: Mapping[str, str]
    polygons: tuple[tuple[LatLon, ...], ...]
    district: str | None = None
    circles: tuple[tuple[float, float, float], ...] = ()  # (latitude, longitude, radius km), imported only

    def description(self, language: str = "ru") -> str:
        return self.descriptions.get(language) or next(iter(self.descriptions.values()), "")

    def as_dict(self) -> dict[str, Any]:
        return {
            "description": self.description(),
            "descriptions": dict(self.descriptions),
            "district": self.district,
            "polygons": [[list(point) for point in ring] for ring in self.polygons],
            "circles": [list(circle) for circle in self.circles],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AlertArea:
        return cls(
            descriptions=dict(data.get("descriptions") or {"ru": data.get("description") or ""}),
            polygons=tuple(
                tuple((float(p[0]), float(p[1])) for p in ring) for ring in data.get("polygons", [])
            ),
            district=data.get("district"),
            circles=tuple((float(c[0]), float(c[1]), float(c[2])) for c in data.get("circles", [])),
        )


@dataclass(frozen=True)
class AlertDraft:
    """What a supervisor gives for a new alert (or an update: every field then replaces the earlier one)."""

    event: str
    category: CapCategory
    urgency: CapUrgency
    severity: CapSeverity
    certainty: CapCertainty
    texts: Mapping[str, AlertText]  # by our language code: ru, kk
    area: AlertArea
    expires: datetime
    onset: datetime | None = None


@dataclass(frozen=True)
class PublicAlert:
    """One stored CAP message, ours or imported, with what the map and the lists show of it."""

    id: int
    identifier: str
    sender: str
    sent: datetime
    msg_type: CapMsgType
    status: CapStatus
    scope: CapScope
    references: tuple[CapReference, ...]
    origin: AlertOrigin
    source: str | None
    event: str
    categories: tuple[str, ...]
    urgency: str
    severity: str
    certainty: str
    texts: Mapping[str, AlertText]
    area: AlertArea
    onset: datetime | None
    expires: datetime | None
    superseded_by: int | None
    cancelled: bool
    issued_by: str | None
    cap_xml: str
    created_at: datetime
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def category(self) -> str | None:
        return self.categories[0] if self.categories else None

    def is_current(self, at: datetime) -> bool:
        """In force: an alert or update not superseded, not cancelled and not expired."""
        return (
            self.msg_type in (CapMsgType.ALERT, CapMsgType.UPDATE)
            and self.superseded_by is None
            and not self.cancelled
            and (self.expires is None or self.expires > at)
        )

    def as_reference(self) -> CapReference:
        return CapReference(sender=self.sender, identifier=self.identifier, sent=self.sent)


def _problem(name: str, reason: str, code: str, **params: object) -> FieldError:
    return FieldError(name, reason, code, params=params)


def check_xml_text(name: str, value: str | None) -> list[FieldError]:
    """A text that CAP's XML can carry (no control character), or the problem naming the field."""
    if value is not None and not xml_can_carry(value):
        return [_problem(name, NOT_XML, "not_xml_text")]
    return []


def _check_text(name: str, value: str | None, limit: int) -> list[FieldError]:
    if value is None:
        return []
    if not xml_can_carry(value):
        return check_xml_text(name, value)
    if not value.strip():
        return [_problem(name, N_("Must not be blank."), "blank")]
    if len(value) > limit:
        return [
            _problem(name, N_("Must be at most {max_length} characters long."), "too_long", max_length=limit)
        ]
    return []


def check_texts(texts: Mapping[str, AlertText], *, complete: bool) -> list[FieldError]:
    """Both languages with at least a headline (when `complete`), no other language, no blank or long text."""
    errors: list[FieldError] = []
    for language in texts:
        if language not in LANGUAGES:
            errors.append(_problem(f"texts.{language}", N_("Only ru and kk texts are issued."), "language"))
    for language in LANGUAGES:
        text = texts.get(language)
        if text is None:
            if complete:
                errors.append(_problem(f"texts.{language}", N_("This field is required."), "missing"))
            continue
        if complete and not text.headline:
            errors.append(_problem(f"texts.{language}.headline", N_("This field is required."), "missing"))
        for name in TEXT_FIELDS:
            limit = HEADLINE_MAX if name == "headline" else TEXT_MAX
            errors += _check_text(f"texts.{language}.{name}", getattr(text, name), limit)
    return errors


def check_times(onset: datetime | None, expires: datetime, *, at: datetime) -> list[FieldError]:
    errors: list[FieldError] = []
    if expires <= at:
        errors.append(_problem("expires", N_("The expiry must be in the future."), "expires_past"))
    if onset is not None and expires <= onset:
        errors.append(_problem("expires", N_("The expiry must be after the onset."), "expires_before_onset"))
    return errors


def ring_from_points(points: Sequence[Sequence[float]], name: str = "area.polygon") -> tuple[LatLon, ...]:
    """A closed ring of (latitude, longitude) from the points a map gives (closed here if it is not).
    Raises ValueError naming the problem."""
    ring = [(float(point[0]), float(point[1])) for point in points]
    for latitude, longitude in ring:
        if not -90.0 <= latitude <= 90.0 or not -180.0 <= longitude <= 180.0:
            raise ValueError(f"{name}: ({latitude}, {longitude}) is not a latitude and longitude")
    if ring and ring[0] != ring[-1]:
        ring.append(ring[0])
    if len(set(ring)) < 3:
        raise ValueError(f"{name}: at least three different points are needed")
    if len(ring) > POLYGON_POINTS_MAX:
        raise ValueError(f"{name}: at most {POLYGON_POINTS_MAX} points")
    return tuple(ring)


def district_rings(geometry: Mapping[str, Any]) -> tuple[tuple[LatLon, ...], ...]:
    """The outer rings of a district's GeoJSON Polygon or MultiPolygon (lon/lat), as (lat, lon) rings."""
    if geometry.get("type") == "Polygon":
        polygons = [geometry["coordinates"]]
    elif geometry.get("type") == "MultiPolygon":
        polygons = list(geometry["coordinates"])
    else:
        raise ValueError(f"a district's geometry is a {geometry.get('type')}, not a polygon")
    return tuple(ring_from_points([(p[1], p[0]) for p in polygon[0]], "district") for polygon in polygons)


def _cap_area(area: AlertArea, language: str) -> CapArea:
    polygons = tuple(CapPolygon(tuple(CapPoint(lat, lon) for lat, lon in ring)) for ring in area.polygons)
    return CapArea(description=area.description(language), polygons=polygons)


def _info(draft: AlertDraft, language: str, sender_name: str) -> CapInfo:
    text = draft.texts.get(language, AlertText())
    return CapInfo(
        categories=(draft.category,),
        event=draft.event,
        urgency=draft.urgency,
        severity=draft.severity,
        certainty=draft.certainty,
        language=LANGUAGES[language],
        onset=cap_time(draft.onset) if draft.onset is not None else None,
        expires=cap_time(draft.expires),
        sender_name=sender_name,
        headline=text.headline,
        description=text.description,
        instruction=text.instruction,
        areas=(_cap_area(draft.area, language),),
    )


def build_alert(
    draft: AlertDraft,
    *,
    identifier: str,
    sender: str,
    sender_name: str,
    sent: datetime,
    msg_type: CapMsgType = CapMsgType.ALERT,
    references: tuple[CapReference, ...] = (),
    note: str | None = None,
    status: CapStatus = CapStatus.ACTUAL,
) -> CapAlert:
    """The CAP alert of a draft: one public <info> per language that has texts (ru-RU, kk-KZ), whole-second
    times. An update or a cancellation names in `references` the messages it follows."""
    infos = tuple(_info(draft, language, sender_name) for language in LANGUAGES if language in draft.texts)
    return CapAlert(
        identifier=identifier,
        sender=sender,
        sent=cap_time(sent),
        status=status,
        msg_type=msg_type,
        scope=CapScope.PUBLIC,
        infos=infos,
        note=note,
        references=references,
    )


def chain_references(earlier: PublicAlert) -> tuple[CapReference, ...]:
    """What a message following `earlier` refers to: every message of the chain so far, oldest first."""
    seen = {(r.sender, r.identifier) for r in earlier.references}
    own = () if (earlier.sender, earlier.identifier) in seen else (earlier.as_reference(),)
    return earlier.references + own


def _language_key(language: str) -> str:
    """Our short code for ru-RU and kk-KZ; any other language keeps its own code."""
    for short, full in LANGUAGES.items():
        if language == full:
            return short
    return language


def read_alert(alert: CapAlert) -> dict[str, Any]:
    """What is stored of a CAP alert besides its identity: the first info's codes, texts per language and
    the areas of the first info (polygons and circles for the map)."""
    texts = {
        _language_key(info.language): AlertText(info.headline, info.description, info.instruction)
        for info in alert.infos
    }
    first = alert.infos[0] if alert.infos else None
    descriptions: dict[str, str] = {}
    polygons: list[tuple[LatLon, ...]] = []
    circles: list[tuple[float, float, float]] = []
    for info in alert.infos:
        descriptions.setdefault(
            _language_key(info.language), "; ".join(area.description for area in info.areas)
        )
    for area in first.areas if first is not None else ():
        polygons += [tuple((p.latitude, p.longitude) for p in polygon.points) for polygon in area.polygons]
        circles += [(c.center.latitude, c.center.longitude, c.radius_km) for c in area.circles]
    return {
        "event": first.event if first is not None else "",
        "categories": tuple(c.value for c in first.categories) if first is not None else (),
        "urgency": first.urgency.value if first is not None else CapUrgency.UNKNOWN.value,
        "severity": first.severity.value if first is not None else CapSeverity.UNKNOWN.value,
        "certainty": first.certainty.value if first is not None else CapCertainty.UNKNOWN.value,
        "texts": texts,
        "area": AlertArea(descriptions=descriptions, polygons=tuple(polygons), circles=tuple(circles)),
        "onset": first.onset if first is not None else None,
        "expires": first.expires if first is not None else None,
    }


def as_draft(alert: PublicAlert) -> AlertDraft:
    """A stored alert of ours as the draft that issued it (what an update starts from)."""
    if alert.expires is None:
        raise ValueError("our alerts always expire")
    return AlertDraft(
        event=alert.event,
        category=CapCategory(alert.categories[0]),
        urgency=CapUrgency(alert.urgency),
        severity=CapSeverity(alert.severity),
        certainty=CapCertainty(alert.certainty),
        texts={language: text for language, text in alert.texts.items() if language in LANGUAGES},
        area=alert.area,
        expires=alert.expires,
        onset=alert.onset,
    )


def merge_texts(
    earlier: Mapping[str, AlertText], newer: Mapping[str, AlertText] | None
) -> dict[str, AlertText]:
    merged = dict(earlier)
    for language, text in (newer or {}).items():
        merged[language] = merged[language].merged(text) if language in merged else text
    return merged
