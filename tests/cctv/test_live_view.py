"""Live view through the server: an operator allowed to watch gets a camera's picture for an incident in their
scope, fetched by Kuzet from a real `kuzet camera-sim` process behind basic auth; the camera's address never
reaches the browser or the log, and every view is in the audit log."""

from __future__ import annotations

import io
import logging
import time
from typing import Any

import httpx
import pytest
from PIL import Image
from sqlalchemy import select

from kuzet.cctv import proxy_api
from kuzet.cctv.domain import Camera
from kuzet.container import Services
from kuzet.core.audit.store import audit_log
from kuzet.core.auth.domain import Role
from tests.cctv.camera_fixtures import (
    CAMERA_PASSWORD,
    CAMERA_USER,
    CameraSimProcess,
    incident_id,
    register_camera,
)
from tests.conftest import LiveServer, MakeUser, _free_port
from tests.core.auth.helpers import logged_in
from tests.ops import Centre, Desk


@pytest.fixture
def plaza_camera(services: Services, camera_sim: CameraSimProcess) -> Camera:
    return register_camera(
        services, "CAM-1", camera_sim.url("CAM-1", "snapshot.jpg"), camera_sim.url("CAM-1", "mjpeg")
    )


def audit_rows(services: Services, action: str) -> list[Any]:
    with services.engine.connect() as connection:
        query = select(audit_log).where(audit_log.c.action == action).order_by(audit_log.c.seq)
        return list(connection.execute(query).all())


def stream_end(services: Services) -> Any:
    """The audit row of the stream's end, written as the server closes it (just after the viewer sees it)."""
    deadline = time.monotonic() + 10
    while not (ends := audit_rows(services, "camera.live_view_end")):
        assert time.monotonic() < deadline, "the stream's end was not audited"
        time.sleep(0.05)
    [end] = ends
    return end


def assert_no_address(text: str, sim: CameraSimProcess) -> None:
    assert CAMERA_PASSWORD not in text
    assert CAMERA_USER not in text
    assert f"127.0.0.1:{sim.port}" not in text
    assert "snapshot.jpg" not in text and "/mjpeg" not in text


def snapshot(desk: Desk, camera_id: str, incident: int) -> httpx.Response:
    return desk.get(f"/api/v1/cameras/{camera_id}/snapshot", incident=incident)


def test_dispatcher_sees_the_snapshot_and_the_view_is_audited(
    centre: Centre, services: Services, plaza_camera: Camera, camera_sim: CameraSimProcess
) -> None:
    incident = incident_id(centre)
    response = snapshot(centre.dispatcher, "CAM-1", incident)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/jpeg"
    assert response.headers["cache-control"] == "no-store"
    picture = Image.open(io.BytesIO(response.content))
    assert picture.format == "JPEG" and picture.size == (640, 360)
    assert_no_address(str(dict(response.headers)), camera_sim)
    [row] = audit_rows(services, "camera.snapshot_view")
    assert row.actor == "disp1" and row.object_id == "CAM-1" and row.outcome == "ok"
    assert row.detail["incident_id"] == incident
    assert_no_address(str(row), camera_sim)


def test_call_taker_is_refused_403_and_the_refusal_is_audited(
    centre: Centre, services: Services, plaza_camera: Camera
) -> None:
    incident = incident_id(centre)
    for path in ("snapshot", "live"):
        response = centre.call_taker.get(f"/api/v1/cameras/CAM-1/{path}", incident=incident)
        assert response.status_code == 403
        assert response.headers["content-type"].startswith("application/problem+json")
    refused = [r for r in audit_rows(services, "access.refused") if "cameras" in (r.object_id or "")]
    assert len(refused) == 2
    assert audit_rows(services, "camera.snapshot_view") == []


def test_incident_outside_the_viewers_district_is_not_found(
    centre: Centre,
    services: Services,
    http: httpx.Client,
    make_user: MakeUser,
    plaza_camera: Camera,
) -> None:
    incident = incident_id(centre)
    _, headers = logged_in(http, services, make_user, "north1", Role.DISPATCHER, "north")
    response = snapshot(Desk(http, headers), "CAM-1", incident)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert audit_rows(services, "camera.snapshot_view") == []


