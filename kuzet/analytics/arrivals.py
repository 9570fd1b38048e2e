"""Arrivals the operator confirmed although the unit's GPS put it far from the scene: how many, by district
and by unit, against all arrivals of the period. A frequent one points at a unit whose tracker lags, or a
crew that reports "on scene" early. Read straight from the assignments (each keeps its confirmed distance)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select

from kuzet.core.actor import Actor
from kuzet.core.clock import LOCAL_TZ
from kuzet.core.errors import Forbidden
from kuzet.core.uow import UnitOfWork
from kuzet.dispatch.store import assignments
from kuzet.incidents.store import incidents
from kuzet.units.store import units


@dataclass(frozen=True)
class ArrivalRow:
    district: str | None
    call_sign: str
    arrivals: int
    far_confirmed: int
    farthest_m: int | None


def _start(day: date) -> datetime:
    """The UTC instant a local (Asia/Almaty) day begins."""
    return datetime.combine(day, time.min, tzinfo=LOCAL_TZ).astimezone(UTC)


def far_arrivals(
    uow: UnitOfWork, *, first: date | None, last: date | None, district: str | None, by: Actor
) -> list[ArrivalRow]:
    """Per district and unit: arrivals on scene in the local period (both ends included) and those of them
        the operator confirmed far from the scene. A district's staff see their own district only; asking for
    another is refused (and the refusal audited)."""
    far = assignments.c.far_arrival_m
    query = (
        select(
            incidents.c.district,
            units.c.call_sign,
            func.count().label("arrivals"),
            func.count(far).label("far_confirmed"),
            func.max(far).label("farthest_m"),
        )
        .select_from(assignments.join(incidents).join(units))
        .where(assignments.c.on_scene_at.is_not(None))
        .group_by(incidents.c.district, units.c.call_sign)
        .order_by(incidents.c.district, units.c.call_sign)
    )
    if first is not None:
        query = query.where(assignments.c.on_scene_at >= _start(first))
    if last is not None:
        query = query.where(assignments.c.on_scene_at < _start(last + timedelta(days=1)))
    if district is not None:
        query = query.where(incidents.c.district == district)
    elif not by.region_wide:
        query = query.where(incidents.c.district.in_(by.districts))
    with uow:
        if district is not None and not by.in_scope(district):
            raise uow.refuse(by, "analytics.read", Forbidden(), object_type="district", reason="out_of_scope")
        rows = uow.session.execute(query).all()
    return [ArrivalRow(r.district, r.call_sign, r.arrivals, r.far_confirmed, r.farthest_m) for r in rows]
