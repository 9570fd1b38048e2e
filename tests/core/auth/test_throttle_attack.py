"""The attack the lock-out allowed: someone who knows a dispatcher's user name (it shows as created_by and
assigned_by) sends wrong passwords to keep the dispatcher out mid-shift. Over real HTTP on loopback, with the
default throttle: the attacker's address is held back, the dispatcher is not."""

from __future__ import annotations

import httpx
from sqlalchemy import func, select

from kuzet.container import Services
from kuzet.core.audit.store import audit_log
from tests.conftest import LiveServer, MakeUser, bearer, login
from tests.core.auth.conftest import CountingPasswords
from tests.core.auth.helpers import client_from, wrong_login

ATTEMPTS = 1000


def test_a_thousand_wrong_passwords_from_one_address_do_not_stop_the_real_dispatcher(
    server: LiveServer,
    http: httpx.Client,
    services: Services,
    make_user: MakeUser,
    password_checks: CountingPasswords,
) -> None:
    make_user("disp1")
    with client_from(server, "127.0.0.2") as console:
        session = bearer(login(console, "disp1"))  # on shift at the console
    checks_before = password_checks.verified

    answers = [wrong_login(http, "disp1") for _ in range(ATTEMPTS)]  # the attacker, from 127.0.0.1

    statuses = [answer.status_code for answer in answers]
    assert set(statuses) == {401, 429}
    assert statuses[:6] == [401] * 6  # five free failures, the sixth starts the first wait
    refused = [answer for answer in answers if answer.status_code == 429]
    assert len(refused) >= ATTEMPTS - 50  # the waits double, so few attempts ever reach the password
    assert all(int(answer.headers["retry-after"]) >= 1 for answer in refused)
    assert all(answer.headers["content-type"] == "application/problem+json" for answer in refused)
    # Refused attempts never reached argon2: only the answered ones were checked.
    assert password_checks.verified - checks_before == statuses.count(401)

    with client_from(server, "127.0.0.2") as console:
        assert console.get("/api/v1/auth/me", headers=session).status_code == 200  # the session lives on
    with client_from(server, "127.0.0.3") as other_desk:  # a desk the dispatcher never used before
        assert login(other_desk, "disp1")
    with client_from(server, "127.0.0.2") as console:
        assert login(console, "disp1")

    with services.engine.connect() as connection:
        throttled = connection.execute(
            select(func.count())
            .select_from(audit_log)
            .where(audit_log.c.action == "auth.login", audit_log.c.outcome == "denied")
        ).scalar_one()
    assert throttled == len(refused)  # every refused login is audited
