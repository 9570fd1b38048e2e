"""District scope on every read and change; personal data masked for roles that do not need it."""

from __future__ import annotations

from typing import Any

import httpx

from kuzet.container import Services
from kuzet.core.audit.store import audit_log
from kuzet.core.auth.domain import Role
from tests.conftest import MakeUser
from tests.core.auth.helpers import logged_in


def services_audit(services: Services) -> list[Any]:
    with services.engine.connect() as connection:
        return list(connection.execute(audit_log.select().order_by(audit_log.c.seq)).all())


def test_district_supervisor_sees_only_its_district(
    http: httpx.Client, services: Services, make_user: MakeUser
) -> None:
    make_user("north-disp", Role.DISPATCHER, "north")
    south = make_user("south-disp", Role.DISPATCHER, "south")
    _, headers = logged_in(http, services, make_user, "north-boss", Role.SUPERVISOR, "north")
    listed = {u["username"] for u in http.get("/api/v1/users", headers=headers).json()}
    assert listed == {"north-disp", "north-boss"}
    assert http.get(f"/api/v1/users/{south.id}", headers=headers).status_code == 404
    refusals = [e for e in services_audit(services) if e.action == "user.read"]
    assert [(r.actor, r.outcome, r.object_id) for r in refusals] == [("north-boss", "denied", str(south.id))]


def test_region_wide_supervisor_sees_every_district(
    http: httpx.Client, services: Services, make_user: MakeUser
) -> None:
    make_user("north-disp", Role.DISPATCHER, "north")
    make_user("south-disp", Role.DISPATCHER, "south")
    _, headers = logged_in(http, services, make_user, "boss", Role.SUPERVISOR, None)
    listed = {u["username"] for u in http.get("/api/v1/users", headers=headers).json()}
    assert {"north-disp", "south-disp"} <= listed


def test_district_admin_cannot_create_outside_its_district(
    http: httpx.Client, services: Services, make_user: MakeUser
) -> None:
    _, headers = logged_in(http, services, make_user, "north-admin", Role.ADMIN, "north")
    body = {
        "username": "x-disp",
        "password": "Fresh-Password-77",
        "role": "dispatcher",
        "district": "south",
        "full_name": "Test",
    }
    response = http.post("/api/v1/users", json=body, headers=headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "district"


def test_dispatcher_must_have_a_district(http: httpx.Client, services: Services, make_user: MakeUser) -> None:
    _, headers = logged_in(http, services, make_user, "root", Role.ADMIN, None)
    body = {"username": "x-disp", "password": "Fresh-Password-77", "role": "dispatcher", "full_name": "Test"}
    response = http.post("/api/v1/users", json=body, headers=headers)
    assert response.status_code == 422
    assert response.json()["errors"][0] == {
        "field": "district",
        "location": "body",
        "pointer": "/district",
        "reason": "Для этой роли нужно указать район.",
        "code": "district_required",
    }


def test_district_supervisor_may_not_read_the_region_audit_log(
    http: httpx.Client, services: Services, make_user: MakeUser
) -> None:
    _, headers = logged_in(http, services, make_user, "north-boss", Role.SUPERVISOR, "north")
    assert http.get("/api/v1/audit", headers=headers).status_code == 403
    assert [e.outcome for e in services_audit(services) if e.action == "audit.read"] == ["denied"]


def test_analyst_sees_names_and_phones_masked(
    http: httpx.Client, services: Services, make_user: MakeUser
) -> None:
    make_user("disp1", Role.DISPATCHER, "central", full_name="Серик Ахметов", phone="+77011234567")
    _, headers = logged_in(http, services, make_user, "numbers", Role.ANALYST, "central")
    listed = {u["username"]: u for u in http.get("/api/v1/users", headers=headers).json()}
    assert listed["disp1"]["full_name"] == "С. А."
    assert listed["disp1"]["phone"] == "+7 *** ***-**-67"
    assert "Ахметов" not in http.get("/api/v1/users", headers=headers).text


def test_admin_sees_names_and_phones(http: httpx.Client, services: Services, make_user: MakeUser) -> None:
    make_user("disp1", Role.DISPATCHER, "central", full_name="Серик Ахметов", phone="+77011234567")
    _, headers = logged_in(http, services, make_user, "root", Role.ADMIN, None)
    listed = {u["username"]: u for u in http.get("/api/v1/users", headers=headers).json()}
    assert listed["disp1"]["full_name"] == "Серик Ахметов"
    assert listed["disp1"]["phone"] == "+77011234567"
