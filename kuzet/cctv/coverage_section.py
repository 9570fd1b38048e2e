"""The period report's section "Camera coverage of incidents" as plain data (made by `coverage_report`, laid
out by the report's renderers). Kept apart from its words, so that the report's model names it without an
import cycle."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CoverageLine:
    label: str  # as printed: a month (2025-06), a district's name, or the total
    incidents: int
    seen: int
    share: float | None  # 0-1
    not_seen: dict[str, int]


@dataclass(frozen=True)
class CoverageSection:
    by_month: list[CoverageLine]  # the total last
    by_district: list[CoverageLine]
    left_out: int  # incidents without a place
