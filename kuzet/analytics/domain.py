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
    # The interval's own names by language (ru, kk, en), for a custom interval that has them.
    names: tuple[tuple[str, str], ...] = ()

    def name_in(self, locale: str) -> str | None:
        """Its own name in the language (else in Russian, else in English); None: it has none."""
        named = dict(self.names)
        return named.get(locale) or named.get("ru") or named.get("en")

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


@dataclass(frozen=True)
class CustomInterval:
    """A custom interval as the settings give it in full: its stamps, its names by language, its target."""

    stamps: Sequence[str]
    names: Mapping[str, str] = field(default_factory=dict)
    target_minutes: float | None = None


NAME_LANGUAGES: Final = ("ru", "kk", "en")


def define_intervals(custom: Mapping[str, Sequence[str] | CustomInterval]) -> tuple[IntervalDefinition, ...]:
    """The standard intervals followed by the custom ones, each checked: a plain new name and two stamps,
    given as [from_stamp, to_stamp] or in full (with names in ru, kk and en and a target of its own)."""
    standard_names = {i.name for i in STANDARD_INTERVALS}
    defined = list(STANDARD_INTERVALS)
    for name, given in custom.items():
        full = given if isinstance(given, CustomInterval) else CustomInterval(given)
        stamps = full.stamps
        if not NAME.match(name) or name in standard_names:
            raise AnalyticsConfigError(f"KUZET_ANALYTICS_INTERVALS: {name!r} is not a usable interval name")
        if len(stamps) != 2 or not all(NAME.match(s) for s in stamps) or stamps[0] == stamps[1]:
            raise AnalyticsConfigError(
                f"KUZET_ANALYTICS_INTERVALS: {name!r} needs two different stamps, as [from_stamp, to_stamp]"
            )
        odd = [k for k, v in full.names.items() if k not in NAME_LANGUAGES or not v.strip()]
        if odd:
            raise AnalyticsConfigError(
                f"KUZET_ANALYTICS_INTERVALS: {name!r} names languages as ru, kk and en, each with a name "
                f"(not {', '.join(map(repr, odd))})"
            )
        if full.target_minutes is not None and full.target_minutes <= 0:
            raise AnalyticsConfigError(f"KUZET_ANALYTICS_INTERVALS: {name!r} needs a positive target_minutes")
        names = tuple((k, full.names[k].strip()) for k in NAME_LANGUAGES if k in full.names)
        defined.append(IntervalDefinition(name, stamps[0], stamps[1], names=names))
    return tuple(defined)


def custom_targets(custom: Mapping[str, Sequence[str] | CustomInterval]) -> dict[str, float]:
    """The targets (minutes) that custom intervals given in full carry of their own."""
    return {
        name: given.target_minutes
        for name, given in custom.items()
        if isinstance(given, CustomInterval) and given.target_minutes is not None
    }


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
    """What rows can be grouped and filtered by. Time dimensions are local, in the query's calendar (the
    region's zone unless said otherwise). An imported incident also has the source's own priority and category
    as they were written, and any further columns its mapping kept (`source.<name>`, see SOURCE_PREFIX)."""

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
    SOURCE_PRIORITY = "source_priority"  # an imported incident's priority as the source wrote it
    SOURCE_CATEGORY = "source_category"  # an imported incident's call type as the source wrote it


# A source's own dimension (a column the import mapping kept by name): `source.<name>`. Dimensions are keyed
# by their names, so a built-in one (a StrEnum member) and a source one are both plain texts.
SOURCE_PREFIX: Final = "source."
DimensionKey = str


def source_dimension(name: str) -> str | None:
    """The source dimension's own name (`agency` for `source.agency`), or None for any other name."""
    if not name.startswith(SOURCE_PREFIX):
        return None
    own = name.removeprefix(SOURCE_PREFIX)
    return own if NAME.match(own) else None


def is_dimension(name: str) -> bool:
    return name in _BUILT_IN or source_dimension(name) is not None


_BUILT_IN: Final = frozenset(d.value for d in Dimension)


class WeekStart(StrEnum):
    MONDAY = "monday"  # ISO 8601 weeks
    SUNDAY = "sunday"  # Sunday to Saturday, numbered as the ISO week of their Monday (the MMWR weeks)


@dataclass(frozen=True)
class Calendar:
    """The local time that dates, hours, weekdays, weeks and months are read in. Weekdays stay numbered
    ISO (1 = Monday … 7 = Sunday) whatever the week's first day; the first day changes the weeks."""

    zone: str
    week_start: WeekStart = WeekStart.MONDAY


# The calendar the snapshot's own time columns are written in; any other is derived per query.
STORED_CALENDAR: Final = Calendar("Asia/Almaty", WeekStart.MONDAY)
TIME_DIMENSIONS: Final = frozenset(
    {Dimension.HOUR, Dimension.WEEKDAY, Dimension.WEEK, Dimension.MONTH, Dimension.YEAR}
)


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
    filters: Mapping[DimensionKey, tuple[FilterValue, ...]] = field(default_factory=dict)
    group_by: tuple[DimensionKey, ...] = ()
    calendar: Calendar | None = None  # None: the one the service chooses (the region's, or an import's own)

    def checked(self) -> Query:
        problems = period_problems(self.first, self.last)
        if len(set(self.group_by)) != len(self.group_by):
            problems.append(FieldError("group_by", N_("A dimension is named twice."), "repeated", "query"))
        for dimension, values in self.filters.items():
            if not values:
                problems.append(FieldError(str(dimension), N_("Give at least one value."), "empty", "query"))
        if problems:
            raise InvalidInput(problems)
        return self

    def narrowed(self, dimension: DimensionKey, value: FilterValue) -> Query:
        filters = {**self.filters, dimension: (value,)}
        return Query(self.first, self.last, self.origin, filters, self.group_by, self.calendar)

    def derives(self) -> bool:
        """Whether its dimensions or dates need columns the snapshot does not hold ready."""
        names = [*self.group_by, *self.filters]
        other_calendar = self.calendar is not None and self.calendar != STORED_CALENDAR
        return other_calendar or any(source_dimension(n) for n in names)


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
    group_by: tuple[DimensionKey, ...]
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
    group_by: tuple[DimensionKey, ...]
    rows: tuple[CountRow, ...]
    total: int
    merged_excluded: int
    snapshot: SnapshotInfo
