"""Routes of scenarios in the console: today's posts as a plan, and any plan simulated with its intervals.

`GET /api/v1/planning/current` gives the units on duty (in the actor's districts) at the road-graph node
nearest their last known position, as a plan file (`kuzet.planning.scenario`'s format); units without a
position are listed in `unplaced`. `POST /api/v1/planning/evaluate` simulates a plan over the history of a
period (default the last 365 days) and answers the headline figures with their 95 % intervals and a slow map
(GeoJSON, ~500 m cells, the median simulated response). The work is bounded (days × replications); one
simulation runs at a time per server process, in a worker thread (a sync route). Supervisors, analysts and
administrators (statistics) may ask. Nothing is stored.
"""

from __future__ import annotations

import threading
from datetime import date, timedelta
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from kuzet.core.actor import Actor
from kuzet.core.auth.domain import Permission
from kuzet.core.clock import to_local
from kuzet.core.deps import NowDep, ServicesDep, UowDep, require
from kuzet.core.errors import FieldError, InvalidInput
from kuzet.core.i18n import N_
from kuzet.core.openapi import problems
from kuzet.planning.scenario import Policy

router = APIRouter(prefix="/api/v1/planning", tags=["planning"])
Stats = Annotated[Actor, Depends(require(Permission.STATS_READ))]
REFUSED: Final = N_("The scenario cannot be simulated: {reason}")
MAX_DAYS: Final = 60
MAX_REPLICATIONS: Final = 10
MAX_RUN_DAYS: Final = 180  # days × replications of one request
MAX_UNITS: Final = 500
_ONE_AT_A_TIME: Final = threading.Lock()


class PeriodIn(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    first: date = Field(alias="from", description="First local day of the history")
    last: date = Field(alias="to", description="Last local day of the history")


class EvaluateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    plan: dict[str, Any] = Field(
        description="A plan file: {call_takers, posts: [{node or sector, district, type, count, shift}]}"
    )
    period: PeriodIn | None = Field(
        None, description="History to learn calls from; default the last 365 days"
    )
    days: int = Field(7, ge=1, le=MAX_DAYS, description="Simulated days per run")
    replications: int = Field(3, ge=2, le=MAX_REPLICATIONS, description="Runs with different seeds")
    policy: Policy = Policy.RECOMMENDER
    target_min: float = Field(7.0, gt=0, le=120, description="Response target, minutes")


def _refuse(field: str, reason: str) -> InvalidInput:
    return InvalidInput([FieldError(field, REFUSED, "planning", "body", {"reason": reason})])


def _graph(services: Any) -> Any:
    roads = services.geo.roads
    if roads is None:
        raise _refuse("roads", "no road graph is loaded (import a map with kuzet import-osm)")
    return roads.graph


@router.get(
    "/current",
    summary="Today's units on duty at their posts, as a plan",
    description=(
        "Each unit on duty in the caller's districts, at the road-graph node nearest its last known "
        "position, as a post of count 1 (the plan format of `kuzet plan`). Units on duty without a known "
        "position are listed in `unplaced` and left out of the plan."
    ),
    responses=problems(403, 422),
)
def current(actor: Stats, services: ServicesDep, uow: UowDep) -> dict[str, Any]:
    from kuzet.planning.evaluation import today_plan
    from kuzet.units.positions.store import PositionRepository
    from kuzet.units.store import UnitRepository

    graph = _graph(services)
    with uow:
        units = [u for u in uow.repo(UnitRepository).roster() if u.on_duty and actor.in_scope(u.district)]
        found = uow.repo(PositionRepository).latest([u.id for u in units])
    placed = [
        (u.call_sign, u.type.value, u.district, found[u.id].lat, found[u.id].lon)
        for u in units
        if u.id in found
    ]
    plan = today_plan(placed, graph)
    plan["unplaced"] = [u.call_sign for u in units if u.id not in found]
    return plan


@router.post(
    "/evaluate",
    summary="Simulate a plan: its figures with 95 % intervals, and the slow-response map",
    description=(
        "Runs the SimPy model of the region `replications` times over `days` simulated days, calls drawn "
        "like the period's history. Answers the median and p90 response (seconds), the share within the "
        f"target, the units' utilisation and the share of calls that waited for a unit, each as mean, low "
        f"and high of its 95 % interval; and `slow_map`, a GeoJSON FeatureCollection of ~500 m cells with "
        f"the median simulated response; and `queueing`, queueing theory's quick answers beside it: Larson's "
        f"hypercube of the plan's units on the road graph (`busiest_workload`, `cross_border`, "
        f"`mean_travel_s`, `travel_by_district_s`, `all_busy`) and the call-takers Erlang C asks for at the "
        f"peak hour (`call_takers_peak`, `handle_time_s`); `problems` says why an answer could not be made. "
        f"At most {MAX_RUN_DAYS} simulated days in all (days × replications)."
    ),
    responses=problems(403, 422),
)
def evaluate(body: EvaluateIn, _actor: Stats, services: ServicesDep, at: NowDep) -> dict[str, Any]:
    from kuzet.cctv.placement_incidents import MAX_PERIOD_DAYS, Period
    from kuzet.planning.errors import PlanningInputError
    from kuzet.planning.evaluation import evaluate_plan, plan_scenario
    from kuzet.planning.history import History, read_live

    if body.days * body.replications > MAX_RUN_DAYS:
        raise _refuse(
            "days", f"days × replications is {body.days * body.replications}, more than {MAX_RUN_DAYS}"
        )
    if body.period is None:
        today = to_local(at).date()
        period = Period(today - timedelta(days=364), today)
    else:
        period = Period(body.period.first, body.period.last)
        if period.last < period.first:
            raise _refuse("period.to", "the period ends before it begins")
        if (period.last - period.first).days > MAX_PERIOD_DAYS:
            raise _refuse("period", f"a period spans at most {MAX_PERIOD_DAYS + 1} days")
    graph = _graph(services)
    try:
        scenario = plan_scenario(body.plan, graph, body.policy, body.target_min)
        if len(scenario.units) > MAX_UNITS:
            raise PlanningInputError("plan.posts", f"{len(scenario.units)} units, more than {MAX_UNITS}")
        first, end = period.utc_bounds()
        try:
            live = read_live(services.engine, since=first)
        except PlanningInputError:
            live = None
        rows = [r for r in (live.rows if live else []) if r["received_at"] < end]
        if not rows:
            raise PlanningInputError("period", f"the history is empty: no incident received in {period}")
        history = History.from_rows(rows)
        with _ONE_AT_A_TIME:
            result = evaluate_plan(
                scenario, history, graph, start=min(r["received_at"] for r in rows), days=body.days,
                seeds=range(body.replications),
            )  # fmt: skip
    except PlanningInputError as exc:
        field = exc.field if exc.field in {"period", "days", "replications"} else f"plan.{exc.field}"
        raise _refuse(field.replace("plan.plan.", "plan."), exc.reason) from None
    return {
        "units": result.units,
        "days": body.days,
        "replications": body.replications,
        "period": {"from": period.first.isoformat(), "to": period.last.isoformat()},
        "figures": {
            name: {"mean": _num(e.mean), "low": _num(e.low), "high": _num(e.high), "runs": e.n}
            for name, e in result.figures.items()
        },
        "slow_map": {"type": "FeatureCollection", "features": result.cells},
        "queueing": result.queueing,
    }


def _num(value: float) -> float | None:
    return None if value != value else round(value, 4)  # NaN (a figure no run measured) as null
