"""API shapes of the agency registry. The field rules themselves are the domain's (`check_agency`), so that
the API, the CLI and the demo refuse the same things with the same messages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from kuzet.interagency.domain import (
    DEFAULT_ACK_DEADLINES,
    ENDPOINT_MAX,
    Agency,
    AgencyKey,
    KeyDirection,
    KeyInfo,
    MessageFormat,
)

ACK_EXAMPLE = {str(p): s for p, s in DEFAULT_ACK_DEADLINES.items()}


class AgencyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=2, max_length=30, examples=["ambulance_103"])
    names: dict[str, str] = Field(
        description="The agency's name in ru, kk and en",
        examples=[
            {
                "ru": "Скорая медицинская помощь 103",
                "kk": "Жедел медициналық жәрдем 103",
                "en": "Ambulance 103",
            }
        ],
    )
    endpoint_url: str = Field(max_length=ENDPOINT_MAX, description="Where hand-overs are delivered")
    formats: list[MessageFormat] = Field(default_factory=lambda: [MessageFormat.EIDO], max_length=3)
    ack_deadlines: dict[int, int] = Field(
        default_factory=lambda: dict(DEFAULT_ACK_DEADLINES),
        description="Seconds to acknowledge a hand-over, by priority 1–4",
        examples=[ACK_EXAMPLE],
    )
    contact_phone: str = Field(
        max_length=40, description="Shown to the operator when the link is down", examples=["103"]
    )
    enabled: bool = True

    def to_domain(self) -> Agency:
        return Agency(
            code=self.code,
            names=self.names,
            endpoint_url=self.endpoint_url,
            formats=frozenset(self.formats),
            ack_deadlines=self.ack_deadlines,
            contact_phone=self.contact_phone,
            enabled=self.enabled,
        )


class AgencyPatch(BaseModel):
    """What to change; names and deadlines given are merged into the ones kept."""

    model_config = ConfigDict(extra="forbid")
    names: dict[str, str] | None = None
    endpoint_url: str | None = Field(default=None, max_length=ENDPOINT_MAX)
    formats: list[MessageFormat] | None = Field(default=None, max_length=3)
    ack_deadlines: dict[int, int] | None = None
    contact_phone: str | None = Field(default=None, max_length=40)

    def changes(self) -> dict[str, Any]:
        given = {
            name: getattr(self, name) for name in self.model_fields_set if getattr(self, name) is not None
        }
        if "formats" in given:
            given["formats"] = frozenset(given["formats"])
        return given


class RotateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    directions: list[KeyDirection] = Field(
        default_factory=lambda: list(KeyDirection), min_length=1, max_length=2
    )
    grace_hours: float | None = Field(
        default=None, ge=0, le=24 * 30, description="Default: KUZET_AGENCY_KEY_GRACE_HOURS"
    )


class KeyOut(BaseModel):
    key_id: str
    direction: KeyDirection
    created_at: datetime
    use_from: datetime
    expires_at: datetime | None

    @classmethod
    def from_domain(cls, key: KeyInfo | AgencyKey) -> KeyOut:
        return cls(
            key_id=key.key_id,
            direction=key.direction,
            created_at=key.created_at,
            use_from=key.use_from,
            expires_at=key.expires_at,
        )


class AgencyOut(BaseModel):
    code: str
    names: dict[str, str]
    endpoint_url: str
    formats: list[MessageFormat]
    ack_deadlines: dict[int, int]
    contact_phone: str
    enabled: bool
    keys: list[KeyOut] | None = Field(
        description="Key ids and periods, for administrators only; never secrets"
    )

    @classmethod
    def from_domain(cls, agency: Agency, keys: list[KeyInfo] | list[AgencyKey] | None) -> AgencyOut:
        return cls(
            code=agency.code,
            names=dict(agency.names),
            endpoint_url=agency.endpoint_url,
            formats=sorted(agency.formats),
            ack_deadlines=dict(sorted(agency.ack_deadlines.items())),
            contact_phone=agency.contact_phone,
            enabled=agency.enabled,
            keys=None if keys is None else [KeyOut.from_domain(k) for k in keys],
        )


class IssuedKeyOut(KeyOut):
    secret: str = Field(description="Shown once: hand it to the agency over a safe channel")


class IssuedOut(BaseModel):
    agency: AgencyOut
    issued: list[IssuedKeyOut]

    @classmethod
    def from_domain(cls, agency: Agency, issued: list[AgencyKey], all_keys: list[KeyInfo]) -> IssuedOut:
        return cls(
            agency=AgencyOut.from_domain(agency, all_keys),
            issued=[IssuedKeyOut(**KeyOut.from_domain(k).model_dump(), secret=k.secret) for k in issued],
        )
