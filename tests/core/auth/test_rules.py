"""Unit tests of the pure account rules: session timeouts, scope, passwords (throttling has its own)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kuzet.core.auth.domain import (
    Role,
    ScopeError,
    SessionEnd,
    SessionPolicy,
    check_scope,
    password_problem,
)

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("created", "seen", "expected"),
    [
        (timedelta(hours=1), timedelta(minutes=29), None),
        (timedelta(hours=1), timedelta(minutes=30), SessionEnd.IDLE),
        (timedelta(hours=12), timedelta(minutes=1), SessionEnd.ABSOLUTE),
    ],
)
def test_session_ends_on_idle_or_absolute_timeout(
    created: timedelta, seen: timedelta, expected: SessionEnd | None
) -> None:
    policy = SessionPolicy(idle=timedelta(minutes=30), absolute=timedelta(hours=12))
    assert (
        policy.ended(created_at=NOW - created, last_seen_at=NOW - seen, revoked_at=None, now=NOW) == expected
    )


def test_revoked_session_has_ended() -> None:
    assert (
        SessionPolicy().ended(created_at=NOW, last_seen_at=NOW, revoked_at=NOW, now=NOW) == SessionEnd.REVOKED
    )


@pytest.mark.parametrize("role", [Role.CALL_TAKER, Role.DISPATCHER])
def test_district_roles_must_have_a_district(role: Role) -> None:
    with pytest.raises(ScopeError):
        check_scope(role, None)
    check_scope(role, "central")


@pytest.mark.parametrize("role", [Role.ADMIN, Role.SUPERVISOR, Role.ANALYST])
def test_admin_supervisor_and_analyst_may_be_region_wide(role: Role) -> None:
    check_scope(role, None)


@pytest.mark.parametrize("role", [Role.CALL_TAKER, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN])
def test_only_an_analyst_may_be_tied_to_several_districts(role: Role) -> None:
    check_scope(Role.ANALYST, "central", ["north"])
    with pytest.raises(ScopeError):
        check_scope(role, "central", ["north"])
    with pytest.raises(ScopeError):
        check_scope(Role.ANALYST, None, ["north"])


def test_password_rules() -> None:
    assert password_problem("short", "ivan") is not None
    assert password_problem("ivan-secret-99", "ivan") is not None
    assert password_problem("aaaaaaaaaaaa", "ivan") is not None
    assert password_problem("Steppe-Wind-2026", "ivan") is None
