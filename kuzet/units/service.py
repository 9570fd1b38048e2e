"""Use cases of units: roster, shifts, statuses by hand; and the step by which an assignment moves a unit."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from kuzet.core.actor import Actor
from kuzet.core.errors import Conflict, NotFound
from kuzet.core.events import DomainEvent
from kuzet.core.i18n import N_
from kuzet.core.uow import UnitOfWork
from kuzet.units import domain
from kuzet.units.domain import CrewMember, Unit, UnitStatus, UnitType
from kuzet.units.store import StatusChange, UnitRepository


@dataclass(frozen=True)
class UnitStatusChanged(DomainEvent):
    name = "unit.status_changed"
    unit_id: int
    call_sign: str
    status: str
    district: str
    incident_id: int | None


def get_in_scope(uow: UnitOfWork, unit_id: int, by: Actor, *, for_update: bool = False) -> Unit:
    unit = uow.repo(UnitRepository).get(unit_id, for_update=for_update)
    if not by.in_scope(unit.district):
        raise uow.refuse(
            by, "unit.read", NotFound(), object_type="unit", object_id=unit_id, reason="out_of_scope"
        )
    return unit


def _move(
    uow: UnitOfWork,
    unit: Unit,
    after: Unit,
    *,
    by: Actor,
    at: datetime,
    incident_id: int | None = None,
    reason: str | None = None,
) -> Unit:
    """Store a status change with its history row, audit row and event."""
    uow.repo(UnitRepository).save(after)
    uow.repo(UnitRepository).note_status(
        unit.id, StatusChange(at, unit.status, after.status, by.name, incident_id, reason)
    )
    uow.audit(
        by,
        "unit.status",
        object_type="unit",
        object_id=unit.id,
        at=at,
        detail={"from": unit.status.value, "to": after.status.value, "incident_id": incident_id},
    )
    uow.emit(UnitStatusChanged(unit.id, unit.call_sign, after.status.value, after.district, incident_id))
    return after


def follow_assignment(
    uow: UnitOfWork, unit_id: int, to: UnitStatus, *, incident_id: int, by: Actor, at: datetime
) -> Unit:
    """Step: an assignment moved; the unit's status follows on its own (no change if it is already there)."""
    unit = uow.repo(UnitRepository).get(unit_id, for_update=True)
    if unit.status is to:
        return unit
    return _move(uow, unit, domain.change_status(unit, to, at=at), by=by, at=at, incident_id=incident_id)


def lock_available(uow: UnitOfWork, unit_id: int) -> Unit:
    """Step: the unit, locked for this transaction, if it is free to take an assignment. A unit of any
    district may be sent (mutual aid: the nearest unit may stand across a district border); its own district's
    consoles see it leave, and the assignment's audit row names its district."""
    unit = uow.repo(UnitRepository).get(unit_id, for_update=True)
    if unit.status is not UnitStatus.AVAILABLE:
        raise Conflict(
            N_("The unit {call_sign} is not available (status {status})."),
            call_sign=unit.call_sign,
            status=unit.status.value,
            extra={"unit_status": unit.status.value},
        )
    return unit


def create(
    uow: UnitOfWork,
    *,
    call_sign: str,
    unit_type: UnitType,
    district: str,
    crew: tuple[CrewMember, ...],
    by: Actor,
    at: datetime,
) -> Unit:
    with uow:
        if not by.in_scope(district):
            raise uow.refuse(
                by, "unit.create", NotFound(), object_type="unit", object_id=call_sign, reason="out_of_scope"
            )
        units = uow.repo(UnitRepository)
        if units.by_call_sign(call_sign) is not None:
            raise Conflict(N_("The call sign {call_sign} is taken."), call_sign=call_sign)
        try:
            with uow.session.begin_nested():
                unit = units.add(
                    Unit(0, call_sign, unit_type, district, crew, UnitStatus.OFF_DUTY, at), at=at
                )
        except IntegrityError as exc:  # another supervisor took the call sign a moment ago
            raise Conflict(N_("The call sign {call_sign} is taken."), call_sign=call_sign) from exc
        units.note_status(unit.id, StatusChange(at, None, unit.status, by.name, None, "created"))
        uow.audit(
            by,
            "unit.create",
            object_type="unit",
            object_id=unit.id,
            at=at,
            detail={"call_sign": call_sign, "type": unit_type.value, "district": district},
        )
        uow.commit()
    return unit


def update_roster(
    uow: UnitOfWork,
    *,
    unit_id: int,
    unit_type: UnitType | None,
    district: str | None,
    crew: tuple[CrewMember, ...] | None,
    by: Actor,
    at: datetime,
) -> Unit:
    with uow:
        unit = get_in_scope(uow, unit_id, by, for_update=True)
        if district is not None and not by.in_scope(district):
            raise uow.refuse(
                by, "unit.update", NotFound(), object_type="unit", object_id=unit_id, reason="out_of_scope"
            )
        after = replace(
            unit,
            type=unit_type or unit.type,
            district=district or unit.district,
            crew=unit.crew if crew is None else crew,
        )
        uow.repo(UnitRepository).save(after)
        uow.audit(
            by,
            "unit.update",
            object_type="unit",
            object_id=unit.id,
            at=at,
            detail={"type": after.type.value, "district": after.district, "crew_size": len(after.crew)},
        )
        uow.emit(UnitStatusChanged(unit.id, unit.call_sign, after.status.value, after.district, None))
        uow.commit()
    return after


def shift(
    uow: UnitOfWork,
    *,
    unit_id: int,
    on_duty: bool,
    crew: tuple[CrewMember, ...] | None,
    by: Actor,
    at: datetime,
) -> Unit:
    """Start a shift (optionally with the crew of the day) or end it. A unit at work cannot go off duty."""
    with uow:
        unit = get_in_scope(uow, unit_id, by, for_update=True)
        target = UnitStatus.AVAILABLE if on_duty else UnitStatus.OFF_DUTY
        after = domain.change_status(unit, target, at=at)
        if crew is not None:
            after = replace(after, crew=crew)
        _move(uow, unit, after, by=by, at=at, reason="shift start" if on_duty else "shift end")
        uow.commit()
    return after


def set_status(
    uow: UnitOfWork, *, unit_id: int, status: UnitStatus, reason: str | None, by: Actor, at: datetime
) -> Unit:
    with uow:
        unit = get_in_scope(uow, unit_id, by, for_update=True)
        after = _move(uow, unit, domain.set_by_hand(unit, status, at=at), by=by, at=at, reason=reason)
        uow.commit()
    return after


def roster(uow: UnitOfWork, *, by: Actor) -> list[Unit]:
    """The units of every district the actor is tied to (all of them when region-wide)."""
    with uow:
        return uow.repo(UnitRepository).roster(districts=by.districts)


def working_on(uow: UnitOfWork, units: list[Unit]) -> dict[int, int]:
    """The incident each unit works now (for units an assignment has sent; the others work none)."""
    sent = [u.id for u in units if u.status in domain.ASSIGNMENT_STATUSES]
    if not sent:
        return {}
    with uow:
        last = uow.repo(UnitRepository).last_incidents(sent)
    return {unit_id: incident for unit_id, incident in last.items() if incident is not None}


def get(uow: UnitOfWork, *, unit_id: int, by: Actor) -> tuple[Unit, list[StatusChange]]:
    with uow:
        unit = get_in_scope(uow, unit_id, by)
        return unit, uow.repo(UnitRepository).history(unit_id)
