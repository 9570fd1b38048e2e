"""The demo's cameras: a dozen street, traffic, school and private-connected cameras at real spots of
Andorra la Vella and les Escaldes (places from the shipped OpenStreetMap extract's gazetteer), each with
its snapshot and MJPEG addresses on the camera simulator that `kuzet demo` starts as a child process on
loopback (KUZET_DEMO_CAMERA_PORT), behind basic auth like a real camera. The console then shows a live
picture of every demo camera, through Kuzet's proxy.

The simulator lives as long as the demo: stop() asks it to end (SIGTERM, then SIGKILL after a grace
period)."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from dataclasses import dataclass
from typing import Final

from kuzet.cctv import service as cameras
from kuzet.cctv.camera_sim_reporter import KEY_ID_ENV, SECRET_ENV
from kuzet.cctv.domain import Camera, CameraType
from kuzet.container import Services
from kuzet.demo.camera_reports import Reporting
from kuzet.demo.seed import DEMO_ACTOR

log = logging.getLogger(__name__)

STOP_GRACE_S: Final = 5.0
# The simulator's credentials, as a camera's owner would hand them to the centre (a demo: not a secret).
CAMERA_USER: Final = "kuzet"
CAMERA_PASSWORD: Final = "demo-camera-view"  # noqa: S105 - the demo simulator's, on loopback only
STREET, TRAFFIC, SCHOOL, PRIVATE = (
    CameraType.STREET,
    CameraType.TRAFFIC,
    CameraType.SCHOOL,
    CameraType.PRIVATE_CONNECTED,
)
COMU: Final = "Comú d'Andorra la Vella"
ESCALDES: Final = "Comú d'Escaldes-Engordany"
TRAFFIC_POLICE: Final = "Policia: circulació"


@dataclass(frozen=True)
class DemoCamera:
    camera_id: str
    spot: str  # where it hangs, for the operator
    lat: float
    lon: float
    heading_deg: float
    fov_deg: float
    range_m: float
    type: CameraType
    owner: str
    mount_height_m: float = 6.0
    retention_days: int = 30


DEMO_CAMERAS: Final = (
    DemoCamera("ALV-01", "Plaça del Poble", 42.50715, 1.52260, 200, 90, 80, STREET, COMU),
    DemoCamera("ALV-02", "Casa de la Vall", 42.50664, 1.52019, 250, 70, 70, STREET, COMU),
    DemoCamera("ALV-03", "Plaça Guillemó", 42.50808, 1.52151, 160, 100, 60, STREET, COMU),
    DemoCamera("ALV-04", "Avinguda Príncep Benlloch", 42.50719, 1.51941, 270, 60, 120, STREET, COMU),
    DemoCamera(
        "ALV-05", "Avinguda de Tarragona", 42.50462, 1.52191, 60, 60, 150, TRAFFIC, TRAFFIC_POLICE, 8.0
    ),
    DemoCamera("ALV-06", "Avinguda Prat de la Creu", 42.50696, 1.52469, 80, 70, 100, TRAFFIC, TRAFFIC_POLICE),
    DemoCamera("ALV-07", "Plaça la Rotonda", 42.50888, 1.52948, 0, 360, 50, STREET, COMU, 5.0),
    DemoCamera(
        "ALV-08", "Avinguda de Santa Coloma", 42.50105, 1.51032, 230, 60, 160, TRAFFIC, TRAFFIC_POLICE, 8.0
    ),
    DemoCamera(
        "ESC-01", "Avinguda Meritxell", 42.50829, 1.53204, 250, 70, 120, PRIVATE, "Centre comercial", 4.0, 14
    ),
    DemoCamera("ESC-02", "Avinguda Carlemany", 42.50878, 1.54146, 240, 70, 120, STREET, ESCALDES),
    DemoCamera("ESC-03", "Plaça Coprínceps", 42.50917, 1.53940, 180, 110, 60, STREET, ESCALDES),
    DemoCamera("ESC-04", "Avinguda de les Escoles", 42.50980, 1.54079, 90, 80, 70, SCHOOL, ESCALDES, 4.0, 7),
)


def camera_url(port: int, camera_id: str, kind: str) -> str:
    """A demo camera's address on the simulator, with its credentials (sealed in the registry)."""
    return f"http://{CAMERA_USER}:{CAMERA_PASSWORD}@127.0.0.1:{port}/cameras/{camera_id}/{kind}"


def seed_demo_cameras(services: Services, *, port: int | None = None) -> list[str]:
    """Register the demo cameras that are not in the registry yet. Returns the ids registered now."""
    port = services.settings.demo_camera_port if port is None else port
    registered = {c.camera_id for c in cameras.listing(services.uow(), box=None)}
    added = []
    for demo in DEMO_CAMERAS:
        if demo.camera_id in registered:
            continue
        camera = Camera(
            camera_id=demo.camera_id,
            lat=demo.lat,
            lon=demo.lon,
            mount_height_m=demo.mount_height_m,
            heading_deg=demo.heading_deg,
            fov_deg=demo.fov_deg,
            range_m=demo.range_m,
            type=demo.type,
            owner=demo.owner,
            retention_days=demo.retention_days,
            snapshot_url=camera_url(port, demo.camera_id, "snapshot.jpg"),
            stream_url=camera_url(port, demo.camera_id, "mjpeg"),
        )
        cameras.register(
            services.uow(),
            services.auth.box,
            camera=camera,
            region=services.settings.region_bbox,
            by=DEMO_ACTOR,
            at=services.clock.now(),
        )
        added.append(demo.camera_id)
    return added


def report_args(reporting: Reporting) -> list[str]:
    """The simulator's options to report to Kuzet (the key goes through the environment, not here)."""
    plan = reporting.plan
    return [
        "--report-to",
        reporting.base_url,
        "--heartbeat-s",
        str(plan.heartbeat_s),
        "--plate-every-s",
        str(plan.plate_every_s),
        "--wanted-plates",
        ",".join(plan.wanted_plates),
        "--wanted-share",
        str(plan.wanted_share),
        "--silence-every-s",
        str(plan.silence_every_s),
        "--silence-s",
        str(plan.silence_s),
    ]


def sim_args(port: int, codes: dict[str, str], reporting: Reporting | None = None) -> list[str]:
    """The simulator's command line, run with this interpreter."""
    return [
        sys.executable,
        "-m",
        "kuzet",
        "camera-sim",
        "--port",
        str(port),
        "--cameras",
        ",".join(f"{code}={label}" for code, label in codes.items()),
        "--user",
        CAMERA_USER,
        "--password",
        CAMERA_PASSWORD,
        *(report_args(reporting) if reporting is not None else []),
    ]


class CameraSim:
    """The demo's camera simulator as a child process; with `reporting`, its analytics system also sends
    Kuzet the cameras' heartbeats and plate reads (see kuzet/demo/camera_reports.py)."""

    def __init__(
        self, port: int, codes: dict[str, str] | None = None, reporting: Reporting | None = None
    ) -> None:
        self.port = port
        self.codes = codes if codes is not None else {c.camera_id: c.spot for c in DEMO_CAMERAS}
        self.reporting = reporting
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> CameraSim:
        env = dict(os.environ)
        if self.reporting is not None:
            env[KEY_ID_ENV], env[SECRET_ENV] = self.reporting.key_id, self.reporting.secret
        self.process = subprocess.Popen(  # noqa: S603 - our own command, no shell
            sim_args(self.port, self.codes, self.reporting),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            env=env,
        )
        return self

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it does not end in time."""
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            log.warning("camera simulator did not stop: killed")
            process.kill()
            process.wait(timeout=STOP_GRACE_S)
