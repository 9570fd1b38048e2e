"""API shapes of hand-overs: what an operator sends and sees, and what an agency answers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from kuzet.interagency.domain import Agency
from kuzet.interagency.handover import (
    NOTE_MAX,
    REASON_MAX,
    UNIT_MAX,
    UNITS_MAX,
    AgencyStatus,
    Handover,
    HandoverState,
)
from kuzet.interagency.handovers import Acknowledgement, StatusReport


class HandoverIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    agency: str = Field(min_length=2, max_length=30, examples=["ambulance_103"])
    note: str | None = Field(default=None, max_length=NOTE_MAX)


class CancelIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    reason: str = Field(min_length=1, max_length=REASON_MAX, description="Why: the service reads it")


class HandoverOut(BaseModel):
    id: int
    ref: str
    incident_id: int
    agency: str
    agency_name: dict[str, str]
    state: HandoverState
    note: str | None
    requested_by: str
    requested_at: datetime
    ack_due_at: datetime
    acknowledged_at: datetime | None
    reason: str | None = Field(description="Why the service rejected it, or why we cancelled it")
    units: list[str]
    resent_at: datetime | None
    overdue: bool
    contact_phone: str = Field(description="The agency's phone, to call when it does not answer")

    @classmethod
    def from_domain(cls, h: Handover, agency: Agency, now: datetime) -> HandoverOut:
        return cls(
            id=h.id,
            ref=h.ref,
            incident_id=h.incident_id,
            agency=h.agency_code,
            agency_name=dict(agency.names),
            state=h.state,
            note=h.note,
            requested_by=h.requested_by,
            requested_at=h.requested_at,
            ack_due_at=h.ack_due_at,
            acknowledged_at=h.acknowledged_at,
            reason=h.reason,
            units=list(h.units),
            resent_at=h.resent_at,
            overdue=h.overdue(now),
            contact_phone=agency.contact_phone,
        )


class HandoversOut(BaseModel):
    handovers: list[HandoverOut]
    proposed_agencies: list[str] = Field(
        description="The agencies the incident's category names that it is not yet handed over to"
    )


class AckIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    accepted: bool
    reason: str | None = Field(default=None, max_length=REASON_MAX)
    at: AwareDatetime = Field(description="When the agency acknowledged, by its own clock")

    def to_domain(self) -> Acknowledgement:
        return Acknowledgement(self.accepted, self.reason, self.at.astimezone(UTC))


class StatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: AgencyStatus
    units: list[Annotated[str, Field(min_length=1, max_length=UNIT_MAX)]] = Field(
        default_factory=list, max_length=UNITS_MAX, description="The agency's units (call signs)"
    )
    at: AwareDatetime = Field(description="When the status changed, by the agency's own clock")

    def to_domain(self) -> StatusReport:
        return StatusReport(self.status, tuple(self.units), self.at.astimezone(UTC))


class AnsweredOut(BaseModel):
    ref: str
    state: HandoverState
    applied: bool = Field(description="False when this step was received before (a repeat is applied once)")
