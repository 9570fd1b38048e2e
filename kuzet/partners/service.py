"""Use cases of the partner gateway: registry and keys, signed-request checks, appeal intake, polling."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from kuzet.appeals import service as appeals
from kuzet.appeals.domain import AppealInput, Region
from kuzet.core import key_rotation, outbox, signed_calls
from kuzet.core.actor import Actor
from kuzet.core.auth.credentials import SecretBox
from kuzet.core.errors import (
    Conflict,
    FieldError,
    Forbidden,
    InvalidInput,
    KuzetError,
    NotFound,
    TooManyRequests,
    Unauthenticated,
)
from kuzet.core.group_commit import run_isolated
from kuzet.core.i18n import N_
from kuzet.core.signing import SignedCall
from kuzet.core.uow import UnitOfWork
from kuzet.incidents import service as incidents
from kuzet.partners import signing
from kuzet.partners.callbacks import notify_registered
from kuzet.partners.domain import CODE_PATTERN, Partner, PartnerKey, Scope, map_category, partner_actor
from kuzet.partners.store import PartnerRepository

BAD_SIGNATURE = N_("The request signature is missing or wrong.")


def _new_key(code: str, at: datetime) -> PartnerKey:
    return PartnerKey(signing.new_key_id(code), code, signing.new_secret(), at, None)


@dataclass(frozen=True)
class Issued:
    partner: Partner
    key: PartnerKey  # the secret is shown once, here


def create(uow: UnitOfWork, box: SecretBox, *, partner: Partner, by: Actor, at: datetime) -> Issued:
    if not CODE_PATTERN.fullmatch(partner.code):
        raise InvalidInput([FieldError("code", N_("Does not match the expected format."), "pattern")])
    key = _new_key(partner.code, at)
    with uow:
        repo = uow.repo(PartnerRepository)
        if repo.find(partner.code) is not None:
            raise Conflict(N_("The partner {code} exists already."), code=partner.code)
        repo.add(partner, at=at)
        repo.add_key(key, box)
        uow.audit(
            by,
            "partner.create",
            object_type="partner",
            object_id=partner.code,
            at=at,
            detail={"key_id": key.key_id, "scopes": sorted(partner.scopes)},
        )
        uow.commit()
    return Issued(partner, key)


def rotate(
    uow: UnitOfWork, box: SecretBox, *, code: str, grace: timedelta, by: Actor, at: datetime
) -> Issued:
    """A new key; the old ones keep working for the grace period, so the partner switches without downtime."""
    partner, key = key_rotation.rotate(
        uow,
        box,
        PartnerRepository,
        code=code,
        new_key=lambda: _new_key(code, at),
        action="partner.rotate",
        object_type="partner",
        grace=grace,
        by=by,
        at=at,
    )
    return Issued(partner, key)


def set_enabled(uow: UnitOfWork, *, code: str, enabled: bool, by: Actor, at: datetime) -> Partner:
    with uow:
        repo = uow.repo(PartnerRepository)
        if repo.find(code) is None:
            raise NotFound()
        repo.set(code, enabled=enabled)
        uow.audit(
            by,
            "partner.enable" if enabled else "partner.disable",
            object_type="partner",
            object_id=code,
            at=at,
        )
        uow.commit()
        partner = repo.find(code)
    if partner is None:
        raise NotFound()
    return partner


def all_partners(uow: UnitOfWork, box: SecretBox) -> list[tuple[Partner, list[PartnerKey]]]:
    with uow:
        repo = uow.repo(PartnerRepository)
        return [(p, repo.keys_of(p.code, box)) for p in repo.all()]


def _refused(
    uow: UnitOfWork, call: SignedCall, partner: Partner | None, reason: str, error: KuzetError
) -> KuzetError:
    """Audit a refused request in the caller's transaction and return the error to answer with."""
    actor = partner_actor(partner, call.source) if partner is not None else None
    signed_calls.audit_refusal(uow, call, actor=actor, action="partner.refused", reason=reason)
    return error


def _bad_signature() -> Unauthenticated:
    return Unauthenticated(BAD_SIGNATURE, headers={"WWW-Authenticate": signing.SCHEME})


