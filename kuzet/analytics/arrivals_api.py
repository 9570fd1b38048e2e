"""Route of the far-arrival count: arrivals confirmed by the operator far from the scene, per district and
unit, against all arrivals of the period."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Header
from fastapi import Query as Param
from pydantic import BaseModel, Field

from kuzet.analytics import arrivals
from kuzet.analytics.domain import period_problems
from kuzet.analytics.explain import LiveFigure, live_only_explanation
from kuzet.analytics.live_incidents import count_live
from kuzet.core.actor import Actor
from kuzet.core.auth.domain import Permission
from kuzet.core.deps import UowDep, require
from kuzet.core.errors import InvalidInput
from kuzet.core.i18n import negotiate
from kuzet.core.openapi import problems

router = APIRouter(prefix="/api/v1/analytics", tags=["analytics"])
Stats = Annotated[Actor, Depends(require(Permission.STATS_READ))]


class UnitArrivalsOut(BaseModel):
    district: str | None
    call_sign: str
    arrivals: int = Field(description="Arrivals on scene in the period")
    far_confirmed: int = Field(description="Of them, confirmed by the operator with the unit's GPS far away")
    farthest_m: int | None = Field(description="The farthest such confirmed arrival, in metres")


class FarArrivalsOut(BaseModel):
    arrivals: int
    far_confirmed: int
    share: float | None = Field(description="far_confirmed / arrivals; null without arrivals")
    units: list[UnitArrivalsOut] = Field(description="Per district and unit: every unit that arrived")
    explanation: str | None = Field(
        default=None,
        description="When no arrival was found: why, in the caller's language (live incidents only, how many "
        "the period holds, the caller's districts); null otherwise",
    )


@router.get(
    "/far-arrivals",
    response_model=FarArrivalsOut,
    summary="Arrivals the operator confirmed far from the scene",
    responses=problems(403, 422),
)
def far_arrivals(
    actor: Stats,
    uow: UowDep,
    first: Annotated[date | None, Param(alias="from", description="First local date, included")] = None,
    last: Annotated[date | None, Param(alias="to", description="Last local date, included")] = None,
    district: Annotated[str | None, Param(max_length=64)] = None,
    accept_language: Annotated[str | None, Header()] = None,
) -> FarArrivalsOut:
    bad = period_problems(first, last)
    if bad:
        raise InvalidInput(bad)
    rows = arrivals.far_arrivals(uow, first=first, last=last, district=district, by=actor)
    total, far = sum(r.arrivals for r in rows), sum(r.far_confirmed for r in rows)
    why = None
    if not total:  # the district is in the asker's scope here: far_arrivals refused any other
        scope = (district,) if district is not None else actor.districts  # region-wide: () is every one
        live = count_live(uow, first=first, last=last, districts=scope)
        locale = negotiate(accept_language)
        why = live_only_explanation(LiveFigure.ARRIVALS, total, live_incidents=live, by=actor, locale=locale)
    return FarArrivalsOut(
        arrivals=total,
        far_confirmed=far,
        share=round(far / total, 4) if total else None,
        units=[UnitArrivalsOut(**vars(r)) for r in rows],
        explanation=why,
    )
