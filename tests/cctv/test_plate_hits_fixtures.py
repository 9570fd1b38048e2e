"""Fixtures of camera alerts: a registered analytics source with its key, cameras in the registry, watch-list
entries, and events posted signed over real HTTP as a plate reader would."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from kuzet.cctv import camera_events_service, watchlist_service
from kuzet.cctv import service as cameras
from kuzet.cctv.camera_events import AnalyticsSource
from kuzet.cctv.domain import Camera, CameraType
from kuzet.container import Services
from kuzet.core.actor import Actor
from kuzet.core.signing import signed_headers
from tests.ops import PLAZA

EVENTS = "/api/v1/cctv/events"
HEARTBEATS = "/api/v1/cctv/heartbeats"
ADMIN = Actor.system("test")


@dataclass
class Source:
    """An analytics source as its operator set it up: the key id and the secret printed once."""

    http: httpx.Client
    key_id: str
    secret: str

    def post(
        self,
        path: str,
        payload: Any,
        *,
        secret: str | None = None,
        nonce: str | None = None,
        timestamp: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        body = json.dumps(payload).encode()
        signed = signed_headers(
            key_id=self.key_id,
            secret=secret or self.secret,
            method="POST",
            path=path,
            body=body,
            timestamp=timestamp if timestamp is not None else int(time.time()),
            nonce=nonce or secrets.token_hex(12),
        )
        return self.http.post(
            path, content=body, headers={**signed, "Content-Type": "application/json", **(headers or {})}
        )

    def event(self, **fields: Any) -> httpx.Response:
        return self.post(EVENTS, plate_event(**fields))

    def heartbeat(self, *camera_ids: str) -> httpx.Response:
        return self.post(HEARTBEATS, {"cameras": list(camera_ids)})


def plate_event(**fields: Any) -> dict[str, Any]:
    """A plate read by CAM-PLAZA now, confidently, with a fresh event id."""
    return {
        "id": secrets.token_hex(8),
        "kind": "plate",
        "camera": "CAM-PLAZA",
        "at": datetime.now(UTC).isoformat(),
        "confidence": 0.97,
        "plate": "123 ABC 02",
        **fields,
    }


@pytest.fixture
def source(services: Services, http: httpx.Client) -> Source:
    issued = camera_events_service.create(
        services.uow(),
        services.auth.box,
        source=AnalyticsSource("plates_akimat", "Akimat plate readers", True),
        by=ADMIN,
        at=services.clock.now(),
    )
    return Source(http, issued.key.key_id, issued.key.secret)


AddCamera = Callable[..., Camera]


@pytest.fixture
def add_camera(services: Services) -> AddCamera:
    def add(camera_id: str, *, at: tuple[float, float] = PLAZA, owner: str = "Akimat") -> Camera:
        camera = Camera(
            camera_id=camera_id,
            lat=at[0],
            lon=at[1],
            mount_height_m=6.0,
            heading_deg=90.0,
            fov_deg=70.0,
            range_m=80.0,
            type=CameraType.STREET,
            owner=owner,
            retention_days=30,
        )
        return cameras.register(
            services.uow(),
            services.auth.box,
            camera=camera,
            region=services.settings.region_bbox,
            by=ADMIN,
            at=services.clock.now(),
        )

    return add


WatchPlate = Callable[..., int]


@pytest.fixture
def watch(services: Services) -> WatchPlate:
    """Put a plate on the watch list as a supervisor would; returns the entry's id."""

    def add(plate: str, *, reason: str = "Угон", expires_in: timedelta = timedelta(days=30)) -> int:
        now = services.clock.now()
        entry = watchlist_service.add(
            services.uow(), plate=plate, reason=reason, expires_at=now + expires_in, by=ADMIN, at=now
        )
        return entry.id

    return add
