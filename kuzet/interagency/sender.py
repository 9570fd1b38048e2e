"""The outbox sender of hand-overs: posts the message to the agency's endpoint, signed with our outbound key,
with its event id, the hand-over's reference and the message's kind (request, update, cancel) in headers (an
EIDO document has no place for them)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Final
from urllib.parse import urlsplit

import httpx
from sqlalchemy.orm import Session, sessionmaker

from kuzet.core import outbox
from kuzet.core.auth.credentials import SecretBox
from kuzet.core.clock import Clock
from kuzet.interagency.domain import Agency, AgencyKey, KeyDirection, signing_key
from kuzet.interagency.service import signed_headers
from kuzet.interagency.store import AgencyRepository

EVENT_HEADER: Final = "X-Kuzet-Event-Id"
REF_HEADER: Final = "X-Kuzet-Handover"
FORMAT_HEADER: Final = "X-Kuzet-Format"
KIND_HEADER: Final = "X-Kuzet-Kind"  # request, update or cancel: what the message is to the shared incident


def signed_path(url: str) -> str:
    """The path the agency sees, with its query string: what the signature covers."""
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def message_body(message: outbox.Message) -> bytes:
    return json.dumps(message.payload["document"], ensure_ascii=False, sort_keys=True).encode()


class AgencyPoster:
    """What every outbox sender to an agency does: read the agency and our outbound key in use now, and POST
    a body signed with that key to the agency's endpoint."""

    def __init__(
        self, session_factory: sessionmaker[Session], box: SecretBox, clock: Clock, timeout: float = 10.0
    ) -> None:
        self._session_factory = session_factory
        self._box = box
        self._clock = clock
        self._client = httpx.Client(timeout=timeout)

    def _target(self, message: outbox.Message) -> tuple[Agency | None, AgencyKey | None, datetime]:
        """The agency the message goes to (`<kind>:<code>`), our key that signs now, and now."""
        code = message.destination.split(":", 1)[1]
        now = self._clock.now()
        with self._session_factory() as session:
            repo = AgencyRepository(session)
            agency = repo.find(code)
            key = signing_key(repo.keys_of(code, self._box, KeyDirection.OUTBOUND), now)
        return agency, key, now

    def _post(
        self, agency: Agency, key: AgencyKey, body: bytes, headers: dict[str, str], at: datetime
    ) -> outbox.Delivery:
        signed = signed_headers(key, method="POST", path=signed_path(agency.endpoint_url), body=body, at=at)
        signed.update(headers)
        try:
            response = self._client.post(agency.endpoint_url, content=body, headers=signed)
        except httpx.HTTPError as exc:
            return outbox.Delivery(None, type(exc).__name__)
        return outbox.Delivery(response.status_code, None if response.is_success else response.text[:200])


class AgencySender(AgencyPoster):
    """Delivers one hand-over message; an agency disabled, taking no hand-overs (only CAP) or without a key
    in use is a failed try (the message waits)."""

    def __call__(self, message: outbox.Message) -> outbox.Delivery:
        agency, key, now = self._target(message)
        if agency is None or not agency.enabled or not agency.takes_handovers or key is None:
            return outbox.Delivery(None, "agency disabled, unknown, taking no hand-overs or without a key")
        headers = {
            "Content-Type": "application/json",
            EVENT_HEADER: message.event_id,
            REF_HEADER: str(message.payload["ref"]),
            FORMAT_HEADER: str(message.payload["format"]),
            # A message queued before kinds existed is a request.
            KIND_HEADER: str(message.payload.get("kind", "request")),
        }
        return self._post(agency, key, message_body(message), headers, now)
