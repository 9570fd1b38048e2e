"""Sessions end after 30 minutes idle or 12 hours in all."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import update

from kuzet.container import Services
from kuzet.core.auth.store import user_sessions
from tests.conftest import MakeUser, bearer, login


def age_session(services: Services, *, created: timedelta, seen: timedelta) -> None:
    now = services.clock.now()
    with services.engine.begin() as connection:
        connection.execute(update(user_sessions).values(created_at=now - created, last_seen_at=now - seen))


def test_idle_session_ends(http: httpx.Client, services: Services, make_user: MakeUser) -> None:
    make_user("disp1")
    headers = bearer(login(http, "disp1"))
    age_session(services, created=timedelta(hours=1), seen=timedelta(minutes=31))
    response = http.get("/api/v1/auth/me", headers=headers)
    assert response.status_code == 401
    assert response.json()["session_end"] == "idle"


def test_activity_keeps_the_session_alive(
    http: httpx.Client, services: Services, make_user: MakeUser
) -> None:
    make_user("disp1")
    headers = bearer(login(http, "disp1"))
    age_session(services, created=timedelta(hours=1), seen=timedelta(minutes=29))
    assert http.get("/api/v1/auth/me", headers=headers).status_code == 200
    with services.engine.connect() as connection:
        seen = connection.execute(user_sessions.select()).one().last_seen_at
    assert services.clock.now() - seen < timedelta(minutes=1)


def test_session_ends_after_its_absolute_length(
    http: httpx.Client, services: Services, make_user: MakeUser
) -> None:
    make_user("disp1")
    headers = bearer(login(http, "disp1"))
    age_session(services, created=timedelta(hours=12, seconds=1), seen=timedelta(seconds=1))
    response = http.get("/api/v1/auth/me", headers=headers)
    assert response.status_code == 401
    assert response.json()["session_end"] == "absolute"


def test_only_a_digest_of_the_token_is_stored(
    http: httpx.Client, services: Services, make_user: MakeUser
) -> None:
    make_user("disp1")
    token = login(http, "disp1")
    with services.engine.connect() as connection:
        stored = connection.execute(user_sessions.select()).one().token_digest
    assert token not in stored
