"""The transactional outbox and its relay.

A message is written in the same transaction as the change it reports, so it exists if and only if the
change was committed. The relay delivers it at least once, with retries and exponential back-off, under a
stable event id the receiver can deduplicate on. Messages with the same ordering key (one appeal, say) go
out strictly in order: a later one waits until the earlier is delivered.
"""

from __future__ import annotations

import logging
import random
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session, sessionmaker

from kuzet.core.clock import Clock
from kuzet.core.db import UTCDateTime, metadata

log = logging.getLogger(__name__)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("destination", String(60), nullable=False),
    Column("kind", String(60), nullable=False),
    Column("ordering_key", String(80), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UTCDateTime(), nullable=False),
    Column("delivered_at", UTCDateTime()),
    # Set when delivery gave up after the last allowed attempt; such a message no longer holds up later ones.
    Column("dead_at", UTCDateTime()),
    Column("last_status", Integer),
    Column("last_error", Text),
    Index("ix_outbox_pending", "delivered_at", "ordering_key", "id"),
)

outbox_attempts = Table(
    "outbox_attempts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("message_id", ForeignKey("outbox.id"), nullable=False, index=True),
    Column("at", UTCDateTime(), nullable=False),
    Column("status", Integer),
    Column("error", Text),
    Column("duration_ms", Integer, nullable=False),
)


@dataclass(frozen=True)
class Message:
    id: int
    event_id: str
    destination: str
    kind: str
    ordering_key: str
    payload: dict[str, Any]
    created_at: datetime
    attempts: int
    next_attempt_at: datetime
    delivered_at: datetime | None
    dead_at: datetime | None
    last_status: int | None
    last_error: str | None


def _to_message(row: Row[Any]) -> Message:
    return Message(**{c.name: getattr(row, c.name) for c in outbox.columns})


_ENQUEUE = insert(outbox)  # built once; the values come as parameters


def enqueue(
    session: Session, *, destination: str, kind: str, ordering_key: str, payload: dict[str, Any], at: datetime
) -> str:
    """Write a message in the caller's transaction; returns its event id."""
    event_id = str(uuid.uuid4())
    session.execute(
        _ENQUEUE,
        {
            "event_id": event_id,
            "destination": destination,
            "kind": kind,
            "ordering_key": ordering_key,
            "payload": {**payload, "event_id": event_id},
            "created_at": at,
            "attempts": 0,
            "next_attempt_at": at,
        },
    )
    return event_id


def backoff(attempts: int, *, base: float = 1.0, cap: float = 600.0) -> float:
    """Seconds before the next try: doubling from `base` up to `cap`, with up to 10 % jitter."""
    delay: float = min(cap, base * 2.0 ** min(max(attempts - 1, 0), 30))
    return delay * (1 + random.random() / 10)  # noqa: S311 - jitter, not security


@dataclass(frozen=True)
class Delivery:
    status: int | None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


Sender = Callable[[Message], Delivery]


