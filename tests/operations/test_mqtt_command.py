"""`kuzet mqtt`: the MQTT subscribers in a process of their own (a systemd unit of their own in a deployment
of several hosts), through the machine's Mosquitto broker and a shared subscription."""

from __future__ import annotations

import json
import secrets
import signal
import subprocess
import time
from datetime import UTC, datetime

import paho.mqtt.publish as publish
import pytest

from kuzet.container import Services
from tests.conftest import run_cli
from tests.ops import PLAZA, Centre
from tests.processes import kuzet_env, start_kuzet

BROKER = ("127.0.0.1", 1883)


def test_it_stores_a_units_fix_and_stops_cleanly_on_sigint(centre: Centre, services: Services) -> None:
    call_sign = f"Беркут-{secrets.token_hex(2)}"
    centre.supervisor.unit(call_sign)
    env = kuzet_env(
        services.settings,
        {
            "KUZET_MQTT_URL": f"mqtt://{BROKER[0]}:{BROKER[1]}",
            "KUZET_MQTT_TOPIC": f"$share/kuzet-{secrets.token_hex(4)}/kuzet/units/+/position",
            "KUZET_LOG_LEVEL": "WARNING",
        },
    )
    process = start_kuzet("mqtt", env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        seen = None
        while seen is None:  # it subscribes in the background: repeat the fix until it is heard
            assert time.monotonic() < deadline, "kuzet mqtt never stored a fix"
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            fix = {"at": datetime.now(UTC).isoformat(), "lat": PLAZA[0], "lon": PLAZA[1]}
            topic = f"kuzet/units/{call_sign}/position"
            publish.single(topic, json.dumps(fix), qos=1, hostname=BROKER[0], port=BROKER[1])
            time.sleep(0.3)
            positions = centre.dispatcher.ok(centre.dispatcher.get("/api/v1/units/positions"))
            seen = next((p for p in positions if p["call_sign"] == call_sign), None)
        assert seen["source"] == "mqtt" and seen["lat"] == pytest.approx(PLAZA[0])
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_it_refuses_to_start_without_a_broker(services: Services) -> None:
    done = run_cli(services, "mqtt", extra_env={"KUZET_MQTT_URL": ""})
    assert done.returncode == 2
    assert "KUZET_MQTT_URL" in done.stderr
