"""Use cases of appeals: register (as a new incident or joined to an open one), move between incidents."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kuzet.appeals.domain import SERIES, Appeal, AppealInput, CheckedAppeal, Region, check
from kuzet.appeals.store import AppealRepository
from kuzet.core.actor import Actor
from kuzet.core.clock import to_local
from kuzet.core.errors import Conflict, FieldError, InvalidInput, NotFound
from kuzet.core.events import DomainEvent
from kuzet.core.i18n import N_
from kuzet.core.numbering import format_number, next_number
from kuzet.core.uow import UnitOfWork
from kuzet.incidents import service as incidents
from kuzet.incidents.domain import Incident


@dataclass(frozen=True)
class AppealRegistered(DomainEvent):
    name = "appeal.registered"
    appeal_id: int
    incident_id: int
    channel: str
    district: str | None


@dataclass(frozen=True)
class Registration:
    appeal: Appeal
    incident: Incident
    new_incident: bool


def check_input(data: AppealInput, region: Region, at: datetime) -> CheckedAppeal:
    """Every check of the input, before anything is written; a 422 naming each bad field."""
    result = check(data, region=region, now=at)
    if isinstance(result, list):
        raise InvalidInput(result)
    return result


def _district(data: AppealInput, by: Actor, located: str | None) -> str:
    """The district of a new incident: the one its point lies in, whoever takes the call (a call-taker tied to
    one district registers a call from the next district for that district); else the one named, in scope."""
    if located is not None:
        return located
    district = data.district or by.district
    if district is None:
        raise InvalidInput([FieldError("district", N_("This field is required."), "missing")])
    if not by.in_scope(district):
        raise InvalidInput([FieldError("district", N_("Outside your district."), "out_of_scope")])
    return district


def _differences(appeal: Appeal, incident: Incident) -> dict[str, Any]:
    """What a joining appeal says differently from the incident; kept beside the first, never over it."""
    differs: dict[str, Any] = {}
    if appeal.has_location and (appeal.lat, appeal.lon) != (incident.lat, incident.lon):
        differs["location"] = {"lat": appeal.lat, "lon": appeal.lon}
    if appeal.address and appeal.address != incident.address:
        differs["address"] = appeal.address
    if appeal.category_code != incident.category_code:
        differs["category"] = appeal.category_code
    return differs


def _open_incident_for(
    uow: UnitOfWork, report: AppealInput | Appeal, *, district: str | None, by: Actor, at: datetime
) -> Incident:
    """Step: a new incident from what one appeal reports (its category, place, text and time)."""
    return incidents.open_incident(
        uow,
        category_code=report.category_code,
        district=district,
        lat=report.lat,
        lon=report.lon,
        address=report.address,
        description=report.text,
        received_at=report.received_at,
        by=by,
        at=at,
    )


def register(
    uow: UnitOfWork,
    *,
    data: AppealInput,
    region: Region,
    link_to: int | None,
    by: Actor,
    at: datetime,
    located: str | None = None,
) -> Registration:
    """Register an appeal, numbered per channel and year; open a new incident or join the one named.
    `located` is the district the appeal's point lies in, by the district map: a new incident belongs to it.

    Every check runs before anything is written, so a refused appeal leaves nothing behind.
    """
    checked = check_input(data, region, at)
    with uow:
        done = register_step(uow, checked, link_to=link_to, by=by, at=at, located=located)
        uow.commit()
    return done


def register_step(
    uow: UnitOfWork,
    checked: CheckedAppeal,
    *,
    link_to: int | None,
    by: Actor,
    at: datetime,
    located: str | None = None,
) -> Registration:
    """Step: register a checked appeal inside the caller's transaction (the partner gateway uses it too)."""
    data = checked.data
    incidents.category(uow, data.category_code, field="category_code")  # a 422 naming the field if unknown
    if link_to is None:
        incident = _open_incident_for(uow, data, district=_district(data, by, located), by=by, at=at)
    else:
        try:
            incident = incidents.get_in_scope(uow, link_to, by, for_update=True)
        except NotFound as exc:
            raise InvalidInput([FieldError("incident_id", N_("No such incident."), "not_found")]) from exc
        if not incident.is_open:
            raise Conflict(N_("The incident {number} is not open; reopen it first."), number=incident.number)
    appeal = _add(uow, checked, incident_id=incident.id, by=by, at=at)
    incidents.note_appeal(
        uow,
        incident,
        appeal_id=appeal.id,
        appeal_number=appeal.number,
        linked=True,
        by=by,
        at=at,
        channel=appeal.channel.value,
        differs=_differences(appeal, incident),
    )
    uow.audit(
        by,
        "appeal.register",
        object_type="appeal",
        object_id=appeal.id,
        at=at,
        detail={"number": appeal.number, "incident_id": incident.id, "channel": appeal.channel.value},
    )
    uow.emit(AppealRegistered(appeal.id, incident.id, appeal.channel.value, incident.district))
    return Registration(appeal, incident, new_incident=link_to is None)


