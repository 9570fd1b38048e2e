"""Reading what the snapshot needs from the operational store, without ever holding up intake.

This is the one place where a feature reads other features' tables (incidents, their timeline, appeals,
assignments, units, categories): only to copy a few columns of them, read-only, a chunk at a time. Going
through their services would build full domain objects one by one, in their transactions.

Every read runs in a short read-only transaction of its own: on SQLite a deferred BEGIN in WAL mode (the
application's engine begins IMMEDIATE, which would take the write lock), on PostgreSQL a READ ONLY one.

What changed since the last refresh is found by ids and stamps, so that nothing is missed:
- new incidents, new timeline entries (an appeal joined, moved or left; every change of an incident writes
  one) and new assignments, by id above the floors of an earlier refresh;
- incidents and assignments whose `updated_at` (for an assignment, its latest stamp) is at or after `since`
  (an assignment acknowledged or cleared changes no incident row); both are indexed, so that a refresh that
  finds nothing reads no table through;
- imported incidents by id, up to the first row of an import still running (under way, or interrupted and
  not yet resumed or undone): an import counts in analytics when it is whole, never half-done.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import Connection, Engine, create_engine, event, func, or_, select, union
from sqlalchemy.engine import Row

from kuzet.analytics.cad.tables import cad_imports, imported_incidents
from kuzet.analytics.domain import INCIDENT_STAMPS
from kuzet.analytics.snapshot.columns import appeal_entry, local_parts
from kuzet.appeals.store import appeals
from kuzet.dispatch.store import assignments
from kuzet.incidents.store import categories, incident_events, incidents
from kuzet.units.store import units

CHUNK: Final = 250  # ids per read transaction (short, and short stretches holding the interpreter)
_ASSIGNMENT_STAMPS: Final = ("assigned_at", "acknowledged_at", "en_route_at", "on_scene_at", "cleared_at")
_INCIDENT_COLUMNS: Final = (
    "id",
    "number",
    "status",
    "category_code",
    "priority",
    "district",
    "disposition",
    "merged_into_id",
    "reopen_count",
    *INCIDENT_STAMPS,
)


def reader_engine(engine: Engine) -> Engine:
    """An engine whose transactions only read and never wait for, or block, a writer."""
    if engine.dialect.name != "sqlite":
        return engine.execution_options(postgresql_readonly=True)
    reader = create_engine(engine.url, connect_args={"check_same_thread": False}, hide_parameters=True)

    @event.listens_for(reader, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy, not the driver, opens transactions
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA query_only=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    @event.listens_for(reader, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN")  # deferred: a WAL reader takes no lock that a writer waits on

    return reader


@dataclass(frozen=True)
class Floors:
    """The highest ids seen at one moment, and how many imported incidents there were up to that id."""

    incidents: int = 0
    events: int = 0
    assignments: int = 0
    imported: int = 0
    imported_rows: int = 0


class Source:
    def __init__(self, engine: Engine) -> None:
        self.engine = reader_engine(engine)
        # On PostgreSQL the reader shares the application's pool; only an engine of its own is disposed.
        self._own_engine = self.engine is not engine and engine.dialect.name == "sqlite"

    def dispose(self) -> None:
        if self._own_engine:
            self.engine.dispose()

    def floors(self) -> Floors:
        with self.engine.begin() as conn:
            imported_max = _imported_top(conn)
            return Floors(
                incidents=_max_id(conn, incidents.c.id),
                events=_max_id(conn, incident_events.c.id),
                assignments=_max_id(conn, assignments.c.id),
                imported=imported_max,
                imported_rows=_imported_up_to(conn, imported_max),
            )

    def consistent_with(self, floors: Floors) -> bool:
        """False when rows below the floors went away (a restored or emptied database, a removed import):
        then only a full rebuild is right."""
        with self.engine.begin() as conn:
            if _max_id(conn, incidents.c.id) < floors.incidents:
                return False
            return _imported_up_to(conn, floors.imported) == floors.imported_rows

    def all_live_ids(self) -> list[int]:
        with self.engine.begin() as conn:
            return list(conn.execute(select(incidents.c.id).order_by(incidents.c.id)).scalars())

    def all_imported_ids(self) -> list[int]:
        with self.engine.begin() as conn:
            top = _imported_top(conn)
            query = select(imported_incidents.c.id).where(imported_incidents.c.id <= top)
            return list(conn.execute(query.order_by(imported_incidents.c.id)).scalars())

    def changed_live_ids(self, *, since: datetime, floors: Floors) -> list[int]:
        query = union(
            select(incidents.c.id).where(
                or_(incidents.c.id > floors.incidents, incidents.c.updated_at >= since)
            ),
            select(incident_events.c.incident_id).where(incident_events.c.id > floors.events),
            select(assignments.c.incident_id).where(
                or_(assignments.c.id > floors.assignments, assignments.c.updated_at >= since)
            ),
        )
        with self.engine.begin() as conn:
            return sorted(conn.execute(query).scalars())

    def import_calendars(self) -> set[tuple[str, str]]:
        """The (zone, week start) of the sources of the whole imports that hold rows (an older import without
        them counts as the region's default, Asia/Almaty and Monday)."""
        query = select(cad_imports.c.report).where(
            cad_imports.c.finished_at.is_not(None), cad_imports.c.rows_imported > 0
        )
        with self.engine.begin() as conn:
            reports = conn.execute(query).scalars().all()
        found = set()
        for report in reports:
            data = json.loads(report) if isinstance(report, str) else (report or {})
            found.add((str(data.get("zone") or "Asia/Almaty"), str(data.get("week_start") or "monday")))
        return found

    def new_imported_ids(self, floors: Floors, now: Floors) -> list[int]:
        """Imported rows above the earlier floors, up to the current ones (the rows of whole imports)."""
        query = select(imported_incidents.c.id).where(
            imported_incidents.c.id > floors.imported, imported_incidents.c.id <= now.imported
        )
        with self.engine.begin() as conn:
            return sorted(conn.execute(query).scalars())

    def live_rows(self, ids: Sequence[int]) -> Iterator[list[dict[str, Any]]]:
        """Snapshot rows of the live incidents, a chunk (one short transaction) at a time."""
        for start in range(0, len(ids), CHUNK):
            with self.engine.begin() as conn:
                yield _live_chunk(conn, ids[start : start + CHUNK])

    def imported_rows(self, ids: Sequence[int]) -> Iterator[list[dict[str, Any]]]:
        for start in range(0, len(ids), CHUNK):
            with self.engine.begin() as conn:
                yield _imported_chunk(conn, ids[start : start + CHUNK])


def _max_id(conn: Connection, column: Any) -> int:
    return int(conn.execute(select(func.coalesce(func.max(column), 0))).scalar_one())


def _imported_top(conn: Connection) -> int:
    """The highest imported id that analytics may read: below the first row of any import not finished."""
    top = _max_id(conn, imported_incidents.c.id)
    first_running = conn.execute(
        select(func.min(imported_incidents.c.id))
        .join(cad_imports, cad_imports.c.id == imported_incidents.c.import_id)
        .where(cad_imports.c.finished_at.is_(None))
    ).scalar()
    return top if first_running is None else min(top, int(first_running) - 1)


def _imported_up_to(conn: Connection, top: int) -> int:
    query = select(func.count()).select_from(imported_incidents).where(imported_incidents.c.id <= top)
    return int(conn.execute(query).scalar_one())


def _live_chunk(conn: Connection, ids: Sequence[int]) -> list[dict[str, Any]]:
    found = conn.execute(
        select(*(incidents.c[name] for name in _INCIDENT_COLUMNS), categories.c.group.label("category_group"))
        .join(categories, categories.c.code == incidents.c.category_code, isouter=True)
        .where(incidents.c.id.in_(ids))
    ).all()
    appeals_of: dict[int, list[Any]] = defaultdict(list)
    for appeal in conn.execute(
        select(appeals.c.incident_id, appeals.c.channel, appeals.c.partner, appeals.c.received_at)
        .where(appeals.c.incident_id.in_(ids))
        .order_by(appeals.c.received_at, appeals.c.id)
    ):
        appeals_of[appeal.incident_id].append(appeal)
    first_assignment: dict[int, Any] = {}
    for assignment in conn.execute(
        select(
            assignments.c.incident_id,
            *(assignments.c[name] for name in _ASSIGNMENT_STAMPS),
            units.c.type.label("unit_type"),
        )
        .join(units, units.c.id == assignments.c.unit_id, isouter=True)
        .where(assignments.c.incident_id.in_(ids))
        .order_by(assignments.c.assigned_at, assignments.c.id)
    ):
        first_assignment.setdefault(assignment.incident_id, assignment)
    return [_live_row(r, appeals_of[r.id], first_assignment.get(r.id)) for r in found]


def _live_row(incident: Any, its_appeals: list[Any], first: Any) -> dict[str, Any]:
    head = its_appeals[0] if its_appeals else None
    return {
        "key": f"live:{incident.id}",
        "origin": "live",
        "number": incident.number,
        "category_code": incident.category_code,
        "category_group": incident.category_group,
        "priority": incident.priority,
        "district": incident.district,
        "channel": head.channel if head else None,
        "partner": head.partner if head else None,
        "appeals_count": len(its_appeals),
        "unit_type": first.unit_type if first else None,
        "status": incident.status,
        "disposition": incident.disposition,
        "reopened": incident.reopen_count > 0,
        "merged": incident.merged_into_id is not None,
        **{name: getattr(incident, name) for name in INCIDENT_STAMPS},
        **{f"unit_{name}": getattr(first, name) if first else None for name in _ASSIGNMENT_STAMPS},
        "stamps": [],
        "source_priority": None,
        "source_category": None,
        "dimensions": [],
        **local_parts(incident.received_at).as_dict(),
        "appeals": [appeal_entry(a.channel, a.partner, a.received_at) for a in its_appeals],
    }


def _imported_chunk(conn: Connection, ids: Sequence[int]) -> list[dict[str, Any]]:
    found = conn.execute(
        select(imported_incidents, categories.c.group.label("category_group"))
        .join(categories, categories.c.code == imported_incidents.c.category_code, isouter=True)
        .where(imported_incidents.c.id.in_(ids))
    ).all()
    return [_imported_row(r) for r in found]


def _imported_row(incident: Row[Any]) -> dict[str, Any]:
    """An imported incident counts as one appeal, through the channel (and partner) its export names."""
    return {
        "key": f"imported:{incident.id}",
        "origin": "imported",
        "number": incident.number,
        "category_code": incident.category_code,
        "category_group": incident.category_group,
        "priority": incident.priority,
        "district": incident.district,
        "channel": incident.channel,
        "partner": incident.partner,
        "appeals_count": 1,
        "unit_type": incident.unit_type,
        "status": None,
        "disposition": incident.disposition,
        "reopened": False,
        "merged": False,
        **{name: getattr(incident, name) for name in INCIDENT_STAMPS},
        "stamps": further_stamps(incident.stamps),
        "source_priority": incident.source_priority,
        "source_category": incident.category_raw,
        "dimensions": source_values(incident.dimensions),
        **local_parts(incident.received_at).as_dict(),
        "appeals": [appeal_entry(incident.channel, incident.partner, incident.received_at)],
    }


def further_stamps(stored: Any) -> list[tuple[str, datetime]]:
    """An imported incident's further stamps (ISO 8601 UTC by name); an empty or unreadable one is left out,
    so an interval that needs it counts as missing."""
    if isinstance(stored, str):
        stored = json.loads(stored)
    kept: list[tuple[str, datetime]] = []
    for name, value in (stored or {}).items():
        if not isinstance(value, str):
            continue
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            continue
        if moment.tzinfo is not None:
            kept.append((str(name), moment))
    return kept


def source_values(stored: Any) -> list[tuple[str, str]]:
    """An imported incident's further source columns (text by name), as the snapshot's map."""
    if isinstance(stored, str):
        stored = json.loads(stored)
    return [(str(name), str(value)) for name, value in (stored or {}).items() if value is not None]
