"""Use cases of unit positions (AVL): take a batch of GPS fixes, and read where units are."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from kuzet.config import Settings
from kuzet.core.actor import Actor
from kuzet.core.errors import FieldError, InvalidInput
from kuzet.core.events import DomainEvent
from kuzet.core.i18n import N_
from kuzet.core.uow import UnitOfWork
from kuzet.units import service as units_service
from kuzet.units.domain import Unit
from kuzet.units.positions.domain import Fix, FixRules, RoadPoint, check, jump_too_fast
from kuzet.units.positions.store import Position, PositionRepository
from kuzet.units.store import units

# Places points on the road graph: one answer per point, None when it is off every road.
Snap = Callable[[Sequence[float], Sequence[float]], list[RoadPoint | None]]


@dataclass(frozen=True)
class UnitsMoved(DomainEvent):
    """Units reported new positions (one event per batch with each unit's newest fix, for the live map)."""

    name = "units.moved"
    # unit id, call sign, lat, lon, at (ISO), the unit's home district
    positions: tuple[tuple[int, str, float, float, str, str], ...]


@dataclass(frozen=True)
class Ingested:
    stored: int
    on_road: int


def fix_rules(s: Settings) -> FixRules:
    return FixRules(
        max_speed_kmh=s.position_max_speed_kmh,
        future_tolerance=timedelta(seconds=s.position_future_tolerance_seconds),
        max_age=timedelta(hours=s.position_max_age_hours),
    )


def _where(index: int | None) -> str:
    return "" if index is None else f"fixes[{index}]."


def ingest(
    uow: UnitOfWork,
    fixes: Sequence[Fix],
    *,
    rules: FixRules,
    snap: Snap | None,
    source: str,
    by: Actor,
    at: datetime,
    single: bool = False,
) -> Ingested:
    """Check every fix, then store them all, or none: a refused batch names each bad fix's field.

    A fix for a unit outside the actor's district is refused as an unknown unit."""
    with uow:
        errors: list[FieldError] = []
        signs = sorted({f.call_sign for f in fixes})
        rows = uow.session.execute(
            select(units.c.id, units.c.call_sign, units.c.district).where(units.c.call_sign.in_(signs))
        ).all()
        unit_of = {r.call_sign: r.id for r in rows if by.in_scope(r.district)}
        home = {r.call_sign: r.district for r in rows}
        last = uow.repo(PositionRepository).last_fixes(list(unit_of.values()))
        # Jumps are judged in time order per unit, each fix against the one before it.
        order = sorted(range(len(fixes)), key=lambda i: fixes[i].at)
        for i in order:
            fix = fixes[i]
            where = _where(None if single else i)
            problems = check(fix, where, rules, at)
            unit_id = unit_of.get(fix.call_sign)
            if unit_id is None:
                problems.append(FieldError(f"{where}call_sign", N_("Unknown unit."), "unknown_unit"))
            elif not problems:
                before = last.get(unit_id)
                if before is not None and jump_too_fast(before, fix, rules):
                    problems.append(
                        FieldError(
                            f"{where}lat",
                            N_("The unit could not have moved this far this fast."),
                            "implausible_jump",
                        )
                    )
                else:
                    last[unit_id] = (fix.at, fix.lat, fix.lon)
            errors.extend(problems)
        if errors:
            raise InvalidInput(errors)
        placed = snap([f.lat for f in fixes], [f.lon for f in fixes]) if snap else [None] * len(fixes)
        stored = [_row(unit_of[f.call_sign], f, p, source, at) for f, p in zip(fixes, placed, strict=True)]
        uow.repo(PositionRepository).add(stored)
        newest = {f.call_sign: f for f in sorted(fixes, key=lambda f: f.at)}
        uow.emit(
            UnitsMoved(
                tuple(
                    (unit_of[s], s, f.lat, f.lon, f.at.isoformat(), home[s])
                    for s, f in sorted(newest.items())
                )
            )
        )
        uow.commit()
    return Ingested(len(stored), sum(p is not None for p in placed))


def _row(unit_id: int, fix: Fix, road: RoadPoint | None, source: str, at: datetime) -> tuple[Any, ...]:
    """A track row in the order of store.FIELDS, after the unit id."""
    on_road = (
        (None,) * 6
        if road is None
        else (road.lat, road.lon, road.edge, road.fraction, road.distance_m, road.graph)
    )
    return (
        unit_id,
        fix.at,
        fix.lat,
        fix.lon,
        fix.speed_kmh,
        fix.heading,
        fix.accuracy_m,
        *on_road,
        source,
        at,
    )


def latest(uow: UnitOfWork, *, by: Actor) -> list[tuple[str, str, Position]]:
    """The last known position of every unit the actor may see: (call sign, district, position)."""
    with uow:
        rows = uow.session.execute(select(units.c.id, units.c.call_sign, units.c.district)).all()
        visible = {r.id: (r.call_sign, r.district) for r in rows if by.in_scope(r.district)}
        found = uow.repo(PositionRepository).latest(list(visible))
    return [(visible[u][0], visible[u][1], p) for u, p in sorted(found.items())]


def last_fix_step(uow: UnitOfWork, unit_id: int) -> Position | None:
    """Step: the unit's last known position, if it has one (no scope check: the caller has checked)."""
    return uow.repo(PositionRepository).latest([unit_id]).get(unit_id)


def track(
    uow: UnitOfWork, *, unit_id: int, since: datetime, until: datetime, by: Actor
) -> tuple[Unit, list[Position]]:
    """Where a unit went between two moments: the unit, and its fixes in time order."""
    with uow:
        unit = units_service.get_in_scope(uow, unit_id, by)
        return unit, uow.repo(PositionRepository).track(unit_id, since=since, until=until)
