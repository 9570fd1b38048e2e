"""Use cases of the agency links: a call an agency transfers to us (an EIDO incident that becomes an appeal on
channel `agency`), the agency's heartbeat, and every link's health for the supervisor."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from kuzet.appeals import service as appeals
from kuzet.appeals.domain import Region
from kuzet.core import signed_calls
from kuzet.core.auth.credentials import SecretBox
from kuzet.core.errors import FieldError, InvalidInput, KuzetError
from kuzet.core.i18n import N_
from kuzet.core.signing import SignedCall
from kuzet.core.uow import UnitOfWork
from kuzet.incidents import rules
from kuzet.incidents import service as incidents
from kuzet.incidents.store import CategoryRepository, IncidentRepository
from kuzet.interagency.domain import Agency, agency_actor
from kuzet.interagency.eido import EidoIncident
from kuzet.interagency.health import LinkFigures, LinkHealth, link_health
from kuzet.interagency.link_store import LinkRepository
from kuzet.interagency.service import admit_step
from kuzet.interagency.store import AgencyRepository
from kuzet.interagency.transfer import transfer_of
from kuzet.partners.signing import IDEMPOTENCY_HEADER

IDEMPOTENCY_MISMATCH = N_("This idempotency key was used with another body.")


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]


@dataclass(frozen=True)
class DuplicateWindow:
    radius_m: float
    window: timedelta


@dataclass(frozen=True)
class TransferRequest:
    """A transfer as read off the wire: the key, the document (decoded) and the model read from it, or the
    error to answer an admitted agency with."""

    idempotency_key: str
    document: Mapping[str, Any]
    incident: EidoIncident


def _open_duplicate(
    uow: UnitOfWork, lat: float, lon: float, code: str, at: datetime, near: DuplicateWindow
) -> int | None:
    """The open incident this report most likely is, by the same rule as a call-taker's suggestions."""
    kind = incidents.category(uow, code, field="category_code")
    dlat, dlon = rules.box_around(lat, near.radius_m)
    found = uow.repo(IncidentRepository).near(lat=lat, lon=lon, dlat=dlat, dlon=dlon, since=at - near.window)
    kinds = {c.code: c for c in uow.repo(CategoryRepository).all()}
    best = rules.suggest(
        lat=lat,
        lon=lon,
        kind=kind,
        at=at,
        candidates=[(i, kinds[i.category_code]) for i in found],
        radius_m=near.radius_m,
        window=near.window,
    )
    return best[0].incident.id if best else None


def _field_errors(error: InvalidInput, paths: Mapping[str, str]) -> InvalidInput:
    """The appeal's refusal told in the document's terms: each field as the EIDO path it came from."""
    return InvalidInput(
        [
            FieldError(
                paths.get(e.field, "$"), e.reason, e.code, params={**e.params, "appeal_field": e.field}
            )
            for e in error.errors
        ]
    )


