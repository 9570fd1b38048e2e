"""Use cases of the agency registry: register, change, enable and disable agencies; issue and rotate their
keys; sign what we send an agency, and admit what an agency sends us. Every change is audited."""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from kuzet.core import signed_calls, signing
from kuzet.core.actor import Actor
from kuzet.core.auth.credentials import SecretBox
from kuzet.core.errors import Conflict, InvalidInput, KuzetError, NotFound, Unauthenticated
from kuzet.core.i18n import N_
from kuzet.core.signing import SignedCall
from kuzet.core.uow import UnitOfWork
from kuzet.interagency.domain import (
    Agency,
    AgencyKey,
    KeyDirection,
    KeyInfo,
    agency_actor,
    check_agency,
    signing_key,
)
from kuzet.interagency.store import AgencyRepository

BAD_SIGNATURE = N_("The request signature is missing or wrong.")
# What an administrator may change after registration (the code never changes: messages carry it).
CHANGEABLE: Final = frozenset({"names", "endpoint_url", "formats", "ack_deadlines", "contact_phone"})


@dataclass(frozen=True)
class Issued:
    """An agency with keys just issued: their secrets are shown once, here, and never again."""

    agency: Agency
    keys: list[AgencyKey]
    all_keys: list[KeyInfo]  # every key of the agency after the change, without secrets


@dataclass(frozen=True)
class Listed:
    agency: Agency
    keys: list[KeyInfo]


def _new_key(code: str, direction: KeyDirection, *, at: datetime, use_from: datetime) -> AgencyKey:
    return AgencyKey(
        key_id=signing.new_key_id(f"{code}-{direction.value[:2]}"),
        agency_code=code,
        direction=direction,
        secret=signing.new_secret(),
        created_at=at,
        use_from=use_from,
    )


def _valid(agency: Agency) -> None:
    problems = check_agency(agency)
    if problems:
        raise InvalidInput(problems)


def create(uow: UnitOfWork, box: SecretBox, *, agency: Agency, by: Actor, at: datetime) -> Issued:
    """Register an agency with one key each way."""
    _valid(agency)
    keys = [_new_key(agency.code, d, at=at, use_from=at) for d in KeyDirection]
    with uow:
        repo = uow.repo(AgencyRepository)
        if repo.find(agency.code) is not None:
            raise Conflict(N_("The agency {code} exists already."), code=agency.code)
        repo.add(agency, at=at)
        for key in keys:
            repo.add_key(key, box)
        uow.audit(
            by,
            "agency.create",
            object_type="agency",
            object_id=agency.code,
            at=at,
            detail={
                "endpoint_url": agency.endpoint_url,
                "formats": sorted(agency.formats),
                "enabled": agency.enabled,
                "key_ids": [k.key_id for k in keys],
            },
        )
        all_keys = repo.key_infos([agency.code])[agency.code]
        uow.commit()
    return Issued(agency, keys, all_keys)


def update(uow: UnitOfWork, *, code: str, changes: Mapping[str, Any], by: Actor, at: datetime) -> Agency:
    """Change what is given; names and deadlines are merged into the ones kept (a PATCH)."""
    unknown = set(changes) - CHANGEABLE
    if unknown:
        raise ValueError(f"not changeable: {sorted(unknown)}")
    with uow:
        repo = uow.repo(AgencyRepository)
        agency = repo.find(code, for_update=True)
        if agency is None:
            raise NotFound()
        values = dict(changes)
        if "names" in values:
            values["names"] = {**agency.names, **values["names"]}
        if "ack_deadlines" in values:
            values["ack_deadlines"] = {**agency.ack_deadlines, **values["ack_deadlines"]}
        changed = dataclasses.replace(agency, **values)
        _valid(changed)
        fields = sorted(f for f in values if getattr(changed, f) != getattr(agency, f))
        if fields:
            repo.replace(changed, at=at)
            uow.audit(
                by,
                "agency.update",
                object_type="agency",
                object_id=code,
                at=at,
                detail={
                    "changed": fields,
                    **({"endpoint_url": changed.endpoint_url} if "endpoint_url" in fields else {}),
                },
            )
            uow.commit()
    return changed


def set_enabled(uow: UnitOfWork, *, code: str, enabled: bool, by: Actor, at: datetime) -> Agency:
    """Disabled, an agency gets no hand-overs and its requests are refused; its keys stay for enabling."""
    with uow:
        repo = uow.repo(AgencyRepository)
        agency = repo.find(code, for_update=True)
        if agency is None:
            raise NotFound()
        changed = dataclasses.replace(agency, enabled=enabled)
        repo.replace(changed, at=at)
        uow.audit(
            by,
            "agency.enable" if enabled else "agency.disable",
            object_type="agency",
            object_id=code,
            at=at,
        )
        uow.commit()
    return changed


