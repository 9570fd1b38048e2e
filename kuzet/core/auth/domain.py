"""Roles, permissions, scope, login throttling and session rules. Pure: no framework, no clock."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final

from kuzet.core.i18n import N_


class Role(StrEnum):
    CALL_TAKER = "call_taker"
    DISPATCHER = "dispatcher"
    SUPERVISOR = "supervisor"
    ANALYST = "analyst"
    ADMIN = "admin"


class Permission(StrEnum):
    """What an endpoint needs. Every API route declares exactly one (or is listed as public)."""

    SESSION = "session"  # one's own session: who am I, log out, enrol a second factor
    USERS_READ = "users.read"
    USERS_MANAGE = "users.manage"
    AUDIT_READ = "audit.read"
    AUDIT_VERIFY = "audit.verify"
    CATALOGUE_READ = "catalogue.read"
    CATALOGUE_MANAGE = "catalogue.manage"
    APPEALS_CREATE = "appeals.create"
    INCIDENTS_READ = "incidents.read"
    INCIDENTS_MANAGE = "incidents.manage"
    OVERDUE_READ = "overdue.read"
    DISPATCH = "dispatch"
    UNITS_READ = "units.read"
    UNITS_STATUS = "units.status"
    UNITS_MANAGE = "units.manage"
    UNITS_POSITION = "units.position"  # report where units are (the AVL gateway, or a dispatcher by hand)
    PARTNERS_MANAGE = "partners.manage"
    AGENCIES_MANAGE = "agencies.manage"  # the agency registry (101/103/104/112): endpoints, keys, deadlines
    STATS_READ = "stats.read"
    ALERTS_READ = "alerts.read"  # public alerts (CAP): ours and other agencies', on the map
    ALERTS_ISSUE = "alerts.issue"  # issue, update and cancel public alerts; import other agencies' CAP
    CCTV_READ = "cctv.read"  # the camera registry and which cameras see an incident, without camera addresses
    CCTV_WATCH = "cctv.watch"  # a camera's snapshot/stream address and its picture
    CCTV_MANAGE = "cctv.manage"  # register, change, retire and import cameras
    WATCHLIST_MANAGE = "watchlist.manage"  # the plates cameras look for: keep and look up (looks audited)


P = Permission
_OPERATIONS_FLOOR: Final = frozenset(
    {P.SESSION, P.CATALOGUE_READ, P.INCIDENTS_READ, P.UNITS_READ, P.ALERTS_READ, P.CCTV_READ}
)
_DISPATCHING: Final = frozenset(
    {
        P.APPEALS_CREATE,
        P.INCIDENTS_MANAGE,
        P.OVERDUE_READ,
        P.DISPATCH,
        P.UNITS_STATUS,
        P.UNITS_POSITION,
        P.CCTV_WATCH,
    }
)

ROLE_PERMISSIONS: Final[Mapping[Role, frozenset[Permission]]] = {
    Role.CALL_TAKER: _OPERATIONS_FLOOR | {P.APPEALS_CREATE},
    Role.DISPATCHER: _OPERATIONS_FLOOR | _DISPATCHING,
    Role.SUPERVISOR: _OPERATIONS_FLOOR
    | _DISPATCHING
    | {
        P.USERS_READ,
        P.AUDIT_READ,
        P.UNITS_MANAGE,
        P.STATS_READ,
        P.ALERTS_ISSUE,
        P.CCTV_MANAGE,
        P.WATCHLIST_MANAGE,
    },
    Role.ANALYST: _OPERATIONS_FLOOR | {P.USERS_READ, P.STATS_READ},
    Role.ADMIN: frozenset(
        {
            P.SESSION,
            P.USERS_READ,
            P.USERS_MANAGE,
            P.AUDIT_READ,
            P.AUDIT_VERIFY,
            P.CATALOGUE_READ,
            P.CATALOGUE_MANAGE,
            P.UNITS_MANAGE,
            P.UNITS_POSITION,
            P.PARTNERS_MANAGE,
            P.AGENCIES_MANAGE,
            P.STATS_READ,
            P.CCTV_READ,
            P.CCTV_MANAGE,
        }
    ),
}

# Roles that may work region-wide (no district). Every other role is tied to one district.
REGION_WIDE_ROLES: Final = frozenset({Role.ADMIN, Role.SUPERVISOR, Role.ANALYST})

# Roles that may be tied to several districts (read-only work over figures). Operational roles keep one:
# their queues, rosters and new appeals are one district's.
MULTI_DISTRICT_ROLES: Final = frozenset({Role.ANALYST})

# A session whose second factor is still owed may only do this much: enrol, confirm, look, leave.
PENDING_SECOND_FACTOR_PERMISSIONS: Final = frozenset({Permission.SESSION})

MIN_PASSWORD_LENGTH: Final = 10


def allows(role: Role, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS[role]


class ScopeError(ValueError):
    pass


def check_scope(role: Role, district: str | None, also: Iterable[str] = ()) -> None:
    """`district` is the first district (None: region-wide), `also` the further ones."""
    if district is None and role not in REGION_WIDE_ROLES:
        raise ScopeError(N_("This role must be tied to a district."))
    if tuple(also) and (district is None or role not in MULTI_DISTRICT_ROLES):
        raise ScopeError(N_("Only an analyst may be tied to several districts."))


def split_districts(districts: Iterable[str]) -> tuple[str | None, tuple[str, ...]]:
    """A list of districts as (the first, the further ones), without repeats; ([]) is region-wide."""
    unique = tuple(dict.fromkeys(d for d in districts if d))
    return (unique[0], unique[1:]) if unique else (None, ())


def password_problem(password: str, username: str) -> str | None:
    """The reason a password is refused (a message id), or None when it is acceptable."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return N_("Must be at least {min_length} characters long.")
    if username.lower() in password.lower():
        return N_("The password must not contain the user name.")
    if len(set(password)) < 5:
        return N_("The password is too simple.")
    return None


