"""The camera registry's table. The snapshot and stream addresses are sealed at rest (the SecretBox that seals
TOTP seeds and agency keys) and opened only for a caller that asks for them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, Float, Index, Integer, String, Table, Text, insert, select, update
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from kuzet.cctv.domain import CAMERA_ID_MAX, OWNER_MAX, SEALED, Camera, CameraStatus, CameraType
from kuzet.core.auth.credentials import SecretBox
from kuzet.core.db import UTCDateTime, metadata

cameras = Table(
    "cctv_cameras",
    metadata,
    Column("camera_id", String(CAMERA_ID_MAX), primary_key=True),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("mount_height_m", Float, nullable=False),
    Column("heading_deg", Float, nullable=False),
    Column("fov_deg", Float, nullable=False),
    Column("range_m", Float, nullable=False),
    Column("type", String(30), nullable=False),
    Column("owner", String(OWNER_MAX), nullable=False),
    Column("retention_days", Integer, nullable=False),
    Column("status", String(20), nullable=False),
    Column("sealed_snapshot_url", Text),
    Column("sealed_stream_url", Text),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Index("ix_cctv_cameras_lat_lon", "lat", "lon"),
)


def _seal(box: SecretBox, url: str | None) -> str | None:
    return None if url is None else box.seal(url)


def _values(camera: Camera, box: SecretBox) -> dict[str, Any]:
    return {
        "lat": camera.lat,
        "lon": camera.lon,
        "mount_height_m": camera.mount_height_m,
        "heading_deg": camera.heading_deg,
        "fov_deg": camera.fov_deg,
        "range_m": camera.range_m,
        "type": camera.type.value,
        "owner": camera.owner,
        "retention_days": camera.retention_days,
        "status": camera.status.value,
        "sealed_snapshot_url": _seal(box, camera.snapshot_url),
        "sealed_stream_url": _seal(box, camera.stream_url),
    }


def _to_camera(row: Row[Any], box: SecretBox | None) -> Camera:
    """The camera; its addresses opened with `box`, or SEALED without one."""

    def opened(sealed: str | None) -> str | None:
        if sealed is None:
            return None
        return SEALED if box is None else box.open(sealed)

    return Camera(
        camera_id=row.camera_id,
        lat=row.lat,
        lon=row.lon,
        mount_height_m=row.mount_height_m,
        heading_deg=row.heading_deg,
        fov_deg=row.fov_deg,
        range_m=row.range_m,
        type=CameraType(row.type),
        owner=row.owner,
        retention_days=row.retention_days,
        status=CameraStatus(row.status),
        snapshot_url=opened(row.sealed_snapshot_url),
        stream_url=opened(row.sealed_stream_url),
    )


class CameraRepository:
    """Cameras by id. Reads open the addresses only when given the box (`box=None`: SEALED in their place)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, camera: Camera, box: SecretBox, *, at: datetime) -> None:
        self.session.execute(
            insert(cameras).values(
                camera_id=camera.camera_id, created_at=at, updated_at=at, **_values(camera, box)
            )
        )

    def replace(self, camera: Camera, box: SecretBox, *, at: datetime) -> None:
        self.session.execute(
            update(cameras)
            .where(cameras.c.camera_id == camera.camera_id)
            .values(updated_at=at, **_values(camera, box))
        )

    def exists(self, camera_ids: list[str]) -> set[str]:
        """Which of these ids are registered."""
        found: set[str] = set()
        for start in range(0, len(camera_ids), 500):  # a bounded IN list
            chunk = camera_ids[start : start + 500]
            found.update(
                self.session.scalars(select(cameras.c.camera_id).where(cameras.c.camera_id.in_(chunk)))
            )
        return found

    def get(self, camera_id: str, box: SecretBox | None, *, for_update: bool = False) -> Camera | None:
        query = select(cameras).where(cameras.c.camera_id == camera_id)
        row = self.session.execute(query.with_for_update() if for_update else query).one_or_none()
        return None if row is None else _to_camera(row, box)

    def all(
        self,
        box: SecretBox | None,
        *,
        statuses: frozenset[CameraStatus] | None = None,
        owner: str | None = None,
    ) -> list[Camera]:
        query = select(cameras).order_by(cameras.c.camera_id)
        if statuses is not None:
            query = query.where(cameras.c.status.in_(sorted(s.value for s in statuses)))
        if owner is not None:
            query = query.where(cameras.c.owner == owner)
        return [_to_camera(r, box) for r in self.session.execute(query).all()]

    def in_box(self, box_deg: tuple[float, float, float, float], *, exclude: CameraStatus) -> list[Camera]:
        """Cameras whose place lies in (min_lon, min_lat, max_lon, max_lat), addresses not opened."""
        min_lon, min_lat, max_lon, max_lat = box_deg
        rows = self.session.execute(
            select(cameras)
            .where(
                cameras.c.lat.between(min_lat, max_lat),
                cameras.c.lon.between(min_lon, max_lon),
                cameras.c.status != exclude.value,
            )
            .order_by(cameras.c.camera_id)
        ).all()
        return [_to_camera(r, None) for r in rows]