def rotate(
    uow: UnitOfWork,
    box: SecretBox,
    *,
    code: str,
    directions: Iterable[KeyDirection],
    grace: timedelta,
    by: Actor,
    at: datetime,
) -> Issued:
    """New keys. The replaced keys stay valid for the grace period, so neither side stops:
    - inbound (the agency signs with it): the new key works at once, the old ones until the grace ends;
    - outbound (we sign with it): the old key keeps signing until the grace ends, and the new one from then,
      so the agency installs the new secret meanwhile. A grace of zero switches at once (a leaked key)."""
    ends = at + grace
    chosen = sorted(set(directions))
    if not chosen:
        raise ValueError("rotate needs a direction")
    with uow:
        repo = uow.repo(AgencyRepository)
        agency = repo.find(code, for_update=True)
        if agency is None:
            raise NotFound()
        keys = []
        for direction in chosen:
            key = _new_key(code, direction, at=at, use_from=at if direction is KeyDirection.INBOUND else ends)
            repo.add_key(key, box)
            repo.expire_keys(code, direction, at=ends, except_key=key.key_id)
            keys.append(key)
        uow.audit(
            by,
            "agency.rotate",
            object_type="agency",
            object_id=code,
            at=at,
            detail={"key_ids": [k.key_id for k in keys], "old_keys_expire_at": ends.isoformat()},
        )
        all_keys = repo.key_infos([code])[code]
        uow.commit()
    return Issued(agency, keys, all_keys)


def get(uow: UnitOfWork, *, code: str) -> Listed:
    with uow:
        repo = uow.repo(AgencyRepository)
        agency = repo.find(code)
        if agency is None:
            raise NotFound()
        return Listed(agency, repo.key_infos([code])[code])


def all_agencies(uow: UnitOfWork) -> list[Listed]:
    with uow:
        repo = uow.repo(AgencyRepository)
        found = repo.all()
        keys = repo.key_infos([a.code for a in found])
    return [Listed(a, keys[a.code]) for a in found]


def outbound_key(uow: UnitOfWork, box: SecretBox, *, code: str, at: datetime) -> AgencyKey | None:
    """The key that signs what we send the agency now (None if it has none in use)."""
    with uow:
        return signing_key(uow.repo(AgencyRepository).keys_of(code, box, KeyDirection.OUTBOUND), at)


def signed_headers(key: AgencyKey, *, method: str, path: str, body: bytes, at: datetime) -> dict[str, str]:
    """The headers that sign one request to the agency with our key (the scheme of `kuzet.core.signing`)."""
    return signing.signed_headers(
        key_id=key.key_id,
        secret=key.secret,
        method=method,
        path=path,
        body=body,
        timestamp=int(at.timestamp()),
        nonce=secrets.token_hex(12),
    )


def _refused(uow: UnitOfWork, call: SignedCall, agency: Agency | None, reason: str) -> KuzetError:
    """Audit a refused agency request in the caller's transaction; return the answer every refusal gets."""
    actor = agency_actor(agency, call.source) if agency is not None else None
    signed_calls.audit_refusal(uow, call, actor=actor, action="agency.refused", reason=reason)
    return Unauthenticated(BAD_SIGNATURE, headers={"WWW-Authenticate": signing.SCHEME})


def admit_step(uow: UnitOfWork, box: SecretBox, call: SignedCall, *, at: datetime) -> Agency | KuzetError:
    """Step: check that an enabled agency signed this request with one of its valid inbound keys, fresh,
    with a nonce not seen before. A refusal is audited in the caller's transaction and returned."""
    repo = uow.repo(AgencyRepository)

    def key_of(key_id: str) -> tuple[str, Agency | None] | None:
        key = repo.key(key_id, box)
        if key is None or key.direction is not KeyDirection.INBOUND or not key.valid_at(at):
            return None
        return key.secret, repo.find(key.agency_code)

    verdict = signed_calls.verify(
        call,
        key_of=key_of,
        enabled=lambda agency: agency.enabled,
        use_nonce=lambda key_id, nonce: repo.use_nonce(key_id, nonce, at=at),
        at=at,
    )
    if isinstance(verdict, signed_calls.Refused):
        return _refused(uow, call, verdict.owner, verdict.reason)
    return verdict


def authenticate(uow: UnitOfWork, box: SecretBox, call: SignedCall, *, at: datetime) -> Agency:
    """Admit an agency's signed request in a transaction of its own; a refusal is audited, then raised."""
    with uow:
        admitted = admit_step(uow, box, call, at=at)
        uow.commit()
    if isinstance(admitted, KuzetError):
        raise admitted
    return admitted


def housekeeping(uow: UnitOfWork, *, at: datetime) -> None:
    """Forget nonces outside the clock window: a replay of those is refused by the window anyway."""
    with uow:
        uow.repo(AgencyRepository).forget_nonces(
            before=at - timedelta(seconds=2 * signing.CLOCK_WINDOW_SECONDS)
        )
        uow.commit()
