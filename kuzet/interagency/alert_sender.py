"""The outbox sender of public alerts: posts the CAP document to each agency that takes `cap`, at its
endpoint, signed with our outbound key like a hand-over. Its messages have their own destination
(`cap:<agency>`) and kind, so they are never taken for hand-overs; the link's health counts them among its
messages waiting (as `alerts_waiting`), never among its unacknowledged hand-overs."""

from __future__ import annotations

from typing import Final

from kuzet.core import outbox
from kuzet.interagency.alert_service import MEDIA_TYPE
from kuzet.interagency.domain import MessageFormat
from kuzet.interagency.sender import EVENT_HEADER, FORMAT_HEADER, KIND_HEADER, AgencyPoster

CAP_KIND: Final = "cap-alert"  # what X-Kuzet-Kind says of a CAP message
ALERT_HEADER: Final = "X-Kuzet-Alert"  # the CAP identifier, for the agency's logs


class CapSender(AgencyPoster):
    """Delivers one CAP message; an agency disabled, no longer taking `cap`, or without a key in use is a
    failed try (the message waits, as a hand-over's does)."""

    def __call__(self, message: outbox.Message) -> outbox.Delivery:
        agency, key, now = self._target(message)
        if agency is None or not agency.enabled or MessageFormat.CAP not in agency.formats or key is None:
            return outbox.Delivery(None, "agency disabled, unknown, not taking CAP or without a key in use")
        headers = {
            "Content-Type": MEDIA_TYPE,
            EVENT_HEADER: message.event_id,
            FORMAT_HEADER: MessageFormat.CAP.value,
            KIND_HEADER: CAP_KIND,
            ALERT_HEADER: str(message.payload["identifier"]),
        }
        return self._post(agency, key, str(message.payload["document"]).encode(), headers, now)
