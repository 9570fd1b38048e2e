"""Use cases of incidents.

Functions marked "step" run inside the caller's open unit of work and do not commit; other features
(appeals, dispatch) call them to change incidents within their own transaction."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from kuzet.core.actor import Actor
from kuzet.core.clock import to_local
from kuzet.core.errors import Conflict, FieldError, InvalidInput, NotFound
from kuzet.core.events import DomainEvent
from kuzet.core.i18n import N_
from kuzet.core.numbering import format_number, next_number
from kuzet.core.uow import UnitOfWork
from kuzet.incidents import domain
from kuzet.incidents.catalogue import Category
from kuzet.incidents.domain import Disposition, Incident, IncidentStatus, Stamps
from kuzet.incidents.store import CategoryRepository, IncidentRepository

INCIDENT_SERIES = "INC"


@dataclass(frozen=True)
class IncidentCreated(DomainEvent):
    name = "incident.created"
    incident_id: int
    number: str
    district: str | None
    priority: int


@dataclass(frozen=True)
class IncidentUpdated(DomainEvent):
    name = "incident.updated"
    incident_id: int
    status: str
    district: str | None
    change: str


def record(uow: UnitOfWork, incident: Incident, by: Actor, kind: str, at: datetime, **data: Any) -> None:
    """One timeline entry and one audit row, in the same transaction as the change."""
    uow.repo(IncidentRepository).add_event(
        incident.id, at=at, actor=by.name, role=by.role, kind=kind, data=data
    )
    uow.audit(by, f"incident.{kind}", object_type="incident", object_id=incident.id, detail=data, at=at)


def announce(uow: UnitOfWork, incident: Incident, change: str) -> None:
    uow.emit(IncidentUpdated(incident.id, incident.status.value, incident.district, change))


def category(uow: UnitOfWork, code: str, *, field: str = "category") -> Category:
    """An active category of the catalogue, or a 422 naming the field (step)."""
    found = uow.repo(CategoryRepository).find(code)
    if found is None or not found.active:
        raise InvalidInput([FieldError(field, N_("Unknown category."), "unknown_category")])
    return found


def is_active_category(uow: UnitOfWork, code: str) -> bool:
    """Step: whether the code names an active category of the catalogue."""
    found = uow.repo(CategoryRepository).find(code)
    return found is not None and found.active


def get_in_scope(uow: UnitOfWork, incident_id: int, by: Actor, *, for_update: bool = False) -> Incident:
    """The incident if the actor's district covers it; otherwise reported missing, and the try audited."""
    incident = uow.repo(IncidentRepository).get(incident_id, for_update=for_update)
    if not by.in_scope(incident.district):
        raise uow.refuse(
            by,
            "incident.read",
            NotFound(),
            object_type="incident",
            object_id=incident_id,
            reason="out_of_scope",
        )
    return incident


# Other features tell how many units still work an incident, counted inside the caller's transaction.
ActiveUnits = Callable[[UnitOfWork, int], int]


def lock_in_order(uow: UnitOfWork, incident_ids: Iterable[int], by: Actor) -> dict[int, Incident]:
    """Step: lock several incidents, lowest id first: the one order every use case follows (no deadlocks)."""
    return {i: get_in_scope(uow, i, by, for_update=True) for i in sorted(set(incident_ids))}


def _no_units_at_work(uow: UnitOfWork, incident: Incident, active_units: ActiveUnits) -> None:
    if active_units(uow, incident.id):
        raise Conflict(
            N_("Units still work the incident {number}; reassign or clear them first."),
            number=incident.number,
        )


# --- steps (inside the caller's transaction) ---------------------------------------------------------------


def current(uow: UnitOfWork, incident_id: int) -> Incident:
    """Step: the incident as this transaction sees it (no scope check: for in-transaction handlers)."""
    return uow.repo(IncidentRepository).get(incident_id)


def open_incident(
    uow: UnitOfWork,
    *,
    category_code: str,
    district: str | None,
    lat: float | None,
    lon: float | None,
    address: str | None,
    description: str,
    received_at: datetime,
    by: Actor,
    at: datetime,
) -> Incident:
    """Step: a new incident from its first appeal, numbered INC-YYYY-NNNNNN (local year)."""
    kind = category(uow, category_code)
    year = to_local(received_at).year
    number = format_number(INCIDENT_SERIES, year, next_number(uow.session, INCIDENT_SERIES, year))
    draft = Incident(
        id=0,
        number=number,
        status=IncidentStatus.NEW,
        category_code=kind.code,
        priority=kind.priority,
        district=district,
        lat=lat,
        lon=lon,
        address=address,
        description=description,
        stamps=Stamps(received_at=received_at),
    )
    incident = uow.repo(IncidentRepository).add(number=number, incident=draft, at=at)
    record(
        uow,
        incident,
        by,
        "created",
        at,
        number=number,
        category=kind.code,
        priority=kind.priority,
        agencies=[a.value for a in kind.agencies],
    )
    uow.emit(IncidentCreated(incident.id, number, district, incident.priority))
    return incident


def note_appeal(
    uow: UnitOfWork,
    incident: Incident,
    *,
    appeal_id: int,
    appeal_number: str,
    linked: bool,
    by: Actor,
    at: datetime,
    **data: Any,
) -> None:
    """Step: record on the timeline that an appeal joined (or left) the incident."""
    record(
        uow,
        incident,
        by,
        "appeal_linked" if linked else "appeal_unlinked",
        at,
        appeal_id=appeal_id,
        appeal_number=appeal_number,
        **data,
    )
    announce(uow, incident, "appeals")


