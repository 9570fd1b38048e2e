"""API shapes of incidents, their cards, timelines, categories and overdue timers."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from kuzet.core.ids import RowId
from kuzet.incidents.catalogue import Agency, Category, Group, search_words
from kuzet.incidents.domain import INJURED_MAX, Disposition, Incident, IncidentStatus, intervals
from kuzet.incidents.rules import Breach, Overdue, Suggestion
from kuzet.incidents.store import TimelineEvent


def _seconds(value: Any) -> float | None:
    return None if value is None else value.total_seconds()


class StampsOut(BaseModel):
    received_at: datetime
    first_dispatched_at: datetime | None
    first_en_route_at: datetime | None
    first_on_scene_at: datetime | None
    cleared_at: datetime | None
    closed_at: datetime | None


class IntervalsOut(BaseModel):
    """Seconds; null while the interval has not ended."""

    call_processing: float | None
    turnout: float | None
    travel: float | None
    response: float | None


class IncidentOut(BaseModel):
    id: int
    number: str
    status: IncidentStatus
    category_code: str
    priority: int
    district: str | None
    lat: float | None
    lon: float | None
    address: str | None
    description: str
    stamps: StampsOut
    intervals: IntervalsOut
    disposition: Disposition | None
    merged_into_id: int | None
    reopen_count: int
    reopened_at: datetime | None
    location_verified_by: str | None
    injured: int | None = Field(default=None, description="How many are hurt (null: not known)")
    handover_ack_due_at: datetime | None = Field(
        default=None,
        description="The earliest deadline of a hand-over its service has not acknowledged (queue and card)",
    )

    @classmethod
    def from_domain(cls, incident: Incident, *, handover_ack_due_at: datetime | None = None) -> IncidentOut:
        stamps = incident.stamps
        spans = intervals(stamps)
        return cls(
            id=incident.id,
            number=incident.number,
            status=incident.status,
            category_code=incident.category_code,
            priority=incident.priority,
            district=incident.district,
            lat=incident.lat,
            lon=incident.lon,
            address=incident.address,
            description=incident.description,
            stamps=StampsOut(**vars(stamps)),
            intervals=IntervalsOut(
                **{name: _seconds(getattr(spans, name)) for name in IntervalsOut.model_fields}
            ),
            disposition=incident.disposition,
            merged_into_id=incident.merged_into_id,
            reopen_count=incident.reopen_count,
            reopened_at=incident.reopened_at,
            location_verified_by=incident.location_verified_by,
            injured=incident.injured,
            handover_ack_due_at=handover_ack_due_at,
        )


class TimelineEntryOut(BaseModel):
    id: int
    incident_id: int
    at: datetime
    actor: str
    role: str | None
    kind: str
    data: dict[str, Any]

    @classmethod
    def from_domain(cls, event: TimelineEvent) -> TimelineEntryOut:
        return cls(**vars(event))


class TransitionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: IncidentStatus
    disposition: Disposition | None = None
    note: str | None = Field(default=None, max_length=2000)


class ReasonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=2000)


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    text: str = Field(min_length=1, max_length=2000, description="The note, as the operator typed it")


class InjuredIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    injured: int | None = Field(ge=0, le=INJURED_MAX, description="How many are hurt; null: not known")


class RecategoriseIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    category_code: str = Field(min_length=1, max_length=60)
    priority: int | None = Field(
        default=None, ge=1, le=4, description="Default: the new category's own priority"
    )
    reason: str = Field(min_length=1, max_length=2000, description="Why: what the incident turned out to be")


class MergeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    child_id: RowId


class SuggestionOut(BaseModel):
    incident: IncidentOut
    distance_m: float
    minutes_apart: float
    same_category: bool
    score: float

    @classmethod
    def from_domain(cls, suggestion: Suggestion) -> SuggestionOut:
        return cls(
            incident=IncidentOut.from_domain(suggestion.incident),
            distance_m=round(suggestion.distance_m, 1),
            minutes_apart=round(suggestion.minutes_apart, 2),
            same_category=suggestion.same_category,
            score=round(suggestion.score, 4),
        )


class OverdueOut(BaseModel):
    incident: IncidentOut
    breach: Breach
    waited_seconds: float
    threshold_seconds: float
    over_by_seconds: float

    @classmethod
    def from_domain(cls, late: Overdue) -> OverdueOut:
        return cls(
            incident=IncidentOut.from_domain(late.incident),
            breach=late.breach,
            waited_seconds=late.waited.total_seconds(),
            threshold_seconds=late.threshold.total_seconds(),
            over_by_seconds=late.over_by.total_seconds(),
        )


class CategoryNames(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ru: str = Field(min_length=1, max_length=200)
    kk: str = Field(min_length=1, max_length=200)
    en: str = Field(min_length=1, max_length=200)


class CategoryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    group: Group
    priority: int = Field(ge=1, le=4)
    agencies: list[Agency] = Field(default_factory=list)
    name: CategoryNames
    active: bool = True

    def to_domain(self, code: str) -> Category:
        return Category(
            code, self.group, self.priority, tuple(self.agencies), self.name.model_dump(), self.active
        )


class CategoryOut(BaseModel):
    code: str
    group: Group
    priority: int
    agencies: list[Agency]
    name: dict[str, str]
    active: bool
    words: dict[str, list[str]] = Field(
        default_factory=dict, description="Other words for it per language, that the category search matches"
    )

    @classmethod
    def from_domain(cls, category: Category) -> CategoryOut:
        return cls(
            code=category.code,
            group=category.group,
            priority=category.priority,
            agencies=list(category.agencies),
            name=dict(category.names),
            active=category.active,
            words={locale: list(words) for locale, words in search_words(category.code).items()},
        )


class AlarmAckIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    alarm: Literal["new_p1", "overdue", "no_place", "late_arrival", "handover_overdue"] = Field(
        description="Which alarm the operator heard"
    )


class LocationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    address: str | None = Field(default=None, max_length=500)