def transfer_step(
    uow: UnitOfWork,
    *,
    agency: Agency,
    request: TransferRequest,
    body_digest: str,
    region: Region,
    located: str,
    duplicates: DuplicateWindow,
    at: datetime,
) -> Answer:
    """Step: register the transfer once per idempotency key (a retry gets the first answer back); it becomes
    an appeal joined to the open incident it duplicates, or a new incident of the district `located` (found
    from its point before the transaction: the district map may read the database). The answer acknowledges
    it."""
    repo = uow.repo(LinkRepository)
    earlier = repo.transfer(agency.code, request.idempotency_key)
    if earlier is not None:
        if earlier.body_digest != body_digest:
            raise InvalidInput(
                [
                    FieldError(
                        IDEMPOTENCY_HEADER,
                        IDEMPOTENCY_MISMATCH,
                        "idempotency_mismatch",
                        location="header",
                    )
                ]
            )
        return Answer(200, {**earlier.response, "repeated": True})
    made = transfer_of(
        request.incident,
        request.document,
        known_category=lambda code: incidents.is_active_category(uow, code),
        received_at=at,
    )
    try:
        checked = appeals.check_input(made.data, region, at)
    except InvalidInput as refused:
        raise _field_errors(refused, made.paths) from None
    data = checked.data
    link_to = None
    if data.lat is not None and data.lon is not None:
        link_to = _open_duplicate(uow, data.lat, data.lon, data.category_code, data.received_at, duplicates)
    by = agency_actor(agency)
    done = appeals.register_step(uow, checked, link_to=link_to, by=by, at=at, located=located)
    body = {
        "status": "accepted",
        "tracking_id": request.incident.tracking_id,
        "appeal": {"id": done.appeal.id, "number": done.appeal.number},
        "incident": {"id": done.incident.id, "number": done.incident.number},
        "linked_to_open_incident": not done.new_incident,
        "received_at": at.isoformat(),
        "repeated": False,
    }
    uow.audit(
        by,
        "agency.transfer",
        object_type="appeal",
        object_id=done.appeal.id,
        at=at,
        detail={"incident_id": done.incident.id, "linked": not done.new_incident},
    )
    # Kept last: a concurrent transfer with the same key fails here, is run again, and finds this answer.
    repo.add_transfer(
        code=agency.code,
        key=request.idempotency_key,
        digest=body_digest,
        tracking_id=request.incident.tracking_id,
        appeal_id=done.appeal.id,
        document=dict(request.document),
        response=body,
        at=at,
    )
    return Answer(201, body)


def transfer(
    uow: UnitOfWork,
    box: SecretBox,
    call: SignedCall,
    *,
    step: Callable[[Agency], Callable[[UnitOfWork], Answer] | Exception],
    at: datetime,
) -> Answer:
    """An agency's signed transfer. A refused signature is audited and raised; what is wrong with the request
    itself (`step` is then the error) is told only to an agency whose signature holds, and the nonce stays
    spent either way."""
    return signed_calls.run_signed(uow, admit=lambda tx: admit_step(tx, box, call, at=at), step=step)


def heartbeat(
    uow: UnitOfWork, box: SecretBox, call: SignedCall, *, agency_at: datetime | Exception | None, at: datetime
) -> Agency:
    """The agency says its link is alive; kept as our receipt time (and its own). A bad body (`agency_at` is
    then the error) is told only to an agency whose signature holds, and is no heartbeat."""
    with uow:
        admitted = admit_step(uow, box, call, at=at)
        if isinstance(admitted, KuzetError):
            uow.commit()
            raise admitted
        if isinstance(agency_at, Exception):
            uow.commit()
            raise agency_at
        uow.repo(LinkRepository).beat(admitted.code, at=at, agency_at=agency_at)
        uow.commit()
    return admitted


@dataclass(frozen=True)
class LinkView:
    agency: Agency
    figures: LinkFigures
    health: LinkHealth
    oldest_unacknowledged: OldestUnacknowledged | None


@dataclass(frozen=True)
class OldestUnacknowledged:
    """The hand-over that has waited longest for the agency's acknowledgement, and its incident."""

    ref: str
    incident_id: int
    incident_number: str


def _oldest_unacknowledged(uow: UnitOfWork, repo: LinkRepository, code: str) -> OldestUnacknowledged | None:
    found = repo.oldest_unacknowledged(code)
    if found is None:
        return None
    ref, incident_id = found
    return OldestUnacknowledged(ref, incident_id, uow.repo(IncidentRepository).get(incident_id).number)


def health(uow: UnitOfWork, *, now: datetime, late_after: timedelta, down_after: timedelta) -> list[LinkView]:
    """Every agency link's state, its messages waiting and its oldest unacknowledged hand-over."""
    with uow:
        found = uow.repo(AgencyRepository).all()
        repo = uow.repo(LinkRepository)
        figures = repo.figures([a.code for a in found])
        views = []
        for agency in found:
            own = figures[agency.code]
            views.append(
                LinkView(
                    agency,
                    own,
                    link_health(
                        own, enabled=agency.enabled, now=now, late_after=late_after, down_after=down_after
                    ),
                    _oldest_unacknowledged(uow, repo, agency.code) if own.unacknowledged else None,
                )
            )
    return views
