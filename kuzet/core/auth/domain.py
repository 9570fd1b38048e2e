"""Roles, permissions, scope, lock-out and session rules. Pure: no framework, no clock."""

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
    STATS_READ = "stats.read"


P = Permission
_OPERATIONS_FLOOR: Final = frozenset({P.SESSION, P.CATALOGUE_READ, P.INCIDENTS_READ, P.UNITS_READ})
_DISPATCHING: Final = frozenset(
    {P.APPEALS_CREATE, P.INCIDENTS_MANAGE, P.OVERDUE_READ, P.DISPATCH, P.UNITS_STATUS, P.UNITS_POSITION}
)

ROLE_PERMISSIONS: Final[Mapping[Role, frozenset[Permission]]] = {
    Role.CALL_TAKER: _OPERATIONS_FLOOR | {P.APPEALS_CREATE},
    Role.DISPATCHER: _OPERATIONS_FLOOR | _DISPATCHING,
    Role.SUPERVISOR: _OPERATIONS_FLOOR
    | _DISPATCHING
    | {P.USERS_READ, P.AUDIT_READ, P.UNITS_MANAGE, P.STATS_READ},
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
            P.STATS_READ,
        }
    ),
}

# Roles that may work region-wide (no district). Every other role is tied to one district.
REGION_WIDE_ROLES: Final = frozenset({Role.ADMIN, Role.SUPERVISOR})

# A session whose second factor is still owed may only do this much: enrol, confirm, look, leave.
PENDING_SECOND_FACTOR_PERMISSIONS: Final = frozenset({Permission.SESSION})

MIN_PASSWORD_LENGTH: Final = 10


def allows(role: Role, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS[role]


class ScopeError(ValueError):
    pass


def check_scope(role: Role, district: str | None) -> None:
    if district is None and role not in REGION_WIDE_ROLES:
        raise ScopeError(N_("This role must be tied to a district."))


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


@dataclass(frozen=True)
class LockoutPolicy:
    failures: int = 5
    window: timedelta = timedelta(minutes=15)

    def should_lock(self, failure_times: Iterable[datetime], now: datetime) -> bool:
        """True when the failures inside the window (ending now) reach the limit."""
        since = now - self.window
        return sum(1 for moment in failure_times if since < moment <= now) >= self.failures


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

    @property
    def locked(self) -> bool:
        return self.locked_at is not None
