"""Use cases of public alerts: a supervisor issues, updates and cancels CAP alerts (each message checked
against the OASIS XSD before it is stored, and put in the outbox of every enabled agency taking `cap`, in the
same transaction); alerts of other agencies are imported from their CAP documents. Every step is audited."""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from kuzet.core import outbox
from kuzet.core.actor import Actor
from kuzet.core.errors import Conflict, FieldError, InvalidInput, KuzetError, NotFound
from kuzet.core.i18n import N_
from kuzet.core.uow import UnitOfWork
from kuzet.geo.store import DistrictRepository
from kuzet.interagency.alert_store import AlertRepository, alert_values
from kuzet.interagency.alerts import (
    DRAWN_AREA,
    LANGUAGES,
    AlertArea,
    AlertChanged,
    AlertDraft,
    AlertOrigin,
    AlertText,
    PublicAlert,
    as_draft,
    build_alert,
    chain_references,
    check_texts,
    check_times,
    check_xml_text,
    district_rings,
    merge_texts,
)
from kuzet.interagency.cap import (
    CapAlert,
    CapCategory,
    CapCertainty,
    CapMsgType,
    CapSeverity,
    CapUrgency,
)
from kuzet.interagency.cap_read import parse_cap
from kuzet.interagency.cap_xml import CapError, to_cap_xml
from kuzet.interagency.domain import MessageFormat
from kuzet.interagency.link_store import CAP_PREFIX
from kuzet.interagency.store import AgencyRepository

DESTINATION: Final = CAP_PREFIX  # the outbox destination prefix: `cap:<agency code>`, never a hand-over's
KIND: Final = "cap.alert"
MEDIA_TYPE: Final = "application/cap+xml"
NOT_CAP = N_("Not a valid CAP alert: {problem}")
REASON_MAX: Final = 500


class UnsupportedMediaType(KuzetError):
    status, slug = 415, "unsupported-media-type"
    title = N_("Unsupported media type")
    default_detail = N_("Send a CAP document as application/cap+xml or application/xml.")


class CapRejected(InvalidInput):
    """An imported document that is not a CAP alert we take: each issue's XML path is a field."""

    def __init__(self, issues: list[tuple[str, str]]) -> None:
        super().__init__(
            [
                FieldError(path, NOT_CAP, "invalid_cap", params={"problem": message})
                for path, message in issues
            ]
        )
        self.extra = {"issues": [{"path": path, "message": message} for path, message in issues]}


@dataclass(frozen=True)
class Issuer:
    """Who our alerts come from: the CAP sender (an address-like id) and its name as people read it."""

    sender: str
    sender_name: str


@dataclass(frozen=True)
class AreaChoice:
    """The area as the supervisor gives it: rings drawn on the map, or a district's code."""

    polygons: tuple[tuple[tuple[float, float], ...], ...] = ()
    district: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class AlertRequest:
    """A new alert as the supervisor asks for it: the draft's fields with the area still to be resolved."""

    event: str
    category: CapCategory
    urgency: CapUrgency
    severity: CapSeverity
    certainty: CapCertainty
    texts: Mapping[str, AlertText]
    area: AreaChoice
    expires: datetime
    onset: datetime | None = None


def new_identifier() -> str:
    return f"kuzet-alert-{secrets.token_hex(12)}"


def _field_error(name: str, reason: str, code: str) -> InvalidInput:
    return InvalidInput([FieldError(name, reason, code)])


def resolve_area(uow: UnitOfWork, choice: AreaChoice) -> AlertArea:
    """The area's rings and words: a drawn area as given, a district's outer rings and names."""
    if choice.district is None:
        if not choice.polygons:
            raise _field_error("area", N_("Draw the area on the map or choose a district."), "missing_area")
        words = dict.fromkeys(LANGUAGES, choice.description) if choice.description else {}
        return AlertArea(descriptions=words or dict(DRAWN_AREA), polygons=choice.polygons)
    found = next((d for d in uow.repo(DistrictRepository).all() if d["code"] == choice.district), None)
    if found is None:
        raise _field_error("area.district", N_("No such district."), "unknown_district")
    names = {language: found.get(f"name_{language}") or found["code"] for language in LANGUAGES}
    if choice.description:
        names = {language: f"{choice.description} ({name})" for language, name in names.items()}
    try:
        rings = district_rings(found["geometry"])
    except (ValueError, KeyError, IndexError, TypeError):
        raise _field_error(
            "area.district", N_("The district has no usable polygon."), "bad_district"
        ) from None
    return AlertArea(descriptions=names, polygons=rings, district=choice.district)


