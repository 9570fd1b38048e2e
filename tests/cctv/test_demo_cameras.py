"""The demo's cameras: a dozen at street spots of Andorra la Vella and les Escaldes, each showing a live
picture from the camera simulator that the demo starts, through the server's proxy, and reporting to the
server as the demo's camera analytics source: heartbeats, and plate reads of the demo's wanted cars."""

from __future__ import annotations

import io
import time
from dataclasses import replace
from typing import Any

import httpx
from PIL import Image
from sqlalchemy import select

from kuzet.cctv import service as cameras
from kuzet.cctv.camera_events_store import camera_events
from kuzet.cctv.watchlist import normalise_plate
from kuzet.container import Services
from kuzet.demo.camera_reports import (
    DEMO_SOURCE,
    DEMO_WANTED,
    demo_plan,
    demo_reporting,
    seed_demo_camera_source,
    seed_demo_watchlist,
)
from kuzet.demo.camera_sim import DEMO_CAMERAS, CameraSim, seed_demo_cameras
from tests.cctv.camera_fixtures import incident_id
from tests.conftest import LiveServer, _free_port
from tests.ops import Centre


def test_demo_cameras_are_registered_once_in_the_region(services: Services) -> None:
    added = seed_demo_cameras(services, port=_free_port())
    assert sorted(added) == sorted(c.camera_id for c in DEMO_CAMERAS)
    assert len(added) == 12
    assert seed_demo_cameras(services) == []
    listed = cameras.listing(services.uow(), box=services.auth.box)
    min_lon, min_lat, max_lon, max_lat = services.settings.region_bbox
    for camera in listed:
        assert min_lat <= camera.lat <= max_lat and min_lon <= camera.lon <= max_lon
        assert camera.snapshot_url is not None and "127.0.0.1" in camera.snapshot_url


def test_each_demo_camera_shows_a_picture_through_the_proxy(centre: Centre, services: Services) -> None:
    port = _free_port()
    seed_demo_cameras(services, port=port)
    sim = CameraSim(port).start()
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline, "the demo camera simulator did not start"
                time.sleep(0.05)
        incident = incident_id(centre)
        for demo in DEMO_CAMERAS:
            response = centre.dispatcher.get(f"/api/v1/cameras/{demo.camera_id}/snapshot", incident=incident)
            assert response.status_code == 200, (demo.camera_id, response.text)
            assert Image.open(io.BytesIO(response.content)).format == "JPEG"
    finally:
        sim.stop()
    assert sim.process is not None and sim.process.poll() is not None


def started(sim: CameraSim) -> None:
    deadline = time.monotonic() + 20
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{sim.port}/", timeout=1)
            return
        except httpx.HTTPError:
            assert time.monotonic() < deadline, "the demo camera simulator did not start"
            time.sleep(0.05)


def reporting_sim(services: Services, server: LiveServer, **plan: Any) -> CameraSim:
    """The demo's cameras, analytics source and watch list seeded, and the simulator reporting to the server
    as `kuzet demo` starts it (its plan sped up as the test needs)."""
    port = _free_port()
    seed_demo_cameras(services, port=port)
    assert seed_demo_camera_source(services) == [DEMO_SOURCE.code]
    assert seed_demo_camera_source(services) == []
    assert len(seed_demo_watchlist(services)) == len(DEMO_WANTED)
    assert seed_demo_watchlist(services) == []
    reporting = demo_reporting(services, server.url)
    assert reporting is not None
    sim = CameraSim(port, reporting=replace(reporting, plan=replace(reporting.plan, **plan))).start()
    started(sim)
    return sim


def test_the_demo_cameras_report_online_once_the_simulator_starts(
    centre: Centre, services: Services, server: LiveServer
) -> None:
    sim = reporting_sim(services, server)
    try:
        deadline = time.monotonic() + 20
        while True:
            health = centre.supervisor.ok(centre.supervisor.get("/api/v1/cameras/health"))
            states = {c["camera"]: c["state"] for c in health["cameras"]}
            if all(states.get(c.camera_id) == "online" for c in DEMO_CAMERAS):
                break
            assert time.monotonic() < deadline, f"not all demo cameras came online: {states}"
            time.sleep(0.2)
        assert health["alarms"] == 0
    finally:
        sim.stop()


def test_a_demo_watch_list_plate_read_by_a_demo_camera_becomes_a_camera_appeal(
    centre: Centre, services: Services, server: LiveServer
) -> None:
    sim = reporting_sim(services, server, plate_every_s=0.2, wanted_share=1.0)
    try:
        deadline = time.monotonic() + 30
        hit = None
        while hit is None:
            with services.engine.connect() as connection:
                hit = connection.execute(
                    select(camera_events).where(camera_events.c.outcome == "watchlist_hit")
                ).first()
            assert time.monotonic() < deadline, "no demo plate read became a watch-list hit"
            time.sleep(0.2)
    finally:
        sim.stop()
    assert hit.source_code == DEMO_SOURCE.code and hit.camera_id in {c.camera_id for c in DEMO_CAMERAS}
    assert hit.plate in {normalise_plate(p) for p, _ in DEMO_WANTED}
    appeal = centre.supervisor.ok(centre.supervisor.get(f"/api/v1/appeals/{hit.appeal_id}"))
    assert appeal["channel"] == "camera" and hit.plate in appeal["text"]


def test_the_demo_plan_runs_plate_reads_on_demo_time_and_silences_past_the_offline_limit(
    services: Services,
) -> None:
    settings = services.settings
    plan = demo_plan(settings)
    assert plan.heartbeat_s == 30.0 and plan.heartbeat_s < settings.cctv_offline_seconds
    assert plan.silence_s > settings.cctv_offline_seconds  # long enough for the supervisor's alarm
    reads_per_demo_hour = 3600 / (plan.plate_every_s * settings.demo_speedup)
    assert 1 <= reads_per_demo_hour * plan.wanted_share <= 5  # a few camera appeals an hour of demo time
