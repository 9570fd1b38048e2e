"""Tables of unit positions (AVL): the last known fix of each unit, and the track of every fix."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Column, Float, ForeignKey, Index, Integer, String, Table, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from kuzet.core.db import UTCDateTime, metadata


def _fix_columns() -> list[Column[Any]]:
    """The columns of one fix (a column belongs to one table, so each table gets its own)."""
    return [
        Column("at", UTCDateTime(), nullable=False),
        Column("lat", Float, nullable=False),
        Column("lon", Float, nullable=False),
        Column("speed_kmh", Float),
        Column("heading", Float),
        Column("accuracy_m", Float),
        # Where the fix lies on the road graph (empty if it is off every road or no graph is loaded).
        Column("road_lat", Float),
        Column("road_lon", Float),
        Column("road_edge", Integer),
        Column("road_fraction", Float),
        Column("road_distance_m", Float),
        Column("road_graph", String(16)),  # the fingerprint of the road graph it was snapped on
        Column("source", String(10), nullable=False),
        Column("received_at", UTCDateTime(), nullable=False),
    ]


unit_positions = Table(
    "unit_positions",
    metadata,
    Column("unit_id", ForeignKey("units.id"), primary_key=True),
    *_fix_columns(),
)

unit_tracks = Table(
    "unit_tracks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("unit_id", ForeignKey("units.id"), nullable=False),
    *_fix_columns(),
    Index("ix_unit_tracks_unit_at", "unit_id", "at"),
)

FIELDS = tuple(c.name for c in _fix_columns())


@dataclass(frozen=True)
class Position:
    """A unit's fix as stored: where it was, when, and where that is on the road graph."""

    unit_id: int
    at: datetime
    lat: float
    lon: float
    speed_kmh: float | None
    heading: float | None
    accuracy_m: float | None
    road_lat: float | None
    road_lon: float | None
    road_edge: int | None
    road_fraction: float | None
    road_distance_m: float | None
    road_graph: str | None
    source: str
    received_at: datetime

    def age_seconds(self, now: datetime) -> float:
        return max(0.0, (now - self.at).total_seconds())


def _columns(table: Table) -> list[Any]:
    """unit_id and the fix, in Position's order (rows are then read by position, which is fast)."""
    return [table.c.unit_id, *(table.c[name] for name in FIELDS)]


def _to_position(row: Row[Any]) -> Position:
    values: tuple[Any, ...] = tuple(row)  # the columns are in Position's order (see _columns)
    return Position(*values)


@cache
def _upsert_latest(dialect: str) -> Any:
    """Replace the last known fix, but only with a newer one: a late fix goes to the track only."""
    make_insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = make_insert(unit_positions)
    return statement.on_conflict_do_update(
        index_elements=[unit_positions.c.unit_id],
        set_={name: statement.excluded[name] for name in FIELDS},
        where=unit_positions.c.at < statement.excluded.at,
    )


# A row of the track as the driver takes it: unit_id, then FIELDS in order.
Row_ = tuple[Any, ...]
_MOMENTS = tuple(i for i, name in enumerate(("unit_id", *FIELDS)) if name in {"at", "received_at"})
_MARK = {"qmark": "?", "format": "%s", "pyformat": "%s", "numeric": ":{n}", "named": ":c{n}"}


def _unchanged(value: Any) -> Any:
    return value


@cache
def _track_insert(paramstyle: str) -> str:
    names = ("unit_id", *FIELDS)
    marks = ", ".join(_MARK[paramstyle].format(n=i + 1) for i in range(len(names)))
    # Only our own table and column names are joined here; the values travel as parameters.
    return f"INSERT INTO {unit_tracks.name} ({', '.join(names)}) VALUES ({marks})"  # noqa: S608


class PositionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, rows: list[Row_]) -> None:
        """Store fixes (tuples of unit_id and FIELDS) in the track, and the newest of each unit as latest.

        The track takes thousands of rows a second, so they go to the driver's executemany directly; the two
        moments still pass through their column type's own conversion, as SQLAlchemy would store them."""
        if not rows:
            return
        connection = self.session.connection()
        dialect = connection.dialect
        to_db = unit_tracks.c.at.type.bind_processor(dialect) or _unchanged
        converted = []
        for row in rows:
            values = list(row)
            for i in _MOMENTS:
                values[i] = to_db(values[i])
            converted.append(tuple(values))
        connection.exec_driver_sql(_track_insert(dialect.paramstyle), converted)
        newest: dict[int, Row_] = {}
        for row in rows:
            kept = newest.get(row[0])
            if kept is None or row[1] > kept[1]:
                newest[row[0]] = row
        latest = [dict(zip(("unit_id", *FIELDS), newest[unit], strict=True)) for unit in sorted(newest)]
        self.session.execute(_upsert_latest(dialect.name), latest)

    def last_fixes(self, unit_ids: list[int]) -> dict[int, tuple[datetime, float, float]]:
        """(time, lat, lon) of each unit's last known fix: what a new fix is checked against."""
        p = unit_positions.c
        query = select(p.unit_id, p.at, p.lat, p.lon).where(p.unit_id.in_(unit_ids))
        return {row[0]: (row[1], row[2], row[3]) for row in self.session.execute(query).all()}

    def latest(self, unit_ids: list[int] | None = None) -> dict[int, Position]:
        query = select(*_columns(unit_positions))
        if unit_ids is not None:
            query = query.where(unit_positions.c.unit_id.in_(unit_ids))
        return {row.unit_id: _to_position(row) for row in self.session.execute(query).all()}

    def track(self, unit_id: int, *, since: datetime, until: datetime, limit: int = 5000) -> list[Position]:
        query = (
            select(*_columns(unit_tracks))
            .where(unit_tracks.c.unit_id == unit_id, unit_tracks.c.at >= since, unit_tracks.c.at < until)
            .order_by(unit_tracks.c.at, unit_tracks.c.id)
            .limit(limit)
        )
        return [_to_position(row) for row in self.session.execute(query).all()]
