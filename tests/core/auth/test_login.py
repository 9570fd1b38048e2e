"""Logging in over real HTTP: tokens, wrong credentials, the current user, logging out."""

from __future__ import annotations

import httpx

from kuzet.container import Services
from kuzet.core.audit.store import audit_log
from kuzet.core.auth.domain import Role
from kuzet.core.auth.store import users
from tests.conftest import NEW_USER, PASSWORD, MakeUser, bearer, login
from tests.core.auth.helpers import enrol_totp, logged_in


def test_login_returns_a_token_that_identifies_the_user(http: httpx.Client, make_user: MakeUser) -> None:
    make_user("disp1", Role.DISPATCHER, "central")
    response = http.post("/api/v1/auth/login", json={"username": "disp1", "password": PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert body["second_factor_pending"] is False
    assert body["idle_timeout_seconds"] == 30 * 60
    me = http.get("/api/v1/auth/me", headers=bearer(body["token"]))
    assert me.status_code == 200
    assert me.json()["username"] == "disp1"
    assert me.json()["district"] == "central"


def test_wrong_password_and_unknown_user_get_the_same_answer(http: httpx.Client, make_user: MakeUser) -> None:
    make_user("disp1")
    wrong = http.post("/api/v1/auth/login", json={"username": "disp1", "password": "nope-nope-nope"})
    unknown = http.post("/api/v1/auth/login", json={"username": "nobody", "password": "nope-nope-nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"] == "Неверное имя пользователя или пароль."
    assert wrong.headers["content-type"] == "application/problem+json"


def test_passwords_are_stored_as_argon2_hashes(services: Services, make_user: MakeUser) -> None:
    make_user("disp1")
    with services.engine.connect() as connection:
        stored = connection.execute(users.select()).one().password_hash
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


def test_logout_ends_the_session(http: httpx.Client, make_user: MakeUser) -> None:
    make_user("disp1")
    headers = bearer(login(http, "disp1"))
    assert http.post("/api/v1/auth/logout", headers=headers).status_code == 204
    after = http.get("/api/v1/auth/me", headers=headers)
    assert after.status_code == 401
    assert after.json()["session_end"] == "revoked"


def test_login_is_audited_with_source_address(
    http: httpx.Client, services: Services, make_user: MakeUser
) -> None:
    make_user("disp1")
    login(http, "disp1")
    with services.engine.connect() as connection:
        row = connection.execute(audit_log.select().where(audit_log.c.action == "auth.login")).one()
    assert (row.actor, row.role, row.source, row.outcome) == ("disp1", "dispatcher", "127.0.0.1", "ok")


def test_user_names_ignore_case(http: httpx.Client, services: Services, make_user: MakeUser) -> None:
    make_user("Disp1")
    assert login(http, "DISP1")
    _, admin = logged_in(http, services, make_user, "root", Role.ADMIN, None)
    body = {**NEW_USER, "username": "dIsP1"}
    assert http.post("/api/v1/users", json=body, headers=admin).status_code == 409


def test_full_width_digits_in_a_code_are_refused_cleanly(
    http: httpx.Client, services: Services, make_user: MakeUser
) -> None:
    boss = make_user("boss", Role.SUPERVISOR, None)
    enrol_totp(services, boss)
    body = {"username": "boss", "password": PASSWORD, "totp_code": "１２３４５６"}
    response = http.post("/api/v1/auth/login", json=body)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
