"""Failed logins are throttled, never locked: growing waits per user name and address, per address, and per
account from addresses not known good for it; refused early and cheaply with 429 and Retry-After."""

from __future__ import annotations

import dataclasses
import threading
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select

from kuzet.container import Services
from kuzet.core.audit.store import audit_log
from kuzet.core.auth import service
from kuzet.core.auth.store import login_throttles
from kuzet.core.errors import KuzetError, TooManyRequests, Unauthenticated
from tests.conftest import PASSWORD, LiveServer, MakeUser, bearer, login
from tests.core.auth.conftest import CountingPasswords
from tests.core.auth.helpers import client_from, wrong_login

# Every test here runs with a first wait of ten minutes (restored afterwards, with any other change a test
# makes to the throttle), unless it sets its own.
pytestmark = pytest.mark.usefixtures("patient_throttle")
START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def login_at(services: Services, username: str, password: str, source: str, seconds: float) -> None:
    """Log in through the service at a moment of our choosing: so many seconds after START."""
    service.login(
        services.uow(),
        services.auth,
        username=username,
        password=password,
        totp_code=None,
        source=source,
        at=START + timedelta(seconds=seconds),
    )


def throttle(services: Services, **changes: object) -> None:
    services.auth = dataclasses.replace(
        services.auth,
        throttle=dataclasses.replace(services.auth.throttle, **changes),  # type: ignore[arg-type]
    )


def test_the_sixth_failure_still_gets_401_and_the_next_attempt_waits_with_429(
    http: httpx.Client, make_user: MakeUser
) -> None:
    make_user("disp1")
    statuses = [wrong_login(http, "disp1").status_code for _ in range(6)]
    assert statuses == [401] * 6
    refused = http.post("/api/v1/auth/login", json={"username": "disp1", "password": PASSWORD})
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["type"] == "urn:kuzet:problem:too-many-requests"
    assert 0 < int(refused.headers["retry-after"]) <= 600
    assert str(refused.headers["retry-after"]) in refused.json()["detail"]


def test_a_waiting_attempt_is_refused_before_its_password_is_checked(
    http: httpx.Client, make_user: MakeUser, password_checks: CountingPasswords
) -> None:
    make_user("disp1")
    for _ in range(6):
        wrong_login(http, "disp1")
    checked = password_checks.verified
    assert [wrong_login(http, "disp1").status_code for _ in range(20)] == [429] * 20
    assert password_checks.verified == checked


def test_a_wait_ends_by_itself(services: Services, make_user: MakeUser) -> None:
    throttle(services, first_delay=timedelta(seconds=1))
    make_user("disp1")
    for n in range(6):
        with pytest.raises(Unauthenticated):
            login_at(services, "disp1", "wrong-password-1", "10.9.9.9", n * 0.1)
    with pytest.raises(TooManyRequests) as waiting:
        login_at(services, "disp1", PASSWORD, "10.9.9.9", 0.6)
    assert waiting.value.headers == {"Retry-After": "1"}
    login_at(services, "disp1", PASSWORD, "10.9.9.9", 1.5)  # nobody unlocked anything


def test_the_next_failure_after_a_wait_waits_twice_as_long(services: Services, make_user: MakeUser) -> None:
    throttle(services, first_delay=timedelta(seconds=1))
    make_user("disp1")
    for _ in range(6):
        with pytest.raises(Unauthenticated):
            login_at(services, "disp1", "wrong-password-1", "10.9.9.9", 0)
    with pytest.raises(Unauthenticated):
        login_at(services, "disp1", "wrong-password-1", "10.9.9.9", 1)
    with pytest.raises(TooManyRequests) as waiting:
        login_at(services, "disp1", PASSWORD, "10.9.9.9", 1)
    assert waiting.value.headers == {"Retry-After": "2"}


def test_unknown_user_names_are_throttled_exactly_like_real_ones(
    http: httpx.Client, make_user: MakeUser
) -> None:
    make_user("disp1")
    answers = {}
    for name in ("disp1", "ghost"):
        responses = [wrong_login(http, name) for _ in range(7)]
        answers[name] = [(r.status_code, r.json()["type"], sorted(r.json())) for r in responses]
        answers[name].append(responses[0].json()["detail"])
        assert "retry-after" in responses[-1].headers
    assert answers["disp1"] == answers["ghost"]
    assert [answer[0] for answer in answers["ghost"][:-1]] == [401] * 6 + [429]


