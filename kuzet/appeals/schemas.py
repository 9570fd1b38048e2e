"""API shapes of appeals."""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from kuzet.appeals.domain import MAX_TEXT, Appeal, AppealInput, Channel
from kuzet.appeals.phones import PhoneKind
from kuzet.core.ids import RowId
from kuzet.core.pii import PiiKind, shown
from kuzet.incidents.domain import Incident, IncidentStatus
from kuzet.incidents.schemas import IncidentOut, SuggestionOut


class AppealIn(BaseModel):
    """A 102 call as the call-taker types it. Location: coordinates, an address, or both."""

    model_config = ConfigDict(extra="forbid")
    caller_phone: str = Field(min_length=1, max_length=32, examples=["+7 701 123 45 67"])
    caller_name: str | None = Field(default=None, max_length=200)
    caller_iin: str | None = Field(default=None, max_length=20)
    text: str = Field(max_length=MAX_TEXT)
    category_code: str = Field(min_length=1, max_length=60)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    address: str | None = Field(default=None, max_length=500)
    received_at: AwareDatetime | None = Field(
        default=None, description="When the call was answered; now if omitted"
    )
    district: str | None = Field(
        default=None, max_length=40, description="Defaults to the call-taker's district"
    )
    incident_id: RowId | None = Field(
        default=None, description="Join this open incident instead of opening one"
    )

    def to_domain(self, now: datetime) -> AppealInput:
        return AppealInput(
            channel=Channel.PHONE_102,
            text=self.text,
            category_code=self.category_code,
            received_at=self.received_at or now,
            caller_phone=self.caller_phone,
            caller_name=self.caller_name,
            caller_iin=self.caller_iin,
            lat=self.lat,
            lon=self.lon,
            address=self.address,
            district=self.district,
        )


class DuplicateQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    category_code: str = Field(min_length=1, max_length=60)
    received_at: AwareDatetime | None = None


class AppealMediaOut(BaseModel):
    """A photo, video or voice message the partner app sent with the appeal."""

    id: str
    kind: str
    mime: str
    size: int
    url: str = Field(description="Where staff download it (with their session token)")


class AppealOut(BaseModel):
    id: int
    number: str
    channel: Channel
    partner: str | None
    received_at: datetime
    caller_phone: str | None
    phone_kind: PhoneKind | None
    caller_locality: dict[str, str] | None
    caller_name: str | None
    caller_iin: str | None
    text: str
    category_code: str
    lat: float | None
    lon: float | None
    address: str | None
    accuracy_m: float | None
    incident_id: int
    created_by: str
    media: list[AppealMediaOut] = Field(default_factory=list)

    @classmethod
    def from_domain(
        cls, appeal: Appeal, *, viewer_role: str | None, media: list[AppealMediaOut] | None = None
    ) -> AppealOut:
        """The caller's phone, name and IIN as the viewer's role may see them (core/pii.py)."""
        return cls(
            id=appeal.id,
            number=appeal.number,
            channel=appeal.channel,
            partner=appeal.partner,
            received_at=appeal.received_at,
            caller_phone=shown(appeal.caller_phone, PiiKind.PHONE, viewer_role),
            phone_kind=appeal.phone_kind,
            caller_locality=appeal.caller_locality,
            caller_name=shown(appeal.caller_name, PiiKind.NAME, viewer_role),
            caller_iin=shown(appeal.caller_iin, PiiKind.IIN, viewer_role),
            text=appeal.text,
            category_code=appeal.category_code,
            lat=appeal.lat,
            lon=appeal.lon,
            address=appeal.address,
            accuracy_m=appeal.accuracy_m,
            incident_id=appeal.incident_id,
            created_by=appeal.created_by,
            media=media or [],
        )


class RegistrationOut(BaseModel):
    appeal: AppealOut
    incident: IncidentOut
    new_incident: bool
    duplicates: list[SuggestionOut] = Field(
        description="Other open incidents nearby that may be the same event; the operator may move the appeal"
    )
    placed_by_address: str | None = Field(
        default=None,
        description="No point was sent: the place was taken from the typed address, which the gazetteer "
        "matched clearly to this label",
    )


class MoveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    incident_id: RowId | None = Field(
        description="Join this open incident; null splits the appeal into a new one"
    )


class EarlierAppealOut(BaseModel):
    """One earlier appeal of the caller, with where its incident stands."""

    appeal_id: int
    appeal_number: str
    received_at: datetime
    channel: Channel
    category_code: str
    text: str
    address: str | None
    incident_id: int
    incident_number: str
    incident_status: IncidentStatus
    incident_category_code: str
    incident_priority: int

    @classmethod
    def from_domain(cls, appeal: Appeal, incident: Incident) -> EarlierAppealOut:
        return cls(
            appeal_id=appeal.id,
            appeal_number=appeal.number,
            received_at=appeal.received_at,
            channel=appeal.channel,
            category_code=appeal.category_code,
            text=appeal.text,
            address=appeal.address,
            incident_id=incident.id,
            incident_number=incident.number,
            incident_status=incident.status,
            incident_category_code=incident.category_code,
            incident_priority=incident.priority,
        )
