"""Partners of «Закон и порядок» (Police-102, eGov Mobile, Kaspi.kz, Halyk Bank …): who they are, what they
may do, and what the citizen is told about their appeal. Pure."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Final

from kuzet.core.actor import Actor, ActorKind
from kuzet.core.i18n import N_
from kuzet.incidents.domain import Disposition, IncidentStatus

CODE_PATTERN: Final = re.compile(r"[a-z][a-z0-9_]{1,29}")
KNOWN_PARTNERS: Final = {
    "police102": "Police-102",
    "egov": "eGov Mobile",
    "kaspi": "Kaspi.kz",
    "halyk": "Halyk Bank",
}


class Scope(StrEnum):
    APPEALS_CREATE = "appeals:create"
    APPEALS_READ = "appeals:read"
    MEDIA_UPLOAD = "media:upload"


ALL_SCOPES: Final = frozenset(Scope)


@dataclass(frozen=True)
class Partner:
    code: str
    name: str
    enabled: bool
    webhook_url: str | None
    scopes: frozenset[Scope]
    rate_limit_per_minute: int
    # The partner's own category names mapped to ours; our own codes are understood as they are.
    category_map: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PartnerKey:
    key_id: str
    partner_code: str
    secret: str
    created_at: datetime
    expires_at: datetime | None

    def valid_at(self, moment: datetime) -> bool:
        return self.expires_at is None or moment < self.expires_at


class CitizenStatus(StrEnum):
    """What the citizen's app shows: fewer, plainer steps than the ЦОУ's own statuses."""

    REGISTERED = "registered"
    UNIT_DISPATCHED = "unit_dispatched"
    UNIT_ON_SCENE = "unit_on_scene"
    CLOSED = "closed"


def citizen_status(status: IncidentStatus) -> CitizenStatus:
    if status in (IncidentStatus.NEW, IncidentStatus.QUEUED):
        return CitizenStatus.REGISTERED
    if status in (IncidentStatus.DISPATCHED, IncidentStatus.EN_ROUTE):
        return CitizenStatus.UNIT_DISPATCHED
    if status is IncidentStatus.ON_SCENE:
        return CitizenStatus.UNIT_ON_SCENE
    return CitizenStatus.CLOSED


# A result text safe to show the citizen: it says what the police did, never who or what else they found.
CITIZEN_RESULT: Final[Mapping[Disposition | None, str]] = {
    Disposition.ARREST: N_("The police took measures; the offender was detained."),
    Disposition.PROTOCOL_DRAWN: N_("The police took measures; an administrative protocol was drawn up."),
    Disposition.REPORT_REGISTERED: N_("Your report was registered; it will be examined under the law."),
    Disposition.WARNING_ISSUED: N_("The police took measures; a warning was issued."),
    Disposition.ASSISTANCE_RENDERED: N_("The police gave the help needed."),
    Disposition.NO_OFFENCE_FOUND: N_("The police checked the report; no offence was found."),
    Disposition.GONE_ON_ARRIVAL: N_("The police arrived; no one was found at the place."),
    Disposition.FALSE_CALL: N_("The police checked the report; it was not confirmed."),
    Disposition.DUPLICATE: N_("Your report was joined to a report of the same event."),
    Disposition.HANDED_TO_AGENCY: N_("Your report was handed to the competent service."),
    Disposition.RESOLVED_BY_PHONE: N_("Your report was resolved by phone."),
    Disposition.CALLER_WITHDREW: N_("Your report was withdrawn at your request."),
    Disposition.OTHER: N_("Your report was examined; the work on it is finished."),
    None: N_("Your report was examined; the work on it is finished."),
}


def partner_actor(partner: Partner, source: str | None = None) -> Actor:
    return Actor(kind=ActorKind.PARTNER, name=f"partner:{partner.code}", role="partner", source=source)


def map_category(partner: Partner, raw: str | None, known: Callable[[str], bool]) -> str:
    """The partner's category as ours: its own mapping first, then our code as is, else `other`."""
    if raw is None:
        return "other"
    mapped = partner.category_map.get(raw, raw)
    return mapped if known(mapped) else "other"
