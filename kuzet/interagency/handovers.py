"""Use cases of hand-overs: an operator hands an incident over to an agency (the message goes into the outbox
in the same transaction); the agency answers with signed calls (acknowledgement, then its statuses), each
step written to the incident's timeline with the agency's own time and ours; an overdue request is re-sent
once. A repeated answer (the same step at the same agency time) is not applied twice."""

from __future__ import annotations

import dataclasses
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kuzet.core import outbox
from kuzet.core.actor import Actor
from kuzet.core.auth.credentials import SecretBox
from kuzet.core.errors import Conflict, FieldError, InvalidInput, KuzetError, NotFound
from kuzet.core.i18n import N_
from kuzet.core.signing import SignedCall
from kuzet.core.uow import UnitOfWork
from kuzet.incidents import service as incidents
from kuzet.incidents.domain import Incident
from kuzet.incidents.service import IncidentUpdated
from kuzet.incidents.store import CategoryRepository, IncidentRepository
from kuzet.interagency import handover_message
from kuzet.interagency.domain import Agency, agency_actor
from kuzet.interagency.handover import (
    FINISHED,
    AgencyStatus,
    Handover,
    HandoverState,
    can_acknowledge,
    can_report,
    step_kind,
)
from kuzet.interagency.service import admit_step
from kuzet.interagency.store import AgencyRepository, HandoverRepository

ILLEGAL_STEP = N_("The hand-over in state {current} cannot take the step {requested}.")
NO_HANDOVERS = N_("The agency takes only public alerts (CAP): it is sent no hand-over.")
CANCELLED_STEP = N_("The hand-over {ref} was cancelled by the police; it takes no more answers.")


@dataclass(frozen=True)
class Acknowledgement:
    accepted: bool
    reason: str | None
    at: datetime


@dataclass(frozen=True)
class StatusReport:
    status: AgencyStatus
    units: tuple[str, ...]
    at: datetime


@dataclass(frozen=True)
class Listing:
    handovers: list[Handover]
    agencies: dict[str, Agency]  # every registered agency, by code
    proposed: list[str]  # the category's agencies not yet handed over (enabled ones taking hand-overs)


@dataclass(frozen=True)
class Answered:
    handover: Handover
    applied: bool  # False: this step at this agency time was received before


def timeline(uow: UnitOfWork, incident: Incident, by: Actor, kind: str, at: datetime, **data: Any) -> None:
    uow.repo(IncidentRepository).add_event(
        incident.id, at=at, actor=by.name, role=by.role, kind=kind, data=data
    )
    uow.audit(by, f"incident.{kind}", object_type="incident", object_id=incident.id, detail=data, at=at)
    uow.emit(IncidentUpdated(incident.id, incident.status.value, incident.district, "handover"))


def operator_notes(uow: UnitOfWork, incident_id: int) -> tuple[handover_message.IncidentNote, ...]:
    """Step: the free notes operators wrote on the incident's timeline, oldest first."""
    return tuple(
        handover_message.IncidentNote(e.id, str(e.data["note"]), e.at)
        for e in uow.repo(IncidentRepository).events([incident_id])
        if e.kind == "note" and e.data.get("note")
    )


def enqueue_message(
    uow: UnitOfWork,
    agency: Agency,
    incident: Incident,
    handover: Handover,
    at: datetime,
    *,
    kind: handover_message.MessageKind = handover_message.MessageKind.REQUEST,
    reason: str | None = None,
) -> None:
    """Step: the message of the shared incident, as it is now, into the outbox; in order per incident."""
    category = uow.repo(CategoryRepository).find(incident.category_code)
    if category is None:  # a category is never deleted, only deactivated
        raise NotFound()
    message = handover_message.Message(
        kind, incident, category, handover, at, operator_notes(uow, incident.id), reason
    )
    outbox.enqueue(
        uow.session,
        destination=f"{handover_message.DESTINATION}:{agency.code}",
        kind=kind.outbox_kind,
        ordering_key=f"agency:{agency.code}:incident:{incident.id}",
        payload=handover_message.payload(agency, message),
        at=at,
    )


def request(
    uow: UnitOfWork, *, incident_id: int, agency_code: str, note: str | None, by: Actor, at: datetime
) -> Handover:
    """Hand the incident over to the agency: the hand-over, its message and the timeline entry, together."""
    with uow:
        incident = incidents.get_in_scope(uow, incident_id, by, for_update=True)
        agency = uow.repo(AgencyRepository).find(agency_code)
        if agency is None or not agency.enabled:
            raise InvalidInput(
                [FieldError("agency", N_("No such agency, or it is disabled."), "unknown_agency")]
            )
        if not agency.takes_handovers:
            raise InvalidInput([FieldError("agency", NO_HANDOVERS, "no_handover_format")])
        if not incident.is_open:
            raise Conflict(N_("The incident {number} is not open."), number=incident.number)
        repo = uow.repo(HandoverRepository)
        if any(
            h.agency_code == agency.code and h.state not in FINISHED for h in repo.of_incident(incident.id)
        ):
            raise Conflict(
                N_("The incident {number} is already handed over to {agency}."),
                number=incident.number,
                agency=agency.code,
            )
        draft = Handover(
            id=0,
            ref=secrets.token_hex(16),
            incident_id=incident.id,
            agency_code=agency.code,
            state=HandoverState.REQUESTED,
            note=note,
            requested_by=by.name,
            requested_at=at,
            ack_deadline_seconds=agency.ack_deadline(incident.priority),
        )
        handover = dataclasses.replace(draft, id=repo.add(draft))
        enqueue_message(uow, agency, incident, handover, at)
        timeline(
            uow,
            incident,
            by,
            "handover_requested",
            at,
            agency=agency.code,
            ref=handover.ref,
            note=note,
            ack_due_at=handover.ack_due_at.isoformat(),
            status=incident.status.value,
        )
        uow.commit()
    return handover


