"""A camera simulator for the demo and the tests: a small HTTP server on loopback that plays a handful of
IP cameras, each drawing its frames with Pillow (the camera's name, the time in Asia/Almaty, and a car
that drives across the picture so a live view visibly moves).

Per camera, as a real IP camera serves them:
  GET /cameras/{code}/snapshot.jpg   one JPEG frame
  GET /cameras/{code}/mjpeg          multipart/x-mixed-replace MJPEG, a few frames a second, until the
                                     client goes away (or the stream's own cap, for a bounded test)
With credentials set, every request needs HTTP basic auth (401 with WWW-Authenticate otherwise), as real
cameras have: the registry keeps user:pass in the camera's URL, and Kuzet's proxy passes them on.

With --report-to, the cameras' analytics system also reports to Kuzet (camera_sim_reporter.py): heartbeats,
a camera going silent now and then (it then answers 503), and plate reads.

Control, for tests (loopback only, unauthenticated: it is a simulator):
  POST /control/stall {"stall": true|false}  stop (or resume) answering: requests hang without a byte
"""

from __future__ import annotations

import base64
import hmac
import io
import json
import logging
import math
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Final
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from PIL import Image, ImageDraw, ImageFont

log = logging.getLogger(__name__)

ALMATY: Final = ZoneInfo("Asia/Almaty")
WIDTH, HEIGHT = 640, 360
BOUNDARY: Final = "kuzetframe"
DEFAULT_FPS: Final = 4.0
STALL_POLL_S: Final = 0.2
STALL_MAX_S: Final = 600.0  # a stalled request is let go after this long, so the server can stop
SNAPSHOT_PATH: Final = "/cameras/{code}/snapshot.jpg"
MJPEG_PATH: Final = "/cameras/{code}/mjpeg"


def camera_codes(cameras: str | None, count: int | None) -> dict[str, str]:
    """The cameras to play, code to the label drawn on its picture: the given comma-separated codes (each
    may carry its label as CODE=label), or CAM-1 … CAM-N."""
    if cameras:
        played: dict[str, str] = {}
        for item in cameras.split(","):
            code, _, label = item.partition("=")
            if code.strip():
                played.setdefault(code.strip(), f"{code.strip()}  {label.strip()}".strip())
        if not played:
            raise ValueError("--cameras names no camera")
        return played
    n = 4 if count is None else count
    if n < 1:
        raise ValueError("--count must be at least 1")
    return {f"CAM-{i}": f"CAM-{i}" for i in range(1, n + 1)}


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.truetype("DejaVuSans-Bold.ttf", size)
    except OSError:
        return ImageFont.load_default(size=size)


@dataclass
class Painter:
    """Draws one camera's frame at a moment: a street, a car moving along it, the name and the time."""

    name: str
    quality: int = 70
    _fonts: tuple[ImageFont.FreeTypeFont | ImageFont.ImageFont, ...] = field(default=(), repr=False)

    def __post_init__(self) -> None:
        self._fonts = (_font(22), _font(30))
        # Each camera's scene has its own tint and its car its own speed, from the name.
        seed = sum(ord(c) * (i + 1) for i, c in enumerate(self.name))
        self._tint = (40 + seed % 60, 50 + seed % 40, 60 + seed % 50)
        self._speed = 80 + seed % 120  # pixels a second

    def frame(self, at: datetime) -> bytes:
        image = Image.new("RGB", (WIDTH, HEIGHT), self._tint)
        draw = ImageDraw.Draw(image)
        # The road, with its dashed middle line.
        draw.rectangle((0, 200, WIDTH, 300), fill=(70, 70, 75))
        for x in range(0, WIDTH, 60):
            draw.rectangle((x, 247, x + 30, 253), fill=(230, 230, 200))
        # A car that crosses the picture and comes back round.
        t = at.timestamp()
        x = int((t * self._speed) % (WIDTH + 120)) - 120
        bob = int(3 * math.sin(t * 6))
        draw.rectangle((x, 215 + bob, x + 110, 245 + bob), fill=(200, 40, 40))
        draw.rectangle((x + 20, 195 + bob, x + 85, 217 + bob), fill=(160, 30, 30))
        for wheel in (x + 15, x + 75):
            draw.ellipse((wheel, 238 + bob, wheel + 22, 260 + bob), fill=(20, 20, 20))
        # The overlay real cameras burn in: the name and the local time.
        small, large = self._fonts
        local = at.astimezone(ALMATY)
        draw.rectangle((0, 0, WIDTH, 46), fill=(0, 0, 0))
        draw.text((12, 10), self.name, fill=(255, 255, 255), font=small)
        draw.text((12, HEIGHT - 46), local.strftime("%Y-%m-%d %H:%M:%S"), fill=(255, 255, 0), font=large)
        draw.text((WIDTH - 170, 10), "Asia/Almaty", fill=(200, 200, 200), font=small)
        out = io.BytesIO()
        image.save(out, format="JPEG", quality=self.quality)
        return out.getvalue()


