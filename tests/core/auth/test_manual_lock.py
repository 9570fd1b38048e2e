"""Five failed logins within 15 minutes lock the account until an administrator unlocks it."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import update

from kuzet.core.audit.store import audit_log
from kuzet.core.auth import service
from kuzet.core.auth.domain import Role
from kuzet.core.auth.store import login_failures
from kuzet.core.container import Services
from kuzet.core.errors import AccountLocked, KuzetError, Unauthenticated
from tests.conftest import PASSWORD, MakeUser, login
from tests.core.auth.helpers import logged_in


def fail(http: httpx.Client, username: str) -> httpx.Response:
    return http.post("/api/v1/auth/login", json={"username": username, "password": "wrong-password-1"})


def test_fifth_failure_locks_and_even_the_right_password_is_refused(
    http: httpx.Client, services: Services, make_user: MakeUser
) -> None:
    make_user("disp1")
    for _ in range(4):
        assert fail(http, "disp1").status_code == 401
    fifth = fail(http, "disp1")
    assert fifth.status_code == 423
    assert fifth.json()["type"] == "urn:kuzet:problem:account-locked"
    right = http.post("/api/v1/auth/login", json={"username": "disp1", "password": PASSWORD})
    assert right.status_code == 423
    with services.engine.connect() as connection:
        locks = connection.execute(audit_log.select().where(audit_log.c.action == "user.lock")).all()
    assert len(locks) == 1


def test_lockout_also_ends_open_sessions(http: httpx.Client, make_user: MakeUser) -> None:
    make_user("disp1")
    token = login(http, "disp1")
    for _ in range(5):
        fail(http, "disp1")
    assert http.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_failures_older_than_the_window_do_not_lock(
    http: httpx.Client, services: Services, make_user: MakeUser
) -> None:
    make_user("disp1")
    for _ in range(4):
        fail(http, "disp1")
    with services.engine.begin() as connection:
        connection.execute(update(login_failures).values(at=services.clock.now() - timedelta(minutes=16)))
    assert fail(http, "disp1").status_code == 401
    assert login(http, "disp1")


def test_a_success_resets_the_count(http: httpx.Client, make_user: MakeUser) -> None:
    make_user("disp1")
    for _ in range(4):
        fail(http, "disp1")
    login(http, "disp1")
    for _ in range(4):
        assert fail(http, "disp1").status_code == 401


def test_only_an_admin_unlocks(http: httpx.Client, services: Services, make_user: MakeUser) -> None:
    locked = make_user("disp1")
    for _ in range(5):
        fail(http, "disp1")
    _, supervisor = logged_in(http, services, make_user, "boss", Role.SUPERVISOR, None)
    assert http.post(f"/api/v1/users/{locked.id}/unlock", headers=supervisor).status_code == 403
    _, admin = logged_in(http, services, make_user, "root", Role.ADMIN, None)
    unlocked = http.post(f"/api/v1/users/{locked.id}/unlock", headers=admin)
    assert unlocked.status_code == 200
    assert unlocked.json()["locked"] is False
    assert login(http, "disp1")


def test_admin_locks_an_account_by_hand(http: httpx.Client, services: Services, make_user: MakeUser) -> None:
    target = make_user("disp1")
    token = login(http, "disp1")
    _, admin = logged_in(http, services, make_user, "root", Role.ADMIN, None)
    response = http.post(f"/api/v1/users/{target.id}/lock", headers=admin)
    assert response.status_code == 200
    assert response.json()["lock_reason"] == "by_admin"
    assert http.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_a_locked_account_is_not_revealed_to_a_wrong_password(
    http: httpx.Client, make_user: MakeUser
) -> None:
    make_user("disp1")
    for _ in range(5):
        fail(http, "disp1")
    assert fail(http, "disp1").status_code == 401


def test_every_failed_attempt_and_the_lock_are_audited(services: Services, make_user: MakeUser) -> None:
    make_user("disp1")
    with services.engine.connect() as connection:
        before = len(connection.execute(audit_log.select()).all())
    refusals = []
    for _ in range(5):
        with pytest.raises(KuzetError) as refused:
            service.login(
                services.uow(),
                services.auth,
                username="disp1",
                password="x-wrong-x",
                totp_code=None,
                source="10.1.1.1",
                at=services.clock.now(),
            )
        refusals.append(type(refused.value))
    assert refusals == [Unauthenticated] * 4 + [AccountLocked]
    with services.engine.connect() as connection:
        actions = [
            row.action for row in connection.execute(audit_log.select().order_by(audit_log.c.seq)).all()
        ][before:]
    assert actions == ["auth.login"] * 5 + ["user.lock"]
