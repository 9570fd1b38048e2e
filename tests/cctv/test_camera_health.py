"""Camera health: heartbeats over signed HTTP and over MQTT (the real Mosquitto on this machine), offline
cameras since when on the supervisor's view, and uptime per camera and per owner."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import paho.mqtt.publish as publish
import pytest
from sqlalchemy import select

from kuzet.app import create_app
from kuzet.cctv import health_service
from kuzet.cctv.health import CameraState, Span, Uptime, by_owner, health_of, up_seconds
from kuzet.console.store import live_events
from kuzet.container import Services
from kuzet.core.events import DomainEvent
from tests.cctv.test_plate_hits_fixtures import AddCamera, Source, add_camera, source
from tests.conftest import running_server
from tests.ops import Centre

__all__ = ["add_camera", "source"]
T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
OFFLINE_AFTER = 2 * MINUTE


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_a_camera_silent_past_the_setting_is_offline_since_its_last_heartbeat() -> None:
    span = Span("CAM-1", at(0), at(10))
    assert health_of(span, now=at(11), offline_after=OFFLINE_AFTER).state is CameraState.ONLINE
    assert health_of(span, now=at(12), offline_after=OFFLINE_AFTER).state is CameraState.ONLINE  # not past it
    late = health_of(span, now=at(12.01), offline_after=OFFLINE_AFTER)
    assert (late.state, late.since) == (CameraState.OFFLINE, at(10))
    never = health_of(None, now=at(0), offline_after=OFFLINE_AFTER)
    assert (never.state, never.since) == (CameraState.OFFLINE, None)


def test_uptime_counts_the_spans_inside_the_period_and_an_open_span_to_now() -> None:
    spans = [Span("CAM-1", at(0), at(30)), Span("CAM-1", at(40), at(59))]  # down 30–40, alive at 60
    up = up_seconds(spans, start=at(10), end=at(120), now=at(60), offline_after=OFFLINE_AFTER)
    assert up == (20 + 20) * 60  # 10–30 and 40–60 (the open span runs to now)
    closed = up_seconds(spans, start=at(10), end=at(120), now=at(100), offline_after=OFFLINE_AFTER)
    assert closed == (20 + 19) * 60  # 40–59: silent since its last heartbeat
    owners = by_owner(
        [("Akimat", Uptime("CAM-1", 1, 100.0, 90.0)), ("Akimat", Uptime("CAM-2", 1, 100.0, 10.0))]
    )
    assert [(o.key, o.cameras, o.ratio) for o in owners] == [("Akimat", 2, 0.5)]


def test_a_signed_heartbeat_keeps_a_camera_online_and_the_silent_one_is_an_alarm(
    centre: Centre, source: Source, add_camera: AddCamera
) -> None:
    add_camera("CAM-ALIVE")
    add_camera("CAM-SILENT", owner="School 12")
    answer = source.heartbeat("CAM-ALIVE", "CAM-GHOST")
    assert answer.status_code == 200, answer.text
    assert answer.json()["unknown"] == ["CAM-GHOST"]
    view = centre.supervisor.ok(centre.supervisor.get("/api/v1/cameras/health"))
    cameras = {c["camera"]: c for c in view["cameras"]}
    assert cameras["CAM-ALIVE"]["state"] == "online" and cameras["CAM-ALIVE"]["alarm"] is False
    silent = cameras["CAM-SILENT"]
    assert (silent["state"], silent["since"], silent["alarm"]) == ("offline", None, True)
    assert view["cameras"][0]["camera"] == "CAM-SILENT"  # offline ones first
    assert (view["offline"], view["alarms"]) == (1, 1)
    forged = source.post("/api/v1/cctv/heartbeats", {"cameras": ["CAM-SILENT"]}, secret="y" * 43)
    assert forged.status_code == 401


def test_uptime_per_camera_and_owner_over_the_api(
    centre: Centre, source: Source, add_camera: AddCamera
) -> None:
    add_camera("CAM-ALIVE")
    add_camera("CAM-SILENT")
    source.heartbeat("CAM-ALIVE")
    start = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    report = centre.analyst.ok(centre.analyst.get("/api/v1/cameras/uptime", **{"from": start}))
    cameras = {c["key"]: c for c in report["cameras"]}
    assert cameras["CAM-SILENT"]["up_seconds"] == 0 and cameras["CAM-SILENT"]["uptime"] == 0
    assert 0 < cameras["CAM-ALIVE"]["up_seconds"] <= cameras["CAM-ALIVE"]["measured_seconds"]
    (akimat,) = report["owners"]
    assert (akimat["key"], akimat["cameras"]) == ("Akimat", 2)
    wrong = centre.analyst.get("/api/v1/cameras/uptime", **{"from": start, "to": start})
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "to"


BROKER = ("127.0.0.1", 1883)


def beat(camera_id: str) -> None:
    publish.single(f"kuzet/cameras/{camera_id}/heartbeat", b"{}", qos=1, hostname=BROKER[0], port=BROKER[1])


@pytest.fixture
def watching(services: Services) -> Iterator[tuple[str, Services]]:
    """A second Kuzet server on the same database with MQTT on and cameras offline after 1 s of silence."""
    settings = services.settings.model_copy(
        update={"mqtt_url": "mqtt://127.0.0.1:1883", "outbox_relay": False, "cctv_offline_seconds": 1.0}
    )
    own = Services.build(settings)
    with running_server(create_app(settings, services=own), lifespan="on") as url:
        yield url, own


def health_of_camera(url: str, headers: dict[str, str], camera_id: str) -> dict[str, Any]:
    view = httpx.get(f"{url}/api/v1/cameras/health", headers=headers).json()
    return next(c for c in view["cameras"] if c["camera"] == camera_id)


def test_mqtt_heartbeats_keep_a_camera_online_and_silence_makes_it_offline(
    centre: Centre, add_camera: AddCamera, watching: tuple[str, Services]
) -> None:
    url, own = watching
    headers = centre.supervisor.headers
    add_camera("CAM-MQTT")
    deadline = time.monotonic() + 15  # the subscriber connects in the background
    while health_of_camera(url, headers, "CAM-MQTT")["state"] != "online":
        assert time.monotonic() < deadline, "the MQTT subscriber never kept a heartbeat"
        beat("CAM-MQTT")
        time.sleep(0.1)
    last = health_of_camera(url, headers, "CAM-MQTT")["last_heartbeat_at"]
    time.sleep(1.3)
    silent = health_of_camera(url, headers, "CAM-MQTT")
    assert (silent["state"], silent["alarm"]) == ("offline", True)
    assert silent["since"] == last  # offline since its last heartbeat
    told: list[DomainEvent] = []
    own.bus.subscribe(health_service.CameraHealthChanged, told.append)
    gone = health_service.sweep(own.uow(), now=own.clock.now(), offline_after=timedelta(seconds=1))
    assert gone == ["CAM-MQTT"]
    assert health_service.sweep(own.uow(), now=own.clock.now(), offline_after=timedelta(seconds=1)) == []
    beat("CAM-MQTT")
    deadline = time.monotonic() + 5
    while health_of_camera(url, headers, "CAM-MQTT")["state"] != "online":
        assert time.monotonic() < deadline, "the camera did not come back online"
        time.sleep(0.05)
    assert [getattr(e, "state", None) for e in told] == ["offline", "online"]
    with own.engine.connect() as connection:
        live = connection.execute(
            select(live_events.c.payload, live_events.c.district).where(live_events.c.kind == "camera_health")
        ).all()
    assert [(r.payload["camera"], r.payload["state"], r.district) for r in live] == [
        ("CAM-MQTT", "offline", None),  # every console hears it, whatever its district
        ("CAM-MQTT", "online", None),
    ]
