"""Alerts of other agencies, imported from their CAP documents: each read through defusedxml and the XSD of
its namespace, with a size limit; a document refused is audited with its problem, and answered with the XML
path of every issue. An imported update or cancellation marks the imported alerts it refers to."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError

from kuzet.core.actor import Actor
from kuzet.core.audit.domain import Outcome
from kuzet.core.errors import Conflict, PayloadTooLarge
from kuzet.core.i18n import N_
from kuzet.core.uow import UnitOfWork
from kuzet.interagency.alert_service import CapRejected, audit_alert, get
from kuzet.interagency.alert_store import AlertRepository, alert_values
from kuzet.interagency.alerts import AlertChanged, AlertOrigin, PublicAlert, read_alert
from kuzet.interagency.cap import CapMsgType
from kuzet.interagency.cap_read import parse_cap
from kuzet.interagency.cap_xml import DEFAULT_MAX_CAP_BYTES, CapError
from kuzet.interagency.xml_safety import XmlInputError, XmlTooLarge

ALREADY_HERE = N_("The alert {identifier} of {sender} is already here.")


def import_cap(
    uow: UnitOfWork,
    document: bytes,
    *,
    source: str,
    by: Actor,
    at: datetime,
    max_bytes: int = DEFAULT_MAX_CAP_BYTES,
) -> PublicAlert:
    """Store another agency's CAP alert (read through defusedxml and its XSD). An update or a cancellation
    marks the imported alerts it refers to as superseded (or cancelled)."""
    if len(document) > max_bytes:
        raise PayloadTooLarge(limit=max_bytes)
    try:
        alert = parse_cap(document, max_bytes=max_bytes)
    except XmlTooLarge:
        raise PayloadTooLarge(limit=max_bytes) from None
    except XmlInputError as exc:
        _refused(uow, by, source, str(exc), at)
        raise CapRejected([("/", str(exc))]) from None
    except CapError as exc:
        _refused(uow, by, source, str(exc)[:300], at)
        raise CapRejected([(issue.path, issue.message) for issue in exc.issues]) from None
    read = read_alert(alert)
    fields = {
        **read,
        "origin": AlertOrigin.IMPORTED.value,
        "source": source[:200],
        "superseded_by": None,
        "cancelled": alert.msg_type is CapMsgType.CANCEL,
        "issued_by": by.name,
        "cap_xml": document.decode("utf-8", errors="replace"),
        "created_at": at,
    }
    with uow:
        repo = uow.repo(AlertRepository)
        if repo.find(alert.sender, alert.identifier) is not None:
            raise Conflict(ALREADY_HERE, identifier=alert.identifier, sender=alert.sender)
        try:
            with uow.savepoint():
                alert_id = repo.add(alert_values(alert, fields))
        except IntegrityError:
            raise Conflict(ALREADY_HERE, identifier=alert.identifier, sender=alert.sender) from None
        followed = []
        for reference in alert.references:
            earlier = repo.find(reference.sender, reference.identifier)
            if (
                earlier is not None
                and earlier.origin is AlertOrigin.IMPORTED
                and earlier.superseded_by is None
            ):
                repo.supersede(earlier.id, by=alert_id, cancelled=alert.msg_type is CapMsgType.CANCEL)
                followed.append(earlier.id)
        audit_alert(
            uow,
            by,
            "imported",
            alert_id,
            at,
            identifier=alert.identifier,
            sender=alert.sender,
            msg_type=alert.msg_type.value,
            source=source[:200],
            follows=followed,
        )
        uow.emit(AlertChanged(alert_id, "imported", follows=followed[0] if followed else None))
        uow.commit()
    return get(uow, alert_id)


def _refused(uow: UnitOfWork, by: Actor, source: str, problem: str, at: datetime) -> None:
    with uow:
        uow.audit(
            by,
            "alert.import_refused",
            object_type="public_alert",
            outcome=Outcome.FAILED,
            detail={"source": source[:200], "problem": problem[:300]},
            at=at,
        )
        uow.commit()