def test_a_success_forgets_the_failures_of_its_own_address(http: httpx.Client, make_user: MakeUser) -> None:
    make_user("disp1")
    for _ in range(5):
        wrong_login(http, "disp1")
    login(http, "disp1")
    assert [wrong_login(http, "disp1").status_code for _ in range(6)] == [401] * 6


def test_an_address_trying_many_names_is_held_back_for_every_name(
    server: LiveServer, make_user: MakeUser
) -> None:
    make_user("disp1")
    with client_from(server, "127.0.0.2") as sprayer:
        assert {wrong_login(sprayer, f"name{n}").status_code for n in range(21)} == {401}
        blocked = wrong_login(sprayer, "another-name")
        assert blocked.status_code == 429
        right = sprayer.post("/api/v1/auth/login", json={"username": "disp1", "password": PASSWORD})
        assert right.status_code == 429
    with client_from(server, "127.0.0.3") as elsewhere:
        assert login(elsewhere, "disp1")


def test_the_user_logs_in_at_a_known_address_while_many_addresses_hold_the_account_back(
    server: LiveServer, make_user: MakeUser
) -> None:
    make_user("disp1")
    with client_from(server, "127.0.0.2") as desk:
        assert login(desk, "disp1")  # the dispatcher's own desk: known good from now on
    # Five failures from each of two addresses and one from a third: eleven against the account, one past
    # its allowance of ten.
    for address, tries in (("127.0.0.3", 5), ("127.0.0.4", 5), ("127.0.0.5", 1)):
        with client_from(server, address) as attacker:
            for _ in range(tries):
                assert wrong_login(attacker, "disp1").status_code == 401
    with client_from(server, "127.0.0.6") as new_place:
        refused = new_place.post("/api/v1/auth/login", json={"username": "disp1", "password": PASSWORD})
        assert refused.status_code == 429
    with client_from(server, "127.0.0.2") as desk:
        assert login(desk, "disp1")


def test_failures_never_end_a_session_or_lock_the_account(http: httpx.Client, make_user: MakeUser) -> None:
    make_user("disp1")
    token = login(http, "disp1")
    for _ in range(30):
        wrong_login(http, "disp1")
    me = http.get("/api/v1/auth/me", headers=bearer(token))
    assert me.status_code == 200
    assert me.json()["locked"] is False


def test_every_refused_login_is_audited_with_its_reason(services: Services, make_user: MakeUser) -> None:
    make_user("disp1")
    refusals: list[type[KuzetError]] = []
    for n in range(8):
        with pytest.raises(KuzetError) as refused:
            login_at(services, "disp1", "x-wrong-x", "10.1.1.1", n)
        refusals.append(type(refused.value))
    assert refusals == [Unauthenticated] * 6 + [TooManyRequests] * 2
    with services.engine.connect() as connection:
        rows = connection.execute(
            select(audit_log.c.action, audit_log.c.outcome, audit_log.c.source, audit_log.c.detail)
            .where(audit_log.c.action == "auth.login")
            .order_by(audit_log.c.seq)
        ).all()
    assert [(r.outcome, r.detail["reason"]) for r in rows] == [("failed", "password")] * 6 + [
        ("denied", "throttled")
    ] * 2
    assert rows[5].detail["throttled_for"] == 600
    assert rows[6].detail["scope"] == "pair"
    assert {r.source for r in rows} == {"10.1.1.1"}


def test_concurrent_failures_are_all_counted(services: Services) -> None:
    throttle(services, pair_free=1000, address_free=1000, account_free=1000)
    barrier = threading.Barrier(8)
    answers: list[str] = []

    def fail_five() -> None:
        barrier.wait()
        for _ in range(5):
            try:
                login_at(services, "ghost", "x-wrong-x", "10.2.2.2", 0)
            except KuzetError as exc:
                answers.append(type(exc).__name__)

    threads = [threading.Thread(target=fail_five) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == ["Unauthenticated"] * 40
    with services.engine.connect() as connection:
        counted = dict(connection.execute(select(login_throttles.c.scope, login_throttles.c.failures)).all())
    assert counted == {"pair": 40, "address": 40, "account": 40}
