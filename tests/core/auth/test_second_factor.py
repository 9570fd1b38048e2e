"""TOTP: enrolment, confirmation, required for admin and supervisor, configurable for other roles."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import httpx
import pyotp
import pytest

from kuzet.container import Services
from kuzet.core.auth import service
from kuzet.core.auth.domain import Role
from tests.conftest import PASSWORD, MakeUser, bearer, login
from tests.core.auth.helpers import enrol_totp, logged_in


def test_supervisor_without_second_factor_may_only_enrol(http: httpx.Client, make_user: MakeUser) -> None:
    make_user("boss", Role.SUPERVISOR, None)
    response = http.post("/api/v1/auth/login", json={"username": "boss", "password": PASSWORD})
    assert response.status_code == 200
    assert response.json()["second_factor_pending"] is True
    headers = bearer(response.json()["token"])
    refused = http.get("/api/v1/users", headers=headers)
    assert refused.status_code == 403
    assert refused.json()["type"] == "urn:kuzet:problem:second-factor-enrolment-required"

    enrolment = http.post("/api/v1/auth/totp/enrol", headers=headers)
    assert enrolment.status_code == 201
    assert enrolment.json()["otpauth_uri"].startswith("otpauth://totp/Kuzet:boss")
    totp = pyotp.TOTP(enrolment.json()["secret"])

    wrong = http.post("/api/v1/auth/totp/confirm", json={"code": "000000"}, headers=headers)
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["field"] == "code"
    confirmed = http.post("/api/v1/auth/totp/confirm", json={"code": totp.now()}, headers=headers)
    assert confirmed.status_code == 200
    assert confirmed.json()["second_factor_enrolled"] is True
    assert http.get("/api/v1/users", headers=headers).status_code == 200


def test_enrolled_user_must_give_a_code(http: httpx.Client, services: Services, make_user: MakeUser) -> None:
    user = make_user("boss", Role.SUPERVISOR, None)
    totp = pyotp.TOTP(enrol_totp(services, user))
    missing = http.post("/api/v1/auth/login", json={"username": "boss", "password": PASSWORD})
    assert missing.status_code == 401
    assert missing.json()["type"] == "urn:kuzet:problem:second-factor-required"
    wrong = http.post(
        "/api/v1/auth/login", json={"username": "boss", "password": PASSWORD, "totp_code": "123456"}
    )
    assert wrong.status_code == 401
    assert login(http, "boss", code=totp.now())


def test_a_used_code_cannot_be_replayed(http: httpx.Client, services: Services, make_user: MakeUser) -> None:
    user = make_user("boss", Role.SUPERVISOR, None)
    code = pyotp.TOTP(enrol_totp(services, user)).now()
    assert login(http, "boss", code=code)
    replay = http.post(
        "/api/v1/auth/login", json={"username": "boss", "password": PASSWORD, "totp_code": code}
    )
    assert replay.status_code == 401


@pytest.mark.usefixtures("patient_throttle")
def test_wrong_codes_count_like_wrong_passwords(
    http: httpx.Client, services: Services, make_user: MakeUser
) -> None:
    user = make_user("boss", Role.SUPERVISOR, None)
    enrol_totp(services, user)
    statuses = [
        http.post(
            "/api/v1/auth/login", json={"username": "boss", "password": PASSWORD, "totp_code": "000001"}
        ).status_code
        for _ in range(7)
    ]
    assert statuses == [401] * 6 + [429]


def test_admin_reset_forces_a_new_enrolment(
    http: httpx.Client, services: Services, make_user: MakeUser
) -> None:
    user = make_user("boss", Role.SUPERVISOR, None)
    enrol_totp(services, user)
    _, admin = logged_in(http, services, make_user, "root", Role.ADMIN, None)
    reset = http.post(f"/api/v1/users/{user.id}/reset-2fa", headers=admin)
    assert reset.status_code == 200
    assert reset.json()["second_factor_enrolled"] is False
    again = http.post("/api/v1/auth/login", json={"username": "boss", "password": PASSWORD})
    assert again.json()["second_factor_pending"] is True


def test_dispatcher_needs_no_second_factor_by_default(http: httpx.Client, make_user: MakeUser) -> None:
    make_user("disp1")
    response = http.post("/api/v1/auth/login", json={"username": "disp1", "password": PASSWORD})
    assert response.json()["second_factor_pending"] is False


def test_second_factor_can_be_required_for_other_roles(services: Services, make_user: MakeUser) -> None:
    make_user("disp1")
    strict = dataclasses.replace(services.auth, totp_roles=frozenset({"dispatcher"}))
    at = services.clock.now()
    result = service.login(
        services.uow(), strict, username="disp1", password=PASSWORD, totp_code=None, source=None, at=at
    )
    assert result.second_factor_pending is True
    assert result.expires_at == at + timedelta(hours=12)


def test_totp_secret_is_encrypted_at_rest(
    http: httpx.Client, services: Services, make_user: MakeUser
) -> None:
    from kuzet.core.auth.store import users

    make_user("boss", Role.SUPERVISOR, None)
    token = http.post("/api/v1/auth/login", json={"username": "boss", "password": PASSWORD}).json()["token"]
    secret = http.post("/api/v1/auth/totp/enrol", headers=bearer(token)).json()["secret"]
    with services.engine.connect() as connection:
        stored = connection.execute(users.select().where(users.c.username == "boss")).one().totp_secret
    assert secret not in stored
    assert services.auth.box.open(stored) == secret
