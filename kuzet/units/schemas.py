"""API shapes of units."""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from kuzet.units.domain import CrewMember, Unit, UnitStatus, UnitType
from kuzet.units.positions.domain import Fix
from kuzet.units.positions.store import Position
from kuzet.units.store import StatusChange


class CrewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    badge: str | None = Field(default=None, max_length=40)


def crew_of(crew: list[CrewIn] | None) -> tuple[CrewMember, ...] | None:
    return None if crew is None else tuple(CrewMember(m.name, m.badge) for m in crew)


class UnitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    call_sign: str = Field(min_length=1, max_length=40, examples=["Беркут-12"])
    type: UnitType
    district: str = Field(min_length=1, max_length=40)
    crew: list[CrewIn] = Field(default_factory=list)


class UnitPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: UnitType | None = None
    district: str | None = Field(default=None, min_length=1, max_length=40)
    crew: list[CrewIn] | None = None


class ShiftIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    on_duty: bool
    crew: list[CrewIn] | None = Field(default=None, description="The crew of this shift, if it changed")


class StatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: UnitStatus = Field(description="available, busy or out_of_service")
    reason: str | None = Field(default=None, max_length=500)


class UnitOut(BaseModel):
    id: int
    call_sign: str
    type: UnitType
    district: str
    crew: list[dict[str, str | None]]
    status: UnitStatus
    status_since: datetime
    on_duty: bool
    incident_id: int | None = Field(default=None, description="The incident an assignment has it working")

    @classmethod
    def from_domain(cls, unit: Unit, incident_id: int | None = None) -> UnitOut:
        return cls(
            id=unit.id,
            call_sign=unit.call_sign,
            type=unit.type,
            district=unit.district,
            crew=[{"name": m.name, "badge": m.badge} for m in unit.crew],
            status=unit.status,
            status_since=unit.status_since,
            on_duty=unit.on_duty,
            incident_id=incident_id,
        )


class StatusChangeOut(BaseModel):
    at: datetime
    status_before: UnitStatus | None
    status: UnitStatus
    actor: str
    incident_id: int | None
    reason: str | None


class UnitCardOut(BaseModel):
    unit: UnitOut
    history: list[StatusChangeOut]

    @classmethod
    def from_domain(cls, unit: Unit, history: list[StatusChange]) -> UnitCardOut:
        return cls(unit=UnitOut.from_domain(unit), history=[StatusChangeOut(**vars(h)) for h in history])


class FixIn(BaseModel):
    """One GPS fix. `at` must carry its UTC offset."""

    model_config = ConfigDict(extra="forbid")
    call_sign: str = Field(min_length=1, max_length=40, examples=["Беркут-12"])
    at: AwareDatetime
    lat: float
    lon: float
    speed_kmh: float | None = None
    heading: float | None = None
    accuracy_m: float | None = None

    def to_domain(self) -> Fix:
        return Fix(self.call_sign, self.at, self.lat, self.lon, self.speed_kmh, self.heading, self.accuracy_m)


class FixesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    fixes: list[FixIn] = Field(min_length=1)


class IngestedOut(BaseModel):
    stored: int
    on_road: int = Field(description="How many fixes lie close enough to a road to be placed on the graph")


class PositionOut(BaseModel):
    unit_id: int
    call_sign: str
    district: str
    district_now: str | None = Field(default=None, description="The district the position lies in")
    at: datetime
    age_s: float
    stale: bool = Field(description="Older than KUZET_POSITION_STALE_SECONDS")
    lat: float
    lon: float
    speed_kmh: float | None
    heading: float | None
    accuracy_m: float | None
    road_lat: float | None
    road_lon: float | None
    road_distance_m: float | None
    source: str

    @classmethod
    def from_domain(
        cls,
        call_sign: str,
        district: str,
        p: Position,
        *,
        now: datetime,
        stale_after: float,
        district_now: str | None = None,
    ) -> PositionOut:
        age = p.age_seconds(now)
        return cls(
            unit_id=p.unit_id,
            call_sign=call_sign,
            district=district,
            district_now=district_now,
            at=p.at,
            age_s=round(age, 1),
            stale=age > stale_after,
            lat=p.lat,
            lon=p.lon,
            speed_kmh=p.speed_kmh,
            heading=p.heading,
            accuracy_m=p.accuracy_m,
            road_lat=p.road_lat,
            road_lon=p.road_lon,
            road_distance_m=p.road_distance_m,
            source=p.source,
        )
