"""GPS fixes over MQTT, through the real Mosquitto broker on this machine and the app's own subscriber."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import paho.mqtt.publish as publish
import pytest

from kuzet.app import create_app
from kuzet.container import Services
from kuzet.geo.runtime import Roads
from tests.conftest import running_server
from tests.ops import NEAR_PLAZA, PLAZA, Centre, Desk

BROKER = ("127.0.0.1", 1883)


def send(call_sign: str, payload: Any) -> None:
    body = payload if isinstance(payload, bytes) else json.dumps(payload)
    publish.single(f"kuzet/units/{call_sign}/position", body, qos=1, hostname=BROKER[0], port=BROKER[1])


def fix(lat: float, lon: float, *, ahead_s: float = 0) -> dict[str, Any]:
    return {"at": (datetime.now(UTC) + timedelta(seconds=ahead_s)).isoformat(), "lat": lat, "lon": lon}


def position_of(desk: Desk, call_sign: str) -> dict[str, Any] | None:
    found = [p for p in desk.ok(desk.get("/api/v1/units/positions")) if p["call_sign"] == call_sign]
    return found[0] if found else None


@pytest.fixture
def subscribing(services: Services, andorra_roads: Roads) -> Iterator[Services]:
    """A second Kuzet server on the same database with MQTT telemetry on, started as `kuzet serve` would."""
    settings = services.settings.model_copy(
        update={"mqtt_url": "mqtt://127.0.0.1:1883", "outbox_relay": False}
    )
    own = Services.build(settings)
    with running_server(create_app(settings, services=own), lifespan="on"):
        yield own


def wait_for(desk: Desk, call_sign: str, lat: float, *, within: float) -> float:
    began = time.monotonic()
    while time.monotonic() - began < within:
        seen = position_of(desk, call_sign)
        if seen is not None and seen["lat"] == lat:
            return time.monotonic() - began
        time.sleep(0.02)
    raise AssertionError(f"{call_sign} did not reach {lat} within {within} s")


def first_heard(centre: Centre, call_sign: str) -> None:
    """Put the unit on the roster; the subscriber connects in the background, so repeat a first fix (at the
    plaza) until it is heard."""
    centre.supervisor.unit(call_sign)
    deadline = time.monotonic() + 15
    while position_of(centre.dispatcher, call_sign) is None:
        assert time.monotonic() < deadline, "the MQTT subscriber never stored a fix"
        send(call_sign, fix(*PLAZA))
        time.sleep(0.2)


def test_a_published_fix_is_the_units_position_within_a_second(centre: Centre, subscribing: Services) -> None:
    first_heard(centre, "Сокол-1")
    send("Сокол-1", fix(*NEAR_PLAZA, ahead_s=1))
    took = wait_for(centre.dispatcher, "Сокол-1", NEAR_PLAZA[0], within=1.0)
    seen = position_of(centre.dispatcher, "Сокол-1")
    assert seen is not None and seen["source"] == "mqtt" and seen["road_distance_m"] is not None
    print(f"MQTT fix to stored position: {took * 1000:.0f} ms")


def test_bad_messages_are_dropped_and_the_subscriber_keeps_going(
    centre: Centre, subscribing: Services
) -> None:
    first_heard(centre, "Сокол-2")
    send("Сокол-2", b"{not json")
    send("Сокол-2", {**fix(*NEAR_PLAZA), "lat": "NaN"})
    send("Сокол-2", {**fix(*NEAR_PLAZA), "lat": 123.0})
    send("Сокол-2", fix(*NEAR_PLAZA, ahead_s=3600))
    send("Нет-такого", fix(*NEAR_PLAZA))
    time.sleep(0.5)
    seen = position_of(centre.dispatcher, "Сокол-2")
    assert seen is not None and (seen["lat"], seen["lon"]) == PLAZA
    refused = subscribing.metrics.fixes.labels("mqtt", "refused")._value.get()
    assert refused == 5
    send("Сокол-2", fix(*NEAR_PLAZA, ahead_s=1))
    wait_for(centre.dispatcher, "Сокол-2", NEAR_PLAZA[0], within=1.0)
