"""The assignments table: at most one active assignment per unit, enforced by a partial unique index."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    insert,
    select,
    true,
    update,
)
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from kuzet.core.db import UTCDateTime, metadata
from kuzet.core.errors import NotFound
from kuzet.dispatch.domain import Assignment, AssignmentStatus
from kuzet.incidents.domain import Disposition

assignments = Table(
    "assignments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("incident_id", ForeignKey("incidents.id"), nullable=False, index=True),
    Column("unit_id", ForeignKey("units.id"), nullable=False),
    Column("status", String(20), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("assigned_at", UTCDateTime(), nullable=False),
    Column("assigned_by", String(120), nullable=False),
    Column("acknowledged_at", UTCDateTime()),
    Column("en_route_at", UTCDateTime()),
    Column("on_scene_at", UTCDateTime()),
    Column("cleared_at", UTCDateTime()),
    Column("cancelled_at", UTCDateTime()),
    Column("cancel_reason", String(500)),
    Column("disposition", String(40)),
    # The latest of its stamps, kept for the analytics snapshot's change scan (NULL on rows loaded in bulk,
    # which that scan finds by their new ids).
    Column("updated_at", UTCDateTime()),
    Index("ix_assignments_updated_at", "updated_at"),
)
# The database itself refuses a second active assignment of one unit, whatever the application does.
Index(
    "uq_assignments_active_unit",
    assignments.c.unit_id,
    unique=True,
    postgresql_where=assignments.c.active,
    # As SQLAlchemy writes `.where(assignments.c.active)` on SQLite, so that such queries use this index.
    sqlite_where=assignments.c.active == true(),
)

_MOMENTS = ("acknowledged_at", "en_route_at", "on_scene_at", "cleared_at", "cancelled_at")


def _to_assignment(row: Row[Any]) -> Assignment:
    return Assignment(
        id=row.id,
        incident_id=row.incident_id,
        unit_id=row.unit_id,
        status=AssignmentStatus(row.status),
        assigned_at=row.assigned_at,
        assigned_by=row.assigned_by,
        cancel_reason=row.cancel_reason,
        disposition=Disposition(row.disposition) if row.disposition else None,
        **{name: getattr(row, name) for name in _MOMENTS},
    )


class AssignmentRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, *, incident_id: int, unit_id: int, at: datetime, by: str) -> Assignment:
        new_id = self.session.execute(
            insert(assignments)
            .values(
                incident_id=incident_id,
                unit_id=unit_id,
                status=AssignmentStatus.ASSIGNED.value,
                active=True,
                assigned_at=at,
                assigned_by=by,
                updated_at=at,
            )
            .returning(assignments.c.id)
        ).scalar_one()
        return self.get(new_id)

    def get(self, assignment_id: int, *, for_update: bool = False) -> Assignment:
        query = select(assignments).where(assignments.c.id == assignment_id)
        if for_update:
            query = query.with_for_update()
        row = self.session.execute(query).one_or_none()
        if row is None:
            raise NotFound()
        return _to_assignment(row)

    def save(self, assignment: Assignment) -> Assignment:
        self.session.execute(
            update(assignments)
            .where(assignments.c.id == assignment.id)
            .values(
                status=assignment.status.value,
                active=assignment.active,
                cancel_reason=assignment.cancel_reason,
                disposition=assignment.disposition.value if assignment.disposition else None,
                **{name: getattr(assignment, name) for name in _MOMENTS},
                updated_at=_latest(assignment),
            )
        )
        return assignment

    def of_incidents(self, incident_ids: list[int]) -> list[Assignment]:
        query = (
            select(assignments)
            .where(assignments.c.incident_id.in_(incident_ids))
            .order_by(assignments.c.assigned_at, assignments.c.id)
        )
        return [_to_assignment(row) for row in self.session.execute(query).all()]

    def active_count(self, incident_id: int) -> int:
        query = select(assignments.c.id).where(assignments.c.incident_id == incident_id, assignments.c.active)
        return len(self.session.execute(query).all())


def _latest(assignment: Assignment) -> datetime:
    moments: list[datetime] = [assignment.assigned_at]
    moments += [m for name in _MOMENTS if (m := getattr(assignment, name)) is not None]
    return max(moments)