class CameraSim:
    """The cameras played, their painters, the optional credentials and the stall switch."""

    def __init__(
        self,
        codes: dict[str, str] | list[str],
        *,
        credentials: tuple[str, str] | None = None,
        fps: float = DEFAULT_FPS,
        max_stream_s: float | None = None,
    ) -> None:
        labels = codes if isinstance(codes, dict) else {code: code for code in codes}
        self.painters = {code: Painter(label) for code, label in labels.items()}
        self.credentials = credentials
        self.fps = fps
        self.max_stream_s = max_stream_s
        self.stalled = threading.Event()
        self.stopping = threading.Event()
        self.silent: set[str] = set()  # cameras gone silent (see camera_sim_reporter): no picture either
        self._lock = threading.Lock()
        self.served: dict[str, int] = {}  # requests served per kind, for tests

    def authorised(self, header: str | None) -> bool:
        if self.credentials is None:
            return True
        if not header or not header.startswith("Basic "):
            return False
        expected = base64.b64encode(f"{self.credentials[0]}:{self.credentials[1]}".encode()).decode()
        return hmac.compare_digest(header[len("Basic ") :].strip(), expected)

    def count(self, kind: str) -> None:
        with self._lock:
            self.served[kind] = self.served.get(kind, 0) + 1

    def wait_while_stalled(self) -> None:
        deadline = time.monotonic() + STALL_MAX_S
        while self.stalled.is_set() and not self.stopping.is_set() and time.monotonic() < deadline:
            time.sleep(STALL_POLL_S)


def _route(path: str) -> tuple[str, str] | None:
    """(camera code, "snapshot" or "mjpeg") for a camera path, else None."""
    parts = path.split("/")
    if len(parts) != 4 or parts[0] != "" or parts[1] != "cameras" or not parts[2]:
        return None
    if parts[3] == "snapshot.jpg":
        return parts[2], "snapshot"
    if parts[3] == "mjpeg":
        return parts[2], "mjpeg"
    return None


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        log.debug("camera-sim %s", format % args)

    def _plain(self, status: int, text: str, headers: dict[str, str] | None = None) -> None:
        body = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        sim = self.server.sim
        route = _route(urlsplit(self.path).path)
        if route is None or route[0] not in sim.painters:
            self._plain(404, "no such camera")
            return
        sim.wait_while_stalled()
        if route[0] in sim.silent:
            self._plain(503, "camera unreachable")
            return
        if not sim.authorised(self.headers.get("Authorization")):
            self._plain(401, "credentials needed", {"WWW-Authenticate": 'Basic realm="camera"'})
            return
        code, kind = route
        sim.count(kind)
        if kind == "snapshot":
            frame = sim.painters[code].frame(datetime.now(UTC))
            self.send_response(200)
            self.send_header("Content-Type", "image/jpeg")
            self.send_header("Content-Length", str(len(frame)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(frame)
            return
        self._stream(sim, code)

    def _stream(self, sim: CameraSim, code: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", f"multipart/x-mixed-replace; boundary={BOUNDARY}")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        began = time.monotonic()
        period = 1.0 / sim.fps
        painter = sim.painters[code]
        try:
            while not sim.stopping.is_set():
                if sim.max_stream_s is not None and time.monotonic() - began > sim.max_stream_s:
                    break
                sim.wait_while_stalled()
                frame = painter.frame(datetime.now(UTC))
                head = (
                    f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: {len(frame)}\r\n\r\n"
                ).encode()
                self.wfile.write(head + frame + b"\r\n")
                self.wfile.flush()
                time.sleep(period)
        except (BrokenPipeError, ConnectionResetError):
            return  # the viewer went away

    def do_POST(self) -> None:
        if urlsplit(self.path).path != "/control/stall":
            self._plain(404, "not found")
            return
        length = int(self.headers.get("Content-Length") or 0)
        try:
            stall = bool(json.loads(self.rfile.read(min(length, 1024)) or b"{}").get("stall"))
        except (ValueError, AttributeError):
            self._plain(400, 'expected {"stall": true|false}')
            return
        if stall:
            self.server.sim.stalled.set()
        else:
            self.server.sim.stalled.clear()
        self._plain(200, json.dumps({"stall": stall}))


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    sim: CameraSim


def make_server(sim: CameraSim, host: str, port: int) -> ThreadingHTTPServer:
    """The simulator's HTTP server, bound (port 0: any free one), not yet serving."""
    server = _Server((host, port), _Handler)
    server.sim = sim
    return server
