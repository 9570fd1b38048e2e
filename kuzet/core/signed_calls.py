"""Admitting a signed machine request (partners, agencies, analytics sources): the checks every caller of
`kuzet.core.signing` makes in the same order (headers, key, owner enabled, signature and clock window, nonce),
and the one-transaction shape of a signed call whose own work runs in a savepoint. The feature says how to
find a key and its owner and how to spend a nonce; it audits a refusal its own way."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from kuzet.core import signing
from kuzet.core.actor import Actor
from kuzet.core.audit.domain import Outcome
from kuzet.core.errors import KuzetError
from kuzet.core.group_commit import run_isolated
from kuzet.core.signing import SignedCall
from kuzet.core.uow import UnitOfWork

OwnerT = TypeVar("OwnerT")
R = TypeVar("R")


@dataclass(frozen=True)
class Refused(Generic[OwnerT]):
    """Why a signed request was refused; `owner` is set only once the signature held (a replayed nonce)."""

    reason: str
    owner: OwnerT | None = None


def verify(
    call: SignedCall,
    *,
    key_of: Callable[[str], tuple[str, OwnerT | None] | None],
    enabled: Callable[[OwnerT], bool],
    use_nonce: Callable[[str, str], bool],
    at: datetime,
) -> OwnerT | Refused[OwnerT]:
    """The owner of the key that signed this request, or why not. `key_of(key_id)` gives the secret and owner
    of a known key valid at `at` (None: unknown key; owner None: counted as disabled); `use_nonce` spends a
    nonce, False when it was seen before."""
    signed = call.signed
    if signed is None:
        return Refused(signing.Refusal.MISSING_HEADERS)
    found = key_of(signed.key_id) if signing.KEY_ID_PATTERN.fullmatch(signed.key_id) else None
    if found is None:
        return Refused(signing.Refusal.UNKNOWN_KEY)
    secret, owner = found
    if owner is None or not enabled(owner):
        return Refused(signing.Refusal.DISABLED)
    problem = signing.check(
        signed, secret=secret, method=call.method, path=call.path, body=call.body, now=at.timestamp()
    )
    if problem is not None:
        return Refused(problem)
    if not use_nonce(signed.key_id, signed.nonce):
        return Refused(signing.Refusal.REPLAYED_NONCE, owner)
    return owner


def audit_refusal(
    uow: UnitOfWork, call: SignedCall, *, actor: Actor | None, action: str, reason: str
) -> None:
    """Record a refused signed request in the caller's transaction, as `actor` when the caller is known, else
    as the key id it sent (`SignedCall.unknown_caller`)."""
    uow.audit(
        actor if actor is not None else call.unknown_caller(),
        action,
        object_type="endpoint",
        object_id=call.path[:120],
        outcome=Outcome.DENIED,
        detail={"reason": reason},
    )


def run_signed(
    uow: UnitOfWork,
    *,
    admit: Callable[[UnitOfWork], OwnerT | KuzetError],
    step: Callable[[OwnerT], Callable[[UnitOfWork], R] | Exception],
) -> R:
    """A signed request in one transaction: admitted first (a refusal, audited by `admit`, is committed and
    raised), then its work in a savepoint. What is wrong with the request itself (`step` gives the error) is
    told only to a caller whose signature holds, and the nonce stays spent whatever the answer."""
    with uow:
        admitted = admit(uow)
        if isinstance(admitted, KuzetError):
            uow.commit()
            raise admitted
        work = step(admitted)
        if isinstance(work, Exception):
            uow.commit()
            raise work
        try:
            answer = run_isolated(uow, work)
        except KuzetError:
            uow.commit()
            raise
        uow.commit()
    return answer
