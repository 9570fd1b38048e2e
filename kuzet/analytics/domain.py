"""Response-time analytics (DESIGN §5): what an interval is, what is counted, and the shapes of the answers.

An interval runs from one stamp to another. The four standard ones are fixed; a region adds its own in
configuration over any stamp the snapshot carries (an incident's, its first assignment's as `unit_*`, or a
further stamp of an imported incident by its name). An interval that is missing (a stamp absent) or negative
(the end before the start) is left out of the statistics and counted in the data-quality section, never
clamped. Merged-away incidents are not incidents of their own (they live on in their parent); a reopened
incident counts once, with its original stamps.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Final

from kuzet.core.errors import FieldError, InvalidInput
from kuzet.core.i18n import N_

INCIDENT_STAMPS: Final = (
    "received_at",
    "first_dispatched_at",
    "first_en_route_at",
    "first_on_scene_at",
    "cleared_at",
    "closed_at",
)
# The first assignment's own stamps, named apart from the incident's.
UNIT_STAMPS: Final = (
    "unit_assigned_at",
    "unit_acknowledged_at",
    "unit_en_route_at",
    "unit_on_scene_at",
    "unit_cleared_at",
)
SNAPSHOT_STAMPS: Final = INCIDENT_STAMPS + UNIT_STAMPS
# Names of intervals and of further (imported) stamps: they become column names, so they are kept plain.
NAME: Final = re.compile(r"^[a-z][a-z0-9_]{0,47}$")


class AnalyticsConfigError(ValueError):
    """A custom interval or a target in the configuration is malformed; the message names it."""


@dataclass(frozen=True)
class IntervalDefinition:
    name: str
    start: str
    end: str
    standard: bool = False

    @property
    def extra_stamps(self) -> tuple[str, ...]:
        """Stamps that are not snapshot columns: looked up among an imported incident's further stamps."""
        return tuple(s for s in (self.start, self.end) if s not in SNAPSHOT_STAMPS)


STANDARD_INTERVALS: Final = (
    IntervalDefinition("call_processing", "received_at", "first_dispatched_at", standard=True),
    IntervalDefinition("turnout", "first_dispatched_at", "first_en_route_at", standard=True),
    IntervalDefinition("travel", "first_en_route_at", "first_on_scene_at", standard=True),
    IntervalDefinition("response", "received_at", "first_on_scene_at", standard=True),
)
RESPONSE: Final = "response"


def define_intervals(custom: Mapping[str, Sequence[str]]) -> tuple[IntervalDefinition, ...]:
    """The standard intervals followed by the custom ones, each checked: a plain new name and two stamps."""
    standard_names = {i.name for i in STANDARD_INTERVALS}
    defined = list(STANDARD_INTERVALS)
    for name, stamps in custom.items():
        if not NAME.match(name) or name in standard_names:
            raise AnalyticsConfigError(f"KUZET_ANALYTICS_INTERVALS: {name!r} is not a usable interval name")
        if len(stamps) != 2 or not all(NAME.match(s) for s in stamps) or stamps[0] == stamps[1]:
            raise AnalyticsConfigError(
                f"KUZET_ANALYTICS_INTERVALS: {name!r} needs two different stamps, as [from_stamp, to_stamp]"
            )
        defined.append(IntervalDefinition(name, stamps[0], stamps[1]))
    return tuple(defined)


@dataclass(frozen=True)
class Targets:
    """Targets in minutes: the response target per priority, and flat targets of other intervals."""

    response_by_priority: Mapping[int, float]
    flat: Mapping[str, float] = field(default_factory=dict)

    def check(self, intervals: Sequence[IntervalDefinition]) -> Targets:
        names = {i.name for i in intervals}
        for name, minutes in self.flat.items():
            if name == RESPONSE or name not in names or minutes <= 0:
                raise AnalyticsConfigError(
                    f"KUZET_ANALYTICS_TARGET_MINUTES: {name!r} is not an interval with a target of its own "
                    "(the response target is KUZET_RESPONSE_TARGET_MINUTES)"
                )
        return self

    def seconds(self, interval: str) -> Mapping[int, float] | float | None:
        """Per priority (response), one value for all incidents, or None (no target)."""
        if interval == RESPONSE:
            return {p: m * 60.0 for p, m in self.response_by_priority.items()}
        minutes = self.flat.get(interval)
        return None if minutes is None else minutes * 60.0

    def minutes(self, interval: str) -> Mapping[int, float] | float | None:
        return dict(self.response_by_priority) if interval == RESPONSE else self.flat.get(interval)


class Dimension(StrEnum):
    """What rows can be grouped and filtered by. Time dimensions are local (Asia/Almaty)."""

    ORIGIN = "origin"
    PRIORITY = "priority"
    CATEGORY = "category"
    CATEGORY_GROUP = "category_group"
    DISTRICT = "district"
    CHANNEL = "channel"
    PARTNER = "partner"
    UNIT_TYPE = "unit_type"
    HOUR = "hour"  # 0-23
    WEEKDAY = "weekday"  # ISO: 1 = Monday … 7 = Sunday
    WEEK = "week"  # ISO year and week: 2026-W05
    MONTH = "month"  # 2026-05
    YEAR = "year"


