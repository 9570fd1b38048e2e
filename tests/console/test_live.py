"""The live stream of the console: a committed change reaches every console at once, whichever worker it
is connected to; a console that reconnects catches up by number; each console hears only of its scope."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest

from kuzet.app import create_app
from kuzet.config import Settings
from kuzet.console import api as console_api
from kuzet.console import store
from kuzet.container import Services
from kuzet.core.auth.domain import Role
from tests.conftest import LiveServer, MakeUser, running_server
from tests.console.sse import LiveStream
from tests.core.auth.helpers import logged_in
from tests.ops import FAR_AWAY, PLAZA, Centre
from tests.partners.fixtures import App


@contextmanager
def stream(server_url: str, headers: dict[str, str], *, after: int | None = None) -> Iterator[LiveStream]:
    live = LiveStream(server_url, headers, after=after)
    try:
        assert live.status == 200
        yield live
    finally:
        live.close()


def head(centre: Centre) -> int:
    return int(centre.dispatcher.ok(centre.dispatcher.get("/api/v1/live/head"))["seq"])


def test_a_partner_appeal_reaches_a_dispatchers_console_within_a_second(
    server: LiveServer, centre: Centre, kaspi: App
) -> None:
    with stream(server.url, centre.dispatcher.headers, after=head(centre)) as live:
        answer = kaspi.client.send_appeal(kaspi.appeal(), idempotency_key="live-1").json()
        appeal, took = live.wait_for("appeal", appeal_id=answer["id"])
        assert took < 1.0
        assert appeal.data["channel"] == "partner_app"
        created, _ = live.wait_for("incident", incident_id=appeal.data["incident_id"])
        assert created.data["change"] == "created"
        assert created.seq is not None and appeal.seq is not None


def test_assignment_unit_and_incident_changes_are_streamed(server: LiveServer, centre: Centre) -> None:
    unit = centre.supervisor.unit("Live-1")
    incident = centre.call_taker.call()["incident"]
    with stream(server.url, centre.dispatcher.headers, after=head(centre)) as live:
        sent = centre.dispatcher.ok(
            centre.dispatcher.post(
                f"/api/v1/incidents/{incident['id']}/assignments", {"unit_id": unit["id"]}
            ),
            201,
        )
        live.wait_for("assignment", assignment_id=sent["id"], status="assigned")
        live.wait_for("unit", unit_id=unit["id"], status="dispatched", incident_id=incident["id"])
        live.wait_for("incident", incident_id=incident["id"], status="dispatched")
        fix = {"call_sign": "Live-1", "at": sent["assigned_at"], "lat": PLAZA[0], "lon": PLAZA[1]}
        centre.dispatcher.ok(centre.dispatcher.post("/api/v1/units/positions", {"fixes": [fix]}))
        moved, _ = live.wait_for("positions")
        assert moved.data["positions"][0]["unit_id"] == unit["id"]
        assert moved.data["positions"][0]["lat"] == pytest.approx(PLAZA[0])


def test_a_console_that_reconnects_gets_what_it_missed_in_order(server: LiveServer, centre: Centre) -> None:
    with stream(server.url, centre.dispatcher.headers, after=head(centre)) as live:
        first = centre.call_taker.call()["incident"]
        seen, _ = live.wait_for("incident", incident_id=first["id"])
    missed = [centre.call_taker.call(at=FAR_AWAY)["incident"]["id"] for _ in range(2)]
    with stream(server.url, centre.dispatcher.headers, after=seen.seq) as again:
        replayed = [m for m in again.drain(0.5) if m.kind == "incident" and m.data["change"] == "created"]
    assert [m.data["incident_id"] for m in replayed] == missed
    numbers = [m.seq for m in replayed if m.seq is not None]
    assert numbers == sorted(numbers) and all(n > (seen.seq or 0) for n in numbers)


def test_a_console_too_far_behind_is_told_to_reload(
    server: LiveServer, centre: Centre, services: Services
) -> None:
    centre.call_taker.call()
    with services.session_factory() as session, session.begin():
        store.prune(session, before=services.clock.now() + timedelta(hours=1))
    centre.call_taker.call()
    with stream(server.url, centre.dispatcher.headers, after=1) as live:
        first = live.next()
    assert first.kind == "reset" and first.data["head"] > 1


def test_a_district_console_hears_only_of_its_district(
    server: LiveServer, centre: Centre, services: Services, make_user: MakeUser
) -> None:
    _, north = logged_in(centre.dispatcher.http, services, make_user, "north-disp", Role.DISPATCHER, "north")
    _, north_taker = logged_in(
        centre.dispatcher.http, services, make_user, "north-ct", Role.CALL_TAKER, "north"
    )
    after = head(centre)
    with stream(server.url, north, after=after) as live:
        central = centre.call_taker.call()["incident"]
        northern = centre.call_taker.ok(
            centre.call_taker.http.post(
                "/api/v1/appeals",
                json={
                    "caller_phone": "+77017654321",
                    "text": "Шум",
                    "category_code": "noise",
                    "lat": 42.5,
                    "lon": 1.52,
                },
                headers=north_taker,
            ),
            201,
        )["incident"]
        heard, _ = live.wait_for("incident", incident_id=northern["id"])
        others = live.drain(0.3)
    assert all(m.data.get("incident_id") != central["id"] for m in others)
    assert heard.seq is not None


def test_a_change_made_through_one_worker_reaches_a_console_on_another(
    server: LiveServer, centre: Centre, settings: Settings
) -> None:
    """Another worker: its own services, engine and feed. On PostgreSQL it polls only every 30 s, so only
    LISTEN/NOTIFY can bring the change in time; on SQLite (one file) it is woken by its poll."""
    on_postgres = settings.database_url.startswith("postgresql")
    other = Services.build(settings.model_copy(update={"live_poll_seconds": 30.0 if on_postgres else 0.2}))
    try:
        app = create_app(other.settings, services=other)
        with (
            running_server(app) as other_url,
            stream(other_url, centre.dispatcher.headers, after=head(centre)) as live,
        ):
            incident = centre.call_taker.call()["incident"]  # through the first worker
            _, took = live.wait_for("incident", incident_id=incident["id"])
        assert took < 1.0
    finally:
        other.close()


def test_a_stream_ends_when_its_session_does(
    server: LiveServer,
    centre: Centre,
    services: Services,
    make_user: MakeUser,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(console_api, "HEARTBEAT_SECONDS", 0.2)
    _, headers = logged_in(centre.dispatcher.http, services, make_user, "short-lived", Role.DISPATCHER)
    with stream(server.url, headers, after=head(centre)) as live:
        assert centre.dispatcher.http.post("/api/v1/auth/logout", headers=headers).status_code == 204
        ended, _ = live.wait_for("session_ended", timeout=5)
    assert ended.data == {}
