"""The camera simulator plays IP cameras: a JPEG snapshot and an MJPEG stream per camera, behind basic auth,
drawn with the camera's name and a moving picture."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

import httpx
from PIL import Image, ImageChops

from kuzet.cctv.camera_sim import BOUNDARY, camera_codes
from tests.cctv.camera_fixtures import (
    CAMERA_PASSWORD,
    CAMERA_USER,
    CameraSimProcess,
    start_camera_sim,
    stop_camera_sim,
)

AUTH = (CAMERA_USER, CAMERA_PASSWORD)


def test_snapshot_is_a_jpeg_pillow_decodes(camera_sim: CameraSimProcess) -> None:
    response = httpx.get(camera_sim.url("CAM-1", credentials=False), auth=AUTH, timeout=10)
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/jpeg"
    image = Image.open(io.BytesIO(response.content))
    image.load()
    assert image.format == "JPEG"
    assert image.size == (640, 360)


def test_the_picture_moves_between_snapshots(camera_sim: CameraSimProcess) -> None:
    first = httpx.get(camera_sim.url("CAM-2", credentials=False), auth=AUTH, timeout=10).content
    time.sleep(0.3)
    second = httpx.get(camera_sim.url("CAM-2", credentials=False), auth=AUTH, timeout=10).content
    a = Image.open(io.BytesIO(first)).convert("RGB")
    b = Image.open(io.BytesIO(second)).convert("RGB")
    assert ImageChops.difference(a, b).getbbox() is not None


def test_mjpeg_stream_sends_jpeg_parts(camera_sim: CameraSimProcess) -> None:
    frames: list[bytes] = []
    url = camera_sim.url("CAM-1", "mjpeg", credentials=False)
    with httpx.stream("GET", url, auth=AUTH, timeout=10) as response:
        assert response.status_code == 200
        assert response.headers["content-type"] == f"multipart/x-mixed-replace; boundary={BOUNDARY}"
        buffer = b""
        for chunk in response.iter_bytes():
            buffer += chunk
            while (start := buffer.find(b"\xff\xd8")) >= 0 and (end := buffer.find(b"\xff\xd9", start)) >= 0:
                frames.append(buffer[start : end + 2])
                buffer = buffer[end + 2 :]
            if len(frames) >= 3:
                break
    assert len(frames) >= 3
    for frame in frames:
        assert Image.open(io.BytesIO(frame)).format == "JPEG"


def test_without_credentials_the_camera_answers_401(camera_sim: CameraSimProcess) -> None:
    response = httpx.get(camera_sim.url("CAM-1", credentials=False), timeout=10)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Basic")
    wrong = httpx.get(camera_sim.url("CAM-1", credentials=False), auth=(CAMERA_USER, "guess"), timeout=10)
    assert wrong.status_code == 401


def test_unknown_camera_is_404(camera_sim: CameraSimProcess) -> None:
    assert httpx.get(camera_sim.url("CAM-9", credentials=False), auth=AUTH, timeout=10).status_code == 404


def _cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_simulator_is_serving_after_under_a_second_of_work() -> None:
    # CPU time, not wall time: on a loaded two-core machine the wall clock measures the neighbours.
    sim = start_camera_sim("CAM-1")
    try:
        assert _cpu_seconds(sim.process.pid) < 1.0
    finally:
        stop_camera_sim(sim)


def test_count_names_cameras_in_order() -> None:
    assert list(camera_codes(None, 3)) == ["CAM-1", "CAM-2", "CAM-3"]
    assert camera_codes(" A, B=Plaça del Poble ,A=again", None) == {"A": "A", "B": "B  Plaça del Poble"}
