"""API shapes of public alerts. The rules on texts and times are the domain's (`alerts.py`), so the API and
the CLI refuse the same things; here only the shapes: an area is a polygon drawn on the map or a district."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from kuzet.interagency.alert_service import AlertRequest, AreaChoice
from kuzet.interagency.alerts import EVENT_MAX, AlertText, LatLon, PublicAlert, ring_from_points
from kuzet.interagency.cap import CapCategory, CapCertainty, CapSeverity, CapUrgency

Language = Literal["ru", "kk"]
POLYGONS_MAX = 20


def _moment(value: datetime | None) -> datetime | None:
    """UTC, whole seconds: what CAP carries."""
    return value.astimezone(UTC).replace(microsecond=0) if value is not None else None


class AlertTextIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    headline: str | None = Field(default=None, examples=["Пропал ребёнок"])
    description: str | None = None
    instruction: str | None = None

    def to_domain(self) -> AlertText:
        return AlertText(self.headline, self.description, self.instruction)


class AreaIn(BaseModel):
    """One of: `polygon` (a ring of [lat, lon] drawn on the map), `polygons` (several), `district` (a code
    of the region's district map). `description` names the area (a district's names are used otherwise)."""

    model_config = ConfigDict(extra="forbid")
    polygon: list[tuple[float, float]] | None = Field(
        default=None, max_length=2000, examples=[[[42.50, 1.50], [42.52, 1.50], [42.52, 1.53], [42.50, 1.50]]]
    )
    polygons: list[list[tuple[float, float]]] | None = Field(default=None, max_length=POLYGONS_MAX)
    district: str | None = Field(default=None, max_length=40, examples=["central"])
    description: str | None = Field(default=None, min_length=1, max_length=300)

    @field_validator("polygon")
    @classmethod
    def _ring(cls, value: list[tuple[float, float]] | None) -> list[tuple[float, float]] | None:
        if value is not None:
            ring_from_points(value, "polygon")
        return value

    @field_validator("polygons")
    @classmethod
    def _rings(cls, value: list[list[tuple[float, float]]] | None) -> list[list[tuple[float, float]]] | None:
        for index, ring in enumerate(value or []):
            ring_from_points(ring, f"polygons[{index}]")
        return value

    @model_validator(mode="after")
    def _one_kind(self) -> Self:
        given = [name for name in ("polygon", "polygons", "district") if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of polygon, polygons or district")
        return self

    def to_domain(self) -> AreaChoice:
        rings: list[tuple[LatLon, ...]] = []
        if self.polygon is not None:
            rings.append(ring_from_points(self.polygon))
        rings += [ring_from_points(ring) for ring in self.polygons or []]
        return AreaChoice(polygons=tuple(rings), district=self.district, description=self.description)


class AlertIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    event: str = Field(min_length=1, max_length=EVENT_MAX, examples=["Пропал ребёнок"])
    category: CapCategory = Field(examples=[CapCategory.RESCUE])
    urgency: CapUrgency = Field(examples=[CapUrgency.IMMEDIATE])
    severity: CapSeverity = Field(examples=[CapSeverity.SEVERE])
    certainty: CapCertainty = Field(examples=[CapCertainty.OBSERVED])
    texts: dict[Language, AlertTextIn] = Field(description="Texts in ru and kk; a headline in each")
    area: AreaIn
    expires: AwareDatetime = Field(description="In the future, after the onset")
    onset: AwareDatetime | None = None

    def to_domain(self) -> AlertRequest:
        return AlertRequest(
            event=self.event,
            category=self.category,
            urgency=self.urgency,
            severity=self.severity,
            certainty=self.certainty,
            texts={language: text.to_domain() for language, text in self.texts.items()},
            area=self.area.to_domain(),
            expires=self.expires.astimezone(UTC).replace(microsecond=0),
            onset=_moment(self.onset),
        )


class AlertPatch(BaseModel):
    """An update: only what is given changes; texts are merged field by field."""

    model_config = ConfigDict(extra="forbid")
    event: str | None = Field(default=None, min_length=1, max_length=EVENT_MAX)
    category: CapCategory | None = None
    urgency: CapUrgency | None = None
    severity: CapSeverity | None = None
    certainty: CapCertainty | None = None
    texts: dict[Language, AlertTextIn] | None = None
    area: AreaIn | None = None
    expires: AwareDatetime | None = None
    onset: AwareDatetime | None = None

    def changes(self) -> dict[str, Any]:
        changed: dict[str, Any] = {}
        for name in self.model_fields_set - {"area"}:
            value = getattr(self, name)
            if name == "texts":
                changed[name] = {language: text.to_domain() for language, text in (value or {}).items()}
            elif name in ("expires", "onset"):
                if value is not None or name == "onset":  # onset may be cleared, expiry not
                    changed[name] = _moment(value)
            elif value is not None:
                changed[name] = value
        return changed


class CancelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=500, examples=["Ребёнок найден"])


class AlertTextOut(BaseModel):
    headline: str | None
    description: str | None
    instruction: str | None


class AreaOut(BaseModel):
    description: str
    descriptions: dict[str, str] = Field(description="The area's words in each language")
    district: str | None
    polygons: list[list[tuple[float, float]]] = Field(description="Rings of [lat, lon]")
    circles: list[tuple[float, float, float]] = Field(description="[lat, lon, radius km] (imported alerts)")


class ReferenceOut(BaseModel):
    sender: str
    identifier: str
    sent: datetime


class AlertOut(BaseModel):
    id: int
    identifier: str
    sender: str
    msg_type: str
    status: str
    origin: str
    source: str | None
    event: str
    category: str | None
    categories: list[str]
    urgency: str
    severity: str
    certainty: str
    texts: dict[str, AlertTextOut] = Field(description="By language: ru and kk; imported: their own codes")
    area: AreaOut
    onset: datetime | None
    expires: datetime | None
    sent: datetime
    references: list[ReferenceOut]
    superseded_by: int | None
    cancelled: bool
    active: bool = Field(description="In force now: not superseded, not cancelled, not expired")
    issued_by: str | None

    @classmethod
    def from_domain(cls, alert: PublicAlert, at: datetime) -> AlertOut:
        area = alert.area
        return cls(
            id=alert.id,
            identifier=alert.identifier,
            sender=alert.sender,
            msg_type=alert.msg_type.value,
            status=alert.status.value,
            origin=alert.origin.value,
            source=alert.source,
            event=alert.event,
            category=alert.category,
            categories=list(alert.categories),
            urgency=alert.urgency,
            severity=alert.severity,
            certainty=alert.certainty,
            texts={language: AlertTextOut(**text.as_dict()) for language, text in alert.texts.items()},
            area=AreaOut(
                description=area.description(),
                descriptions=dict(area.descriptions),
                district=area.district,
                polygons=[list(ring) for ring in area.polygons],
                circles=list(area.circles),
            ),
            onset=alert.onset,
            expires=alert.expires,
            sent=alert.sent,
            references=[
                ReferenceOut(sender=r.sender, identifier=r.identifier, sent=r.sent) for r in alert.references
            ],
            superseded_by=alert.superseded_by,
            cancelled=alert.cancelled,
            active=alert.is_current(at),
            issued_by=alert.issued_by,
        )
