"""A caller's history: the earlier appeals from the same phone, shown on the call form during the call."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from kuzet.appeals.domain import Appeal
from kuzet.appeals.phones import InvalidPhone, parse_phone
from kuzet.appeals.store import AppealRepository
from kuzet.core.actor import Actor
from kuzet.core.errors import FieldError, InvalidInput
from kuzet.core.uow import UnitOfWork
from kuzet.incidents import search as incidents
from kuzet.incidents.domain import Incident

MAX_LIMIT: Final = 50
# Appeals read before the scope check leaves out other districts' ones: a caller rarely has more.
_READ_AHEAD: Final = 4


@dataclass(frozen=True)
class EarlierAppeal:
    appeal: Appeal
    incident: Incident


def caller_history(uow: UnitOfWork, *, phone: str, limit: int, by: Actor) -> list[EarlierAppeal]:
    """The appeals from this phone (in any usual form) whose incidents the actor may see, the latest first."""
    try:
        e164 = parse_phone(phone).e164
    except InvalidPhone as exc:
        raise InvalidInput([FieldError("phone", str(exc), "invalid_phone", "query")]) from exc
    with uow:
        found = uow.repo(AppealRepository).from_phone(e164, limit=limit * _READ_AHEAD)
        seen = incidents.in_scope_step(uow, sorted({a.incident_id for a in found}), by)
    return [EarlierAppeal(a, seen[a.incident_id]) for a in found if a.incident_id in seen][:limit]
