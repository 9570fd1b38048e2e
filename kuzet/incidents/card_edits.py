"""Use cases of editing an incident from its card: its place confirmed or corrected, an alarm acknowledged, a
note, the injured count, and the category (with the priority it brings, and a reason). Each is one transaction
with its timeline entry and audit row, as in `service.py`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from kuzet.core.actor import Actor
from kuzet.core.errors import Conflict, FieldError, InvalidInput
from kuzet.core.i18n import N_
from kuzet.core.uow import UnitOfWork
from kuzet.incidents import domain, service
from kuzet.incidents.domain import Incident
from kuzet.incidents.rules import place_problems
from kuzet.incidents.store import IncidentRepository


def verify_location(
    uow: UnitOfWork,
    *,
    incident_id: int,
    lat: float | None,
    lon: float | None,
    address: str | None,
    region: Callable[[float, float], bool],
    by: Actor,
    at: datetime,
) -> Incident:
    """An operator confirms or corrects where the incident is. Appeals keep the places they reported."""
    problems = place_problems(lat, lon, address, region)
    if problems:
        raise InvalidInput(problems)
    with uow:
        before = service.get_in_scope(uow, incident_id, by, for_update=True)
        after = domain.verify_location(before, lat=lat, lon=lon, address=address, by=by.name)
        uow.repo(IncidentRepository).save(after, at=at)
        service.record(
            uow,
            after,
            by,
            "location_verified",
            at,
            lat=after.lat,
            lon=after.lon,
            address=after.address,
            previous={"lat": before.lat, "lon": before.lon, "address": before.address},
        )
        service.announce(uow, after, "location")
        uow.commit()
    return after


def acknowledge_alarm(uow: UnitOfWork, *, incident_id: int, alarm: str, by: Actor, at: datetime) -> Incident:
    """An operator heard an incident's alarm (a new P1, an overdue or placeless incident) and says so: the
    timeline records who and when, and that operator's console stops sounding it."""
    with uow:
        incident = service.get_in_scope(uow, incident_id, by)
        service.record(uow, incident, by, "alarm_acknowledged", at, alarm=alarm, status=incident.status.value)
        uow.commit()
    return incident


def add_note(uow: UnitOfWork, *, incident_id: int, text: str, by: Actor, at: datetime) -> Incident:
    """A free note on the timeline, at any time, open or closed; the consoles showing it are told."""
    with uow:
        incident = service.get_in_scope(uow, incident_id, by)
        service.record(uow, incident, by, "note", at, note=text, status=incident.status.value)
        service.announce(uow, incident, "note")
        uow.commit()
    return incident


def set_injured(
    uow: UnitOfWork, *, incident_id: int, injured: int | None, by: Actor, at: datetime
) -> Incident:
    """How many are hurt, as the operator learns it (None: not known); the services handed it are told."""
    if injured is not None and not 0 <= injured <= domain.INJURED_MAX:
        problem = N_("The number of injured is from 0 to {max}.")
        raise InvalidInput(
            [FieldError("injured", problem, "out_of_range", params={"max": domain.INJURED_MAX})]
        )
    with uow:
        before = service.get_in_scope(uow, incident_id, by, for_update=True)
        if before.injured == injured:
            return before
        after = replace(before, injured=injured)
        uow.repo(IncidentRepository).save(after, at=at)
        service.record(uow, after, by, "injured", at, injured=injured, injured_before=before.injured)
        service.announce(uow, after, "injured")
        uow.commit()
    return after


def recategorise(
    uow: UnitOfWork,
    *,
    incident_id: int,
    category_code: str,
    priority: int | None,
    reason: str,
    by: Actor,
    at: datetime,
) -> Incident:
    """What the incident turned out to be: another category, and with it the category's priority unless the
    operator gives one. Only while it is open; the reason goes into the timeline with both before and after.
    """
    with uow:
        before = service.get_in_scope(uow, incident_id, by, for_update=True)
        if not before.is_open:
            raise Conflict(N_("The incident {number} is no longer open."), number=before.number)
        chosen = service.category(uow, category_code, field="category_code")
        after = replace(before, category_code=chosen.code, priority=priority or chosen.priority)
        if (after.category_code, after.priority) == (before.category_code, before.priority):
            same = N_("The incident already has this category and priority.")
            raise InvalidInput([FieldError("category_code", same, "same")])
        uow.repo(IncidentRepository).save(after, at=at)
        service.record(
            uow,
            after,
            by,
            "recategorised",
            at,
            category_before=before.category_code,
            category=after.category_code,
            priority_before=before.priority,
            priority=after.priority,
            reason=reason,
        )
        service.announce(uow, after, "category")
        uow.commit()
    return after
