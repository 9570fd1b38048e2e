"""Status back to the citizen: outbox messages written with the change, and the sender the relay uses."""

from __future__ import annotations

import json
import secrets
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy.orm import Session, sessionmaker

from kuzet.appeals import service as appeals
from kuzet.appeals.domain import Appeal
from kuzet.core import outbox
from kuzet.core.auth.credentials import SecretBox
from kuzet.core.clock import Clock
from kuzet.core.i18n import LOCALES, translate
from kuzet.core.uow import UnitOfWork
from kuzet.incidents import service as incidents
from kuzet.incidents.service import IncidentUpdated
from kuzet.partners import signing
from kuzet.partners.domain import CITIZEN_RESULT, CitizenStatus, Partner, citizen_status
from kuzet.partners.store import PartnerRepository

DESTINATION = "partner"
KIND = "appeal.status"


def _result_texts(status: CitizenStatus, disposition: Any) -> dict[str, str] | None:
    if status is not CitizenStatus.CLOSED:
        return None
    message = CITIZEN_RESULT.get(disposition, CITIZEN_RESULT[None])
    return {locale: translate(message, locale) for locale in LOCALES}


def _tell(
    uow: UnitOfWork,
    partner: Partner,
    appeal: Appeal,
    status: CitizenStatus,
    result: dict[str, str] | None,
    at: datetime,
) -> None:
    """Record what the citizen is told and, if the partner has a webhook, queue the callback."""
    uow.repo(PartnerRepository).set_citizen_status(
        appeal.id, partner.code, status.value, json.dumps(result, ensure_ascii=False) if result else None, at
    )
    if partner.webhook_url:
        outbox.enqueue(
            uow.session,
            destination=f"{DESTINATION}:{partner.code}",
            kind=KIND,
            ordering_key=f"appeal:{appeal.id}",
            payload={
                "type": KIND,
                "appeal_id": appeal.id,
                "appeal_number": appeal.number,
                "status": status.value,
                "result": result,
                "at": at.isoformat(),
            },
            at=at,
        )


def notify_registered(uow: UnitOfWork, partner: Partner, appeal: Appeal, *, at: datetime) -> None:
    _tell(uow, partner, appeal, CitizenStatus.REGISTERED, None, at)


def on_incident_updated(uow: UnitOfWork, event: IncidentUpdated) -> None:
    """In the committing transaction: tell each partner whose citizen waits on this incident what changed."""
    if event.change != "status":
        return  # a new appeal, a merge: nothing the citizen's status shows
    waiting = appeals.partner_appeals_of(uow, event.incident_id)
    if not waiting:
        return
    incident = incidents.current(uow, event.incident_id)
    status = citizen_status(incident.status)
    repo = uow.repo(PartnerRepository)
    at = uow.clock.now()
    for appeal in waiting:
        told = repo.citizen_status(appeal.id)
        partner = repo.find(appeal.partner or "")
        if partner is None or (told is not None and told.status == status.value):
            continue
        _tell(uow, partner, appeal, status, _result_texts(status, incident.disposition), at)


def _signed_path(url: str) -> str:
    """The path the receiver sees, with its query string, as partners sign their own requests."""
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


class PartnerSender:
    """Posts a callback to the partner's webhook, signed like the partner's requests, with its event id."""

    def __init__(
        self, session_factory: sessionmaker[Session], box: SecretBox, clock: Clock, timeout: float = 10.0
    ) -> None:
        self._session_factory = session_factory
        self._box = box
        self._clock = clock
        self._client = httpx.Client(timeout=timeout)

    def __call__(self, message: outbox.Message) -> outbox.Delivery:
        code = message.destination.split(":", 1)[1]
        with self._session_factory() as session:
            repo = PartnerRepository(session)
            partner = repo.find(code)
            now = self._clock.now()
            keys = [k for k in repo.keys_of(code, self._box) if k.valid_at(now)]
        if partner is None or not partner.webhook_url or not keys:
            return outbox.Delivery(None, "no webhook or no valid key")
        key = keys[-1]
        body = json.dumps(message.payload, ensure_ascii=False, sort_keys=True).encode()
        headers = signing.signed_headers(
            key_id=key.key_id,
            secret=key.secret,
            method="POST",
            path=_signed_path(partner.webhook_url),
            body=body,
            timestamp=int(now.timestamp()),
            nonce=secrets.token_hex(12),
        )
        headers.update({"Content-Type": "application/json", "X-Kuzet-Event-Id": message.event_id})
        try:
            response = self._client.post(partner.webhook_url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            return outbox.Delivery(None, type(exc).__name__)
        return outbox.Delivery(response.status_code, None if response.is_success else response.text[:200])
