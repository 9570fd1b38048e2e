"""The live feed table: what consoles are told, one row per change, written in the changing transaction.

Rows are numbered by an ever-growing sequence, so a console that reconnects asks for what came after the
last number it saw. Old rows are pruned; a console that is too far behind reloads its snapshot instead.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Index,
    Integer,
    String,
    Table,
    delete,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.orm import Session

from kuzet.core.db import metadata

live_events = Table(
    "live_events",
    metadata,
    Column("seq", Integer, primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("district", String(40), nullable=True),  # None: every console in the region sees it
    Column("payload", JSON, nullable=False),
    Index("ix_live_events_at", "at"),
    sqlite_autoincrement=True,  # numbers are never reused, even after the newest rows are pruned
)

CHANNEL = "kuzet_live"  # the PostgreSQL notification channel that wakes every worker's feed


@dataclass(frozen=True)
class LiveEvent:
    seq: int
    kind: str
    district: str | None
    payload: dict[str, Any]


def append(session: Session, rows: Sequence[tuple[str, str | None, dict[str, Any]]], *, at: datetime) -> None:
    """Add (kind, district, payload) rows in the caller's transaction, in one statement; on PostgreSQL, wake
    every worker's listeners when it commits (a notification is sent only on commit). The caller calls
    `committed` once the transaction has committed, to wake this process's readers."""
    if not rows:
        return
    session.execute(
        insert(live_events), [{"at": at, "kind": k, "district": d, "payload": p} for k, d, p in rows]
    )
    if session.get_bind().dialect.name == "postgresql":
        session.execute(_NOTIFY, {"channel": CHANNEL})


_NOTIFY = text("SELECT pg_notify(:channel, '')")

# What to call once a transaction that wrote feed rows has committed (the hubs of this process).
after_commit: list[Callable[[], None]] = []


def committed() -> None:
    for wake in list(after_commit):
        wake()


def after(session: Session, seq: int, *, limit: int) -> list[LiveEvent]:
    """Rows numbered above `seq`, oldest first, at most `limit`."""
    found = session.execute(
        select(live_events.c.seq, live_events.c.kind, live_events.c.district, live_events.c.payload)
        .where(live_events.c.seq > seq)
        .order_by(live_events.c.seq)
        .limit(limit)
    )
    return [LiveEvent(r.seq, r.kind, r.district, r.payload) for r in found]


def bounds(session: Session) -> tuple[int, int]:
    """The lowest and highest number kept (0, 0 when the table is empty)."""
    low, high = session.execute(select(func.min(live_events.c.seq), func.max(live_events.c.seq))).one()
    return int(low or 0), int(high or 0)


def prune(session: Session, *, before: datetime) -> None:
    session.execute(delete(live_events).where(live_events.c.at < before))
