"""Live view through the server: fetch a camera's snapshot, or pass its MJPEG stream on, for an operator
allowed to watch, without the camera's address ever reaching the browser, an error or the log.

The address (often with the camera's own user and password in it) is opened from the registry only here,
its credentials taken out of it and sent as HTTP basic auth; what goes back is the picture, or a problem
that names the camera by its id. httpx logs every request with its URL at INFO: a filter on its logger
drops the lines of the requests made here (marked by a context variable), so the address is not logged.

Each view is audited (who, which camera, which incident, when, and how it went); a stream also when it ends,
with how long it ran, how many bytes it passed, and why it ended."""

from __future__ import annotations

import contextvars
import logging
import time
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Final
from urllib.parse import unquote, urlsplit, urlunsplit

import httpx

from kuzet.cctv.domain import CameraStatus
from kuzet.cctv.store import CameraRepository
from kuzet.core.actor import Actor
from kuzet.core.audit.domain import Outcome
from kuzet.core.auth.credentials import SecretBox
from kuzet.core.errors import Conflict, KuzetError, NotFound
from kuzet.core.i18n import N_
from kuzet.core.uow import UnitOfWork
from kuzet.incidents import service as incidents

log = logging.getLogger(__name__)

PROXIED_SCHEMES: Final = frozenset({"http", "https"})
MJPEG_TYPE: Final = "multipart/x-mixed-replace"
CHUNK: Final = 64 * 1024

_camera_call: contextvars.ContextVar[bool] = contextvars.ContextVar("kuzet_camera_call", default=False)


class _HideCameraRequests(logging.Filter):
    """Drops httpx's request lines while a camera is being called: they carry the camera's URL."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not _camera_call.get()


for _name in ("httpx", "httpcore"):
    logging.getLogger(_name).addFilter(_HideCameraRequests())


class ViewKind(StrEnum):
    SNAPSHOT = "snapshot"
    LIVE = "live"


class CameraUnreachable(KuzetError):
    status, slug = 502, "camera-unreachable"
    title = N_("Camera unreachable")
    default_detail = N_("The camera could not be reached.")


class CameraRefused(KuzetError):
    status, slug = 502, "camera-refused"
    title = N_("Camera refused")
    default_detail = N_("The camera did not give a picture (it answered {camera_status}).")


class CameraStalled(KuzetError):
    status, slug = 504, "camera-timeout"
    title = N_("Camera timed out")
    default_detail = N_("The camera did not answer in time.")


class NoPicture(Conflict):
    title = N_("No picture")
    default_detail = N_("This camera has no address Kuzet can show a picture from.")


class CameraOutOfService(Conflict):
    title = N_("Camera out of service")
    default_detail = N_("This camera is retired.")


@dataclass(frozen=True)
class ViewTarget:
    """Where to fetch one camera's picture: kept in the server, never serialised."""

    camera_id: str
    incident_id: int
    kind: ViewKind
    url: str = field(repr=False)
    auth: tuple[str, str] | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Limits:
    connect_s: float
    read_s: float
    live_max_s: float
    live_max_bytes: int
    snapshot_max_bytes: int

    def timeout(self) -> httpx.Timeout:
        return httpx.Timeout(self.read_s, connect=self.connect_s)


def split_credentials(url: str) -> tuple[str, tuple[str, str] | None]:
    """The address without its user:password, and those as basic-auth credentials (None without)."""
    parts = urlsplit(url)
    if parts.username is None:
        return url, None
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{host}:{parts.port}" if parts.port is not None else host
    bare = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    return bare, (unquote(parts.username), unquote(parts.password or ""))


def authorise_view(
    uow: UnitOfWork, box: SecretBox, *, camera_id: str, incident_id: int, kind: ViewKind, by: Actor
) -> ViewTarget:
    """The camera's picture address for this view: the incident must be in the viewer's scope (else 404, and
    the try audited, as every incident read), and the camera must have an address the proxy can fetch."""
    with uow:
        incidents.get_in_scope(uow, incident_id, by)
        camera = uow.repo(CameraRepository).get(camera_id, box)
    if camera is None:
        raise NotFound()
    if camera.status is CameraStatus.RETIRED:
        raise CameraOutOfService()
    address = camera.snapshot_url if kind is ViewKind.SNAPSHOT else camera.stream_url
    if address is None or urlsplit(address).scheme not in PROXIED_SCHEMES:
        raise NoPicture()
    url, credentials = split_credentials(address)
    return ViewTarget(camera_id, incident_id, kind, url, credentials)


def record_view(
    uow: UnitOfWork,
    target: ViewTarget,
    *,
    by: Actor,
    at: datetime,
    result: str,
    detail: dict[str, object] | None = None,
) -> None:
    """The audit row of one view (a snapshot, or a stream's start): who, which camera, which incident."""
    with uow:
        uow.audit(
            by,
            f"camera.{target.kind.value}_view",
            object_type="camera",
            object_id=target.camera_id,
            outcome=Outcome.OK if result == "ok" else Outcome.FAILED,
            at=at,
            detail={"incident_id": target.incident_id, "result": result, **(detail or {})},
        )
        uow.commit()


