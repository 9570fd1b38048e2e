"""Tables of the agency registry: agencies, their signing keys (secrets sealed at rest) and used nonces;
and of the hand-overs to agencies, with each step the agency answered."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from kuzet.core.auth.credentials import SecretBox
from kuzet.core.db import UTCDateTime, metadata
from kuzet.interagency.domain import (
    ENDPOINT_MAX,
    Agency,
    AgencyKey,
    KeyDirection,
    KeyInfo,
    MessageFormat,
)
from kuzet.interagency.handover import Handover, HandoverState

agencies = Table(
    "agencies",
    metadata,
    Column("code", String(30), primary_key=True),
    Column("names", JSON, nullable=False),  # {"ru": …, "kk": …, "en": …}
    Column("endpoint_url", String(ENDPOINT_MAX), nullable=False),
    Column("formats", JSON, nullable=False),
    Column("ack_deadlines", JSON, nullable=False),  # {"1": seconds, …}: JSON keys are text
    Column("contact_phone", String(40), nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)

agency_keys = Table(
    "agency_keys",
    metadata,
    Column("key_id", String(60), primary_key=True),
    Column("agency_code", ForeignKey("agencies.code"), nullable=False, index=True),
    Column("direction", String(10), nullable=False),
    Column("sealed_secret", String(300), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("use_from", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime()),
)

agency_nonces = Table(
    "agency_nonces",
    metadata,
    Column("key_id", String(60), nullable=False),
    Column("nonce", String(64), nullable=False),
    Column("seen_at", UTCDateTime(), nullable=False, index=True),
    PrimaryKeyConstraint("key_id", "nonce"),
)

handovers = Table(
    "handovers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("ref", String(40), nullable=False, unique=True),
    Column("incident_id", ForeignKey("incidents.id"), nullable=False, index=True),
    Column("agency_code", ForeignKey("agencies.code"), nullable=False),
    Column("state", String(20), nullable=False),
    Column("note", Text),
    Column("requested_by", String(80), nullable=False),
    Column("requested_at", UTCDateTime(), nullable=False),
    Column("ack_deadline_seconds", Integer, nullable=False),
    Column("acknowledged_at", UTCDateTime()),
    Column("reason", Text),
    Column("units", JSON, nullable=False),
    Column("resent_at", UTCDateTime()),
    Column("updated_at", UTCDateTime(), nullable=False),
)

# Each answer of the agency once: a repeat of the same step at the same agency time is not applied again.
handover_steps = Table(
    "handover_steps",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("handover_id", ForeignKey("handovers.id"), nullable=False),
    Column("step", String(20), nullable=False),
    Column("agency_at", UTCDateTime(), nullable=False),
    Column("received_at", UTCDateTime(), nullable=False),
    Column("data", JSON, nullable=False),
    UniqueConstraint("handover_id", "step", "agency_at"),
)


def _to_agency(row: Row[Any]) -> Agency:
    return Agency(
        code=row.code,
        names=dict(row.names),
        endpoint_url=row.endpoint_url,
        formats=frozenset(MessageFormat(f) for f in row.formats),
        ack_deadlines={int(p): int(s) for p, s in row.ack_deadlines.items()},
        contact_phone=row.contact_phone,
        enabled=bool(row.enabled),
    )


def agency_values(agency: Agency) -> dict[str, Any]:
    """The agency's columns other than its stamps."""
    return {
        "names": dict(agency.names),
        "endpoint_url": agency.endpoint_url,
        "formats": sorted(f.value for f in agency.formats),
        "ack_deadlines": {str(p): s for p, s in sorted(agency.ack_deadlines.items())},
        "contact_phone": agency.contact_phone,
        "enabled": agency.enabled,
    }


class AgencyRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, agency: Agency, *, at: datetime) -> None:
        self.session.execute(
            insert(agencies).values(code=agency.code, created_at=at, updated_at=at, **agency_values(agency))
        )

    def find(self, code: str, *, for_update: bool = False) -> Agency | None:
        query = select(agencies).where(agencies.c.code == code)
        row = self.session.execute(query.with_for_update() if for_update else query).one_or_none()
        return None if row is None else _to_agency(row)

    def all(self) -> list[Agency]:
        rows = self.session.execute(select(agencies).order_by(agencies.c.code)).all()
        return [_to_agency(r) for r in rows]

    def replace(self, agency: Agency, *, at: datetime) -> None:
        self.session.execute(
            update(agencies)
            .where(agencies.c.code == agency.code)
            .values(updated_at=at, **agency_values(agency))
        )

    # keys
    def add_key(self, key: AgencyKey, box: SecretBox) -> None:
        self.session.execute(
            insert(agency_keys).values(
                key_id=key.key_id,
                agency_code=key.agency_code,
                direction=key.direction.value,
                sealed_secret=box.seal(key.secret),
                created_at=key.created_at,
                use_from=key.use_from,
                expires_at=key.expires_at,
            )
        )

    def key_infos(self, codes: list[str]) -> dict[str, list[KeyInfo]]:
        """The keys of these agencies without their secrets (nothing is unsealed), oldest first."""
        found: dict[str, list[KeyInfo]] = {code: [] for code in codes}
        if not codes:
            return found
        rows = self.session.execute(
            select(
                agency_keys.c.key_id,
                agency_keys.c.agency_code,
                agency_keys.c.direction,
                agency_keys.c.created_at,
                agency_keys.c.use_from,
                agency_keys.c.expires_at,
            )
            .where(agency_keys.c.agency_code.in_(codes))
            .order_by(agency_keys.c.created_at, agency_keys.c.key_id)
        ).all()
        for r in rows:
            found[r.agency_code].append(
                KeyInfo(r.key_id, KeyDirection(r.direction), r.created_at, r.use_from, r.expires_at)
            )
        return found

    def keys_of(self, code: str, box: SecretBox, direction: KeyDirection) -> list[AgencyKey]:
        rows = self.session.execute(
            select(agency_keys)
            .where(agency_keys.c.agency_code == code, agency_keys.c.direction == direction.value)
            .order_by(agency_keys.c.created_at, agency_keys.c.key_id)
        ).all()
        return [_to_key(r, box) for r in rows]

    def key(self, key_id: str, box: SecretBox) -> AgencyKey | None:
        row = self.session.execute(select(agency_keys).where(agency_keys.c.key_id == key_id)).one_or_none()
        return None if row is None else _to_key(row, box)

    def expire_keys(self, code: str, direction: KeyDirection, *, at: datetime, except_key: str) -> None:
        """Keys of this direction other than `except_key` stop being valid at `at` (or earlier, if so set)."""
        self.session.execute(
            update(agency_keys)
            .where(
                agency_keys.c.agency_code == code,
                agency_keys.c.direction == direction.value,
                agency_keys.c.key_id != except_key,
                (agency_keys.c.expires_at.is_(None)) | (agency_keys.c.expires_at > at),
            )
            .values(expires_at=at)
        )

    # nonces
    def use_nonce(self, key_id: str, nonce: str, *, at: datetime) -> bool:
        """Record the nonce; False if it was used before (a replay)."""
        statement = _use_nonce(self.session.get_bind().dialect.name)
        stored = self.session.execute(statement, {"key_id": key_id, "nonce": nonce, "seen_at": at}).first()
        return stored is not None

    def forget_nonces(self, *, before: datetime) -> None:
        self.session.execute(delete(agency_nonces).where(agency_nonces.c.seen_at < before))


def _to_key(row: Row[Any], box: SecretBox) -> AgencyKey:
    return AgencyKey(
        key_id=row.key_id,
        agency_code=row.agency_code,
        direction=KeyDirection(row.direction),
        secret=box.open(row.sealed_secret),
        created_at=row.created_at,
        use_from=row.use_from,
        expires_at=row.expires_at,
    )


