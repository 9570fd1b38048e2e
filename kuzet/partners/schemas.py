"""API shapes of the partner gateway and of partner administration."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from kuzet.appeals.domain import MAX_TEXT, AppealInput, Channel
from kuzet.partners.domain import ALL_SCOPES, Partner, PartnerKey, Scope

MediaId = Annotated[str, Field(max_length=36, description="An id from POST /partner/v1/media")]
CategoryCode = Annotated[str, Field(min_length=1, max_length=60)]


class CitizenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    iin: str | None = Field(default=None, max_length=20, description="Verified by the app")
    phone: str | None = Field(default=None, max_length=32)
    name: str | None = Field(default=None, max_length=200)


class LocationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    accuracy_m: float | None = Field(default=None, ge=0, le=100_000)
    address: str | None = Field(default=None, max_length=500)


class PartnerAppealIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    citizen: CitizenIn
    text: str = Field(max_length=MAX_TEXT)
    category: str | None = Field(
        default=None, max_length=60, description="The app's category; mapped to ours"
    )
    location: LocationIn | None = None
    address: str | None = Field(default=None, max_length=500, description="When there is no location")
    occurred_at: AwareDatetime | None = None
    media: list[MediaId] = Field(
        default_factory=list, max_length=10, description="Ids from POST /partner/v1/media"
    )

    def to_domain(self, *, partner: str, district: str, now: datetime) -> AppealInput:
        where = self.location
        return AppealInput(
            channel=Channel.PARTNER_APP,
            partner=partner,
            text=self.text,
            category_code="other",  # replaced by the partner's mapped category
            received_at=now,
            occurred_at=self.occurred_at,
            caller_phone=self.citizen.phone,
            caller_name=self.citizen.name,
            caller_iin=self.citizen.iin,
            lat=where.lat if where else None,
            lon=where.lon if where else None,
            accuracy_m=where.accuracy_m if where else None,
            address=(where.address if where else None) or self.address,
            district=district,
        )


class PartnerAppealOut(BaseModel):
    id: int
    number: str
    status: str
    result: dict[str, str] | None
    received_at: datetime
    updated_at: datetime


class PartnerAppealAccepted(BaseModel):
    """The answer to a sent appeal (and to its retries with the same Idempotency-Key)."""

    id: int
    number: str
    status: str
    category: str
    received_at: datetime
    media: list[str]


class MediaOut(BaseModel):
    id: str
    sha256: str
    kind: str
    mime: str
    size: int


class PartnerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=2, max_length=30, examples=["kaspi"])
    name: str = Field(min_length=1, max_length=120, examples=["Kaspi.kz"])
    webhook_url: str | None = Field(default=None, max_length=500, pattern=r"^https?://")
    scopes: list[Scope] = Field(default_factory=lambda: sorted(ALL_SCOPES))
    rate_limit_per_minute: int = Field(default=600, ge=1, le=100_000)
    category_map: dict[CategoryCode, CategoryCode] = Field(default_factory=dict)

    def to_domain(self) -> Partner:
        return Partner(
            self.code,
            self.name,
            True,
            self.webhook_url,
            frozenset(self.scopes),
            self.rate_limit_per_minute,
            self.category_map,
        )


class KeyOut(BaseModel):
    key_id: str
    created_at: datetime
    expires_at: datetime | None

    @classmethod
    def from_domain(cls, key: PartnerKey) -> KeyOut:
        return cls(key_id=key.key_id, created_at=key.created_at, expires_at=key.expires_at)


class PartnerOut(BaseModel):
    code: str
    name: str
    enabled: bool
    webhook_url: str | None
    scopes: list[Scope]
    rate_limit_per_minute: int
    category_map: dict[str, str]
    keys: list[KeyOut]

    @classmethod
    def from_domain(cls, partner: Partner, keys: list[PartnerKey]) -> PartnerOut:
        return cls(
            code=partner.code,
            name=partner.name,
            enabled=partner.enabled,
            webhook_url=partner.webhook_url,
            scopes=sorted(partner.scopes),
            rate_limit_per_minute=partner.rate_limit_per_minute,
            category_map=dict(partner.category_map),
            keys=[KeyOut.from_domain(k) for k in keys],
        )


class IssuedOut(BaseModel):
    partner: PartnerOut
    key_id: str
    secret: str = Field(description="Shown once: store it in the partner's secret store")


class DeliveryOut(BaseModel):
    id: int
    event_id: str
    kind: str
    ordering_key: str
    payload: dict[str, Any]
    created_at: datetime
    attempts: int
    next_attempt_at: datetime
    delivered_at: datetime | None
    dead_at: datetime | None
    last_status: int | None
    last_error: str | None
    tries: list[dict[str, Any]]


class ChannelCountOut(BaseModel):
    channel: Channel
    partner: str | None
    appeals: int
