"""Fixtures of the live-view tests: the camera simulator as a real `kuzet camera-sim` process on a free
loopback port, with basic-auth credentials as a real camera would have."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from kuzet.cctv import service as cameras
from kuzet.cctv.domain import Camera, CameraType
from kuzet.container import Services
from kuzet.core.actor import Actor
from tests.conftest import KUZET_COMMAND, _free_port
from tests.ops import PLAZA, Centre

CAMERA_USER = "viewer"
CAMERA_PASSWORD = "Cam-Secret-9931"  # a distinctive string: it must never leave the server
CAMERA_CODES = ("CAM-1", "CAM-2")


@dataclass
class CameraSimProcess:
    port: int
    process: subprocess.Popen[bytes]

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, code: str, kind: str = "snapshot.jpg", *, credentials: bool = True) -> str:
        auth = f"{CAMERA_USER}:{CAMERA_PASSWORD}@" if credentials else ""
        return f"http://{auth}127.0.0.1:{self.port}/cameras/{code}/{kind}"

    def stall(self, stall: bool) -> None:
        response = httpx.post(f"{self.base}/control/stall", json={"stall": stall}, timeout=5)
        assert response.status_code == 200, response.text


def start_camera_sim(*codes: str) -> CameraSimProcess:
    port = _free_port()
    args = [KUZET_COMMAND, "camera-sim", "--port", str(port), "--cameras", ",".join(codes)]
    args += ["--user", CAMERA_USER, "--password", CAMERA_PASSWORD, "--fps", "10"]
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    began = time.monotonic()
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
            return CameraSimProcess(port, process)
        except httpx.HTTPError:
            if process.poll() is not None or time.monotonic() - began > 20:
                stderr = process.stderr.read().decode() if process.stderr else ""
                raise RuntimeError(f"camera-sim did not start: {stderr}") from None
            time.sleep(0.02)


def stop_camera_sim(sim: CameraSimProcess) -> None:
    if sim.process.poll() is None:
        sim.process.terminate()
        try:
            sim.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            sim.process.kill()
            sim.process.wait(timeout=5)


@pytest.fixture
def camera_sim() -> Iterator[CameraSimProcess]:
    """A `kuzet camera-sim` process playing CAM-1 and CAM-2 behind basic auth."""
    sim = start_camera_sim(*CAMERA_CODES)
    try:
        yield sim
    finally:
        stop_camera_sim(sim)


def register_camera(services: Services, camera_id: str, snapshot: str | None, stream: str | None) -> Camera:
    camera = Camera(
        camera_id=camera_id,
        lat=PLAZA[0],
        lon=PLAZA[1] + 0.0005,
        mount_height_m=6.0,
        heading_deg=270.0,
        fov_deg=90.0,
        range_m=120.0,
        type=CameraType.STREET,
        owner="Akimat",
        retention_days=30,
        snapshot_url=snapshot,
        stream_url=stream,
    )
    return cameras.register(
        services.uow(),
        services.auth.box,
        camera=camera,
        region=services.settings.region_bbox,
        by=Actor.system("test"),
        at=services.clock.now(),
    )


def incident_id(centre: Centre) -> int:
    return int(centre.call_taker.call()["incident"]["id"])
