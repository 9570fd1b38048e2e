"""Routes of analytics: interval statistics and counts for the console's analytics page and the reports.

Lists are comma-separated (`group_by=priority,district`, `priority=1,2`); dates are local and both ends are
included: in the zone `tz` names, else an import's own zone when the query is over imported data of one zone,
else the region's (KUZET_ANALYTICS_TIMEZONE). `origin` is live by default, imported only when asked, or all.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter, Depends, Header, Request
from fastapi import Query as Param

from kuzet.analytics import service
from kuzet.analytics.domain import (
    INTEGER_DIMENSIONS,
    SOURCE_PREFIX,
    Calendar,
    Dimension,
    DimensionKey,
    FilterValue,
    Measure,
    Origin,
    Query,
    WeekStart,
    is_dimension,
)
from kuzet.analytics.explain import explanation
from kuzet.analytics.schemas import CountsOut, IntervalStatisticsOut
from kuzet.core.actor import Actor
from kuzet.core.auth.domain import Permission
from kuzet.core.deps import ServicesDep, UowDep, require
from kuzet.core.errors import FieldError, InvalidInput
from kuzet.core.i18n import N_, negotiate

router = APIRouter(prefix="/api/v1/analytics", tags=["analytics"])
Stats = Annotated[Actor, Depends(require(Permission.STATS_READ))]
Listed = Annotated[str | None, Param(description="Comma-separated values")]


def _split(text: str | None) -> list[str] | None:
    return None if text is None else [part.strip() for part in text.split(",") if part.strip()]


def _dimensions(text: str | None, problems: list[FieldError]) -> tuple[DimensionKey, ...]:
    names = _split(text) or []
    unknown = [n for n in names if not is_dimension(n)]
    if unknown:
        expected = [*(d.value for d in Dimension), f"{SOURCE_PREFIX}<column kept by the import mapping>"]
        problems.append(
            FieldError(
                "group_by",
                N_("Unknown dimension {value}; use one of: {expected}."),
                "unknown_dimension",
                "query",
                {"value": ", ".join(unknown), "expected": ", ".join(expected)},
            )
        )
        return ()
    return tuple(names)


def _calendar(tz: str | None, week_start: WeekStart | None, problems: list[FieldError]) -> Calendar | None:
    """The calendar asked for; None leaves it to the service (an import's own, else the region's)."""
    if tz is None and week_start is None:
        return None
    zone = tz or ""
    if tz is not None:
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            problems.append(
                FieldError(
                    "tz",
                    N_("Unknown time zone {value} (e.g. Asia/Almaty, UTC)."),
                    "tz",
                    "query",
                    {"value": tz},
                )
            )
    return Calendar(zone, week_start or WeekStart.MONDAY)


def _values(dimension: DimensionKey, text: str, problems: list[FieldError]) -> tuple[FilterValue, ...]:
    parts = _split(text) or []
    if dimension not in INTEGER_DIMENSIONS:
        return tuple(parts)
    try:
        return tuple(int(p) for p in parts)
    except ValueError:
        problems.append(
            FieldError(
                str(dimension), N_("Must be whole numbers separated by commas."), "int_parsing", "query"
            )
        )
        return ()


def selection(
    request: Request,
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
    source_priority: Listed = None,
    source_category: Listed = None,
    tz: Annotated[
        str | None,
        Param(
            description="IANA zone of dates, hours and weeks; default: the import's own over one import, "
            "else the region's"
        ),
    ] = None,
    week_start: Annotated[WeekStart | None, Param(description="First day of a week (weeks only)")] = None,
) -> Query:
    """The query parameters shared by every analytics route, checked; a 422 names each bad field. A source's
    own dimension is filtered as `source.<name>=value,…` (imported incidents whose mapping kept it)."""
    given: dict[DimensionKey, str | None] = {
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
        Dimension.SOURCE_PRIORITY: source_priority,
        Dimension.SOURCE_CATEGORY: source_category,
    }
    given.update((k, v) for k, v in request.query_params.items() if k.startswith(SOURCE_PREFIX))
    problems: list[FieldError] = [
        FieldError(
            k,
            N_("Unknown dimension {value}; use one of: {expected}."),
            "unknown_dimension",
            "query",
            {"value": k, "expected": f"{SOURCE_PREFIX}<a-z, 0-9 and _>"},
        )
        for k in given
        if not is_dimension(k)
    ]
    grouping = _dimensions(group_by, problems)
    filters = {d: _values(d, text, problems) for d, text in given.items() if text is not None}
    calendar = _calendar(tz, week_start, problems)
    if problems:
        raise InvalidInput(problems)
    return Query(
        first=first, last=last, origin=origin, filters=filters, group_by=grouping, calendar=calendar
    ).checked()


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
    accept_language: Annotated[str | None, Header()] = None,
) -> IntervalStatisticsOut:
    analytics = services.analytics
    scoped = analytics.with_calendar(service.in_scope(uow, query, actor))
    report = analytics.intervals(scoped, _split(intervals))
    why = explanation(
        analytics, scoped, report.data_quality.incidents, by=actor, locale=negotiate(accept_language)
    )
    return IntervalStatisticsOut.from_domain(scoped, report, analytics.engine.targets, why)


@router.get("/counts", response_model=CountsOut, summary="Incidents or appeals, counted by any dimensions")
def counts(
    actor: Stats,
    uow: UowDep,
    services: ServicesDep,
    query: Selection,
    measure: Measure = Measure.INCIDENTS,
    accept_language: Annotated[str | None, Header()] = None,
) -> CountsOut:
    scoped = services.analytics.with_calendar(service.in_scope(uow, query, actor))
    report = services.analytics.counts(scoped, measure)
    locale = negotiate(accept_language)
    why = explanation(services.analytics, scoped, report.total, by=actor, locale=locale, measure=measure)
    return CountsOut.from_domain(scoped, report, why)