def listing(uow: UnitOfWork, *, incident_id: int, by: Actor) -> Listing:
    with uow:
        incident = incidents.get_in_scope(uow, incident_id, by)
        found = uow.repo(HandoverRepository).of_incident(incident.id)
        agency_repo = uow.repo(AgencyRepository)
        known = {a.code: a for a in agency_repo.all()}
        category = uow.repo(CategoryRepository).find(incident.category_code)
    handed = {
        h.agency_code for h in found if h.state not in (HandoverState.REJECTED, HandoverState.CANCELLED)
    }
    linked = [a.value for a in category.agencies] if category is not None else []
    proposed = (
        [
            code
            for code in linked
            if code not in handed and code in known and known[code].enabled and known[code].takes_handovers
        ]
        if incident.is_open
        else []
    )
    return Listing(found, known, proposed)


def ack_due(uow: UnitOfWork, incident_ids: list[int]) -> dict[int, datetime]:
    """The earliest acknowledgement deadline of each incident's hand-overs still waiting for one (the queue's
    alarm for an overdue hand-over)."""
    if not incident_ids:
        return {}
    with uow:
        return uow.repo(HandoverRepository).ack_due_of(incident_ids)


def _apply(
    uow: UnitOfWork, agency: Agency, handover: Handover, step: Acknowledgement | StatusReport, at: datetime
) -> Answered:
    """Step: record the agency's answer once and move the hand-over."""
    if isinstance(step, Acknowledgement):
        state = HandoverState.ACKNOWLEDGED if step.accepted else HandoverState.REJECTED
        data: dict[str, Any] = {"accepted": step.accepted, "reason": step.reason}
        name = "ack"
    else:
        state = HandoverState(step.status.value)
        data = {"agency_status": step.status.value, "units": list(step.units)}
        name = step.status.value
    repo = uow.repo(HandoverRepository)
    if not repo.add_step(handover.id, name, agency_at=step.at, received_at=at, data=data):
        return Answered(handover, applied=False)
    allowed = (
        can_acknowledge(handover.state)
        if isinstance(step, Acknowledgement)
        else can_report(handover.state, step.status)
    )
    if not allowed and handover.state is HandoverState.CANCELLED:
        raise Conflict(CANCELLED_STEP, ref=handover.ref)
    if not allowed:
        raise Conflict(ILLEGAL_STEP, current=handover.state.value, requested=state.value)
    changed = dataclasses.replace(handover, state=state)
    if isinstance(step, Acknowledgement):
        changed = dataclasses.replace(changed, acknowledged_at=at, reason=step.reason)
    elif step.units:
        changed = dataclasses.replace(changed, units=step.units)
    repo.save(changed, at=at)
    incident = incidents.current(uow, handover.incident_id)
    timeline(
        uow,
        incident,
        agency_actor(agency),
        step_kind(state),
        at,
        agency=agency.code,
        ref=handover.ref,
        agency_at=step.at.isoformat(),
        received_at=at.isoformat(),
        status=incident.status.value,
        **data,
    )
    return Answered(changed, applied=True)


def answer(
    uow: UnitOfWork,
    box: SecretBox,
    call: SignedCall,
    *,
    ref: str,
    step: Acknowledgement | StatusReport | Exception,
    at: datetime,
) -> Answered:
    """An agency's signed answer on a hand-over of its own. A refused signature is audited and raised;
    what is wrong with the request itself is told only to an agency whose signature holds."""
    with uow:
        admitted = admit_step(uow, box, call, at=at)
        if isinstance(admitted, KuzetError):
            uow.commit()
            raise admitted
        if isinstance(step, Exception):
            uow.commit()  # the nonce is spent: the same request is not tried again
            raise step
        handover = uow.repo(HandoverRepository).by_ref(ref, for_update=True)
        if handover is None or handover.agency_code != admitted.code:
            uow.commit()
            raise NotFound()
        done = _apply(uow, admitted, handover, step, at)
        uow.commit()
    return done


def resend_overdue(uow: UnitOfWork, *, at: datetime) -> int:
    """Re-send, once, each request the agency has not acknowledged by its deadline. Returns how many."""
    sent = 0
    with uow:
        repo = uow.repo(HandoverRepository)
        for waiting in repo.waiting_unresent():
            if not waiting.overdue(at):
                continue
            handover = repo.by_ref(waiting.ref, for_update=True)
            agency = uow.repo(AgencyRepository).find(waiting.agency_code)
            if (
                handover is None
                or not handover.overdue(at)
                or handover.resent_at is not None
                or agency is None
            ):
                continue
            incident = incidents.current(uow, handover.incident_id)
            resent = dataclasses.replace(handover, resent_at=at)
            repo.save(resent, at=at)
            enqueue_message(uow, agency, incident, resent, at)
            timeline(
                uow,
                incident,
                Actor.system("handover"),
                "handover_resent",
                at,
                agency=agency.code,
                ref=handover.ref,
                status=incident.status.value,
            )
            sent += 1
        uow.commit()
    return sent
