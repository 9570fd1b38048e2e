"""The card's cameras in the browser, with a real `kuzet camera-sim` process playing the camera behind basic
auth: a dispatcher opens an incident beside a camera, sees it among the cameras that see the incident (and a
nearby one that looks away, with the reason in words), opens its live picture through Kuzet's proxy (the
browser never asks the camera itself), the view is in the audit log, and a footage request is recorded; the
map draws the camera's view sector, highlighted. A call-taker sees the cameras but no Live button, and the
proxy refuses them 403. The card with a live picture still fits 1366×768."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from playwright.sync_api import expect
from sqlalchemy import select

from kuzet.cctv import service as cameras
from kuzet.cctv.domain import Camera, CameraType
from kuzet.container import Services
from kuzet.core.actor import Actor
from kuzet.core.audit.store import audit_log
from kuzet.core.auth.domain import Role
from tests.cctv.camera_fixtures import CameraSimProcess, camera_sim, register_camera
from tests.console.browser import OUTPUT, Console, Operator
from tests.ops import PLAZA, Centre

__all__ = ["camera_sim"]

OpenConsole = Callable[[], Console]
MakeOperator = Callable[..., Operator]


def looking_away(services: Services) -> Camera:
    """A camera 40 m west of the plaza looking west, away from it."""
    camera = Camera(
        camera_id="CAM-2",
        lat=PLAZA[0],
        lon=PLAZA[1] - 0.0005,
        mount_height_m=5.0,
        heading_deg=270.0,
        fov_deg=60.0,
        range_m=100.0,
        type=CameraType.TRAFFIC,
        owner="Road police",
        retention_days=14,
    )
    return cameras.register(
        services.uow(),
        services.auth.box,
        camera=camera,
        region=services.settings.region_bbox,
        by=Actor.system("test"),
        at=services.clock.now(),
    )


def audit_rows(services: Services, action: str) -> list[Any]:
    with services.engine.connect() as connection:
        query = select(audit_log).where(audit_log.c.action == action).order_by(audit_log.c.seq)
        return list(connection.execute(query).all())


def open_card(console: Console, operator: Operator, incident_id: int) -> None:
    console.open()
    console.login(operator.username, totp_secret=operator.totp_secret)
    console.page.keyboard.press("F3")
    console.page.locator(f'{console.by("queue-row")}[data-incident-id="{incident_id}"]').click()
    expect(console.page.locator(console.by("incident-card"))).to_have_attribute(
        "data-incident-id", str(incident_id)
    )


def test_dispatcher_watches_the_camera_that_sees_the_incident_through_the_proxy(
    open_console: OpenConsole,
    operator: MakeOperator,
    centre: Centre,
    services: Services,
    camera_sim: CameraSimProcess,
) -> None:
    register_camera(
        services, "CAM-1", camera_sim.url("CAM-1", "snapshot.jpg"), camera_sim.url("CAM-1", "mjpeg")
    )
    looking_away(services)
    incident_id = int(centre.call_taker.call()["incident"]["id"])
    dispatcher = operator("cam-desk1", Role.DISPATCHER)
    console = open_console()
    page = console.page
    page.set_viewport_size({"width": 1366, "height": 768})
    open_card(console, dispatcher, incident_id)

    section = page.locator(console.by("cameras"))
    seeing = section.locator(f'{console.by("camera-seeing")}[data-camera-id="CAM-1"]')
    expect(seeing).to_contain_text("41 м")  # 0.0005° of longitude east of the plaza
    expect(seeing).to_contain_text("уличная")
    expect(seeing).to_contain_text("Akimat")
    away = section.locator(f'{console.by("camera-not-seeing")}[data-camera-id="CAM-2"]')
    expect(away).to_have_attribute("data-reason", "out_of_sector")
    expect(away.locator(console.by("camera-reason"))).to_have_text("смотрит в другую сторону")
    expect(away).to_contain_text("Road police")

    # The map draws both cameras with their sectors, the one that sees the incident highlighted.
    map_el = page.locator(console.by("map"))
    expect(map_el).to_have_attribute("data-cameras", "2")
    expect(map_el).to_have_attribute("data-cameras-seeing", "CAM-1")

    seeing.locator(console.by("camera-live-open")).click()
    live = page.locator(console.by("camera-live"))
    expect(live).to_have_attribute("data-camera-id", "CAM-1")
    expect(live).to_have_attribute("data-state", "streaming", timeout=10_000)
    page.wait_for_function(
        """() => { const img = document.querySelector('[data-testid="camera-picture"]');
                   return img && img.complete && img.naturalWidth > 0; }""",
        timeout=10_000,
    )
    size = page.evaluate(
        """() => { const img = document.querySelector('[data-testid="camera-picture"]');
                   return [img.naturalWidth, img.naturalHeight]; }"""
    )
    assert size == [640, 360]
    page.wait_for_function(
        "() => Number(document.querySelector('[data-testid=\"camera-live\"]').dataset.frames) >= 3"
    )  # the stream keeps coming: more than one picture

    # The view is in the audit log: who, which camera, which incident.
    [view] = audit_rows(services, "camera.live_view")
    assert view.actor == "cam-desk1" and view.object_id == "CAM-1" and view.outcome == "ok"
    assert view.detail["incident_id"] == incident_id
    # The browser asked Kuzet only: never the camera's own address.
    assert not [url for url in console.requested if f":{camera_sim.port}" in url]
    assert any(f"/api/v1/cameras/CAM-1/live?incident={incident_id}" in url for url in console.requested)

    # The card with its live picture fits the work column at 1366×768.
    overflow = page.evaluate(
        "() => { const p = document.querySelector('.panel'); return p.scrollWidth - p.clientWidth; }"
    )
    assert overflow <= 0, overflow
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUTPUT / "card-camera-live-1366x768.png"))

    # Closing the picture ends the stream; its end is audited.
    live.locator(console.by("camera-live-close")).click()
    expect(live).to_be_hidden()
    deadline = time.monotonic() + 10
    while not audit_rows(services, "camera.live_view_end"):
        assert time.monotonic() < deadline, "the stream's end was not audited"
        time.sleep(0.1)

    # A footage request of the last quarter of an hour, with a reason.
    seeing.locator(console.by("camera-footage")).click()
    form = page.locator(console.by("footage-form"))
    form.locator(console.by("footage-reason")).fill("Кража у фонтана")
    form.locator(console.by("footage-confirm")).click()
    expect(form).to_have_count(0)
    requests = centre.dispatcher.ok(
        centre.dispatcher.get("/api/v1/footage-requests", incident_id=incident_id)
    )
    [request] = requests
    assert request["camera_id"] == "CAM-1" and request["reason"] == "Кража у фонтана"
    assert request["status"] == "requested"


def test_call_taker_sees_the_cameras_but_no_live_button_and_the_proxy_refuses(
    open_console: OpenConsole,
    operator: MakeOperator,
    centre: Centre,
    services: Services,
    camera_sim: CameraSimProcess,
) -> None:
    register_camera(
        services, "CAM-1", camera_sim.url("CAM-1", "snapshot.jpg"), camera_sim.url("CAM-1", "mjpeg")
    )
    incident_id = int(centre.call_taker.call()["incident"]["id"])
    call_taker = operator("cam-ct1", Role.CALL_TAKER)
    console = open_console()
    page = console.page
    open_card(console, call_taker, incident_id)

    seeing = page.locator(f'{console.by("camera-seeing")}[data-camera-id="CAM-1"]')
    expect(seeing).to_contain_text("Akimat")
    expect(seeing.locator(console.by("camera-live-open"))).to_have_count(0)
    expect(seeing.locator(console.by("camera-footage"))).to_have_count(0)

    statuses = page.evaluate(
        """async (incident) => {
          const headers = { Authorization: `Bearer ${sessionStorage.getItem('kuzet.token')}` };
          const answers = await Promise.all(['live', 'snapshot'].map((kind) =>
            fetch(`/api/v1/cameras/CAM-1/${kind}?incident=${incident}`, { headers })));
          return answers.map((a) => [a.status, a.headers.get('Content-Type')]);
        }""",
        incident_id,
    )
    for status, content_type in statuses:
        assert status == 403 and content_type.startswith("application/problem+json")
    assert audit_rows(services, "camera.live_view") == []
    assert audit_rows(services, "camera.snapshot_view") == []


def test_a_camera_without_a_stream_is_shown_by_its_snapshot_every_second(
    open_console: OpenConsole,
    operator: MakeOperator,
    centre: Centre,
    services: Services,
    camera_sim: CameraSimProcess,
) -> None:
    register_camera(services, "CAM-1", camera_sim.url("CAM-1", "snapshot.jpg"), None)
    incident_id = int(centre.call_taker.call()["incident"]["id"])
    console = open_console()
    page = console.page
    open_card(console, operator("cam-sup2", Role.SUPERVISOR, None), incident_id)

    page.locator(console.by("camera-live-open")).click()
    live = page.locator(console.by("camera-live"))
    expect(live).to_have_attribute("data-state", "snapshot", timeout=10_000)
    page.wait_for_function(
        "() => Number(document.querySelector('[data-testid=\"camera-live\"]').dataset.frames) >= 2",
        timeout=10_000,
    )  # asked again a second later
    assert (
        page.evaluate("() => document.querySelector('[data-testid=\"camera-picture\"]').naturalWidth") == 640
    )
    views = audit_rows(services, "camera.snapshot_view")
    assert len(views) >= 2 and {v.detail["incident_id"] for v in views} == {incident_id}
    assert {v.outcome for v in audit_rows(services, "camera.live_view")} <= {"failed"}
