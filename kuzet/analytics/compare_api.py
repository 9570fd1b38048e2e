"""Route of a comparison of two selections: `a.*` and `b.*` name each one's period and origin (this year
against last year, live data against an imported history), the filters are shared; the answer gives each
selection's figures of one interval, the differences B − A, the Mann–Whitney test of the medians and a
bootstrap interval of the P90 difference, each named with its method."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Depends
from fastapi import Query as Param
from pydantic import BaseModel, Field

from kuzet.analytics import compare_service, service
from kuzet.analytics.api import Listed, _values
from kuzet.analytics.domain import (
    RESPONSE,
    Dimension,
    DimensionKey,
    FilterValue,
    Origin,
    Query,
    period_problems,
)
from kuzet.core.actor import Actor
from kuzet.core.auth.domain import Permission
from kuzet.core.deps import ServicesDep, UowDep, require
from kuzet.core.errors import FieldError, InvalidInput
from kuzet.core.openapi import problems

if TYPE_CHECKING:
    from kuzet.analytics.compare import SampleSummary

router = APIRouter(prefix="/api/v1/analytics", tags=["analytics"])
Stats = Annotated[Actor, Depends(require(Permission.STATS_READ))]


class SelectionOut(BaseModel):
    first: date | None = Field(description="First local date, included")
    last: date | None = Field(description="Last local date, included")
    origin: Origin
    n: int = Field(description="Incidents with a valid value of the interval")
    median_s: float | None
    p90_s: float | None
    mean_s: float | None


class DifferenceOut(BaseModel):
    median_s: float | None
    p90_s: float | None
    mean_s: float | None


class TestOut(BaseModel):
    test: str = Field(description="The test of the medians, by name")
    u: float = Field(description="The U statistic of selection A")
    p_value: float


class BootstrapOut(BaseModel):
    method: str
    resamples: int
    confidence: float
    seed: int
    low_s: float
    high_s: float


class ComparisonOut(BaseModel):
    interval: str
    unit: str = "seconds"
    filters: dict[str, list[FilterValue]]
    a: SelectionOut
    b: SelectionOut
    difference: DifferenceOut = Field(description="B − A: negative when B is faster")
    median_test: TestOut | None = Field(description="Null when either selection is empty")
    p90_difference_interval: BootstrapOut | None = Field(description="Null when either selection is empty")
    alpha: float
    significant: bool | None = Field(description="The test's p-value below alpha; null without a test")


def _period(side: str, first: date | None, last: date | None) -> list[FieldError]:
    found = period_problems(first, last)
    return [FieldError(f"{side}.{p.field}", p.reason, p.code, p.location, p.params) for p in found]


@router.get(
    "/compare",
    response_model=ComparisonOut,
    summary="Two periods or sources side by side, with a significance test",
    responses=problems(403, 422),
)
def compare(
    actor: Stats,
    uow: UowDep,
    services: ServicesDep,
    a_first: Annotated[date | None, Param(alias="a.from", description="A's first local date")] = None,
    a_last: Annotated[date | None, Param(alias="a.to", description="A's last local date")] = None,
    a_origin: Annotated[Origin, Param(alias="a.origin")] = Origin.LIVE,
    b_first: Annotated[date | None, Param(alias="b.from", description="B's first local date")] = None,
    b_last: Annotated[date | None, Param(alias="b.to", description="B's last local date")] = None,
    b_origin: Annotated[Origin, Param(alias="b.origin")] = Origin.LIVE,
    interval: str = RESPONSE,
    priority: Listed = None,
    category: Listed = None,
    district: Listed = None,
    alpha: Annotated[float, Param(gt=0, lt=1, description="Significance level of the test")] = 0.05,
    confidence: Annotated[float, Param(gt=0, lt=1, description="Of the bootstrap interval")] = 0.95,
) -> ComparisonOut:
    bad = _period("a", a_first, a_last) + _period("b", b_first, b_last)
    given = {Dimension.PRIORITY: priority, Dimension.CATEGORY: category, Dimension.DISTRICT: district}
    filters: dict[DimensionKey, tuple[FilterValue, ...]] = {
        d: _values(d, text, bad) for d, text in given.items() if text is not None
    }
    if bad:
        raise InvalidInput(bad)
    a = service.in_scope(
        uow, Query(first=a_first, last=a_last, origin=a_origin, filters=filters).checked(), actor
    )
    b = service.in_scope(
        uow, Query(first=b_first, last=b_last, origin=b_origin, filters=filters).checked(), actor
    )
    settings = compare_service.Settings(alpha=alpha, confidence=confidence)
    found = compare_service.compare(services.analytics, a, b, interval, settings)

    def side(query: Query, summary: SampleSummary) -> SelectionOut:
        return SelectionOut(
            first=query.first,
            last=query.last,
            origin=query.origin,
            n=summary.n,
            median_s=summary.median,
            p90_s=summary.p90,
            mean_s=summary.mean,
        )

    test, boot = found.mann_whitney, found.p90_interval
    return ComparisonOut(
        interval=interval,
        filters={str(d): list(v) for d, v in a.filters.items()},
        a=side(a, found.a),
        b=side(b, found.b),
        difference=DifferenceOut(
            median_s=found.median_difference, p90_s=found.p90_difference, mean_s=found.mean_difference
        ),
        median_test=TestOut(test=test.test, u=test.u, p_value=test.p_value) if test else None,
        p90_difference_interval=BootstrapOut(
            method=boot.method,
            resamples=boot.resamples,
            confidence=boot.confidence,
            seed=boot.seed,
            low_s=boot.low,
            high_s=boot.high,
        )
        if boot
        else None,
        alpha=found.alpha,
        significant=found.significant,
    )
