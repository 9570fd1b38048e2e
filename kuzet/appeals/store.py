"""The appeals table and its repository."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from kuzet.appeals.domain import Appeal, Channel
from kuzet.appeals.phones import PhoneKind
from kuzet.core.db import UTCDateTime, metadata
from kuzet.core.errors import NotFound

appeals = Table(
    "appeals",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("number", String(24), nullable=False, unique=True),
    Column("channel", String(20), nullable=False),
    Column("partner", String(40)),
    Column("received_at", UTCDateTime(), nullable=False),
    Column("caller_phone", String(20)),
    Column("phone_kind", String(12)),
    Column("caller_locality", JSON),
    Column("caller_name", String(200)),
    Column("caller_iin", String(12)),
    Column("text", Text, nullable=False),
    Column("category_code", ForeignKey("categories.code"), nullable=False),
    Column("lat", Float),
    Column("lon", Float),
    Column("address", String(500)),
    Column("accuracy_m", Float),
    Column("occurred_at", UTCDateTime()),
    Column("incident_id", ForeignKey("incidents.id"), nullable=False, index=True),
    Column("created_by", String(120), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    # A caller's earlier appeals, the latest first (the call form's history, the search by phone).
    Index("ix_appeals_caller_phone_received", "caller_phone", "received_at"),
)


def _to_appeal(row: Row[Any]) -> Appeal:
    return Appeal(
        id=row.id,
        number=row.number,
        channel=Channel(row.channel),
        received_at=row.received_at,
        text=row.text,
        category_code=row.category_code,
        incident_id=row.incident_id,
        caller_phone=row.caller_phone,
        phone_kind=PhoneKind(row.phone_kind) if row.phone_kind else None,
        caller_locality=row.caller_locality,
        caller_name=row.caller_name,
        caller_iin=row.caller_iin,
        lat=row.lat,
        lon=row.lon,
        address=row.address,
        accuracy_m=row.accuracy_m,
        partner=row.partner,
        occurred_at=row.occurred_at,
        created_by=row.created_by,
    )


# Built once: a statement given its values as parameters skips SQLAlchemy's per-call construction.
_INSERT = insert(appeals).returning(*appeals.c)


class AppealRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, **values: Any) -> Appeal:
        return _to_appeal(self.session.execute(_INSERT, values).one())

    def get(self, appeal_id: int, *, for_update: bool = False) -> Appeal:
        query = select(appeals).where(appeals.c.id == appeal_id)
        if for_update:
            query = query.with_for_update()
        row = self.session.execute(query).one_or_none()
        if row is None:
            raise NotFound()
        return _to_appeal(row)

    def of_incidents(self, incident_ids: Iterable[int]) -> list[Appeal]:
        query = (
            select(appeals)
            .where(appeals.c.incident_id.in_(list(incident_ids)))
            .order_by(appeals.c.received_at, appeals.c.id)
        )
        return [_to_appeal(row) for row in self.session.execute(query).all()]

    def from_phone(self, phone: str, *, limit: int) -> list[Appeal]:
        """The appeals from this phone (E.164), the latest first."""
        query = (
            select(appeals)
            .where(appeals.c.caller_phone == phone)
            .order_by(appeals.c.received_at.desc(), appeals.c.id.desc())
            .limit(limit)
        )
        return [_to_appeal(row) for row in self.session.execute(query).all()]

    def from_partners(self, incident_id: int) -> list[Appeal]:
        query = select(appeals).where(appeals.c.incident_id == incident_id, appeals.c.partner.is_not(None))
        return [_to_appeal(row) for row in self.session.execute(query).all()]

    def count_by_channel(self, *, since: datetime, until: datetime) -> list[tuple[str, str | None, int]]:
        """(channel, partner, appeals) received in [since, until)."""
        query = (
            select(appeals.c.channel, appeals.c.partner, func.count())
            .where(appeals.c.received_at >= since, appeals.c.received_at < until)
            .group_by(appeals.c.channel, appeals.c.partner)
            .order_by(appeals.c.channel, appeals.c.partner)
        )
        return [(r[0], r[1], int(r[2])) for r in self.session.execute(query).all()]

    def count_in(self, incident_id: int) -> int:
        return len(
            self.session.execute(select(appeals.c.id).where(appeals.c.incident_id == incident_id)).all()
        )

    def move(self, appeal_id: int, incident_id: int) -> None:
        self.session.execute(update(appeals).where(appeals.c.id == appeal_id).values(incident_id=incident_id))
