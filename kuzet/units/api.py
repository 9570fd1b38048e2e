"""Routes of the unit roster: create and edit units, start and end shifts, set a status by hand."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from kuzet.core.actor import Actor
from kuzet.core.auth.domain import Permission
from kuzet.core.deps import NowDep, UowDep, require
from kuzet.core.ids import RowId
from kuzet.units import service
from kuzet.units.schemas import ShiftIn, StatusIn, UnitCardOut, UnitIn, UnitOut, UnitPatch, crew_of

router = APIRouter(prefix="/api/v1/units", tags=["units"])
Reader = Annotated[Actor, Depends(require(Permission.UNITS_READ))]
Manager = Annotated[Actor, Depends(require(Permission.UNITS_MANAGE))]
Dispatcher = Annotated[Actor, Depends(require(Permission.UNITS_STATUS))]


@router.get("", response_model=list[UnitOut], summary="The unit board of your scope")
def roster(actor: Reader, uow: UowDep) -> list[UnitOut]:
    units = service.roster(uow, by=actor)
    working = service.working_on(uow, units)
    return [UnitOut.from_domain(u, working.get(u.id)) for u in units]


@router.post("", response_model=UnitOut, status_code=201, summary="Add a unit to the roster (off duty)")
def create(body: UnitIn, actor: Manager, uow: UowDep, at: NowDep) -> UnitOut:
    unit = service.create(
        uow,
        call_sign=body.call_sign,
        unit_type=body.type,
        district=body.district,
        crew=crew_of(body.crew) or (),
        by=actor,
        at=at,
    )
    return UnitOut.from_domain(unit)


@router.get("/{unit_id}", response_model=UnitCardOut, summary="A unit with its status history")
def card(unit_id: RowId, actor: Reader, uow: UowDep) -> UnitCardOut:
    return UnitCardOut.from_domain(*service.get(uow, unit_id=unit_id, by=actor))


@router.patch("/{unit_id}", response_model=UnitOut, summary="Change type, district or crew")
def patch(unit_id: RowId, body: UnitPatch, actor: Manager, uow: UowDep, at: NowDep) -> UnitOut:
    unit = service.update_roster(
        uow,
        unit_id=unit_id,
        unit_type=body.type,
        district=body.district,
        crew=crew_of(body.crew),
        by=actor,
        at=at,
    )
    return UnitOut.from_domain(unit)


@router.post("/{unit_id}/shift", response_model=UnitOut, summary="Start or end the unit's shift")
def shift(unit_id: RowId, body: ShiftIn, actor: Dispatcher, uow: UowDep, at: NowDep) -> UnitOut:
    unit = service.shift(uow, unit_id=unit_id, on_duty=body.on_duty, crew=crew_of(body.crew), by=actor, at=at)
    return UnitOut.from_domain(unit)


@router.post("/{unit_id}/status", response_model=UnitOut, summary="Mark available, busy or out of service")
def set_status(unit_id: RowId, body: StatusIn, actor: Dispatcher, uow: UowDep, at: NowDep) -> UnitOut:
    unit = service.set_status(uow, unit_id=unit_id, status=body.status, reason=body.reason, by=actor, at=at)
    return UnitOut.from_domain(unit)
