"""Login throttling: the check before a password, counting failures, and the administrator's view and clear.

See docs/security.md. A blocked attempt is refused before any password hash is computed, so refusing costs
little; an account is never locked and no session is ended by anyone's failures.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from kuzet.core.actor import Actor
from kuzet.core.audit.domain import Outcome
from kuzet.core.auth.domain import (
    ThrottleCount,
    ThrottleKey,
    ThrottlePolicy,
    ThrottleScope,
    User,
    login_name,
    throttle_keys,
)
from kuzet.core.auth.store import ThrottleRepository, UserRepository
from kuzet.core.errors import FieldError, InvalidInput, TooManyRequests
from kuzet.core.i18n import N_
from kuzet.core.uow import UnitOfWork

TOO_MANY_FAILURES = N_("Too many failed logins. Try again in {retry_after} s.")


def address_key(source: str | None) -> str:
    """The address failures are counted for: the caller's address as audited (empty when unknown)."""
    return source or ""


@dataclass(frozen=True)
class Attempt:
    """The counts one login attempt is checked against, found before its password is looked at."""

    keys: tuple[ThrottleKey, ...]
    user_id: int | None
    address: str


def attempt_of(
    uow: UnitOfWork,
    policy: ThrottlePolicy,
    *,
    username: str,
    user: User | None,
    source: str | None,
    at: datetime,
) -> Attempt:
    address = address_key(source)
    known = user is not None and uow.repo(ThrottleRepository).is_known(
        user.id, address, since=at - policy.known_for
    )
    return Attempt(
        throttle_keys(username, address, known_address=known), None if user is None else user.id, address
    )


def refuse_if_waiting(
    uow: UnitOfWork,
    policy: ThrottlePolicy,
    attempt: Attempt,
    *,
    who: Actor,
    object_id: str | int,
    at: datetime,
) -> None:
    """Refuse (429, audited and committed) an attempt while one of its counts still waits."""
    counts = uow.repo(ThrottleRepository).counts(attempt.keys)
    waiting = policy.wait(attempt.keys, counts, at)
    if waiting is None:
        return
    key, left = waiting
    retry_after = max(1, math.ceil(left.total_seconds()))
    uow.audit(
        who,
        "auth.login",
        object_type="user",
        object_id=object_id,
        outcome=Outcome.DENIED,
        detail={"reason": "throttled", "scope": key.scope.value, "retry_after": retry_after},
        at=at,
    )
    uow.commit()
    raise TooManyRequests(
        TOO_MANY_FAILURES, retry_after=retry_after, headers={"Retry-After": str(retry_after)}
    )


def count_failure(uow: UnitOfWork, policy: ThrottlePolicy, attempt: Attempt, *, at: datetime) -> int:
    """Add one failure to the attempt's counts (under row locks, in the caller's transaction).

    Returns the seconds the longest wait it started runs (0 while within the free allowances)."""
    throttles = uow.repo(ThrottleRepository)
    changed = policy.after_failure(attempt.keys, throttles.lock(attempt.keys, at), at)
    throttles.save(changed)
    throttles.purge(stale_before=at - policy.window, at=at)
    waits = [c.blocked_until - at for c in changed.values() if c.blocked_until is not None]
    return math.ceil(max(waits).total_seconds()) if waits else 0


def count_success(uow: UnitOfWork, policy: ThrottlePolicy, attempt: Attempt, *, at: datetime) -> None:
    """A successful login forgets its own pair's failures and makes its address known good for the account.

    The account's and the address's counts stay: someone else's failures are not forgiven by this success."""
    throttles = uow.repo(ThrottleRepository)
    throttles.forget(attempt.keys[0])
    if attempt.user_id is not None:
        throttles.remember(attempt.user_id, attempt.address, at, forget_before=at - policy.known_for)


# The administrator's view


@dataclass(frozen=True)
class ThrottledSource:
    address: str
    failures: int
    last_failure_at: datetime
    blocked_until: datetime | None


@dataclass(frozen=True)
class ThrottledAccount:
    """A user name with failures: its own count (from addresses not known good for it) and each address's."""

    username: str
    user_id: int | None  # None: no account has this name
    failures: int
    last_failure_at: datetime | None
    blocked_until: datetime | None
    sources: list[ThrottledSource] = field(default_factory=list)


@dataclass(frozen=True)
class ThrottledAddress:
    address: str
    failures: int
    last_failure_at: datetime
    blocked_until: datetime | None
    usernames: int  # user names that failed from it


@dataclass(frozen=True)
class Throttles:
    accounts: list[ThrottledAccount]
    addresses: list[ThrottledAddress]


def _running(count: ThrottleCount, at: datetime) -> datetime | None:
    return count.blocked_until if ThrottlePolicy.blocked(count, at) else None


def list_throttles(uow: UnitOfWork, policy: ThrottlePolicy, *, at: datetime) -> Throttles:
    """Every count that still holds at `at`, grouped by user name and by address."""
    with uow:
        active = uow.repo(ThrottleRepository).active(since=at - policy.window, at=at)
        names = {key.username for key, _ in active if key.username}
        ids = uow.repo(UserRepository).ids_by_username(names) if names else {}
    own: dict[str, ThrottleCount] = {}
    sources: dict[str, list[ThrottledSource]] = defaultdict(list)
    addresses: dict[str, ThrottleCount] = {}
    tried_from: dict[str, int] = defaultdict(int)
    for key, count in active:
        if key.scope is ThrottleScope.ACCOUNT:
            own[key.username] = count
        elif key.scope is ThrottleScope.ADDRESS:
            addresses[key.address] = count
        else:
            source = ThrottledSource(key.address, count.failures, count.last_failure_at, _running(count, at))
            sources[key.username].append(source)
            tried_from[key.address] += 1
    accounts = []
    for name in sorted(names):
        account = own.get(name)
        accounts.append(
            ThrottledAccount(
                username=name,
                user_id=ids.get(name),
                failures=0 if account is None else account.failures,
                last_failure_at=None if account is None else account.last_failure_at,
                blocked_until=None if account is None else _running(account, at),
                sources=sources[name],
            )
        )
    return Throttles(
        accounts,
        [
            ThrottledAddress(a, c.failures, c.last_failure_at, _running(c, at), tried_from[a])
            for a, c in sorted(addresses.items())
        ],
    )


def clear_throttles(
    uow: UnitOfWork, *, username: str | None, address: str | None, by: Actor, at: datetime
) -> int:
    """Forget the failures of a user name, of an address, or of the pair when both are given. Audited."""
    if not username and not address:
        raise InvalidInput(
            [FieldError("username", N_("Give a user name, an address or both."), "missing", location="query")]
        )
    name = login_name(username) if username else None
    with uow:
        cleared = uow.repo(ThrottleRepository).clear(username=name, address=address or None)
        uow.audit(
            by,
            "auth.throttle.clear",
            object_type="login_throttle",
            object_id=name if address is None else (address if name is None else f"{name}@{address}"),
            detail={"username": name, "address": address or None, "cleared": cleared},
            at=at,
        )
        uow.commit()
    return cleared
