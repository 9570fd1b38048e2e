"""Tables and repositories of incidents, their timelines and the category catalogue."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from kuzet.core.db import UTCDateTime, metadata
from kuzet.core.district_scope import narrowed
from kuzet.core.errors import NotFound
from kuzet.incidents.catalogue import Agency, Category, Group
from kuzet.incidents.domain import OPEN_STATUSES as OPEN
from kuzet.incidents.domain import Disposition, Incident, IncidentStatus, Stamps

categories = Table(
    "categories",
    metadata,
    Column("code", String(60), primary_key=True),
    Column("group", String(30), nullable=False),
    Column("priority", Integer, nullable=False),
    Column("agencies", JSON, nullable=False),
    Column("name_ru", String(200), nullable=False),
    Column("name_kk", String(200), nullable=False),
    Column("name_en", String(200), nullable=False),
    Column("active", Boolean, nullable=False),
)

incidents = Table(
    "incidents",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("number", String(24), nullable=False, unique=True),
    Column("status", String(20), nullable=False),
    Column("category_code", ForeignKey("categories.code"), nullable=False),
    Column("priority", Integer, nullable=False),
    Column("district", String(40)),
    Column("lat", Float),
    Column("lon", Float),
    Column("address", String(500)),
    Column("description", Text, nullable=False),
    Column("received_at", UTCDateTime(), nullable=False),
    Column("first_dispatched_at", UTCDateTime()),
    Column("first_en_route_at", UTCDateTime()),
    Column("first_on_scene_at", UTCDateTime()),
    Column("cleared_at", UTCDateTime()),
    Column("closed_at", UTCDateTime()),
    Column("disposition", String(40)),
    Column("merged_into_id", ForeignKey("incidents.id")),
    Column("reopen_count", Integer, nullable=False),
    Column("reopened_at", UTCDateTime()),
    Column("location_verified_by", String(120)),
    Column("injured", Integer),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Index("ix_incidents_status_received", "status", "received_at"),
    Index("ix_incidents_updated_at", "updated_at"),  # the analytics snapshot's change scan
    # The search, newest first (region-wide and in one district), and the recently closed list.
    Index("ix_incidents_received_at", "received_at"),
    Index("ix_incidents_district_received", "district", "received_at"),
    Index("ix_incidents_closed_at", "closed_at"),
)

incident_events = Table(
    "incident_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("incident_id", ForeignKey("incidents.id"), nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Column("actor", String(120), nullable=False),
    Column("role", String(40)),
    Column("kind", String(60), nullable=False),
    Column("data", JSON, nullable=False),
    Index("ix_incident_events_incident", "incident_id", "id"),
)

_STAMP_COLUMNS = (
    "received_at",
    "first_dispatched_at",
    "first_en_route_at",
    "first_on_scene_at",
    "cleared_at",
    "closed_at",
)


def _to_incident(row: Row[Any]) -> Incident:
    return Incident(
        id=row.id,
        number=row.number,
        status=IncidentStatus(row.status),
        category_code=row.category_code,
        priority=row.priority,
        district=row.district,
        lat=row.lat,
        lon=row.lon,
        address=row.address,
        description=row.description,
        stamps=Stamps(**{name: getattr(row, name) for name in _STAMP_COLUMNS}),
        disposition=Disposition(row.disposition) if row.disposition else None,
        merged_into_id=row.merged_into_id,
        reopen_count=row.reopen_count,
        reopened_at=row.reopened_at,
        location_verified_by=row.location_verified_by,
        injured=row.injured,
    )


def _incident_values(incident: Incident) -> dict[str, Any]:
    values: dict[str, Any] = {
        "status": incident.status.value,
        "category_code": incident.category_code,
        "priority": incident.priority,
        "district": incident.district,
        "disposition": incident.disposition.value if incident.disposition else None,
        "merged_into_id": incident.merged_into_id,
        "reopen_count": incident.reopen_count,
        "reopened_at": incident.reopened_at,
        "lat": incident.lat,
        "lon": incident.lon,
        "address": incident.address,
        "location_verified_by": incident.location_verified_by,
        "injured": incident.injured,
    }
    values.update({name: getattr(incident.stamps, name) for name in _STAMP_COLUMNS})
    return values


@dataclass(frozen=True)
class TimelineEvent:
    id: int
    incident_id: int
    at: datetime
    actor: str
    role: str | None
    kind: str
    data: dict[str, Any]


# Built once: a statement given its values as parameters skips SQLAlchemy's per-call construction.
_INSERT_INCIDENT = insert(incidents).returning(*incidents.c)
_INSERT_EVENT = insert(incident_events)


class IncidentRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, *, number: str, incident: Incident, at: datetime) -> Incident:
        values = _incident_values(incident)
        values.update(
            number=number,
            lat=incident.lat,
            lon=incident.lon,
            address=incident.address,
            description=incident.description,
            created_at=at,
            updated_at=at,
        )
        row = self.session.execute(_INSERT_INCIDENT, values).one()
        return _to_incident(row)

    def get(self, incident_id: int, *, for_update: bool = False) -> Incident:
        query = select(incidents).where(incidents.c.id == incident_id)
        if for_update:
            query = query.with_for_update()
        row = self.session.execute(query).one_or_none()
        if row is None:
            raise NotFound()
        return _to_incident(row)

    def save(self, incident: Incident, *, at: datetime) -> Incident:
        self.session.execute(
            update(incidents)
            .where(incidents.c.id == incident.id)
            .values(**_incident_values(incident), updated_at=at)
        )
        return incident

    def open_queue(
        self, *, district: str | None = None, districts: Iterable[str] | None = None, limit: int = 500
    ) -> list[Incident]:
        """Open incidents (merged children left out), most urgent first, then the longest waiting; those of
        the district or districts given (neither: every district)."""
        query = (
            select(incidents)
            .where(
                incidents.c.status.in_([s.value for s in OPEN]),
                incidents.c.merged_into_id.is_(None),
            )
            .order_by(incidents.c.priority, incidents.c.received_at)
            .limit(limit)
        )
        query = narrowed(query, incidents.c.district, district=district, districts=districts)
        return [_to_incident(row) for row in self.session.execute(query).all()]

    def near(self, *, lat: float, lon: float, dlat: float, dlon: float, since: datetime) -> list[Incident]:
        """Open incidents inside a box around a point, received since the given moment."""
        query = select(incidents).where(
            incidents.c.status.in_([s.value for s in OPEN]),
            incidents.c.merged_into_id.is_(None),
            incidents.c.received_at >= since,
            incidents.c.lat.between(lat - dlat, lat + dlat),
            incidents.c.lon.between(lon - dlon, lon + dlon),
        )
        return [_to_incident(row) for row in self.session.execute(query).all()]

    def children(self, parent_id: int) -> list[Incident]:
        query = select(incidents).where(incidents.c.merged_into_id == parent_id).order_by(incidents.c.id)
        return [_to_incident(row) for row in self.session.execute(query).all()]

    def add_event(
        self, incident_id: int, *, at: datetime, actor: str, role: str | None, kind: str, data: dict[str, Any]
    ) -> None:
        self.session.execute(
            _INSERT_EVENT,
            {"incident_id": incident_id, "at": at, "actor": actor, "role": role, "kind": kind, "data": data},
        )

    def events(self, incident_ids: Iterable[int]) -> list[TimelineEvent]:
        query = (
            select(incident_events)
            .where(incident_events.c.incident_id.in_(list(incident_ids)))
            .order_by(incident_events.c.at, incident_events.c.id)
        )
        return [
            TimelineEvent(r.id, r.incident_id, r.at, r.actor, r.role, r.kind, dict(r.data or {}))
            for r in self.session.execute(query).all()
        ]


def _to_category(row: Row[Any]) -> Category:
    return Category(
        code=row.code,
        group=Group(row.group),
        priority=row.priority,
        agencies=tuple(Agency(a) for a in row.agencies),
        names={"ru": row.name_ru, "kk": row.name_kk, "en": row.name_en},
        active=bool(row.active),
    )


def category_values(category: Category) -> dict[str, Any]:
    return {
        "code": category.code,
        "group": category.group.value,
        "priority": category.priority,
        "agencies": [a.value for a in category.agencies],
        "name_ru": category.names["ru"],
        "name_kk": category.names["kk"],
        "name_en": category.names["en"],
        "active": category.active,
    }


class CategoryRepository:
    """The catalogue as one transaction sees it; a category read once is not read again in it."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._seen: dict[str, Category | None] = {}

    def all(self, *, include_inactive: bool = True) -> list[Category]:
        query = select(categories).order_by(categories.c.code)
        if not include_inactive:
            query = query.where(categories.c.active)
        return [_to_category(row) for row in self.session.execute(query).all()]

    def find(self, code: str) -> Category | None:
        if code not in self._seen:
            row = self.session.execute(select(categories).where(categories.c.code == code)).one_or_none()
            self._seen[code] = None if row is None else _to_category(row)
        return self._seen[code]

    def put(self, category: Category) -> Category:
        values = category_values(category)
        self._seen.pop(category.code, None)
        if self.find(category.code) is None:
            self.session.execute(insert(categories).values(**values))
        else:
            self.session.execute(
                update(categories).where(categories.c.code == category.code).values(**values)
            )
        return category
