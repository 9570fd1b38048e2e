"""Tables of the agency links: calls transferred to us by an agency (each once per idempotency key, with the
EIDO document as the agency sent it), and each link's last heartbeat. The link's other figures (messages
waiting, hand-overs and public alerts alike, failing deliveries, unacknowledged hand-overs) are read from the
outbox and the hand-overs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
    UniqueConstraint,
    and_,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from kuzet.core.db import UTCDateTime, metadata
from kuzet.core.outbox import outbox
from kuzet.interagency.handover import HandoverState
from kuzet.interagency.health import LinkFigures
from kuzet.interagency.store import handovers

IDEMPOTENCY_KEY_MAX = 200

agency_transfers = Table(
    "agency_transfers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("agency_code", ForeignKey("agencies.code"), nullable=False),
    Column("idempotency_key", String(IDEMPOTENCY_KEY_MAX), nullable=False),
    Column("body_digest", String(64), nullable=False),
    Column("tracking_id", String(200), nullable=False),
    Column("appeal_id", ForeignKey("appeals.id"), nullable=False, index=True),
    # The EIDO document exactly as the agency sent it: its caller, place and notes in its own words.
    Column("document", JSON, nullable=False),
    Column("response", JSON, nullable=False),
    Column("received_at", UTCDateTime(), nullable=False),
    UniqueConstraint("agency_code", "idempotency_key"),
)

agency_links = Table(
    "agency_links",
    metadata,
    Column("agency_code", ForeignKey("agencies.code"), primary_key=True),
    Column("heartbeat_at", UTCDateTime(), nullable=False),  # our receipt of the last heartbeat
    Column("agency_at", UTCDateTime()),  # the agency's own time in it
)


CAP_PREFIX = "cap"  # the outbox destination of the public alerts (CAP) we send an agency: `cap:<code>`


def destination(code: str) -> str:
    """The outbox destination of an agency's hand-over messages."""
    return f"agency:{code}"


def cap_destination(code: str) -> str:
    """The outbox destination of the public alerts (CAP) sent to an agency."""
    return f"{CAP_PREFIX}:{code}"


class LinkRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # transfers
    def transfer(self, code: str, key: str) -> Row[Any] | None:
        query = select(agency_transfers).where(
            agency_transfers.c.agency_code == code, agency_transfers.c.idempotency_key == key
        )
        return self.session.execute(query).one_or_none()

    def transfers_of(self, appeal_id: int) -> list[Row[Any]]:
        query = select(agency_transfers).where(agency_transfers.c.appeal_id == appeal_id)
        return list(self.session.execute(query.order_by(agency_transfers.c.id)).all())

    def add_transfer(
        self,
        *,
        code: str,
        key: str,
        digest: str,
        tracking_id: str,
        appeal_id: int,
        document: Any,
        response: Any,
        at: datetime,
    ) -> None:
        """A concurrent transfer with the same key fails here (an IntegrityError) once the first commits."""
        self.session.execute(
            insert(agency_transfers).values(
                agency_code=code,
                idempotency_key=key,
                body_digest=digest,
                tracking_id=tracking_id[:200],
                appeal_id=appeal_id,
                document=document,
                response=response,
                received_at=at,
            )
        )

    # heartbeats
    def beat(self, code: str, *, at: datetime, agency_at: datetime | None) -> None:
        done = self.session.execute(
            update(agency_links)
            .where(agency_links.c.agency_code == code)
            .values(heartbeat_at=at, agency_at=agency_at)
        )
        if done.rowcount == 0:  # type: ignore[attr-defined]
            self.session.execute(
                insert(agency_links).values(agency_code=code, heartbeat_at=at, agency_at=agency_at)
            )

    def figures(self, codes: list[str]) -> dict[str, LinkFigures]:
        """Each agency's last heartbeat, its messages waiting in the outbox, hand-overs and public alerts
        alike (how many of them failed at least once, how many are alerts), and its oldest hand-over still
        waiting for an acknowledgement."""
        found = {code: LinkFigures() for code in codes}
        if not codes:
            return found
        beats = self.session.execute(
            select(agency_links.c.agency_code, agency_links.c.heartbeat_at).where(
                agency_links.c.agency_code.in_(codes)
            )
        ).all()
        waiting = and_(
            outbox.c.destination.in_([d for c in codes for d in (destination(c), cap_destination(c))]),
            outbox.c.delivered_at.is_(None),
            outbox.c.dead_at.is_(None),
        )
        queued = self.session.execute(
            select(
                outbox.c.destination,
                func.count(),
                func.sum((outbox.c.attempts > 0).cast(Integer)),
                func.min(outbox.c.created_at),
            )
            .where(waiting)
            .group_by(outbox.c.destination)
        ).all()
        unacked = self.session.execute(
            select(handovers.c.agency_code, func.min(handovers.c.requested_at), func.count())
            .where(handovers.c.agency_code.in_(codes), handovers.c.state == HandoverState.REQUESTED.value)
            .group_by(handovers.c.agency_code)
        ).all()
        values: dict[str, dict[str, Any]] = {code: {} for code in codes}
        for code, at in beats:
            values[code]["heartbeat_at"] = at
        for dest, count, failing, oldest in queued:
            prefix, code = dest.split(":", 1)
            own = values[code]
            own["waiting"] = own.get("waiting", 0) + count
            own["failing"] = own.get("failing", 0) + int(failing or 0)
            earliest = own.get("oldest_waiting_at")
            own["oldest_waiting_at"] = oldest if earliest is None else min(earliest, oldest)
            if prefix == CAP_PREFIX:
                own["alerts_waiting"] = count
        for code, oldest, count in unacked:
            values[code].update(oldest_unacknowledged_at=oldest, unacknowledged=count)
        for code, given in values.items():
            found[code] = LinkFigures(**given)
        return found

    def oldest_unacknowledged(self, code: str) -> tuple[str, int] | None:
        """The ref of the agency's oldest hand-over waiting for its acknowledgement, and its incident's id."""
        row = self.session.execute(
            select(handovers.c.ref, handovers.c.incident_id)
            .where(handovers.c.agency_code == code, handovers.c.state == HandoverState.REQUESTED.value)
            .order_by(handovers.c.requested_at, handovers.c.id)
            .limit(1)
        ).one_or_none()
        return None if row is None else (str(row.ref), int(row.incident_id))
