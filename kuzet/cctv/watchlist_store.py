"""The table of the watch list: one entry per plate (normalised), with its reason, expiry and who keeps it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, Integer, String, Table, Text, delete, insert, select, update
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from kuzet.cctv.watchlist import PLATE_MAX, WatchEntry
from kuzet.core.db import UTCDateTime, metadata

watchlist = Table(
    "cctv_watchlist",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("plate", String(PLATE_MAX), nullable=False, unique=True),
    Column("reason", Text, nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False, index=True),
    Column("added_by", String(80), nullable=False),
    Column("added_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)


def _entry(row: Row[Any]) -> WatchEntry:
    return WatchEntry(
        id=row.id,
        plate=row.plate,
        reason=row.reason,
        expires_at=row.expires_at,
        added_by=row.added_by,
        added_at=row.added_at,
        updated_at=row.updated_at,
    )


class WatchlistRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(
        self, *, plate: str, reason: str, expires_at: datetime, added_by: str, at: datetime
    ) -> WatchEntry:
        entry_id = self.session.execute(
            insert(watchlist)
            .values(
                plate=plate,
                reason=reason,
                expires_at=expires_at,
                added_by=added_by,
                added_at=at,
                updated_at=at,
            )
            .returning(watchlist.c.id)
        ).scalar_one()
        return WatchEntry(entry_id, plate, reason, expires_at, added_by, at, at)

    def get(self, entry_id: int, *, for_update: bool = False) -> WatchEntry | None:
        query = select(watchlist).where(watchlist.c.id == entry_id)
        row = self.session.execute(query.with_for_update() if for_update else query).one_or_none()
        return None if row is None else _entry(row)

    def by_plate(self, plate: str) -> WatchEntry | None:
        row = self.session.execute(select(watchlist).where(watchlist.c.plate == plate)).one_or_none()
        return None if row is None else _entry(row)

    def all(self, *, active_at: datetime | None, limit: int) -> list[WatchEntry]:
        query = select(watchlist)
        if active_at is not None:
            query = query.where(watchlist.c.expires_at > active_at)
        rows = self.session.execute(query.order_by(watchlist.c.plate).limit(limit)).all()
        return [_entry(r) for r in rows]

    def starting_with(self, prefix: str, *, limit: int) -> list[WatchEntry]:
        # The plate is Latin capitals and digits only: no LIKE wildcard can be in the prefix.
        query = select(watchlist).where(watchlist.c.plate.startswith(prefix))
        rows = self.session.execute(query.order_by(watchlist.c.plate).limit(limit)).all()
        return [_entry(r) for r in rows]

    def change(self, entry_id: int, *, reason: str, expires_at: datetime, at: datetime) -> None:
        self.session.execute(
            update(watchlist)
            .where(watchlist.c.id == entry_id)
            .values(reason=reason, expires_at=expires_at, updated_at=at)
        )

    def remove(self, entry_id: int) -> None:
        self.session.execute(delete(watchlist).where(watchlist.c.id == entry_id))
