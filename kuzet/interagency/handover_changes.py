"""What a handed-over incident's agencies are told after the request: each change of the incident they need
(its place, category or priority, a note, the injured count) as an update of the same shared incident, and
our cancellation: by the operator, with a reason, or because the incident was closed or cancelled.

Both go into the outbox in the transaction of the change, with the request's ordering key, so the agency gets
them in order after the request. Only live hand-overs (neither rejected, closed nor cancelled) are told."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime
from typing import Final

from kuzet.core.actor import Actor
from kuzet.core.errors import Conflict, FieldError, InvalidInput, NotFound
from kuzet.core.i18n import N_
from kuzet.core.uow import UnitOfWork
from kuzet.incidents import service as incidents
from kuzet.incidents.domain import Incident, IncidentStatus
from kuzet.incidents.service import IncidentUpdated
from kuzet.interagency.domain import Agency
from kuzet.interagency.handover import Handover, HandoverState
from kuzet.interagency.handover_message import MessageKind
from kuzet.interagency.handovers import enqueue_message, timeline
from kuzet.interagency.store import AgencyRepository, HandoverRepository

# The incident's changes (IncidentUpdated.change) an agency working it needs to know of.
UPDATING_CHANGES: Final = frozenset({"location", "category", "note", "injured"})
# Why a hand-over ends when the incident does: the reason the agency reads (in Russian, like the category
# name the message carries) and the operator sees on the hand-over.
ENDED_BY_INCIDENT: Final[Mapping[IncidentStatus, str]] = {
    IncidentStatus.CLOSED: "Инцидент {number} закрыт полицией",
    IncidentStatus.CANCELLED: "Инцидент {number} отменён полицией",
}
NOT_LIVE = N_("The hand-over to {agency} is already over ({state}): there is nothing to cancel.")


def _agency(uow: UnitOfWork, code: str) -> Agency:
    agency = uow.repo(AgencyRepository).find(code)
    if agency is None:  # an agency is never deleted, only disabled
        raise NotFound()
    return agency


def _live(uow: UnitOfWork, incident_id: int) -> list[Handover]:
    return [h for h in uow.repo(HandoverRepository).of_incident(incident_id) if h.live]


def _cancel(
    uow: UnitOfWork, incident: Incident, ref: str, *, reason: str, by: Actor, at: datetime, **data: str
) -> Handover | None:
    """Step: the hand-over is cancelled, the agency is sent the cancellation, the timeline and audit say so.
    None if it is no longer live (the agency's answer, locking the same row, came first)."""
    handover = uow.repo(HandoverRepository).by_ref(ref, for_update=True)
    if handover is None or not handover.live:
        return None
    agency = _agency(uow, handover.agency_code)
    cancelled = dataclasses.replace(handover, state=HandoverState.CANCELLED, reason=reason)
    uow.repo(HandoverRepository).save(cancelled, at=at)
    enqueue_message(uow, agency, incident, cancelled, at, kind=MessageKind.CANCEL, reason=reason)
    timeline(
        uow,
        incident,
        by,
        "handover_cancelled",
        at,
        agency=agency.code,
        ref=handover.ref,
        state_before=handover.state.value,
        reason=reason,
        status=incident.status.value,
        **data,
    )
    return cancelled


def cancel(
    uow: UnitOfWork, *, incident_id: int, agency_code: str, reason: str, by: Actor, at: datetime
) -> Handover:
    """The operator cancels the incident's live hand-over to the agency, saying why."""
    with uow:
        incident = incidents.get_in_scope(uow, incident_id, by, for_update=True)
        repo = uow.repo(HandoverRepository)
        found = [h for h in repo.of_incident(incident.id) if h.agency_code == agency_code]
        if not found:
            raise InvalidInput(
                [
                    FieldError(
                        "agency", N_("The incident is not handed over to this service."), "not_handed", "path"
                    )
                ]
            )
        live = [h for h in found if h.live]
        if not live:
            last = found[-1]
            raise Conflict(
                NOT_LIVE,
                agency=agency_code,
                state=last.state.value,
                extra={"field": "agency", "handover_state": last.state.value},
            )
        done = _cancel(uow, incident, live[-1].ref, reason=reason, by=by, at=at, cause="operator")
        if done is None:  # the agency rejected or closed it at this very moment
            now = repo.by_ref(live[-1].ref)
            state = now.state.value if now is not None else ""
            raise Conflict(
                NOT_LIVE, agency=agency_code, state=state, extra={"field": "agency", "handover_state": state}
            )
        uow.commit()
    return done


def on_incident_updated(uow: UnitOfWork, event: IncidentUpdated) -> None:
    """In the committing transaction: tell each live hand-over's agency what changed, or cancel the live
    hand-overs when the incident was closed or cancelled."""
    if event.change not in UPDATING_CHANGES and event.change != "status":
        return  # a hand-over's own step, an appeal, a merge: nothing the agency is sent
    live = _live(uow, event.incident_id)
    if not live:
        return
    incident = incidents.current(uow, event.incident_id)
    at = uow.clock.now()
    if event.change == "status":
        ending = ENDED_BY_INCIDENT.get(incident.status)
        if ending is None:
            return
        by = Actor.system("handover")
        for handover in live:
            _cancel(
                uow,
                incident,
                handover.ref,
                reason=ending.format(number=incident.number),
                by=by,
                at=at,
                cause=f"incident_{incident.status.value}",
            )
        return
    for handover in live:
        enqueue_message(
            uow, _agency(uow, handover.agency_code), incident, handover, at, kind=MessageKind.UPDATE
        )
