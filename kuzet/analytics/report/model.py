"""What a period report says, as plain data: the renderers (HTML, XLSX, PDF) only lay it out.

Durations are in seconds; a figure that cannot be computed (no data) is None, never zero.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kuzet.cctv.coverage_section import CoverageSection


@dataclass(frozen=True)
class IntervalFigures:
    interval: str  # call_processing, turnout, travel, response, or a custom name
    n: int
    mean_s: float | None
    median_s: float | None
    p90_s: float | None
    min_s: float | None
    max_s: float | None
    within_target_pct: float | None
    excluded_missing: int = 0
    excluded_negative: int = 0
    label: str = ""  # the interval's name as printed ('' : the built-in name of the code)


@dataclass(frozen=True)
class IntervalTable:
    """One row of interval figures per group (the group is '' for the whole period)."""

    dimension: str  # '' (overall), priority, district, …
    rows: list[tuple[str, list[IntervalFigures]]]


@dataclass(frozen=True)
class Count:
    label: str
    count: int


@dataclass(frozen=True)
class MonthTrend:
    month: str  # YYYY-MM
    incidents: int
    previous_incidents: int | None  # the same month of the previous period
    response_median_s: float | None


@dataclass(frozen=True)
class JointFigures:
    """One interval of the joint response: from our request to an agency's step."""

    interval: str  # acknowledged, dispatched, on_scene
    n: int
    median_s: float | None
    p90_s: float | None
    mean_s: float | None
    excluded_negative: int = 0


@dataclass(frozen=True)
class JointLine:
    """One agency (category '': all its categories), or one agency and category, with its answers counted."""

    agency: str  # as printed
    category: str  # as printed; '' for the agency's line
    requested: int
    accepted: int
    rejected: int
    unanswered: int
    late: int
    cancelled: int
    intervals: list[JointFigures]


@dataclass(frozen=True)
class JointSection:
    """Joint response with other services: each agency's line followed by its categories' lines."""

    basis: str  # agency (the agency's own clock) or received (our receipt)
    lines: list[JointLine]


@dataclass(frozen=True)
class ReportData:
    region: str
    locale: str
    start: date  # first local day of the period
    end: date  # last local day, inclusive
    incidents: int
    appeals: int
    previous_incidents: int | None
    appeals_by_channel: list[Count]
    appeals_by_partner: list[Count]
    incidents_by_category: list[Count]
    incidents_by_priority: list[Count]
    intervals: list[IntervalTable]  # overall first, then by priority and by district
    heatmap: list[list[int]]  # [weekday 0=Monday][local hour 0..23] → incidents
    trend: list[MonthTrend]
    data_quality: list[tuple[str, int]] = field(default_factory=list)
    imported_included: bool = False
    joint: JointSection | None = None  # None: not asked for (a section with no lines: no hand-overs)
    coverage: CoverageSection | None = None  # camera coverage of incidents (kuzet.cctv.coverage_report)
    # What the report is over, for its title: the district's name, the origin (live, imported, all) and
    # the sources (mappings) of the imported incidents of the period.
    district: str | None = None
    origin: str = "live"
    sources: list[str] = field(default_factory=list)
    targets: list[tuple[str, str]] = field(default_factory=list)  # interval as printed, its target

    def overall(self, interval: str) -> IntervalFigures | None:
        for table in self.intervals:
            if table.dimension == "" and table.rows:
                return next((f for f in table.rows[0][1] if f.interval == interval), None)
        return None
