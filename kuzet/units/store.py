"""Tables and repository of units and their status history."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, String, Table, func, insert, select, update
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from kuzet.core.db import UTCDateTime, metadata
from kuzet.core.district_scope import narrowed
from kuzet.core.errors import NotFound
from kuzet.units.domain import CrewMember, Unit, UnitStatus, UnitType

units = Table(
    "units",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("call_sign", String(40), nullable=False, unique=True),
    Column("type", String(30), nullable=False),
    Column("district", String(40), nullable=False),
    Column("crew", JSON, nullable=False),
    Column("status", String(20), nullable=False),
    Column("status_since", UTCDateTime(), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

unit_status_history = Table(
    "unit_status_history",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("unit_id", ForeignKey("units.id"), nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Column("status_before", String(20)),
    Column("status", String(20), nullable=False),
    Column("actor", String(120), nullable=False),
    Column("incident_id", Integer),
    Column("reason", String(500)),
    Index("ix_unit_status_history_unit", "unit_id", "id"),
)


def _to_unit(row: Row[Any]) -> Unit:
    return Unit(
        id=row.id,
        call_sign=row.call_sign,
        type=UnitType(row.type),
        district=row.district,
        crew=tuple(CrewMember(m["name"], m.get("badge")) for m in row.crew),
        status=UnitStatus(row.status),
        status_since=row.status_since,
    )


def crew_json(crew: tuple[CrewMember, ...]) -> list[dict[str, str | None]]:
    return [{"name": m.name, "badge": m.badge} for m in crew]


@dataclass(frozen=True)
class StatusChange:
    at: datetime
    status_before: UnitStatus | None
    status: UnitStatus
    actor: str
    incident_id: int | None
    reason: str | None


class UnitRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, unit: Unit, *, at: datetime) -> Unit:
        new_id = self.session.execute(
            insert(units)
            .values(
                call_sign=unit.call_sign,
                type=unit.type.value,
                district=unit.district,
                crew=crew_json(unit.crew),
                status=unit.status.value,
                status_since=unit.status_since,
                created_at=at,
            )
            .returning(units.c.id)
        ).scalar_one()
        return self.get(new_id)

    def get(self, unit_id: int, *, for_update: bool = False) -> Unit:
        query = select(units).where(units.c.id == unit_id)
        if for_update:
            query = query.with_for_update()
        row = self.session.execute(query).one_or_none()
        if row is None:
            raise NotFound()
        return _to_unit(row)

    def by_call_sign(self, call_sign: str) -> Unit | None:
        row = self.session.execute(select(units).where(units.c.call_sign == call_sign)).one_or_none()
        return None if row is None else _to_unit(row)

    def save(self, unit: Unit) -> Unit:
        self.session.execute(
            update(units)
            .where(units.c.id == unit.id)
            .values(
                type=unit.type.value,
                district=unit.district,
                crew=crew_json(unit.crew),
                status=unit.status.value,
                status_since=unit.status_since,
            )
        )
        return unit

    def roster(self, *, district: str | None = None, districts: Iterable[str] | None = None) -> list[Unit]:
        """The units of the district or districts given (neither: every district), by call sign."""
        query = select(units).order_by(units.c.call_sign)
        query = narrowed(query, units.c.district, district=district, districts=districts)
        return [_to_unit(row) for row in self.session.execute(query).all()]

    def note_status(self, unit_id: int, change: StatusChange) -> None:
        self.session.execute(
            insert(unit_status_history).values(
                unit_id=unit_id,
                at=change.at,
                status_before=change.status_before.value if change.status_before else None,
                status=change.status.value,
                actor=change.actor,
                incident_id=change.incident_id,
                reason=change.reason,
            )
        )

    def last_incidents(self, unit_ids: list[int]) -> dict[int, int | None]:
        """The incident named by each unit's latest status change (None if it named none)."""
        latest = (
            select(func.max(unit_status_history.c.id))
            .where(unit_status_history.c.unit_id.in_(unit_ids))
            .group_by(unit_status_history.c.unit_id)
        )
        rows = self.session.execute(
            select(unit_status_history.c.unit_id, unit_status_history.c.incident_id).where(
                unit_status_history.c.id.in_(latest)
            )
        ).all()
        return {r.unit_id: r.incident_id for r in rows}

    def history(self, unit_id: int) -> list[StatusChange]:
        rows = self.session.execute(
            select(unit_status_history)
            .where(unit_status_history.c.unit_id == unit_id)
            .order_by(unit_status_history.c.id)
        ).all()
        return [
            StatusChange(
                r.at,
                UnitStatus(r.status_before) if r.status_before else None,
                UnitStatus(r.status),
                r.actor,
                r.incident_id,
                r.reason,
            )
            for r in rows
        ]