def record_stream_end(
    uow: UnitOfWork, target: ViewTarget, *, by: Actor, at: datetime, seconds: float, sent: int, ended: str
) -> None:
    """The audit row of a stream's end: how long it ran, how much it passed, and why it ended."""
    with uow:
        uow.audit(
            by,
            "camera.live_view_end",
            object_type="camera",
            object_id=target.camera_id,
            at=at,
            detail={
                "incident_id": target.incident_id,
                "duration_s": round(seconds, 1),
                "bytes": sent,
                "ended": ended,
            },
        )
        uow.commit()


def _failure(exc: httpx.HTTPError) -> KuzetError:
    """The problem for a failed camera call, naming no address (httpx's messages may carry it)."""
    if isinstance(exc, httpx.TimeoutException) and not isinstance(
        exc, httpx.ConnectTimeout | httpx.PoolTimeout
    ):
        return CameraStalled()
    return CameraUnreachable()


async def fetch_snapshot(client: httpx.AsyncClient, target: ViewTarget, limits: Limits) -> bytes:
    """One JPEG from the camera, within the read timeout and the snapshot's byte cap."""
    token = _camera_call.set(True)
    try:
        request = client.build_request("GET", target.url, timeout=limits.timeout())
        response = await client.send(request, auth=target.auth or httpx.USE_CLIENT_DEFAULT, stream=True)
        try:
            if response.status_code != 200:
                raise CameraRefused(camera_status=response.status_code)
            body = bytearray()
            async for chunk in response.aiter_raw(CHUNK):
                body += chunk
                if len(body) > limits.snapshot_max_bytes:
                    raise CameraRefused(camera_status="too_large")
        finally:
            await response.aclose()
    except httpx.HTTPError as exc:
        raise _failure(exc) from None
    finally:
        _camera_call.reset(token)
    if not body.startswith(b"\xff\xd8"):
        raise CameraRefused(camera_status="not_a_jpeg")
    return bytes(body)


@dataclass
class LiveStream:
    """An open MJPEG stream from a camera: its content type, and its parts passed on within the caps."""

    response: httpx.Response
    content_type: str
    limits: Limits
    sent: int = 0
    ended: str = "client_gone"
    began: float = field(default_factory=time.monotonic)

    @property
    def seconds(self) -> float:
        return time.monotonic() - self.began

    async def chunks(self) -> AsyncGenerator[bytes, None]:
        # Reading the body logs no URL (httpx logs the request line when it is sent, in open_stream).
        try:
            async for chunk in self.response.aiter_raw(CHUNK):
                if self.seconds > self.limits.live_max_s:
                    self.ended = "time_cap"
                    return
                if self.sent + len(chunk) > self.limits.live_max_bytes:
                    self.ended = "byte_cap"
                    return
                self.sent += len(chunk)
                yield chunk
            self.ended = "camera_ended"
        except httpx.TimeoutException:
            self.ended = "camera_stalled"
        except httpx.HTTPError:
            self.ended = "camera_lost"
        finally:
            await self.response.aclose()


async def open_stream(client: httpx.AsyncClient, target: ViewTarget, limits: Limits) -> LiveStream:
    """Connect to the camera's MJPEG stream and read its headers: a camera that cannot be reached, refuses,
    stalls or sends no MJPEG fails here, before anything is sent to the viewer."""
    token = _camera_call.set(True)
    try:
        request = client.build_request("GET", target.url, timeout=limits.timeout())
        response = await client.send(request, auth=target.auth or httpx.USE_CLIENT_DEFAULT, stream=True)
    except httpx.HTTPError as exc:
        raise _failure(exc) from None
    finally:
        _camera_call.reset(token)
    if response.status_code != 200:
        await response.aclose()
        raise CameraRefused(camera_status=response.status_code)
    content_type = _boundary_only(response.headers.get("content-type", ""))
    if content_type is None:
        await response.aclose()
        raise CameraRefused(camera_status="not_mjpeg")
    return LiveStream(response, content_type, limits)


def _boundary_only(content_type: str) -> str | None:
    """The multipart type with its boundary and nothing else the camera put in the header (None when it is
    not an MJPEG stream)."""
    kind, *params = content_type.split(";")
    if kind.strip().lower() != MJPEG_TYPE:
        return None
    for param in params:
        name, _, value = param.strip().partition("=")
        boundary = value.strip().strip('"')
        if name.lower() == "boundary" and boundary and all(c.isalnum() or c in "-_.'+" for c in boundary):
            return f"{MJPEG_TYPE}; boundary={boundary}"
    return None