def second_factor_required(role: Role, required_roles: Iterable[str]) -> bool:
    return role.value in set(required_roles)


class ThrottleScope(StrEnum):
    """What a count of failed logins is kept for."""

    PAIR = "pair"  # one user name tried from one address
    ADDRESS = "address"  # one address, whatever user names it tries
    ACCOUNT = "account"  # one user name, tried from addresses that are not known good for it


@dataclass(frozen=True, order=True)
class ThrottleKey:
    """One count. The unused part is empty: an address count has no user name, an account count no address."""

    scope: ThrottleScope
    username: str
    address: str


@dataclass(frozen=True)
class ThrottleCount:
    failures: int
    first_failure_at: datetime
    last_failure_at: datetime
    blocked_until: datetime | None = None


def login_name(username: str) -> str:
    """The user name as accounts are looked up (without case), and as failures are counted."""
    return username.lower()


def throttle_keys(username: str, address: str, *, known_address: bool) -> tuple[ThrottleKey, ...]:
    """The counts a login attempt is checked against and adds to, pair first.

    From an address the account logged in from lately (known good), only the pair counts: failures of others
    elsewhere never make the real user wait there, and the user's own typos there do not hold back others.
    """
    name = login_name(username)
    pair = ThrottleKey(ThrottleScope.PAIR, name, address)
    if known_address:
        return (pair,)
    return (
        pair,
        ThrottleKey(ThrottleScope.ADDRESS, "", address),
        ThrottleKey(ThrottleScope.ACCOUNT, name, ""),
    )


_MAX_DOUBLINGS: Final = 40


