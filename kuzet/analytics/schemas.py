"""API shapes of analytics: interval statistics (seconds) with their data-quality section, and counts."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from kuzet.analytics.domain import (
    CountReport,
    DataQuality,
    FilterValue,
    IntervalDefinition,
    IntervalReport,
    IntervalSummary,
    Measure,
    Origin,
    Query,
    SnapshotInfo,
    Targets,
    WeekStart,
)


class SnapshotOut(BaseModel):
    refreshed_at: datetime | None = Field(description="When the snapshot's last refresh began")
    version: int
    rows: int = Field(description="Incidents in the snapshot, live and imported, merged-away ones included")

    @classmethod
    def from_domain(cls, info: SnapshotInfo) -> SnapshotOut:
        return cls(refreshed_at=info.refreshed_at, version=info.version, rows=info.rows)


class SelectionOut(BaseModel):
    """The query as it was answered (a district's staff get their district added), with the calendar its
    dates, hours and weeks were read in."""

    first: date | None = Field(serialization_alias="from")
    last: date | None = Field(serialization_alias="to")
    origin: Origin
    filters: dict[str, list[FilterValue]] = Field(
        description="By dimension: a built-in one, or a source's own as source.<name>"
    )
    group_by: list[str]
    tz: str | None = Field(default=None, description="The IANA zone of its local dates and times")
    week_start: WeekStart | None = None

    @classmethod
    def from_domain(cls, query: Query) -> SelectionOut:
        calendar = query.calendar
        return cls(
            first=query.first,
            last=query.last,
            origin=query.origin,
            filters={str(d): list(v) for d, v in query.filters.items()},
            group_by=[str(d) for d in query.group_by],
            tz=calendar.zone if calendar and calendar.zone else None,
            week_start=calendar.week_start if calendar else None,
        )


class IntervalDefinitionOut(BaseModel):
    name: str
    start: str = Field(description="The stamp it runs from")
    end: str = Field(description="The stamp it runs to")
    standard: bool
    names: dict[str, str] = Field(
        default_factory=dict, description="The interval's own names in ru, kk and en (a custom one's)"
    )
    target_minutes: dict[int, float] | float | None = Field(
        description="Per priority (response), one for all incidents, or none"
    )

    @classmethod
    def from_domain(cls, interval: IntervalDefinition, targets: Targets) -> IntervalDefinitionOut:
        target = targets.minutes(interval.name)
        return cls(
            name=interval.name,
            start=interval.start,
            end=interval.end,
            standard=interval.standard,
            names=dict(interval.names),
            target_minutes=dict(target) if isinstance(target, Mapping) else target,
        )


class IntervalStatsOut(BaseModel):
    """Seconds over the valid intervals (null when n = 0); median and p90 by linear interpolation."""

    n: int
    mean_s: float | None
    median_s: float | None
    p90_s: float | None
    min_s: float | None
    max_s: float | None
    within_target_pct: float | None = Field(description="Of the valid intervals that have a target")
    missing: int
    negative: int

    @classmethod
    def from_domain(cls, s: IntervalSummary) -> IntervalStatsOut:
        return cls(
            n=s.n,
            mean_s=s.mean,
            median_s=s.median,
            p90_s=s.p90,
            min_s=s.minimum,
            max_s=s.maximum,
            within_target_pct=s.within_target_pct,
            missing=s.missing,
            negative=s.negative,
        )


class IntervalRowOut(BaseModel):
    group: dict[str, FilterValue | None]
    incidents: int
    reopened: int = Field(description="Of the incidents, those reopened (each counted once)")
    intervals: dict[str, IntervalStatsOut]


class IntervalQualityOut(BaseModel):
    missing: int
    negative: int


class DataQualityOut(BaseModel):
    """Counted incidents; merged-away ones left out (they live on in their parent); reopened ones among the
    counted (each counted once, with its original stamps); missing and negative intervals, left out."""

    incidents: int
    merged_excluded: int
    reopened: int
    intervals: dict[str, IntervalQualityOut]

    @classmethod
    def from_domain(cls, quality: DataQuality) -> DataQualityOut:
        return cls(
            incidents=quality.incidents,
            merged_excluded=quality.merged_excluded,
            reopened=quality.reopened,
            intervals={
                name: IntervalQualityOut(missing=q.missing, negative=q.negative)
                for name, q in quality.intervals.items()
            },
        )


class IntervalStatisticsOut(BaseModel):
    unit: Literal["seconds"] = "seconds"
    selection: SelectionOut
    intervals: list[IntervalDefinitionOut]
    rows: list[IntervalRowOut]
    data_quality: DataQualityOut
    snapshot: SnapshotOut
    explanation: str | None = Field(
        default=None,
        description="When nothing was found: why, in the caller's language (the other origin's matches, "
        "the caller's districts); null otherwise",
    )

    @classmethod
    def from_domain(
        cls, query: Query, report: IntervalReport, targets: Targets, explanation: str | None = None
    ) -> IntervalStatisticsOut:
        (table,) = report.tables
        return cls(
            explanation=explanation,
            selection=SelectionOut.from_domain(query),
            intervals=[IntervalDefinitionOut.from_domain(i, targets) for i in report.intervals],
            rows=[
                IntervalRowOut(
                    group=dict(r.group),
                    incidents=r.incidents,
                    reopened=r.reopened,
                    intervals={n: IntervalStatsOut.from_domain(s) for n, s in r.intervals.items()},
                )
                for r in table.rows
            ],
            data_quality=DataQualityOut.from_domain(report.data_quality),
            snapshot=SnapshotOut.from_domain(report.snapshot),
        )


class CountRowOut(BaseModel):
    group: dict[str, FilterValue | None]
    count: int


class CountsOut(BaseModel):
    measure: Measure
    selection: SelectionOut
    rows: list[CountRowOut]
    total: int
    merged_excluded: int = Field(
        description="Merged-away incidents of the selection, not counted as incidents"
    )
    snapshot: SnapshotOut
    explanation: str | None = Field(
        default=None,
        description="When nothing was found: why, in the caller's language (the other origin's matches, "
        "the caller's districts); null otherwise",
    )

    @classmethod
    def from_domain(cls, query: Query, report: CountReport, explanation: str | None = None) -> CountsOut:
        return cls(
            explanation=explanation,
            measure=report.measure,
            selection=SelectionOut.from_domain(query),
            rows=[CountRowOut(group=dict(r.group), count=r.count) for r in report.rows],
            total=report.total,
            merged_excluded=report.merged_excluded,
            snapshot=SnapshotOut.from_domain(report.snapshot),
        )