def _checked(alert: CapAlert) -> bytes:
    """The alert's CAP document, read back through the XSD and the CAP rules before anything is stored."""
    document = to_cap_xml(alert)
    try:
        parse_cap(document)
    except CapError as exc:
        raise CapRejected([(issue.path, issue.message) for issue in exc.issues]) from None
    return document


def _cap_agencies(uow: UnitOfWork) -> list[str]:
    return [a.code for a in uow.repo(AgencyRepository).all() if a.enabled and MessageFormat.CAP in a.formats]


def _store_and_send(
    uow: UnitOfWork, alert: CapAlert, document: bytes, fields: dict[str, Any], *, at: datetime
) -> int:
    repo = uow.repo(AlertRepository)
    alert_id = repo.add(alert_values(alert, {**fields, "cap_xml": document.decode(), "created_at": at}))
    sent_to = _cap_agencies(uow)
    for code in sent_to:
        outbox.enqueue(
            uow.session,
            destination=f"{DESTINATION}:{code}",
            kind=KIND,
            ordering_key=f"{DESTINATION}:{code}",
            payload={
                "alert_id": alert_id,
                "identifier": alert.identifier,
                "msg_type": alert.msg_type.value,
                "document": document.decode(),
            },
            at=at,
        )
    fields["sent_to"] = sent_to
    return alert_id


def _our_fields(draft: AlertDraft, by: Actor, *, cancelled: bool = False) -> dict[str, Any]:
    return {
        "origin": AlertOrigin.OURS.value,
        "source": None,
        "event": draft.event,
        "categories": [draft.category.value],
        "urgency": draft.urgency.value,
        "severity": draft.severity.value,
        "certainty": draft.certainty.value,
        "texts": dict(draft.texts),
        "area": draft.area,
        "onset": draft.onset,
        "expires": draft.expires,
        "superseded_by": None,
        "cancelled": cancelled,
        "issued_by": by.name,
    }


def audit_alert(uow: UnitOfWork, by: Actor, action: str, alert_id: int, at: datetime, **detail: Any) -> None:
    uow.audit(by, f"alert.{action}", object_type="public_alert", object_id=alert_id, detail=detail, at=at)


def _get(uow: UnitOfWork, alert_id: int, *, for_update: bool = False) -> PublicAlert:
    found = uow.repo(AlertRepository).get(alert_id, for_update=for_update)
    if found is None:
        raise NotFound()
    return found


def issue(uow: UnitOfWork, request: AlertRequest, *, issuer: Issuer, by: Actor, at: datetime) -> PublicAlert:
    """Issue a new alert: checked, written as CAP, validated, stored and queued for the CAP agencies."""
    errors = (
        check_texts(request.texts, complete=True)
        + check_times(request.onset, request.expires, at=at)
        + check_xml_text("event", request.event)
        + check_xml_text("area.description", request.area.description)
    )
    if errors:
        raise InvalidInput(errors)
    with uow:
        draft = AlertDraft(
            event=request.event,
            category=request.category,
            urgency=request.urgency,
            severity=request.severity,
            certainty=request.certainty,
            texts=request.texts,
            area=resolve_area(uow, request.area),
            expires=request.expires,
            onset=request.onset,
        )
        alert = build_alert(
            draft, identifier=new_identifier(), sender=issuer.sender, sender_name=issuer.sender_name, sent=at
        )
        document = _checked(alert)
        fields = _our_fields(draft, by)
        alert_id = _store_and_send(uow, alert, document, fields, at=at)
        audit_alert(
            uow,
            by,
            "issued",
            alert_id,
            at,
            identifier=alert.identifier,
            event=draft.event,
            district=draft.area.district,
            expires=draft.expires.isoformat(),
            sent_to=fields["sent_to"],
        )
        uow.emit(AlertChanged(alert_id, "issued"))
        uow.commit()
    with uow:
        return _get(uow, alert_id)


def _follow(uow: UnitOfWork, alert_id: int) -> PublicAlert:
    """The alert an update or a cancellation follows: ours, the latest of its chain, not cancelled."""
    earlier = _get(uow, alert_id, for_update=True)
    if earlier.origin is not AlertOrigin.OURS:
        raise Conflict(N_("Only alerts we issued can be updated or cancelled."))
    if earlier.cancelled or earlier.msg_type is CapMsgType.CANCEL:
        raise Conflict(N_("The alert is cancelled."))
    if earlier.superseded_by is not None:
        raise Conflict(
            N_("The alert was superseded by alert {newer}: change that one."), newer=earlier.superseded_by
        )
    return earlier


