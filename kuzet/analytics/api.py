"""Routes of analytics: interval statistics and counts for the console's analytics page and the reports.

Lists are comma-separated (`group_by=priority,district`, `priority=1,2`); dates are local (Asia/Almaty) and
both ends are included; `origin` is live by default, imported only when asked, or all.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi import Query as Param

from kuzet.analytics import service
from kuzet.analytics.domain import INTEGER_DIMENSIONS, Dimension, FilterValue, Measure, Origin, Query
from kuzet.analytics.schemas import CountsOut, IntervalStatisticsOut
from kuzet.core.actor import Actor
from kuzet.core.auth.domain import Permission
from kuzet.core.deps import ServicesDep, UowDep, require
from kuzet.core.errors import FieldError, InvalidInput
from kuzet.core.i18n import N_

router = APIRouter(prefix="/api/v1/analytics", tags=["analytics"])
Stats = Annotated[Actor, Depends(require(Permission.STATS_READ))]
Listed = Annotated[str | None, Param(description="Comma-separated values")]


def _split(text: str | None) -> list[str] | None:
    return None if text is None else [part.strip() for part in text.split(",") if part.strip()]


def _dimensions(text: str | None, problems: list[FieldError]) -> tuple[Dimension, ...]:
    names = _split(text) or []
    known = {d.value for d in Dimension}
    unknown = [n for n in names if n not in known]
    if unknown:
        problems.append(
            FieldError(
                "group_by",
                N_("Unknown dimension {value}; use one of: {expected}."),
                "unknown_dimension",
                "query",
                {"value": ", ".join(unknown), "expected": ", ".join(d.value for d in Dimension)},
            )
        )
        return ()
    return tuple(Dimension(n) for n in names)


def _values(dimension: Dimension, text: str, problems: list[FieldError]) -> tuple[FilterValue, ...]:
    parts = _split(text) or []
    if dimension not in INTEGER_DIMENSIONS:
        return tuple(parts)
    try:
        return tuple(int(p) for p in parts)
    except ValueError:
        problems.append(
            FieldError(
                dimension.value, N_("Must be whole numbers separated by commas."), "int_parsing", "query"
            )
        )
        return ()


def selection(
    first: Annotated[date | None, Param(alias="from", description="First local date, included")] = None,
    last: Annotated[date | None, Param(alias="to", description="Last local date, included")] = None,
    origin: Origin = Origin.LIVE,
    group_by: Listed = None,
    priority: Listed = None,
    category: Listed = None,
    category_group: Listed = None,
    district: Listed = None,
    channel: Listed = None,
    partner: Listed = None,
    unit_type: Listed = None,
    hour: Listed = None,
    weekday: Listed = None,
    week: Listed = None,
    month: Listed = None,
    year: Listed = None,
) -> Query:
    """The query parameters shared by every analytics route, checked; a 422 names each bad field."""
    given = {
        Dimension.PRIORITY: priority,
        Dimension.CATEGORY: category,
        Dimension.CATEGORY_GROUP: category_group,
        Dimension.DISTRICT: district,
        Dimension.CHANNEL: channel,
        Dimension.PARTNER: partner,
        Dimension.UNIT_TYPE: unit_type,
        Dimension.HOUR: hour,
        Dimension.WEEKDAY: weekday,
        Dimension.WEEK: week,
        Dimension.MONTH: month,
        Dimension.YEAR: year,
    }
    problems: list[FieldError] = []
    grouping = _dimensions(group_by, problems)
    filters = {d: _values(d, text, problems) for d, text in given.items() if text is not None}
    if problems:
        raise InvalidInput(problems)
    return Query(first=first, last=last, origin=origin, filters=filters, group_by=grouping).checked()


Selection = Annotated[Query, Depends(selection)]


@router.get(
    "/intervals", response_model=IntervalStatisticsOut, summary="Interval statistics with data quality"
)
def interval_statistics(
    actor: Stats,
    uow: UowDep,
    services: ServicesDep,
    query: Selection,
    intervals: Listed = None,
) -> IntervalStatisticsOut:
    scoped = service.in_scope(uow, query, actor)
    analytics = services.analytics
    report = analytics.intervals(scoped, _split(intervals))
    return IntervalStatisticsOut.from_domain(scoped, report, analytics.engine.targets)


@router.get("/counts", response_model=CountsOut, summary="Incidents or appeals, counted by any dimensions")
def counts(
    actor: Stats,
    uow: UowDep,
    services: ServicesDep,
    query: Selection,
    measure: Measure = Measure.INCIDENTS,
) -> CountsOut:
    scoped = service.in_scope(uow, query, actor)
    return CountsOut.from_domain(scoped, services.analytics.counts(scoped, measure))
