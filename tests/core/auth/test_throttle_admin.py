"""An administrator sees which user names and addresses are throttled and clears them (API, CLI), audited."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from kuzet.container import Services
from kuzet.core.audit.store import audit_log
from kuzet.core.auth.domain import Role
from tests.conftest import PASSWORD, LiveServer, MakeUser, run_cli
from tests.core.auth.helpers import client_from, logged_in, wrong_login

pytestmark = pytest.mark.usefixtures("patient_throttle")


@pytest.fixture
def admin(http: httpx.Client, services: Services, make_user: MakeUser) -> dict[str, str]:
    """An administrator logged in from 127.0.0.1 before any failure there (so known good there)."""
    return logged_in(http, services, make_user, "root", Role.ADMIN, None)[1]


def attack(server: LiveServer, address: str, username: str, times: int) -> None:
    with client_from(server, address) as attacker:
        for _ in range(times):
            wrong_login(attacker, username)


def clears(services: Services) -> list[tuple[str, str | None, dict[str, object]]]:
    with services.engine.connect() as connection:
        rows = connection.execute(
            select(audit_log.c.actor, audit_log.c.object_id, audit_log.c.detail)
            .where(audit_log.c.action == "auth.throttle.clear")
            .order_by(audit_log.c.seq)
        ).all()
    return [(row.actor, row.object_id, row.detail) for row in rows]


def test_the_list_shows_each_user_name_with_the_addresses_behind_it(
    server: LiveServer, http: httpx.Client, make_user: MakeUser, admin: dict[str, str]
) -> None:
    disp1 = make_user("disp1")
    attack(server, "127.0.0.2", "disp1", 8)  # 6 counted, 2 refused while waiting
    attack(server, "127.0.0.3", "Ghost", 2)
    response = http.get("/api/v1/auth/throttles", headers=admin)
    assert response.status_code == 200
    body = response.json()
    accounts = {account["username"]: account for account in body["accounts"]}
    assert set(accounts) == {"disp1", "ghost"}
    assert accounts["disp1"]["user_id"] == disp1.id
    assert accounts["ghost"]["user_id"] is None
    assert accounts["disp1"]["failures"] == 5  # one address adds only its free failures to the account
    assert accounts["disp1"]["blocked_until"] is None
    [source] = accounts["disp1"]["sources"]
    assert (source["address"], source["failures"]) == ("127.0.0.2", 6)
    assert source["blocked_until"] is not None
    assert accounts["ghost"]["sources"][0]["blocked_until"] is None
    addresses = {address["address"]: address for address in body["addresses"]}
    assert (addresses["127.0.0.2"]["failures"], addresses["127.0.0.2"]["usernames"]) == (6, 1)
    assert addresses["127.0.0.3"]["failures"] == 2


def test_clearing_a_user_name_lets_it_log_in_again_and_is_audited(
    server: LiveServer, http: httpx.Client, services: Services, make_user: MakeUser, admin: dict[str, str]
) -> None:
    make_user("disp1")
    attack(server, "127.0.0.2", "disp1", 7)
    with client_from(server, "127.0.0.2") as desk:
        body = {"username": "disp1", "password": PASSWORD}
        assert desk.post("/api/v1/auth/login", json=body).status_code == 429
        cleared = http.delete("/api/v1/auth/throttles", params={"username": "DISP1"}, headers=admin)
        assert cleared.status_code == 200
        assert cleared.json() == {"cleared": 2}  # its pair and its account count
        assert desk.post("/api/v1/auth/login", json=body).status_code == 200
    assert clears(services) == [
        ("root", "disp1", {"username": "disp1", "address": None, "cleared": 2}),
    ]


def test_clearing_an_address_forgets_its_failures_for_every_name(
    server: LiveServer, http: httpx.Client, services: Services, admin: dict[str, str]
) -> None:
    for name in ("a-name", "b-name", "c-name"):
        attack(server, "127.0.0.2", name, 7)
    attack(server, "127.0.0.3", "a-name", 1)
    cleared = http.delete("/api/v1/auth/throttles", params={"address": "127.0.0.2"}, headers=admin)
    assert cleared.json() == {"cleared": 4}  # three pairs and the address count
    listed = http.get("/api/v1/auth/throttles", headers=admin).json()
    assert [a["address"] for a in listed["addresses"]] == ["127.0.0.3"]
    assert [s["address"] for a in listed["accounts"] for s in a["sources"]] == ["127.0.0.3"]
    with client_from(server, "127.0.0.2") as again:
        assert wrong_login(again, "a-name").status_code == 401
    assert clears(services)[0][1:] == ("127.0.0.2", {"username": None, "address": "127.0.0.2", "cleared": 4})


def test_clearing_needs_a_user_name_or_an_address(
    http: httpx.Client, services: Services, admin: dict[str, str]
) -> None:
    response = http.delete("/api/v1/auth/throttles", headers=admin)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    [error] = response.json()["errors"]
    assert (error["field"], error["location"]) == ("username", "query")
    assert clears(services) == []


def test_only_an_administrator_sees_or_clears_throttles(
    http: httpx.Client, services: Services, make_user: MakeUser
) -> None:
    _, supervisor = logged_in(http, services, make_user, "boss", Role.SUPERVISOR, None)
    assert http.get("/api/v1/auth/throttles", headers=supervisor).status_code == 403
    refused = http.delete("/api/v1/auth/throttles", params={"username": "x"}, headers=supervisor)
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"


def test_the_command_line_lists_and_clears_throttles(server: LiveServer, services: Services) -> None:
    attack(server, "127.0.0.2", "disp1", 7)
    listed = run_cli(services, "user", "throttles")
    assert listed.returncode == 0, listed.stderr
    assert "disp1" in listed.stdout
    assert "127.0.0.2" in listed.stdout
    cleared = run_cli(services, "user", "unthrottle", "disp1", "--address", "127.0.0.2")
    assert cleared.returncode == 0, cleared.stderr
    assert "forgot 1" in cleared.stdout  # the pair only
    assert clears(services) == [
        ("cli", "disp1@127.0.0.2", {"username": "disp1", "address": "127.0.0.2", "cleared": 1})
    ]
    nothing = run_cli(services, "user", "unthrottle")
    assert nothing.returncode == 1
    assert "user name" in nothing.stderr
