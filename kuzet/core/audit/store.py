"""Audit tables: the append-only log and the single-row head that serialises appends."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Integer, String, Table, insert, select, update
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from kuzet.core.audit.domain import GENESIS_HASH, AuditEntry, AuditRecord, Outcome, place
from kuzet.core.db import UTCDateTime, metadata

audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False),
    Column("at", UTCDateTime(), nullable=False, index=True),
    Column("actor", String(120), nullable=False),
    Column("role", String(40)),
    Column("source", String(80)),
    Column("action", String(80), nullable=False, index=True),
    Column("object_type", String(60)),
    Column("object_id", String(120)),
    Column("outcome", String(20), nullable=False),
    Column("detail", JSON, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)

audit_head = Table(
    "audit_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("last_seq", BigInteger().with_variant(Integer, "sqlite"), nullable=False),
    Column("last_hash", String(64), nullable=False),
)

HEAD_ID = 1


def _to_entry(row: Row[Any]) -> AuditEntry:
    record = AuditRecord(
        at=row.at,
        actor=row.actor,
        role=row.role,
        source=row.source,
        action=row.action,
        object_type=row.object_type,
        object_id=row.object_id,
        outcome=Outcome(row.outcome),
        detail=row.detail or {},
    )
    return AuditEntry(seq=row.seq, record=record, prev_hash=row.prev_hash, hash=row.hash)


class AuditRepository:
    def __init__(self, session: Session, key: bytes) -> None:
        self.session = session
        self.key = key

    def append(self, record: AuditRecord) -> AuditEntry:
        return self.append_all([record])[0]

    def append_all(self, records: list[AuditRecord]) -> list[AuditEntry]:
        """Place the records after the head in one go (the head stays locked until the transaction ends)."""
        head = self.session.execute(
            select(audit_head.c.last_seq, audit_head.c.last_hash)
            .where(audit_head.c.id == HEAD_ID)
            .with_for_update()
        ).one_or_none()
        if head is None:
            # The migration creates the head row; without it the chain cannot be extended safely.
            raise RuntimeError("audit_head row is missing: run `kuzet db upgrade` or restore it")
        last_seq, last_hash = head.last_seq, head.last_hash
        entries = []
        for record in records:
            entry = place(record, after_seq=last_seq, after_hash=last_hash, key=self.key)
            entries.append(entry)
            last_seq, last_hash = entry.seq, entry.hash
        self.session.execute(
            insert(audit_log),
            [
                {
                    "seq": e.seq,
                    "at": e.record.at,
                    "actor": e.record.actor,
                    "role": e.record.role,
                    "source": e.record.source,
                    "action": e.record.action,
                    "object_type": e.record.object_type,
                    "object_id": e.record.object_id,
                    "outcome": str(e.record.outcome),
                    "detail": dict(e.record.detail),
                    "prev_hash": e.prev_hash,
                    "hash": e.hash,
                }
                for e in entries
            ],
        )
        self.session.execute(
            update(audit_head)
            .where(audit_head.c.id == HEAD_ID)
            .values(last_seq=last_seq, last_hash=last_hash)
        )
        return entries

    def head(self) -> tuple[int, str]:
        row = self.session.execute(
            select(audit_head.c.last_seq, audit_head.c.last_hash).where(audit_head.c.id == HEAD_ID)
        ).one_or_none()
        return (0, GENESIS_HASH) if row is None else (row.last_seq, row.last_hash)

    def walk(self, *, up_to: int, batch: int = 5000) -> Iterator[AuditEntry]:
        """The entries up to `up_to` in sequence order, read in batches so a long log does not fill memory."""
        after = 0
        while True:
            rows = self.session.execute(
                select(audit_log)
                .where(audit_log.c.seq > after, audit_log.c.seq <= up_to)
                .order_by(audit_log.c.seq)
                .limit(batch)
            ).all()
            if not rows:
                return
            for row in rows:
                yield _to_entry(row)
            after = rows[-1].seq

    def hashes_at(self, seqs: Collection[int], *, batch: int = 1000) -> dict[int, str]:
        """The stored hash of each of these rows that exists."""
        wanted = sorted(seqs)
        found: dict[int, str] = {}
        for start in range(0, len(wanted), batch):
            chunk = wanted[start : start + batch]
            rows = self.session.execute(
                select(audit_log.c.seq, audit_log.c.hash).where(audit_log.c.seq.in_(chunk))
            ).all()
            found.update({row.seq: row.hash for row in rows})
        return found

    def search(
        self,
        *,
        action: str | None = None,
        actor: str | None = None,
        outcome: str | None = None,
        since: datetime | None = None,
        before_seq: int | None = None,
        limit: int = 100,
    ) -> list[AuditEntry]:
        query = select(audit_log).order_by(audit_log.c.seq.desc()).limit(limit)
        if action:
            query = query.where(audit_log.c.action == action)
        if actor:
            query = query.where(audit_log.c.actor == actor)
        if outcome:
            query = query.where(audit_log.c.outcome == outcome)
        if since:
            query = query.where(audit_log.c.at >= since)
        if before_seq:
            query = query.where(audit_log.c.seq < before_seq)
        return [_to_entry(row) for row in self.session.execute(query).all()]