@dataclass(frozen=True)
class ThrottlePolicy:
    """Free failures per count, then a wait that doubles with every further failure, up to a maximum.

    A count is forgotten once `window` passes without a failure. Only a pair's free failures add to the
    account count, so one address alone can never make the account wait (`account_free` >= `pair_free`).
    """

    pair_free: int = 5
    address_free: int = 20
    account_free: int = 10
    first_delay: timedelta = timedelta(seconds=1)
    max_delay: timedelta = timedelta(minutes=15)
    window: timedelta = timedelta(minutes=60)
    known_for: timedelta = timedelta(days=30)

    def __post_init__(self) -> None:
        if min(self.pair_free, self.address_free, self.account_free) < 1:
            raise ValueError("each free allowance must be at least 1")
        if self.account_free < self.pair_free:
            raise ValueError("the account allowance must be at least the pair allowance")
        if not timedelta(0) < self.first_delay <= self.max_delay <= self.window:
            raise ValueError("0 < first delay <= maximum delay <= window must hold")

    def free(self, scope: ThrottleScope) -> int:
        return {
            ThrottleScope.PAIR: self.pair_free,
            ThrottleScope.ADDRESS: self.address_free,
            ThrottleScope.ACCOUNT: self.account_free,
        }[scope]

    def delay(self, scope: ThrottleScope, failures: int) -> timedelta:
        """The wait after the `failures`-th failure in a row: none within the allowance, then 1, 2, 4 …
        times the first delay."""
        beyond = failures - self.free(scope)
        if beyond <= 0:
            return timedelta(0)
        doublings: int = min(beyond - 1, _MAX_DOUBLINGS)
        return min(self.first_delay * (1 << doublings), self.max_delay)

    def current(self, count: ThrottleCount | None, at: datetime) -> int:
        """The failures that still count at `at` (none once the window passed without one)."""
        if count is None:
            return 0
        if at - count.last_failure_at >= self.window and not self.blocked(count, at):
            return 0
        return count.failures

    @staticmethod
    def blocked(count: ThrottleCount | None, at: datetime) -> bool:
        return count is not None and count.blocked_until is not None and count.blocked_until > at

    def wait(
        self, keys: Iterable[ThrottleKey], counts: Mapping[ThrottleKey, ThrottleCount], at: datetime
    ) -> tuple[ThrottleKey, timedelta] | None:
        """The longest wait still to run among the attempt's counts, or None when it may go ahead."""
        longest: tuple[ThrottleKey, timedelta] | None = None
        for key in keys:
            count = counts.get(key)
            if count is not None and count.blocked_until is not None and self.blocked(count, at):
                left = count.blocked_until - at
                if longest is None or left > longest[1]:
                    longest = (key, left)
        return longest

    def after_failure(
        self, keys: Iterable[ThrottleKey], counts: Mapping[ThrottleKey, ThrottleCount], at: datetime
    ) -> dict[ThrottleKey, ThrottleCount]:
        """The counts that one more failure changes, and their new values."""
        changed: dict[ThrottleKey, ThrottleCount] = {}
        pair_failures = 0
        for key in keys:
            previous = counts.get(key)
            failures = self.current(previous, at)
            if key.scope is ThrottleScope.ACCOUNT and pair_failures > self.pair_free:
                continue  # this address has had its share of the account's allowance
            failures += 1
            if key.scope is ThrottleScope.PAIR:
                pair_failures = failures
            first = previous.first_failure_at if previous is not None and failures > 1 else at
            wait = self.delay(key.scope, failures)
            changed[key] = ThrottleCount(failures, first, at, at + wait if wait else None)
        return changed


class SessionEnd(StrEnum):
    IDLE = "idle"
    ABSOLUTE = "absolute"
    REVOKED = "revoked"


@dataclass(frozen=True)
class SessionPolicy:
    idle: timedelta = timedelta(minutes=30)
    absolute: timedelta = timedelta(hours=12)

    def ended(
        self, *, created_at: datetime, last_seen_at: datetime, revoked_at: datetime | None, now: datetime
    ) -> SessionEnd | None:
        if revoked_at is not None:
            return SessionEnd.REVOKED
        if now - created_at >= self.absolute:
            return SessionEnd.ABSOLUTE
        if now - last_seen_at >= self.idle:
            return SessionEnd.IDLE
        return None


@dataclass(frozen=True)
class User:
    id: int
    username: str
    role: Role
    district: str | None
    full_name: str
    phone: str | None
    totp_enrolled: bool
    locked_at: datetime | None
    lock_reason: str | None
    disabled: bool
    created_at: datetime
    also_districts: tuple[str, ...] = ()  # an analyst's further districts, beside `district`

    @property
    def districts(self) -> tuple[str, ...]:
        return () if self.district is None else (self.district, *self.also_districts)

    @property
    def locked(self) -> bool:
        return self.locked_at is not None
