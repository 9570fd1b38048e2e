"""Route of what analytics can be grouped and filtered by: our own dimensions, and the source dimensions of
the imported incidents stored (the source's priority and call type as written, and each column an import's
mapping kept as `source.<name>`), with the calendars of those imports beside the region's. The console builds
its group-by choices and its calendar note from it.

The names come from the reports of whole imports (finished, status `imported`): what analytics reads. An
import recorded before its report named its mapping's dimensions adds none of its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from kuzet.analytics.cad.store import CadImportRepository
from kuzet.analytics.domain import NAME, SOURCE_PREFIX, Dimension, WeekStart
from kuzet.analytics.service import region_calendar
from kuzet.core.actor import Actor
from kuzet.core.auth.domain import Permission
from kuzet.core.deps import ServicesDep, UowDep, require

router = APIRouter(prefix="/api/v1/analytics", tags=["analytics"])
Stats = Annotated[Actor, Depends(require(Permission.STATS_READ))]

# The source's own priority and call type, which every imported incident has.
SOURCE_WRITTEN = (Dimension.SOURCE_PRIORITY.value, Dimension.SOURCE_CATEGORY.value)
# Ours: every built-in dimension but the source's (`origin` among them: live or imported).
OURS = tuple(d.value for d in Dimension if d.value not in SOURCE_WRITTEN)
# What an import recorded without a calendar in its report was read in (as the snapshot assumes too).
OLDER_ZONE, OLDER_WEEK_START = "Asia/Almaty", WeekStart.MONDAY


class CalendarOut(BaseModel):
    tz: str = Field(description="IANA zone of local dates, hours and weeks")
    week_start: WeekStart


class DimensionsOut(BaseModel):
    built_in: list[str] = Field(description="Our own dimensions (live and imported incidents have them)")
    source: list[str] = Field(
        description="The source dimensions of the whole imports stored: source_priority, source_category "
        "and source.<name> for each column an import mapping kept; empty without imports"
    )
    region_calendar: CalendarOut = Field(description="The default calendar (KUZET_ANALYTICS_TIMEZONE …)")
    import_calendars: list[CalendarOut] = Field(
        description="The distinct calendars of the whole imports stored; a query over imported data of one "
        "calendar uses it by default"
    )


def source_dimensions(reports: Iterable[Mapping[str, Any]]) -> list[str]:
    """source_priority and source_category when any import is stored, then each kept column's
    `source.<name>` in name order (a name that is not one of ours is left out)."""
    names: set[str] = set()
    seen = False
    for report in reports:
        seen = True
        kept = report.get("dimensions") or []
        names.update(str(n) for n in kept if isinstance(n, str) and NAME.match(n))
    if not seen:
        return []
    return [*SOURCE_WRITTEN, *(f"{SOURCE_PREFIX}{n}" for n in sorted(names))]


def import_calendars(reports: Iterable[Mapping[str, Any]]) -> list[CalendarOut]:
    found = {
        (str(r.get("zone") or OLDER_ZONE), WeekStart(str(r.get("week_start") or OLDER_WEEK_START)))
        for r in reports
    }
    return [CalendarOut(tz=zone, week_start=start) for zone, start in sorted(found)]


@router.get(
    "/dimensions",
    response_model=DimensionsOut,
    summary="What analytics groups and filters by, and the calendars of the imported data",
)
def dimensions(actor: Stats, uow: UowDep, services: ServicesDep) -> DimensionsOut:
    with uow:
        reports = uow.repo(CadImportRepository).whole_reports()
    region = region_calendar(services.settings)
    return DimensionsOut(
        built_in=list(OURS),
        source=source_dimensions(reports),
        region_calendar=CalendarOut(tz=region.zone, week_start=region.week_start),
        import_calendars=import_calendars(reports),
    )