def admit_step(
    uow: UnitOfWork, box: SecretBox, call: SignedCall, *, scope: Scope, at: datetime
) -> Partner | KuzetError:
    """Step: check the signature, freshness, nonce, partner, scope and rate limit inside the caller's
    transaction. A refusal is audited there and returned, not raised, so that it commits with the
    transaction; the nonce of a signed request stays used whatever the answer."""
    repo = uow.repo(PartnerRepository)

    def key_of(key_id: str) -> tuple[str, Partner] | None:
        found = repo.key(key_id, box)
        if found is None or found[1] is None or not found[0].valid_at(at):
            return None
        return found[0].secret, found[1]

    partner = signed_calls.verify(
        call,
        key_of=key_of,
        enabled=lambda owner: owner.enabled,
        use_nonce=lambda key_id, nonce: repo.use_nonce(key_id, nonce, at=at),
        at=at,
    )
    if isinstance(partner, signed_calls.Refused):
        return _refused(uow, call, None, partner.reason, _bad_signature())
    if scope not in partner.scopes:
        return _refused(uow, call, partner, "scope", Forbidden(N_("Your key does not allow this.")))
    window = int(at.timestamp()) // 60
    if repo.count_request(partner.code, window) > partner.rate_limit_per_minute:
        # The nonce stays used (no replay of a refused request), and the refusal is recorded.
        retry_after = 60 - int(at.timestamp()) % 60
        too_many = TooManyRequests(retry_after=retry_after, headers={"Retry-After": str(retry_after)})
        return _refused(uow, call, partner, "rate_limit", too_many)
    return partner


def authenticate(uow: UnitOfWork, box: SecretBox, call: SignedCall, *, scope: Scope, at: datetime) -> Partner:
    """Admit a signed request in a transaction of its own; every refusal is audited, then raised."""
    with uow:
        admitted = admit_step(uow, box, call, scope=scope, at=at)
        uow.commit()
    if isinstance(admitted, KuzetError):
        raise admitted
    return admitted


@dataclass(frozen=True)
class Answer:
    """An intake answer: what is sent back, and again, identically, for a retry with the same key."""

    status: int
    body: dict[str, Any]


def intake_step(
    uow: UnitOfWork,
    *,
    partner: Partner,
    idempotency_key: str,
    body_digest: str,
    data: AppealInput,
    raw_category: str | None,
    media_ids: list[str],
    region: Region,
    idempotency_window: timedelta,
    media_limit: int,
    at: datetime,
) -> Answer:
    """Step: register a partner appeal once per idempotency key; a retry gets the first answer back.

    Runs inside the caller's open transaction, in a savepoint: the gateway's group commit runs it again
    if it loses a race on the idempotency key (an IntegrityError).
    """
    by = partner_actor(partner)
    category = map_category(partner, raw_category, lambda code: incidents.is_active_category(uow, code))
    checked = appeals.check_input(AppealInput(**{**vars(data), "category_code": category}), region, at)
    repo = uow.repo(PartnerRepository)
    stored = repo.remembered(partner.code, idempotency_key)
    earlier = stored if stored is not None and stored.created_at >= at - idempotency_window else None
    if earlier is not None:
        if earlier.body_digest != body_digest:
            raise InvalidInput(
                [
                    FieldError(
                        "Idempotency-Key",
                        N_("This idempotency key was used with another body."),
                        "idempotency_mismatch",
                        location="header",
                    )
                ]
            )
        return Answer(earlier.status, dict(earlier.response))
    media = _claim_media(repo, partner, media_ids, media_limit)
    done = appeals.register_step(uow, checked, link_to=None, by=by, at=at)
    if repo.attach_media(partner.code, [m.id for m in media], done.appeal.id) != len(media):
        # Another appeal took one of these media a moment ago.
        raise InvalidInput([FieldError("media", N_("Unknown or already used media."), "unknown_media")])
    notify_registered(uow, partner, done.appeal, at=at)
    answer = Answer(
        201,
        {
            "id": done.appeal.id,
            "number": done.appeal.number,
            "status": "registered",
            "category": done.appeal.category_code,
            "received_at": done.appeal.received_at.isoformat(),
            "media": [m.id for m in media],
        },
    )
    # Kept last: a concurrent request with the same key waits here, fails, and is run again to find this.
    repo.remember(
        partner.code,
        idempotency_key,
        digest=body_digest,
        at=at,
        status=answer.status,
        response=answer.body,
        replace=stored is not None,
    )
    return answer