class Relay:
    """Delivers due messages. Safe to run in several processes: a message is leased before it is sent."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        clock: Clock,
        senders: dict[str, Sender],
        *,
        lease: timedelta = timedelta(seconds=30),
        backoff_base: float = 1.0,
        batch: int = 50,
        chores: Callable[[], None] | None = None,
        chores_every: float = 60.0,
        max_attempts: int = 100,
        parallel: int = 4,
    ) -> None:
        self._session_factory = session_factory
        self._clock = clock
        self._senders = senders
        self._lease = lease
        self._backoff_base = backoff_base
        self._batch = batch
        self._stop = threading.Event()
        self._chores = chores
        self._chores_every = chores_every
        self._chores_due = 0.0
        self._max_attempts = max_attempts
        # Messages of different ordering keys are sent side by side: one slow receiver, or the database's
        # round trips of each message (lease, send, record), no longer hold up all the others.
        self._pool = ThreadPoolExecutor(max_workers=parallel, thread_name_prefix="outbox-send")

    def _due(self, session: Session, now: datetime) -> list[Message]:
        """The oldest undelivered message of each ordering key, if it is due."""
        heads = (
            select(func.min(outbox.c.id).label("id"))
            .where(outbox.c.delivered_at.is_(None), outbox.c.dead_at.is_(None))
            .group_by(outbox.c.ordering_key)
            .subquery()
        )
        rows = session.execute(
            select(outbox)
            .where(outbox.c.id.in_(select(heads.c.id)), outbox.c.next_attempt_at <= now)
            .order_by(outbox.c.id)
            .limit(self._batch)
        ).all()
        return [_to_message(r) for r in rows]

    def _lease_one(self, message: Message, now: datetime) -> bool:
        """Take the message for a while, unless another relay took it first."""
        with self._session_factory() as session, session.begin():
            taken = session.execute(
                update(outbox)
                .where(
                    outbox.c.id == message.id,
                    outbox.c.delivered_at.is_(None),
                    outbox.c.dead_at.is_(None),
                    outbox.c.next_attempt_at == message.next_attempt_at,
                )
                .values(next_attempt_at=now + self._lease)
                .returning(outbox.c.id)
            ).first()
        return taken is not None

    def _record(self, message: Message, result: Delivery, started: float) -> None:
        now = self._clock.now()
        attempts = message.attempts + 1
        values: dict[str, Any] = {
            "attempts": attempts,
            "last_status": result.status,
            "last_error": result.error,
        }
        if result.ok:
            values["delivered_at"] = now
        elif attempts >= self._max_attempts:
            values["dead_at"] = now
            log.warning("outbox message gave up", extra={"message_id": message.id, "attempts": attempts})
        else:
            values["next_attempt_at"] = now + timedelta(seconds=backoff(attempts, base=self._backoff_base))
        with self._session_factory() as session, session.begin():
            session.execute(
                insert(outbox_attempts).values(
                    message_id=message.id,
                    at=now,
                    status=result.status,
                    error=result.error,
                    duration_ms=int((time.perf_counter() - started) * 1000),
                )
            )
            session.execute(update(outbox).where(outbox.c.id == message.id).values(**values))

    def run_once(self) -> int:
        """Deliver what is due now; returns how many messages were delivered."""
        now = self._clock.now()
        with self._session_factory() as session:
            due = self._due(session, now)
        # Each is leased just before it is sent (a lease taken for the whole batch could run out while the
        # batch is still being sent, and another relay would send the message again).
        attempts = [self._pool.submit(self._attempt, message) for message in due]
        wait(attempts)  # all of them, even if one failed: none may run on into the next pass
        return sum(attempt.result() for attempt in attempts)

    def _attempt(self, message: Message) -> bool:
        """Lease, send and record one message; whether it was delivered."""
        sender = self._senders.get(message.destination.split(":", 1)[0])
        if sender is None or not self._lease_one(message, self._clock.now()):
            return False
        started = time.perf_counter()
        try:
            result = sender(message)
        except Exception as exc:  # a bug in a sender must not stop the relay
            log.exception("outbox sender failed", extra={"message_id": message.id})
            result = Delivery(None, f"{type(exc).__name__}")
        self._record(message, result, started)
        return result.ok

    def run_forever(self, interval: float = 0.5) -> None:
        while not self._stop.is_set():
            try:
                if self._chores is not None and time.monotonic() >= self._chores_due:
                    self._chores_due = time.monotonic() + self._chores_every
                    self._chores()
                if self.run_once() == 0:
                    self._stop.wait(interval)
            except Exception:
                log.exception("outbox relay pass failed")
                self._stop.wait(interval * 4)
        self._pool.shutdown(wait=True)

    def start(self, interval: float = 0.5) -> threading.Thread:
        thread = threading.Thread(target=self.run_forever, args=(interval,), name="outbox-relay", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self._stop.set()


def messages(session: Session, *, destination: str | None = None, limit: int = 200) -> list[Message]:
    query = select(outbox).order_by(outbox.c.id.desc()).limit(limit)
    if destination is not None:
        query = query.where(outbox.c.destination == destination)
    return [_to_message(r) for r in session.execute(query).all()]


def attempts_of(session: Session, message_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    found: dict[int, list[dict[str, Any]]] = {i: [] for i in message_ids}
    rows = session.execute(
        select(outbox_attempts)
        .where(outbox_attempts.c.message_id.in_(message_ids))
        .order_by(outbox_attempts.c.id)
    ).all()
    for r in rows:
        found[r.message_id].append(
            {"at": r.at, "status": r.status, "error": r.error, "duration_ms": r.duration_ms}
        )
    return found


def revive(session: Session, message_id: int, destination: str, *, at: datetime) -> bool:
    """Put a message back in line now (an administrator's retry); False if there is no such message."""
    revived = session.execute(
        update(outbox)
        .where(
            outbox.c.id == message_id, outbox.c.destination == destination, outbox.c.delivered_at.is_(None)
        )
        .values(dead_at=None, next_attempt_at=at)
        .returning(outbox.c.id)
    ).first()
    return revived is not None


def forget_delivered(session: Session, *, before: datetime) -> None:
    """Drop messages delivered before the given moment, with their attempts (after the retention period)."""
    old = select(outbox.c.id).where(outbox.c.delivered_at < before)
    session.execute(delete(outbox_attempts).where(outbox_attempts.c.message_id.in_(old)))
    session.execute(delete(outbox).where(outbox.c.delivered_at < before))
