"""Status back to the citizen: outbox callbacks reach the partner's webhook in order, at least once."""

from __future__ import annotations

import os
import signal
import time
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from kuzet.container import Services
from kuzet.core.outbox import Relay, forget_delivered, outbox
from kuzet.partners.callbacks import PartnerSender
from tests.ops import Centre
from tests.partners.fixtures import App, Receiver, verify_callback
from tests.processes import kuzet_env, start_kuzet


def work_the_incident(centre: Centre, kaspi: App) -> dict[str, Any]:
    """A Kaspi appeal; a unit dispatched, on scene, cleared with a disposition; the incident closed."""
    answer = kaspi.client.send_appeal(kaspi.appeal()).json()
    d = centre.dispatcher
    incident_id = d.ok(d.get(f"/api/v1/appeals/{answer['id']}"))["incident_id"]
    unit = centre.supervisor.unit(f"Беркут-{answer['id']}")
    a = d.ok(d.post(f"/api/v1/incidents/{incident_id}/assignments", {"unit_id": unit["id"]}), 201)
    d.ok(d.post(f"/api/v1/assignments/{a['id']}/status", {"status": "en_route"}))
    d.ok(d.post(f"/api/v1/assignments/{a['id']}/status", {"status": "on_scene"}))
    d.ok(
        d.post(
            f"/api/v1/assignments/{a['id']}/status", {"status": "cleared", "disposition": "warning_issued"}
        )
    )
    d.ok(d.post(f"/api/v1/incidents/{incident_id}/status", {"status": "closed"}))
    return dict(answer)


def statuses(events: list[dict[str, Any]], appeal_id: int) -> list[str]:
    """The statuses told about one appeal, in the order received; a repeated event id (delivery is at least
    once) counts once, as the partner deduplicates it."""
    seen: set[str] = set()
    told = []
    for event in events:
        if event["appeal_id"] == appeal_id and event["event_id"] not in seen:
            seen.add(event["event_id"])
            told.append(event["status"])
    return told


def wait_until_delivered(services: Services, timeout: float = 20) -> list[Any]:
    """Wait until the outbox has nothing left to deliver; returns what is still pending."""
    deadline = time.monotonic() + timeout
    while True:
        with services.engine.connect() as connection:
            pending = connection.execute(select(outbox).where(outbox.c.delivered_at.is_(None))).all()
        if not pending or time.monotonic() > deadline:
            return list(pending)
        time.sleep(0.05)


def test_each_step_is_called_back_signed_and_in_order(
    centre: Centre, kaspi: App, receiver: Receiver, relay: object, services: Services
) -> None:
    answer = work_the_incident(centre, kaspi)
    assert wait_until_delivered(services) == []
    events = receiver.accepted()
    assert statuses(events, answer["id"]) == ["registered", "unit_dispatched", "unit_on_scene", "closed"]
    closed = next(e for e in events if e["status"] == "closed")
    assert closed["result"]["ru"] == "Полиция приняла меры: вынесено предупреждение."
    assert set(closed["result"]) == {"ru", "kk", "en"}
    assert all(verify_callback(h, kaspi.secret) for h in receiver.headers)
    assert [h["X-Kuzet-Event-Id"] for h in receiver.headers] == [e["event_id"] for e in events]
    assert statuses(events, answer["id"])[-1] == "closed"
    assert kaspi.client.poll(answer["id"]).json()["status"] == "closed"


def test_a_receiver_down_for_a_while_loses_nothing(
    centre: Centre, kaspi: App, receiver: Receiver, relay: object, services: Services
) -> None:
    receiver.status = 503
    first = work_the_incident(centre, kaspi)
    second = kaspi.client.send_appeal(kaspi.appeal(text="Второе обращение")).json()
    time.sleep(0.5)
    assert receiver.accepted() == [] and receiver.tries >= 2  # tried, refused, will try again
    receiver.status = 200
    assert wait_until_delivered(services) == []
    events = receiver.accepted()
    assert statuses(events, first["id"]) == ["registered", "unit_dispatched", "unit_on_scene", "closed"]
    assert statuses(events, second["id"]) == ["registered"]
    with services.engine.connect() as connection:
        assert connection.execute(select(outbox).where(outbox.c.attempts > 1)).all()


def test_no_webhook_no_callbacks_but_polling_works(halyk: App, centre: Centre, services: Services) -> None:
    answer = halyk.client.send_appeal(halyk.appeal()).json()
    assert halyk.client.poll(answer["id"]).json()["status"] == "registered"
    with services.engine.connect() as connection:
        assert connection.execute(select(outbox)).all() == []