def admitted_intake(
    uow: UnitOfWork,
    *,
    box: SecretBox,
    call: SignedCall,
    intake: Callable[[Partner], Callable[[UnitOfWork], Answer] | Exception],
    at: datetime,
) -> Answer | Exception:
    """Step of the group commit: admit the partner's request, then run its intake in a savepoint.

    What the intake refuses is undone alone and returned, while the admission (the used nonce, the counted
    request, an audited refusal) commits with the batch. `intake` gives the intake step for the admitted
    partner, or the error to answer with if the request itself is bad."""
    admitted = admit_step(uow, box, call, scope=Scope.APPEALS_CREATE, at=at)
    if isinstance(admitted, KuzetError):
        return admitted
    work = intake(admitted)
    if isinstance(work, Exception):
        return work
    try:
        return run_isolated(uow, work)
    except KuzetError as refused:
        return refused


def _claim_media(repo: PartnerRepository, partner: Partner, ids: list[str], limit: int) -> list[Any]:
    found = repo.media(partner.code, ids) if ids else []
    if len(found) != len(set(ids)) or any(m.appeal_id is not None for m in found):
        raise InvalidInput([FieldError("media", N_("Unknown or already used media."), "unknown_media")])
    if sum(m.size for m in found) > limit:
        raise InvalidInput([FieldError("media", N_("The media of one appeal are too large."), "too_large")])
    return found


@dataclass(frozen=True)
class CitizenView:
    appeal_id: int
    number: str
    status: str
    result: dict[str, str] | None
    received_at: datetime
    updated_at: datetime


def poll(uow: UnitOfWork, *, partner: Partner, appeal_id: int) -> CitizenView:
    """What the citizen sees of their appeal. Another partner's appeal does not exist for this partner."""
    with uow:
        repo = uow.repo(PartnerRepository)
        told = repo.citizen_status(appeal_id)
        if told is None or told.partner_code != partner.code:
            raise NotFound()
        appeal = appeals.get_step(uow, appeal_id)
    result = json.loads(told.result) if told.result else None
    return CitizenView(appeal.id, appeal.number, told.status, result, appeal.received_at, told.updated_at)


def deliveries(uow: UnitOfWork, *, code: str, limit: int = 200) -> list[tuple[outbox.Message, list[Any]]]:
    """The partner's callbacks with every delivery attempt, newest first (for administrators)."""
    with uow:
        found = outbox.messages(uow.session, destination=f"partner:{code}", limit=limit)
        tries = outbox.attempts_of(uow.session, [m.id for m in found])
    return [(m, tries[m.id]) for m in found]


def housekeeping(uow: UnitOfWork, *, at: datetime, idempotency_window: timedelta) -> None:
    """Forget what can no longer matter: nonces outside the clock window (a replay of those is refused by the
    window anyway), finished rate windows, and idempotency keys past their window."""
    window = timedelta(seconds=2 * signing.CLOCK_WINDOW_SECONDS)
    with uow:
        repo = uow.repo(PartnerRepository)
        repo.forget_nonces(before=at - window)
        repo.forget_windows(before=int(at.timestamp()) // 60 - 2)
        repo.forget_answers(before=at - idempotency_window)
        uow.commit()


def retry_delivery(uow: UnitOfWork, *, code: str, message_id: int, by: Actor, at: datetime) -> None:
    """Send a callback that gave up (or is waiting for its next try) again now."""
    with uow:
        if not outbox.revive(uow.session, message_id, f"partner:{code}", at=at):
            raise NotFound()
        uow.audit(
            by,
            "partner.delivery_retry",
            object_type="outbox",
            object_id=message_id,
            at=at,
            detail={"partner": code},
        )
        uow.commit()