def _add(uow: UnitOfWork, checked: CheckedAppeal, *, incident_id: int, by: Actor, at: datetime) -> Appeal:
    data, phone = checked.data, checked.phone
    series = SERIES[data.channel]
    year = to_local(data.received_at).year
    number = format_number(series, year, next_number(uow.session, series, year))
    return uow.repo(AppealRepository).add(
        number=number,
        channel=data.channel.value,
        partner=data.partner,
        received_at=data.received_at,
        caller_phone=phone.e164 if phone else None,
        phone_kind=phone.kind.value if phone else None,
        caller_locality=phone.locality if phone else None,
        caller_name=(data.caller_name or "").strip() or None,
        caller_iin=checked.iin.value if checked.iin else None,
        text=data.text,
        category_code=data.category_code,
        lat=data.lat,
        lon=data.lon,
        address=data.address,
        accuracy_m=data.accuracy_m,
        occurred_at=data.occurred_at,
        incident_id=incident_id,
        created_by=by.name,
        created_at=at,
    )


def move(
    uow: UnitOfWork, *, appeal_id: int, to_incident: int | None, by: Actor, at: datetime
) -> Registration:
    """Join the appeal to another open incident, or (to_incident=None) split it off into a new incident."""
    with uow:
        appeals = uow.repo(AppealRepository)
        source_id = appeals.get(appeal_id).incident_id
        # Incidents first, lowest id first, then the appeal: the lock order of every use case.
        locked = incidents.lock_in_order(uow, [source_id] + ([to_incident] if to_incident else []), by)
        appeal = appeals.get(appeal_id, for_update=True)
        if appeal.incident_id != source_id:
            raise Conflict(N_("The appeal was moved meanwhile; look again."))
        source = locked[source_id]
        if to_incident is None:
            if appeals.count_in(source.id) < 2:
                raise Conflict(N_("The appeal is the only one of its incident; there is nothing to split."))
            target = _open_incident_for(uow, appeal, district=source.district, by=by, at=at)
        else:
            target = locked[to_incident]
            if target.id == source.id or not target.is_open:
                raise Conflict(
                    N_("The incident {number} is not open; reopen it first."), number=target.number
                )
        appeals.move(appeal.id, target.id)
        moved = appeals.get(appeal.id)
        incidents.note_appeal(
            uow,
            source,
            appeal_id=appeal.id,
            appeal_number=appeal.number,
            linked=False,
            by=by,
            at=at,
            to_incident=target.id,
        )
        incidents.note_appeal(
            uow,
            target,
            appeal_id=appeal.id,
            appeal_number=appeal.number,
            linked=True,
            by=by,
            at=at,
            from_incident=source.id,
            differs=_differences(moved, target),
        )
        uow.audit(
            by,
            "appeal.move",
            object_type="appeal",
            object_id=appeal.id,
            at=at,
            detail={"from": source.id, "to": target.id},
        )
        uow.commit()
    return Registration(moved, target, new_incident=to_incident is None)


def get(uow: UnitOfWork, *, appeal_id: int, by: Actor) -> Appeal:
    with uow:
        appeal = uow.repo(AppealRepository).get(appeal_id)
        incidents.get_in_scope(uow, appeal.incident_id, by)
    return appeal


def of_incidents(uow: UnitOfWork, incident_ids: list[int]) -> list[Appeal]:
    """The appeals of these incidents, oldest first (for the incident card; the caller checks scope)."""
    with uow:
        return uow.repo(AppealRepository).of_incidents(incident_ids)


def partner_appeals_of(uow: UnitOfWork, incident_id: int) -> list[Appeal]:
    """Step: the appeals of an incident that came through a partner app."""
    return uow.repo(AppealRepository).from_partners(incident_id)


def count_by_channel(
    uow: UnitOfWork, *, since: datetime, until: datetime
) -> list[tuple[str, str | None, int]]:
    """How many appeals came through each channel and partner ("how many came through Kaspi")."""
    with uow:
        return uow.repo(AppealRepository).count_by_channel(since=since, until=until)


def get_step(uow: UnitOfWork, appeal_id: int) -> Appeal:
    """Step: one appeal, without a scope check (the partner gateway checks ownership itself)."""
    return uow.repo(AppealRepository).get(appeal_id)
