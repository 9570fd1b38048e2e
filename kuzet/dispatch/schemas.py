"""API shapes of assignments."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from kuzet.core.ids import RowId
from kuzet.dispatch.domain import Assignment, AssignmentStatus
from kuzet.incidents.domain import Disposition


class AssignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    unit_id: RowId


class AdvanceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: AssignmentStatus = Field(description="acknowledged, en_route, on_scene or cleared")
    disposition: Disposition | None = Field(
        default=None,
        description="On clear: when the last unit clears with one, the incident is cleared with it",
    )
    confirm_far_arrival: bool = Field(
        default=False,
        description="On scene: the crew says it is there although its last GPS fix is farther from the scene "
        "than KUZET_ARRIVAL_MAX_DISTANCE_M (without it, such an arrival is a 409 with far_arrival_m)",
    )


class CancelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=500)


class ReassignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=500)
    unit_id: RowId | None = Field(default=None, description="Send this unit to the incident instead")
    incident_id: RowId | None = Field(default=None, description="Divert the same unit to this incident")


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
    far_arrival_m: int | None = Field(
        default=None, description="An arrival the operator confirmed with the unit's GPS this far away"
    )

    @classmethod
    def from_domain(cls, assignment: Assignment) -> AssignmentOut:
        return cls(active=assignment.active, **vars(assignment))


class RecommendedOut(BaseModel):
    unit_id: int
    call_sign: str
    type: str
    status: str
    district: str = Field(description="The unit's home district")
    district_now: str | None = Field(description="The district its last position lies in")
    other_district: bool = Field(
        description="Its home district is not the incident's: sending it is mutual aid across a border"
    )
    eta_s: float = Field(description="Road travel time to the incident, in seconds")
    road_m: float
    straight_m: float
    position_at: datetime
    position_age_s: float
    stale: bool
    preemptable: bool = Field(description="Busy on a lower-priority incident; the dispatcher may divert it")
    current_incident_id: int | None
    explanation: str


class RecommendationOut(BaseModel):
    incident_id: int
    computed_at: datetime
    travel_time_factor: float
    incident_road_distance_m: float = Field(description="How far the incident's point is from the road")
    map: str
    eligible: int = Field(description="Eligible units with a known position")
    skipped: dict[str, int]
    units: list[RecommendedOut]


class RouteOut(BaseModel):
    """A GeoJSON Feature: the road route of an assigned unit from its last position to the incident."""

    type: str = "Feature"
    geometry: dict[str, Any]
    properties: dict[str, Any]
