"""Footage requests and their chain of custody: one row per request, one row per step of its trail."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import Column, ForeignKey, Integer, String, Table, Text, insert, select, update
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from kuzet.cctv.domain import CAMERA_ID_MAX
from kuzet.cctv.footage import (
    BADGE_MAX,
    NAME_MAX,
    REFERENCE_MAX,
    CustodyEntry,
    CustodyStep,
    FootageRequest,
)
from kuzet.core.db import UTCDateTime, metadata
from kuzet.core.errors import NotFound

footage_requests = Table(
    "cctv_footage_requests",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "camera_id", String(CAMERA_ID_MAX), ForeignKey("cctv_cameras.camera_id"), nullable=False, index=True
    ),
    Column("incident_id", Integer, ForeignKey("incidents.id"), nullable=False, index=True),
    Column("district", String(40)),
    Column("window_start", UTCDateTime(), nullable=False),
    Column("window_end", UTCDateTime(), nullable=False),
    Column("reason", Text, nullable=False),
    Column("status", String(20), nullable=False),
    Column("requested_at", UTCDateTime(), nullable=False),
)

footage_custody = Table(
    "cctv_footage_custody",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("request_id", Integer, ForeignKey("cctv_footage_requests.id"), nullable=False, index=True),
    Column("step", String(20), nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Column("by_actor", String(120), nullable=False),
    Column("by_role", String(40)),
    Column("file_sha256", String(64)),
    Column("file_reference", String(REFERENCE_MAX)),
    Column("investigator_name", String(NAME_MAX)),
    Column("investigator_badge", String(BADGE_MAX)),
)


def _entry(row: Row[Any]) -> CustodyEntry:
    return CustodyEntry(
        step=CustodyStep(row.step),
        at=row.at,
        by=row.by_actor,
        by_role=row.by_role,
        file_sha256=row.file_sha256,
        file_reference=row.file_reference,
        investigator_name=row.investigator_name,
        investigator_badge=row.investigator_badge,
    )


def _entry_values(request_id: int, entry: CustodyEntry) -> dict[str, Any]:
    return {
        "request_id": request_id,
        "step": entry.step.value,
        "at": entry.at,
        "by_actor": entry.by,
        "by_role": entry.by_role,
        "file_sha256": entry.file_sha256,
        "file_reference": entry.file_reference,
        "investigator_name": entry.investigator_name,
        "investigator_badge": entry.investigator_badge,
    }


class FootageRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, request: FootageRequest) -> int:
        first = request.trail[0]
        request_id = self.session.execute(
            insert(footage_requests)
            .values(
                camera_id=request.camera_id,
                incident_id=request.incident_id,
                district=request.district,
                window_start=request.window_start,
                window_end=request.window_end,
                reason=request.reason,
                status=request.status.value,
                requested_at=first.at,
            )
            .returning(footage_requests.c.id)
        ).scalar_one()
        for entry in request.trail:
            self.session.execute(insert(footage_custody).values(_entry_values(request_id, entry)))
        return int(request_id)

    def append(self, request_id: int, entry: CustodyEntry) -> None:
        """Add the next step to the trail and move the request's status with it."""
        self.session.execute(insert(footage_custody).values(_entry_values(request_id, entry)))
        self.session.execute(
            update(footage_requests)
            .where(footage_requests.c.id == request_id)
            .values(status=entry.step.value)
        )

    def get(self, request_id: int, *, for_update: bool = False) -> FootageRequest:
        query = select(footage_requests).where(footage_requests.c.id == request_id)
        row = self.session.execute(query.with_for_update() if for_update else query).one_or_none()
        if row is None:
            raise NotFound()
        return self._with_trails([row])[0]

    def find(self, *, camera_id: str | None, incident_id: int | None, limit: int) -> list[FootageRequest]:
        """Requests of a camera and/or an incident, newest first."""
        query = select(footage_requests).order_by(footage_requests.c.id.desc()).limit(limit)
        if camera_id is not None:
            query = query.where(footage_requests.c.camera_id == camera_id)
        if incident_id is not None:
            query = query.where(footage_requests.c.incident_id == incident_id)
        return self._with_trails(list(self.session.execute(query).all()))

    def _with_trails(self, rows: list[Row[Any]]) -> list[FootageRequest]:
        trails: dict[int, list[CustodyEntry]] = defaultdict(list)
        if rows:
            entries = self.session.execute(
                select(footage_custody)
                .where(footage_custody.c.request_id.in_([r.id for r in rows]))
                .order_by(footage_custody.c.id)
            ).all()
            for entry in entries:
                trails[entry.request_id].append(_entry(entry))
        return [
            FootageRequest(
                camera_id=r.camera_id,
                incident_id=r.incident_id,
                district=r.district,
                window_start=r.window_start,
                window_end=r.window_end,
                reason=r.reason,
                trail=tuple(trails[r.id]),
                request_id=r.id,
            )
            for r in rows
        ]
