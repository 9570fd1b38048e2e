"""Route of the joint-response figures: how quickly each agency (101, 103, 104, 112) answered our
hand-overs, per agency and per agency and incident category."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header
from fastapi import Query as Param
from pydantic import BaseModel, Field

from kuzet.analytics import joint_store
from kuzet.analytics.domain import period_problems
from kuzet.analytics.explain import LiveFigure, live_only_explanation
from kuzet.analytics.joint import JOINT_INTERVALS, Basis, JointInterval, JointRow, JointSelection
from kuzet.analytics.live_incidents import count_live
from kuzet.core.actor import Actor
from kuzet.core.auth.domain import Permission
from kuzet.core.deps import NowDep, UowDep, require
from kuzet.core.errors import FieldError, InvalidInput
from kuzet.core.i18n import N_, negotiate
from kuzet.core.openapi import problems

router = APIRouter(prefix="/api/v1/analytics", tags=["analytics"])
Stats = Annotated[Actor, Depends(require(Permission.STATS_READ))]
Listed = Annotated[str | None, Param(max_length=500, description="Comma-separated values")]

BASIS_DESCRIPTION = (
    "Which time of the agency's steps the intervals run to, from our request (our clock): `agency`, the "
    "agency's own time of the step (the default: the time the agency took), or `received`, when we received "
    "the step (our clock: no clock skew, but the delivery included). With the agency's clock, an interval "
    "that comes out negative (its clock behind ours) is left out and counted in `negative`."
)


class JointIntervalOut(BaseModel):
    """Seconds over the valid intervals (null when n = 0); median and p90 by linear interpolation."""

    n: int
    median_s: float | None
    p90_s: float | None
    mean_s: float | None
    negative: int = Field(description="Left out: the agency's step before our request (clock skew)")

    @classmethod
    def from_domain(cls, s: JointInterval) -> JointIntervalOut:
        return cls(n=s.n, median_s=s.median, p90_s=s.p90, mean_s=s.mean, negative=s.negative)


class JointRowOut(BaseModel):
    agency: str
    agency_name: dict[str, str] = Field(description="The agency's name in ru, kk and en")
    category: str | None = Field(description="The incidents' category; null in the per-agency rows")
    requested: int = Field(description="Hand-overs requested in the period")
    accepted: int
    rejected: int
    unanswered: int = Field(description="Never acknowledged: no answer, the deadline passed, not cancelled")
    waiting: int = Field(description="Not acknowledged yet, still within the deadline")
    late: int = Field(description="Acknowledged (accepted or rejected) after the deadline, by our receipt")
    cancelled: int = Field(description="Cancelled by us (the operator, or the incident closed)")
    intervals: dict[str, JointIntervalOut] = Field(
        description="acknowledged, dispatched, on_scene: from our request to that step of the agency"
    )

    @classmethod
    def from_domain(cls, row: JointRow, names: Mapping[str, Mapping[str, str]]) -> JointRowOut:
        return cls(
            agency=row.agency,
            agency_name=dict(names.get(row.agency, {})),
            category=row.category,
            requested=row.requested,
            accepted=row.accepted,
            rejected=row.rejected,
            unanswered=row.unanswered,
            waiting=row.waiting,
            late=row.late,
            cancelled=row.cancelled,
            intervals={n: JointIntervalOut.from_domain(s) for n, s in row.intervals.items()},
        )


class JointSelectionOut(BaseModel):
    """The selection as it was answered (a district's staff get their district added)."""

    first: date | None = Field(serialization_alias="from")
    last: date | None = Field(serialization_alias="to")
    agency: list[str]
    category: list[str]
    district: list[str]
    priority: list[int]


class JointResponseOut(BaseModel):
    unit: Literal["seconds"] = "seconds"
    basis: Basis = Field(description=BASIS_DESCRIPTION)
    intervals: list[str] = Field(
        description="From our request to the agency's acknowledgement, dispatch, arrival"
    )
    selection: JointSelectionOut
    by_agency: list[JointRowOut]
    by_category: list[JointRowOut] = Field(description="Per agency and incident category")
    explanation: str | None = Field(
        default=None,
        description="When no hand-over was found: why, in the caller's language (live incidents only, how "
        "many the period holds, the caller's districts); null otherwise",
    )


def _split(text: str | None) -> tuple[str, ...]:
    return () if text is None else tuple(p.strip() for p in text.split(",") if p.strip())


def _priorities(text: str | None, problems: list[FieldError]) -> tuple[int, ...]:
    try:
        return tuple(int(p) for p in _split(text))
    except ValueError:
        problems.append(
            FieldError("priority", N_("Must be whole numbers separated by commas."), "int_parsing", "query")
        )
        return ()


@router.get(
    "/joint-response",
    response_model=JointResponseOut,
    summary="How quickly other services (101, 103, 104, 112) answered our hand-overs",
    description=(
        "Hand-overs requested in the period (local dates, both included), per agency and per agency and "
        "incident category: the intervals from our request to the agency's acknowledgement, its crew "
        "dispatched and on scene (N, median, 90th percentile, mean, in seconds), and the hand-overs "
        "requested, accepted, rejected, never acknowledged and acknowledged late. " + BASIS_DESCRIPTION
    ),
    responses=problems(403, 422),
)
def joint_response(
    actor: Stats,
    uow: UowDep,
    at: NowDep,
    first: Annotated[date | None, Param(alias="from", description="First local date, included")] = None,
    last: Annotated[date | None, Param(alias="to", description="Last local date, included")] = None,
    agency: Listed = None,
    category: Listed = None,
    district: Listed = None,
    priority: Listed = None,
    basis: Annotated[Basis, Param(description=BASIS_DESCRIPTION)] = Basis.AGENCY,
    accept_language: Annotated[str | None, Header()] = None,
) -> JointResponseOut:
    bad = period_problems(first, last)
    priorities = _priorities(priority, bad)
    if bad:
        raise InvalidInput(bad)
    chosen = JointSelection(first, last, _split(agency), _split(category), _split(district), priorities)
    scoped = joint_store.in_scope(uow, chosen, actor)
    report, names = joint_store.joint(uow, scoped, basis=basis, now=at)
    found = sum(r.requested for r in report.by_agency)
    why = None
    if not found:
        live = count_live(
            uow,
            first=scoped.first,
            last=scoped.last,
            districts=scoped.districts,
            categories=scoped.categories,
            priorities=scoped.priorities,
        )
        locale = negotiate(accept_language)
        why = live_only_explanation(LiveFigure.HANDOVERS, found, live_incidents=live, by=actor, locale=locale)
    return JointResponseOut(
        basis=report.basis,
        intervals=list(JOINT_INTERVALS),
        selection=JointSelectionOut(
            first=scoped.first,
            last=scoped.last,
            agency=list(scoped.agencies),
            category=list(scoped.categories),
            district=list(scoped.districts),
            priority=list(scoped.priorities),
        ),
        by_agency=[JointRowOut.from_domain(r, names) for r in report.by_agency],
        by_category=[JointRowOut.from_domain(r, names) for r in report.by_category],
        explanation=why,
    )
