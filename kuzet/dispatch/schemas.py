"""API shapes of assignments."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from kuzet.dispatch.domain import Assignment, AssignmentStatus
from kuzet.incidents.domain import Disposition


class AssignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    unit_id: int


class AdvanceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: AssignmentStatus = Field(description="acknowledged, en_route, on_scene or cleared")
    disposition: Disposition | None = Field(
        default=None,
        description="On clear: when the last unit clears with one, the incident is cleared with it",
    )


class CancelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=500)


class ReassignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=500)
    unit_id: int | None = Field(default=None, description="Send this unit to the incident instead")
    incident_id: int | None = Field(default=None, description="Divert the same unit to this incident")


class AssignmentOut(BaseModel):
    id: int
    incident_id: int
    unit_id: int
    status: AssignmentStatus
    active: bool
    assigned_at: datetime
    assigned_by: str
    acknowledged_at: datetime | None
    en_route_at: datetime | None
    on_scene_at: datetime | None
    cleared_at: datetime | None
    cancelled_at: datetime | None
    cancel_reason: str | None
    disposition: Disposition | None

    @classmethod
    def from_domain(cls, assignment: Assignment) -> AssignmentOut:
        return cls(active=assignment.active, **vars(assignment))
