"""An administrator locks and unlocks accounts by hand; failed logins never lock one (see test_throttling)."""

from __future__ import annotations

import httpx

from kuzet.container import Services
from kuzet.core.audit.store import audit_log
from kuzet.core.auth.domain import Role
from tests.conftest import PASSWORD, MakeUser, bearer, login
from tests.core.auth.helpers import logged_in, wrong_login


def test_admin_locks_an_account_by_hand_and_ends_its_sessions(
    http: httpx.Client, services: Services, make_user: MakeUser
) -> None:
    target = make_user("disp1")
    token = login(http, "disp1")
    _, admin = logged_in(http, services, make_user, "root", Role.ADMIN, None)
    response = http.post(f"/api/v1/users/{target.id}/lock", headers=admin)
    assert response.status_code == 200
    assert response.json()["lock_reason"] == "by_admin"
    assert http.get("/api/v1/auth/me", headers=bearer(token)).status_code == 401
    refused = http.post("/api/v1/auth/login", json={"username": "disp1", "password": PASSWORD})
    assert refused.status_code == 423
    assert refused.json()["type"] == "urn:kuzet:problem:account-locked"
    with services.engine.connect() as connection:
        locks = connection.execute(audit_log.select().where(audit_log.c.action == "user.lock")).all()
    assert [(row.actor, row.detail) for row in locks] == [("root", {"reason": "by_admin"})]


def test_only_an_admin_unlocks(http: httpx.Client, services: Services, make_user: MakeUser) -> None:
    locked = make_user("disp1")
    _, admin = logged_in(http, services, make_user, "root", Role.ADMIN, None)
    http.post(f"/api/v1/users/{locked.id}/lock", headers=admin)
    _, supervisor = logged_in(http, services, make_user, "boss", Role.SUPERVISOR, None)
    assert http.post(f"/api/v1/users/{locked.id}/unlock", headers=supervisor).status_code == 403
    unlocked = http.post(f"/api/v1/users/{locked.id}/unlock", headers=admin)
    assert unlocked.status_code == 200
    assert unlocked.json()["locked"] is False
    assert login(http, "disp1")


def test_a_locked_account_is_not_revealed_to_a_wrong_password(
    http: httpx.Client, services: Services, make_user: MakeUser
) -> None:
    locked = make_user("disp1")
    _, admin = logged_in(http, services, make_user, "root", Role.ADMIN, None)
    http.post(f"/api/v1/users/{locked.id}/lock", headers=admin)
    assert wrong_login(http, "disp1").status_code == 401


def test_failed_logins_never_lock_an_account(
    http: httpx.Client, services: Services, make_user: MakeUser
) -> None:
    make_user("disp1")
    for _ in range(12):
        wrong_login(http, "disp1")
    with services.engine.connect() as connection:
        actions = {row.action for row in connection.execute(audit_log.select()).all()}
    assert "user.lock" not in actions
    _, admin = logged_in(http, services, make_user, "root", Role.ADMIN, None)
    listed = http.get("/api/v1/users", headers=admin).json()
    assert [user["locked"] for user in listed if user["username"] == "disp1"] == [False]