def unit_step(
    uow: UnitOfWork, incident_id: int, step: IncidentStatus, *, by: Actor, at: datetime, **data: Any
) -> Incident:
    """Step: a unit was dispatched, went en route or arrived. Stamps the first of each on the incident."""
    repo = uow.repo(IncidentRepository)
    before = repo.get(incident_id, for_update=True)
    after = domain.progress(before, step, at=at)
    repo.save(after, at=at)
    record(
        uow,
        after,
        by,
        f"unit_{step.value}",
        at,
        status_before=before.status.value,
        status=after.status.value,
        **data,
    )
    announce(uow, after, "status")
    return after


def unstaffed(uow: UnitOfWork, incident_id: int, *, by: Actor, at: datetime) -> Incident:
    """Step: the last unit left a dispatched or en-route incident; it goes back to the queue."""
    repo = uow.repo(IncidentRepository)
    before = repo.get(incident_id, for_update=True)
    after = domain.requeue(before)
    if after.status is not before.status:
        repo.save(after, at=at)
        record(uow, after, by, "requeued", at, status_before=before.status.value)
        announce(uow, after, "status")
    return after


def clear_step(
    uow: UnitOfWork, incident_id: int, *, disposition: Disposition, by: Actor, at: datetime
) -> Incident:
    """Step: the last unit cleared with a disposition; the incident is cleared with it."""
    repo = uow.repo(IncidentRepository)
    before = repo.get(incident_id, for_update=True)
    after = domain.transition(before, IncidentStatus.CLEARED, at=at, disposition=disposition)
    repo.save(after, at=at)
    record(
        uow,
        after,
        by,
        "status",
        at,
        status_before=before.status.value,
        status=after.status.value,
        disposition=disposition.value,
        last_unit_cleared=True,  # worded by each reader in its own language, never stored as text
    )
    announce(uow, after, "status")
    return after


# --- use cases (one commit each) ---------------------------------------------------------------------------


def change_status(
    uow: UnitOfWork,
    *,
    incident_id: int,
    to: IncidentStatus,
    disposition: Disposition | None,
    note: str | None,
    active_units: ActiveUnits,
    by: Actor,
    at: datetime,
) -> Incident:
    """A dispatcher's change of status. Dispatched, en route and on scene come only from units' assignments,
    and no status is changed by hand while units still work the incident."""
    if to in domain.UNIT_DRIVEN:
        raise InvalidInput(
            [FieldError("status", N_("This status is set by the units' assignments."), "unit_driven")]
        )
    with uow:
        before = get_in_scope(uow, incident_id, by, for_update=True)
        _no_units_at_work(uow, before, active_units)
        after = domain.transition(before, to, at=at, disposition=disposition)
        uow.repo(IncidentRepository).save(after, at=at)
        record(
            uow,
            after,
            by,
            "status",
            at,
            status_before=before.status.value,
            status=to.value,
            disposition=disposition.value if disposition else None,
            note=note,
        )
        announce(uow, after, "status")
        uow.commit()
    return after


def reopen(uow: UnitOfWork, *, incident_id: int, reason: str, by: Actor, at: datetime) -> Incident:
    with uow:
        before = get_in_scope(uow, incident_id, by, for_update=True)
        after = domain.reopen(before, at=at)
        uow.repo(IncidentRepository).save(after, at=at)
        record(
            uow,
            after,
            by,
            "reopened",
            at,
            reason=reason,
            previous_disposition=before.disposition,
            reopen_count=after.reopen_count,
        )
        announce(uow, after, "status")
        uow.commit()
    return after


def merge(
    uow: UnitOfWork, *, parent_id: int, child_id: int, active_units: ActiveUnits, by: Actor, at: datetime
) -> Incident:
    """The child joins the parent: its appeals, stamps and timeline stay as they were, shown under the parent.

    Both must be open and neither merged nor a parent already (the card shows one level); units still
    working the child must be moved first.
    """
    if parent_id == child_id:
        raise Conflict(N_("An incident cannot be merged into itself."))
    with uow:
        locked = lock_in_order(uow, (parent_id, child_id), by)
        parent, child = locked[parent_id], locked[child_id]
        repo = uow.repo(IncidentRepository)
        mergeable = parent.is_open and child.is_open and parent.merged_into_id is None
        if not mergeable or repo.children(child.id):
            raise Conflict(N_("Only two open incidents that are not merged can be merged."))
        _no_units_at_work(uow, child, active_units)
        child = replace(child, merged_into_id=parent.id)
        repo.save(child, at=at)
        record(uow, child, by, "merged_into", at, parent_id=parent.id, parent_number=parent.number)
        record(uow, parent, by, "merged_child", at, child_id=child.id, child_number=child.number)
        announce(uow, child, "merged")
        announce(uow, parent, "merged")
        uow.commit()
    return parent


def unmerge(uow: UnitOfWork, *, child_id: int, by: Actor, at: datetime) -> Incident:
    with uow:
        merged_into = get_in_scope(uow, child_id, by).merged_into_id
        if merged_into is None:
            raise Conflict(
                N_("The incident {number} is not merged."), number=get_in_scope(uow, child_id, by).number
            )
        locked = lock_in_order(uow, (child_id, merged_into), by)
        child, parent = locked[child_id], locked[merged_into]
        if child.merged_into_id != parent.id:
            raise Conflict(N_("The incident {number} is not merged."), number=child.number)
        child = replace(child, merged_into_id=None)
        uow.repo(IncidentRepository).save(child, at=at)
        record(uow, child, by, "unmerged", at, parent_id=parent.id, parent_number=parent.number)
        record(uow, parent, by, "child_unmerged", at, child_id=child.id, child_number=child.number)
        announce(uow, child, "merged")
        announce(uow, parent, "merged")
        uow.commit()
    return child
