"""The table of cameras' spans of life (see `kuzet.cctv.health`), and the registry's columns health reads."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Column, Index, Integer, String, Table, func, insert, select, update
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from kuzet.cctv.domain import CAMERA_ID_MAX, CameraStatus
from kuzet.cctv.health import Span
from kuzet.cctv.store import cameras
from kuzet.core.db import UTCDateTime, metadata

camera_health_spans = Table(
    "camera_health_spans",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("camera_id", String(CAMERA_ID_MAX), nullable=False),
    Column("started_at", UTCDateTime(), nullable=False),
    Column("last_beat_at", UTCDateTime(), nullable=False),
    Column("last_via", String(40), nullable=False),  # mqtt, or the analytics source's code
    # Set once the supervisors were told the span ended (the camera went silent); a new span is told anew.
    Column("offline_told", Boolean, nullable=False),
    Index("ix_camera_health_spans_camera_started", "camera_id", "started_at"),
)


def _span(row: Row[Any]) -> Span:
    return Span(row.camera_id, row.started_at, row.last_beat_at)


class HealthRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def latest(self, camera_ids: list[str], *, for_update: bool = False) -> dict[str, tuple[int, Span]]:
        """The latest span of each camera that has one (its row id and the span)."""
        found: dict[str, tuple[int, Span]] = {}
        spans = camera_health_spans
        for start in range(0, len(camera_ids), 500):  # a bounded IN list
            chunk = camera_ids[start : start + 500]
            newest = (
                select(spans.c.camera_id, func.max(spans.c.started_at).label("started_at"))
                .where(spans.c.camera_id.in_(chunk))
                .group_by(spans.c.camera_id)
                .subquery()
            )
            query = select(spans).join(
                newest,
                (spans.c.camera_id == newest.c.camera_id) & (spans.c.started_at == newest.c.started_at),
            )
            if for_update:
                query = query.with_for_update(of=spans)
            for row in self.session.execute(query.order_by(spans.c.id)).all():
                found[row.camera_id] = (row.id, _span(row))
        return found

    def start(self, camera_id: str, *, at: datetime, via: str) -> None:
        self.session.execute(
            insert(camera_health_spans).values(
                camera_id=camera_id, started_at=at, last_beat_at=at, last_via=via, offline_told=False
            )
        )

    def extend(self, span_id: int, *, at: datetime, via: str) -> None:
        self.session.execute(
            update(camera_health_spans)
            .where(camera_health_spans.c.id == span_id, camera_health_spans.c.last_beat_at < at)
            .values(last_beat_at=at, last_via=via)
        )

    def spans(self, camera_ids: list[str], *, start: datetime, end: datetime) -> dict[str, list[Span]]:
        """Spans of these cameras that may overlap [start, end) (a span ends at its last heartbeat at most
        `offline_after` after it, or runs on: every span that started before `end` and beat after `start`)."""
        found: dict[str, list[Span]] = {c: [] for c in camera_ids}
        rows = self.session.execute(
            select(camera_health_spans)
            .where(camera_health_spans.c.started_at < end, camera_health_spans.c.last_beat_at >= start)
            .order_by(camera_health_spans.c.started_at)
        ).all()
        for row in rows:
            if row.camera_id in found:
                found[row.camera_id].append(_span(row))
        return found

    def untold_silent(self, *, before: datetime) -> list[tuple[int, Span]]:
        """Spans whose last heartbeat is older than `before` and whose end nobody was told of yet."""
        rows = self.session.execute(
            select(camera_health_spans).where(
                camera_health_spans.c.offline_told.is_(False), camera_health_spans.c.last_beat_at < before
            )
        ).all()
        return [(r.id, _span(r)) for r in rows]

    def told(self, span_ids: list[int]) -> None:
        if span_ids:
            self.session.execute(
                update(camera_health_spans)
                .where(camera_health_spans.c.id.in_(span_ids))
                .values(offline_told=True)
            )

    def watched_cameras(self, *, owner: str | None = None) -> list[Any]:
        """Cameras whose health matters (registered, not retired): id, owner, type, status, registered at."""
        query = (
            select(
                cameras.c.camera_id, cameras.c.owner, cameras.c.type, cameras.c.status, cameras.c.created_at
            )
            .where(cameras.c.status != CameraStatus.RETIRED.value)
            .order_by(cameras.c.camera_id)
        )
        if owner is not None:
            query = query.where(cameras.c.owner == owner)
        return list(self.session.execute(query).all())