def update(
    uow: UnitOfWork,
    alert_id: int,
    *,
    changes: Mapping[str, Any],
    area: AreaChoice | None,
    issuer: Issuer,
    by: Actor,
    at: datetime,
) -> PublicAlert:
    """An Update message: the earlier draft with `changes` (and `area`, if given), referring to the chain."""
    with uow:
        earlier = _follow(uow, alert_id)
        base = as_draft(earlier)
        texts = merge_texts(base.texts, changes.get("texts"))
        draft = dataclasses.replace(
            base,
            **{name: value for name, value in changes.items() if name != "texts"},
            texts=texts,
            area=resolve_area(uow, area) if area is not None else base.area,
        )
        errors = (
            check_texts(draft.texts, complete=True)
            + check_times(draft.onset, draft.expires, at=at)
            + check_xml_text("event", draft.event)
            + check_xml_text("area.description", area.description if area is not None else None)
        )
        if errors:
            raise InvalidInput(errors)
        alert = build_alert(
            draft,
            identifier=new_identifier(),
            sender=issuer.sender,
            sender_name=issuer.sender_name,
            sent=at,
            msg_type=CapMsgType.UPDATE,
            references=chain_references(earlier),
        )
        fields = _our_fields(draft, by)
        new_id = _store_and_send(uow, alert, _checked(alert), fields, at=at)
        uow.repo(AlertRepository).supersede(earlier.id, by=new_id, cancelled=False)
        audit_alert(
            uow,
            by,
            "updated",
            new_id,
            at,
            identifier=alert.identifier,
            follows=earlier.id,
            changed=sorted({*changes, *(["area"] if area is not None else [])}),
            sent_to=fields["sent_to"],
        )
        uow.emit(AlertChanged(new_id, "updated", follows=earlier.id))
        uow.commit()
    with uow:
        return _get(uow, new_id)


def cancel(
    uow: UnitOfWork, alert_id: int, *, reason: str, issuer: Issuer, by: Actor, at: datetime
) -> PublicAlert:
    """A Cancel message referring to the chain, its reason in <note>; the earlier alert is then cancelled."""
    if not reason.strip() or len(reason) > REASON_MAX:
        raise _field_error("reason", N_("Give the reason, at most 500 characters."), "reason")
    if check_xml_text("reason", reason):
        raise InvalidInput(check_xml_text("reason", reason))
    with uow:
        earlier = _follow(uow, alert_id)
        draft = as_draft(earlier)
        alert = build_alert(
            draft,
            identifier=new_identifier(),
            sender=issuer.sender,
            sender_name=issuer.sender_name,
            sent=at,
            msg_type=CapMsgType.CANCEL,
            references=chain_references(earlier),
            note=reason.strip(),
        )
        fields = _our_fields(draft, by, cancelled=True)
        new_id = _store_and_send(uow, alert, _checked(alert), fields, at=at)
        uow.repo(AlertRepository).supersede(earlier.id, by=new_id, cancelled=True)
        audit_alert(
            uow,
            by,
            "cancelled",
            new_id,
            at,
            identifier=alert.identifier,
            follows=earlier.id,
            sent_to=fields["sent_to"],
        )
        uow.emit(AlertChanged(new_id, "cancelled", follows=earlier.id))
        uow.commit()
    with uow:
        return _get(uow, new_id)


def listing(
    uow: UnitOfWork, *, current_at: datetime | None, origin: AlertOrigin | None, limit: int = 500
) -> list[PublicAlert]:
    with uow:
        return uow.repo(AlertRepository).listing(current_at=current_at, origin=origin, limit=limit)


def get(uow: UnitOfWork, alert_id: int) -> PublicAlert:
    with uow:
        return _get(uow, alert_id)


def published(uow: UnitOfWork, identifier: str) -> PublicAlert:
    """One of our alerts as the public feed links it (by its CAP identifier)."""
    with uow:
        found = uow.repo(AlertRepository).ours_by_identifier(identifier)
    if found is None:
        raise NotFound()
    return found


def feed_alerts(uow: UnitOfWork, *, at: datetime) -> list[CapAlert]:
    """Our alerts in force and our cancellations until the cancelled alert's expiry, as public alerting feeds
    keep them (an update's original has left: the update refers to it), as CAP read back from the documents
    as sent."""
    with uow:
        published = uow.repo(AlertRepository).published_at(at)
    return [parse_cap(alert.cap_xml.encode()) for alert in published]
