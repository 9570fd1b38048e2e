"""The assignments table: at most one active assignment per unit, enforced by a partial unique index; and the
one statement a recommendation reads its candidate units with."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    Select,
    String,
    Table,
    and_,
    bindparam,
    case,
    false,
    insert,
    literal_column,
    select,
    true,
    update,
)
from sqlalchemy.engine import Dialect, Row
from sqlalchemy.orm import Session

from kuzet.core.db import UTCDateTime, metadata
from kuzet.core.errors import NotFound
from kuzet.dispatch.domain import Assignment, AssignmentStatus
from kuzet.incidents.domain import Disposition
from kuzet.incidents.store import incidents
from kuzet.units.positions.store import unit_positions
from kuzet.units.store import units

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
    # Metres from the scene of an arrival the operator confirmed although the unit's GPS was far (else NULL).
    Column("far_arrival_m", Integer),
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
        far_arrival_m=row.far_arrival_m,
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
                far_arrival_m=assignment.far_arrival_m,
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


# The columns of a candidate row (see candidates_query), by position.
(
    UNIT_ID,
    CALL_SIGN,
    UNIT_TYPE,
    UNIT_STATUS,
    DISTRICT,
    FIX_AT,
    LAT,
    LON,
    SNAP_STORED,
    ROAD_EDGE,
    ROAD_FRACTION,
    ROAD_DISTANCE_M,
    BUSY_INCIDENT,
    BUSY_PRIORITY,
) = range(14)


def candidates_query(*, one_district: bool) -> Select[Any]:
    """Every unit (of one district, or all), ordered by call sign, with what ranking it needs: its type and
    status, its last fix (where, when, and the road snap stored with it), and the incident it works on now.

    One statement instead of three reads (roster, busy units, last fixes): it reads the units', positions'
    and incidents' tables itself, on purpose, as a recommendation is on a dispatcher's critical path. The
    active assignment is joined under the partial index's own condition (`active`, `active = 1` on SQLite),
    so the index of active assignments is read, never the history. SNAP_STORED is true when the stored snap
    may be used: complete, made on the graph now loaded (`:graph`, its fingerprint) and naming an edge of it
    (`:edges`, the edge count). Parameters: graph, edges, and district when `one_district`."""
    u, p, a = units.c, unit_positions.c, assignments.c
    usable = and_(
        p.road_graph == bindparam("graph", type_=String),
        p.road_edge >= literal_column("0"),
        p.road_edge < bindparam("edges", type_=Integer),
        p.road_fraction.is_not(None),
        p.road_distance_m.is_not(None),
        p.road_lat.is_not(None),
        p.road_lon.is_not(None),
    )
    query = (
        select(
            u.id,
            u.call_sign,
            u.type,
            u.status,
            u.district,
            p.at,
            p.lat,
            p.lon,
            case((usable, true()), else_=false()),
            p.road_edge,
            p.road_fraction,
            p.road_distance_m,
            incidents.c.id,
            incidents.c.priority,
        )
        .select_from(
            units.outerjoin(unit_positions, p.unit_id == u.id)
            .outerjoin(assignments, and_(a.unit_id == u.id, a.active))
            .outerjoin(incidents, incidents.c.id == a.incident_id)
        )
        .order_by(u.call_sign)
    )
    if one_district:
        query = query.where(u.district == bindparam("district", type_=String))
    return query


@dataclass(frozen=True)
class _Compiled:
    sql: str
    order: tuple[str, ...] | None  # the parameters' order when the driver takes them by position
    fix_at: Callable[[Any], Any]  # the driver's value of FIX_AT to a UTC datetime


_COMPILED: dict[tuple[str, str, bool], _Compiled] = {}
_COMPILED_LOCK = threading.Lock()


def _compiled(dialect: Dialect, one_district: bool) -> _Compiled:
    """The statement as this database's SQL, compiled once per dialect (it is the same for every call)."""
    key = (dialect.name, dialect.paramstyle, one_district)
    found = _COMPILED.get(key)
    if found is None:
        with _COMPILED_LOCK:
            found = _COMPILED.get(key)
            if found is None:
                compiled = candidates_query(one_district=one_district).compile(dialect=dialect)
                order = tuple(compiled.positiontup or ()) if compiled.positional else None
                at_type = unit_positions.c.at.type.dialect_impl(dialect)
                convert = at_type.result_processor(dialect, None) or _unchanged
                found = _COMPILED[key] = _Compiled(str(compiled), order, convert)
    return found


def _unchanged(value: Any) -> Any:
    return value


@dataclass(frozen=True)
class Candidates:
    """The rows of candidates_query with the driver's values (no type converts them), read by position; and
    how to read a fix's time, which only the few units recommended need."""

    rows: Sequence[Sequence[Any]]
    fix_at: Callable[[Any], datetime]


def read_candidates(session: Session, *, district: str | None, graph: str, edges: int) -> Candidates:
    """Run candidates_query in the session's transaction. The SQL is sent to the driver as compiled once:
    no statement is built, cached or compiled per call, and no row is converted to objects."""
    connection = session.connection()
    dialect = connection.dialect
    compiled = _compiled(dialect, district is not None)
    params: dict[str, Any] = {"graph": graph, "edges": edges}
    if district is not None:
        params["district"] = district
    values: Any = params if compiled.order is None else tuple(params[name] for name in compiled.order)
    rows = connection.exec_driver_sql(compiled.sql, values).all()
    return Candidates(rows, compiled.fix_at)