def test_live_stream_passes_mjpeg_frames_and_audits_start_and_end(
    centre: Centre, services: Services, server: LiveServer, plaza_camera: Camera, camera_sim: CameraSimProcess
) -> None:
    incident = incident_id(centre)
    frames = 0
    url = f"{server.url}/api/v1/cameras/CAM-1/live"
    with httpx.stream(
        "GET", url, params={"incident": incident}, headers=centre.dispatcher.headers, timeout=10
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("multipart/x-mixed-replace; boundary=")
        assert_no_address(str(dict(response.headers)), camera_sim)
        seen = b""
        for chunk in response.iter_bytes():
            seen += chunk
            frames = seen.count(b"\xff\xd9")
            if frames >= 3:
                break
    assert frames >= 3
    [start] = audit_rows(services, "camera.live_view")
    assert start.object_id == "CAM-1" and start.detail["incident_id"] == incident
    end = stream_end(services)
    assert end.detail["incident_id"] == incident
    assert end.detail["bytes"] > 0 and end.detail["duration_s"] >= 0
    assert end.detail["ended"] == "client_gone"


def test_stream_ends_at_its_byte_cap(
    centre: Centre,
    services: Services,
    server: LiveServer,
    plaza_camera: Camera,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(services.settings, "cctv_live_max_bytes", 100_000)
    incident = incident_id(centre)
    url = f"{server.url}/api/v1/cameras/CAM-1/live"
    with httpx.stream(
        "GET", url, params={"incident": incident}, headers=centre.dispatcher.headers, timeout=10
    ) as response:
        body = response.read()  # the server ends it: read() returns
    assert 0 < len(body) <= 100_000
    end = stream_end(services)
    assert end.detail["ended"] == "byte_cap"


def test_the_address_with_credentials_never_reaches_the_log(
    centre: Centre,
    services: Services,
    plaza_camera: Camera,
    camera_sim: CameraSimProcess,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.DEBUG)
    incident = incident_id(centre)
    assert snapshot(centre.dispatcher, "CAM-1", incident).status_code == 200
    monkeypatch.setattr(services.settings, "cctv_proxy_read_seconds", 0.5)
    camera_sim.stall(True)
    try:
        failed = snapshot(centre.dispatcher, "CAM-1", incident)
    finally:
        camera_sim.stall(False)
    assert failed.status_code == 504
    assert_no_address(failed.text, camera_sim)
    # What the server logged (the test's own calls, on the main thread, name the simulator's port: not those).
    server_log = "\n".join(str(r.__dict__) for r in caplog.records if r.threadName != "MainThread")
    assert "request failed" in server_log  # the 504 was logged, without the address
    assert_no_address(server_log, camera_sim)
    assert "/api/v1/cameras/CAM-1/snapshot" in caplog.text  # httpx did log: the test client's requests


def test_stalled_camera_is_504_problem(
    centre: Centre,
    services: Services,
    plaza_camera: Camera,
    camera_sim: CameraSimProcess,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(services.settings, "cctv_proxy_read_seconds", 0.5)
    incident = incident_id(centre)
    camera_sim.stall(True)
    try:
        for path in ("snapshot", "live"):
            response = centre.dispatcher.get(f"/api/v1/cameras/CAM-1/{path}", incident=incident)
            assert response.status_code == 504, response.text
            assert response.headers["content-type"].startswith("application/problem+json")
            assert response.json()["type"].endswith("camera-timeout")
            assert_no_address(response.text, camera_sim)
    finally:
        camera_sim.stall(False)
    failed = audit_rows(services, "camera.snapshot_view") + audit_rows(services, "camera.live_view")
    assert [r.outcome for r in failed] == ["failed", "failed"]


def test_camera_that_does_not_answer_is_502_problem(centre: Centre, services: Services) -> None:
    port = _free_port()  # nothing listens there
    secret = f"http://{CAMERA_USER}:{CAMERA_PASSWORD}@127.0.0.1:{port}/cameras/CAM-9"
    register_camera(services, "CAM-9", f"{secret}/snapshot.jpg", f"{secret}/mjpeg")
    incident = incident_id(centre)
    for path in ("snapshot", "live"):
        response = centre.dispatcher.get(f"/api/v1/cameras/CAM-9/{path}", incident=incident)
        assert response.status_code == 502, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["type"].endswith("camera-unreachable")
        assert CAMERA_PASSWORD not in response.text and str(port) not in response.text


def test_camera_without_an_address_is_409(centre: Centre, services: Services) -> None:
    register_camera(services, "CAM-0", None, "rtsp://10.0.0.1/stream")
    incident = incident_id(centre)
    for path in ("snapshot", "live"):
        response = centre.dispatcher.get(f"/api/v1/cameras/CAM-0/{path}", incident=incident)
        assert response.status_code == 409
        assert response.headers["content-type"].startswith("application/problem+json")


def test_stream_ends_at_its_time_cap(
    centre: Centre,
    services: Services,
    server: LiveServer,
    plaza_camera: Camera,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Long enough for the first frames even on a loaded machine (the camera sends ten a second), short
    # enough that the cap, not the client's timeout, ends the stream.
    monkeypatch.setattr(services.settings, "cctv_live_max_seconds", 2.0)
    incident = incident_id(centre)
    url = f"{server.url}/api/v1/cameras/CAM-1/live"
    began = time.monotonic()
    with httpx.stream(
        "GET", url, params={"incident": incident}, headers=centre.dispatcher.headers, timeout=10
    ) as response:
        body = response.read()  # the server ends it
    assert body.count(b"\xff\xd8") >= 1
    assert time.monotonic() - began < 8
    end = stream_end(services)
    assert end.detail["ended"] == "time_cap" and end.detail["duration_s"] >= 2.0


def test_stream_stops_when_the_viewer_logs_out(
    centre: Centre,
    services: Services,
    server: LiveServer,
    plaza_camera: Camera,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(proxy_api, "SESSION_CHECK_S", 0.0)  # check on every part
    incident = incident_id(centre)
    url = f"{server.url}/api/v1/cameras/CAM-1/live"
    desk = centre.dispatcher
    with httpx.stream(
        "GET", url, params={"incident": incident}, headers=desk.headers, timeout=10
    ) as response:
        parts = response.iter_bytes()
        next(parts)
        assert desk.post("/api/v1/auth/logout").status_code in (200, 204)
        for _ in parts:  # the server ends the stream soon after
            pass
    assert stream_end(services).detail["ended"] == "session_ended"