@cache
def _use_nonce(dialect: str) -> Any:
    make_insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return make_insert(agency_nonces).on_conflict_do_nothing().returning(agency_nonces.c.nonce)


def _to_handover(row: Row[Any]) -> Handover:
    return Handover(
        id=row.id,
        ref=row.ref,
        incident_id=row.incident_id,
        agency_code=row.agency_code,
        state=HandoverState(row.state),
        note=row.note,
        requested_by=row.requested_by,
        requested_at=row.requested_at,
        ack_deadline_seconds=row.ack_deadline_seconds,
        acknowledged_at=row.acknowledged_at,
        reason=row.reason,
        units=tuple(row.units or ()),
        resent_at=row.resent_at,
    )


class HandoverRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, handover: Handover) -> int:
        new_id = self.session.execute(
            insert(handovers)
            .values(
                ref=handover.ref,
                incident_id=handover.incident_id,
                agency_code=handover.agency_code,
                state=handover.state.value,
                note=handover.note,
                requested_by=handover.requested_by,
                requested_at=handover.requested_at,
                ack_deadline_seconds=handover.ack_deadline_seconds,
                units=list(handover.units),
                updated_at=handover.requested_at,
            )
            .returning(handovers.c.id)
        ).scalar_one()
        return int(new_id)

    def by_ref(self, ref: str, *, for_update: bool = False) -> Handover | None:
        query = select(handovers).where(handovers.c.ref == ref)
        row = self.session.execute(query.with_for_update() if for_update else query).one_or_none()
        return None if row is None else _to_handover(row)

    def of_incident(self, incident_id: int) -> list[Handover]:
        rows = self.session.execute(
            select(handovers).where(handovers.c.incident_id == incident_id).order_by(handovers.c.id)
        ).all()
        return [_to_handover(r) for r in rows]

    def waiting_unresent(self) -> list[Handover]:
        """Requests not yet acknowledged and not yet re-sent (the caller decides which are overdue)."""
        rows = self.session.execute(
            select(handovers)
            .where(handovers.c.state == HandoverState.REQUESTED.value, handovers.c.resent_at.is_(None))
            .order_by(handovers.c.id)
        ).all()
        return [_to_handover(r) for r in rows]

    def ack_due_of(self, incident_ids: list[int]) -> dict[int, datetime]:
        """Of these incidents, each with a request its agency has not acknowledged: the earliest deadline."""
        due: dict[int, datetime] = {}
        for start in range(0, len(incident_ids), 500):  # a bounded IN list
            rows = self.session.execute(
                select(handovers).where(
                    handovers.c.state == HandoverState.REQUESTED.value,
                    handovers.c.incident_id.in_(incident_ids[start : start + 500]),
                )
            ).all()
            for row in rows:
                at = _to_handover(row).ack_due_at
                due[row.incident_id] = min(at, due.get(row.incident_id, at))
        return due

    def save(self, handover: Handover, *, at: datetime) -> None:
        self.session.execute(
            update(handovers)
            .where(handovers.c.id == handover.id)
            .values(
                state=handover.state.value,
                acknowledged_at=handover.acknowledged_at,
                reason=handover.reason,
                units=list(handover.units),
                resent_at=handover.resent_at,
                updated_at=at,
            )
        )

    def add_step(
        self, handover_id: int, step: str, *, agency_at: datetime, received_at: datetime, data: dict[str, Any]
    ) -> bool:
        """Record one answer of the agency; False if this step at this agency time was recorded before."""
        statement = _add_step(self.session.get_bind().dialect.name)
        stored = self.session.execute(
            statement,
            {
                "handover_id": handover_id,
                "step": step,
                "agency_at": agency_at,
                "received_at": received_at,
                "data": data,
            },
        ).first()
        return stored is not None


@cache
def _add_step(dialect: str) -> Any:
    make_insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return make_insert(handover_steps).on_conflict_do_nothing().returning(handover_steps.c.id)