def test_the_relay_killed_mid_delivery_delivers_after_restart(
    centre: Centre, kaspi: App, receiver: Receiver, services: Services
) -> None:
    answer = kaspi.client.send_appeal(kaspi.appeal()).json()
    receiver.hold = 5.0  # the first delivery hangs in the receiver …
    env = kuzet_env(
        services.settings,
        {
            "KUZET_OUTBOX_LEASE_SECONDS": "1",
            "KUZET_OUTBOX_BACKOFF_SECONDS": "0.1",
            "KUZET_LOG_LEVEL": "WARNING",
        },
    )
    first = start_kuzet("relay", env=env, start_new_session=True)
    try:
        deadline = time.monotonic() + 20
        while receiver.tries == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert receiver.tries == 1
    finally:
        os.killpg(first.pid, signal.SIGKILL)  # … and the relay dies while it waits
        first.wait(10)
    receiver.hold = 0.0
    second = start_kuzet("relay", env=env, start_new_session=True)
    try:
        delivered = None
        deadline = time.monotonic() + 30
        while delivered is None and time.monotonic() < deadline:
            with services.engine.connect() as connection:
                delivered = connection.execute(select(outbox.c.delivered_at, outbox.c.event_id)).one()[0]
            time.sleep(0.1)
    finally:
        os.killpg(second.pid, signal.SIGTERM)
        second.wait(10)
    assert delivered is not None
    with services.engine.connect() as connection:
        event_id = connection.execute(select(outbox.c.event_id)).scalar_one()
    assert event_id in {e["event_id"] for e in receiver.wait_for(1)}
    assert statuses(receiver.accepted(), answer["id"])[0] == "registered"


def test_administrators_see_every_delivery_attempt(
    centre: Centre, kaspi: App, receiver: Receiver, relay: object
) -> None:
    receiver.status = 500
    kaspi.client.send_appeal(kaspi.appeal())
    time.sleep(0.4)
    receiver.status = 200
    receiver.wait_for(1)
    time.sleep(0.2)
    deliveries = centre.admin.ok(centre.admin.get("/api/v1/partners/kaspi/deliveries"))
    assert deliveries[0]["delivered_at"] is not None
    tries = deliveries[0]["tries"]
    assert (
        tries[0]["status"] == 500 and tries[-1]["status"] == 200 and len(tries) == deliveries[0]["attempts"]
    )


def test_a_callback_that_keeps_failing_gives_up_without_blocking_and_can_be_retried(
    centre: Centre, kaspi: App, receiver: Receiver, services: Services
) -> None:
    receiver.status = 500
    answer = kaspi.client.send_appeal(kaspi.appeal()).json()
    stubborn = Relay(
        services.session_factory,
        services.clock,
        {"partner": PartnerSender(services.session_factory, services.auth.box, services.clock)},
        backoff_base=0.01,
        max_attempts=3,
    )
    deadline = time.monotonic() + 10
    while receiver.tries < 3 and time.monotonic() < deadline:
        stubborn.run_once()
        time.sleep(0.03)
    deliveries = centre.admin.ok(centre.admin.get("/api/v1/partners/kaspi/deliveries"))
    assert deliveries[0]["dead_at"] is not None and deliveries[0]["attempts"] == 3
    # A later status of the same appeal is not held up by the message that gave up.
    receiver.status = 200
    d = centre.dispatcher
    incident_id = d.ok(d.get(f"/api/v1/appeals/{answer['id']}"))["incident_id"]
    d.ok(
        d.post(
            f"/api/v1/incidents/{incident_id}/status", {"status": "cancelled", "disposition": "false_call"}
        )
    )
    stubborn.run_once()
    assert statuses(receiver.accepted(), answer["id"]) == ["closed"]
    # The administrator sends the first one again.
    retried = centre.admin.post(f"/api/v1/partners/kaspi/deliveries/{deliveries[0]['id']}/retry")
    assert retried.status_code == 204
    stubborn.run_once()
    assert statuses(receiver.accepted(), answer["id"]) == ["closed", "registered"]
    assert wait_until_delivered(services) == []


def test_delivered_callbacks_are_forgotten_after_the_retention_period(
    kaspi: App, receiver: Receiver, relay: object, services: Services
) -> None:
    kaspi.client.send_appeal(kaspi.appeal())
    assert wait_until_delivered(services) == []
    with services.session_factory() as session, session.begin():
        forget_delivered(session, before=services.clock.now() - timedelta(days=1))
    with services.engine.connect() as connection:
        assert len(connection.execute(select(outbox)).all()) == 1  # still within the retention period
    with services.session_factory() as session, session.begin():
        forget_delivered(session, before=services.clock.now() + timedelta(seconds=1))
    with services.engine.connect() as connection:
        assert connection.execute(select(outbox)).all() == []
