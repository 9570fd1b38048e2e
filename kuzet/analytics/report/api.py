"""The period report over HTTP: an HTML page for the console, or an XLSX or PDF file to download."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Response
from fastapi import Query as Param
from fastapi.concurrency import run_in_threadpool

from kuzet.analytics import service
from kuzet.analytics.domain import Dimension, DimensionKey, FilterValue, Origin, Query
from kuzet.analytics.report import service as report_service
from kuzet.analytics.report.build import MEDIA_TYPES
from kuzet.core.actor import Actor
from kuzet.core.auth.domain import Permission
from kuzet.core.deps import ServicesDep, UowDep, require
from kuzet.core.errors import FieldError, InvalidInput
from kuzet.core.i18n import N_

router = APIRouter(prefix="/api/v1/analytics", tags=["analytics"])


@router.get(
    "/report",
    summary="The report of a period (HTML, XLSX or PDF), in ru, kk or en",
    response_class=Response,
    responses={200: {"content": {media_type: {} for media_type in MEDIA_TYPES.values()}}},
)
async def period_report(
    actor: Annotated[Actor, Depends(require(Permission.STATS_READ))],
    services: ServicesDep,
    uow: UowDep,
    first: Annotated[date, Param(alias="from", description="First local date, included")],
    last: Annotated[date, Param(alias="to", description="Last local date, included")],
    fmt: Annotated[str, Param(alias="format", description="html, xlsx or pdf")] = "html",
    locale: Annotated[str, Param(description="ru, kk or en")] = "ru",
    origin: Origin = Origin.LIVE,
    district: Annotated[
        str | None, Param(description="One district's report; all in scope if left out")
    ] = None,
) -> Response:
    # A district's staff get their district's report only (the same rule as the other analytics routes):
    # asking for another district is refused; region-wide staff may ask for any one district.
    asked: dict[DimensionKey, tuple[FilterValue, ...]] = {Dimension.DISTRICT: (district,)} if district else {}
    scoped = service.in_scope(uow, Query(first, last, origin, asked), actor)
    kept = scoped.filters.get(Dimension.DISTRICT, (None,))
    if len(kept) > 1:  # an analyst of several districts: the report is one district's or the region's
        raise InvalidInput(
            [
                FieldError(
                    "district",
                    N_("Choose one of your districts: {expected}."),
                    "district_required",
                    "query",
                    {"expected": ", ".join(map(str, kept))},
                )
            ]
        )
    chosen = kept[0]
    made = await run_in_threadpool(
        report_service.make,
        services,
        first=first,
        last=last,
        fmt=fmt,
        locale=locale,
        origin=origin,
        district=None if chosen is None else str(chosen),
    )
    disposition = "inline" if fmt == "html" else "attachment"
    return Response(
        made.content,
        media_type=made.media_type,
        headers={"Content-Disposition": f'{disposition}; filename="{made.file_name}"'},
    )