INTEGER_DIMENSIONS: Final = frozenset({Dimension.PRIORITY, Dimension.HOUR, Dimension.WEEKDAY, Dimension.YEAR})
# Dimensions an appeal has of its own; the others are its incident's.
APPEAL_DIMENSIONS: Final = frozenset(
    {
        Dimension.CHANNEL,
        Dimension.PARTNER,
        Dimension.HOUR,
        Dimension.WEEKDAY,
        Dimension.WEEK,
        Dimension.MONTH,
        Dimension.YEAR,
    }
)


class Origin(StrEnum):
    LIVE = "live"
    IMPORTED = "imported"
    ALL = "all"


class Measure(StrEnum):
    """What counts count: incidents (channel and partner are those of the first appeal), or appeals (each
    with its own channel, partner and time; the appeals of merged-away incidents count too)."""

    INCIDENTS = "incidents"
    APPEALS = "appeals"


FilterValue = int | str
# The dates a period may name: wide enough for any record and plan, narrow enough that a period before
# the period (the reports compare with it) is still a date.
EARLIEST, LATEST = date(1900, 1, 1), date(2199, 12, 31)


def period_problems(first: date | None, last: date | None) -> list[FieldError]:
    problems = [
        FieldError(name, N_("Must be between {earliest} and {latest}."), "out_of_range", "query", _RANGE)
        for name, day in (("from", first), ("to", last))
        if day is not None and not EARLIEST <= day <= LATEST
    ]
    if first and last and first > last:
        problems.append(FieldError("to", N_("The period ends before it starts."), "period", "query"))
    return problems


_RANGE = {"earliest": EARLIEST.isoformat(), "latest": LATEST.isoformat()}


@dataclass(frozen=True)
class Query:
    """Which incidents: received in [first, last] (local dates, both inclusive), of the given origin, with
    each filtered dimension among its values; grouped by the given dimensions (none: one overall row)."""

    first: date | None = None
    last: date | None = None
    origin: Origin = Origin.LIVE
    filters: Mapping[Dimension, tuple[FilterValue, ...]] = field(default_factory=dict)
    group_by: tuple[Dimension, ...] = ()

    def checked(self) -> Query:
        problems = period_problems(self.first, self.last)
        if len(set(self.group_by)) != len(self.group_by):
            problems.append(FieldError("group_by", N_("A dimension is named twice."), "repeated", "query"))
        for dimension, values in self.filters.items():
            if not values:
                problems.append(FieldError(dimension.value, N_("Give at least one value."), "empty", "query"))
        if problems:
            raise InvalidInput(problems)
        return self

    def narrowed(self, dimension: Dimension, value: FilterValue) -> Query:
        return Query(self.first, self.last, self.origin, {**self.filters, dimension: (value,)}, self.group_by)


@dataclass(frozen=True)
class IntervalSummary:
    """Seconds over the valid intervals; n = 0 gives None. `within_target_pct` is over the valid intervals
    that have a target; None when none has one."""

    n: int
    mean: float | None
    median: float | None
    p90: float | None
    minimum: float | None
    maximum: float | None
    within_target_pct: float | None
    missing: int
    negative: int


@dataclass(frozen=True)
class GroupRow:
    group: Mapping[str, FilterValue | None]
    incidents: int
    intervals: Mapping[str, IntervalSummary]
    reopened: int = 0  # of the incidents, those reopened (counted once)


@dataclass(frozen=True)
class IntervalQuality:
    missing: int
    negative: int


@dataclass(frozen=True)
class DataQuality:
    """Over the incidents the query selects: how many were counted, how many merged-away ones were left out,
    how many counted ones were reopened (each once), and per interval the missing and negative ones."""

    incidents: int
    merged_excluded: int
    reopened: int
    intervals: Mapping[str, IntervalQuality]

    @classmethod
    def of_rows(cls, rows: Sequence[GroupRow], names: Sequence[str], *, merged_excluded: int) -> DataQuality:
        """Summed over the rows of one grouping: each grouping splits the same selection."""
        return cls(
            incidents=sum(r.incidents for r in rows),
            merged_excluded=merged_excluded,
            reopened=sum(r.reopened for r in rows),
            intervals={
                name: IntervalQuality(
                    missing=sum(r.intervals[name].missing for r in rows),
                    negative=sum(r.intervals[name].negative for r in rows),
                )
                for name in names
            },
        )


@dataclass(frozen=True)
class SnapshotInfo:
    refreshed_at: datetime | None
    version: int
    rows: int


@dataclass(frozen=True)
class IntervalTable:
    group_by: tuple[Dimension, ...]
    rows: tuple[GroupRow, ...]


@dataclass(frozen=True)
class IntervalReport:
    intervals: tuple[IntervalDefinition, ...]
    tables: tuple[IntervalTable, ...]
    data_quality: DataQuality
    snapshot: SnapshotInfo


@dataclass(frozen=True)
class CountRow:
    group: Mapping[str, FilterValue | None]
    count: int


@dataclass(frozen=True)
class CountReport:
    measure: Measure
    group_by: tuple[Dimension, ...]
    rows: tuple[CountRow, ...]
    total: int
    merged_excluded: int
    snapshot: SnapshotInfo
