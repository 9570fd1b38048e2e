"""The table of public alerts: those we issue (each update or cancellation is a row of its own that refers to
the earlier one) and those imported from other agencies, with the CAP document as sent or received."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from kuzet.core.db import UTCDateTime, metadata
from kuzet.interagency.alerts import AlertArea, AlertOrigin, AlertText, PublicAlert
from kuzet.interagency.cap import CapAlert, CapMsgType, CapReference, CapScope, CapStatus

public_alerts = Table(
    "public_alerts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("identifier", String(200), nullable=False),
    Column("sender", String(200), nullable=False),
    Column("sent", UTCDateTime(), nullable=False),
    Column("msg_type", String(10), nullable=False),  # Alert, Update, Cancel (Ack, Error when imported)
    Column("status", String(10), nullable=False),
    Column("scope", String(12), nullable=False),
    Column("cap_references", JSON, nullable=False),  # [{"sender", "identifier", "sent"}, …]
    Column("origin", String(10), nullable=False),  # ours | imported
    Column("source", String(200)),  # where an imported alert came from
    Column("event", String(200), nullable=False),
    Column("categories", JSON, nullable=False),
    Column("urgency", String(12), nullable=False),
    Column("severity", String(12), nullable=False),
    Column("certainty", String(12), nullable=False),
    Column("texts", JSON, nullable=False),  # {language: {headline, description, instruction}}
    Column("area", JSON, nullable=False),  # {description, district, polygons: [[[lat, lon], …], …]}
    Column("district_code", String(40)),
    Column("onset", UTCDateTime()),
    Column("expires", UTCDateTime(), index=True),
    Column("superseded_by", ForeignKey("public_alerts.id")),
    Column("cancelled", Boolean, nullable=False),
    Column("issued_by", String(80)),
    Column("cap_xml", Text, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    UniqueConstraint("sender", "identifier"),
)


def _references(data: list[dict[str, str]]) -> tuple[CapReference, ...]:
    return tuple(
        CapReference(sender=r["sender"], identifier=r["identifier"], sent=datetime.fromisoformat(r["sent"]))
        for r in data
    )


def _to_alert(row: Row[Any]) -> PublicAlert:
    return PublicAlert(
        id=row.id,
        identifier=row.identifier,
        sender=row.sender,
        sent=row.sent,
        msg_type=CapMsgType(row.msg_type),
        status=CapStatus(row.status),
        scope=CapScope(row.scope),
        references=_references(row.cap_references),
        origin=AlertOrigin(row.origin),
        source=row.source,
        event=row.event,
        categories=tuple(row.categories),
        urgency=row.urgency,
        severity=row.severity,
        certainty=row.certainty,
        texts={language: AlertText(**text) for language, text in row.texts.items()},
        area=AlertArea.from_dict(row.area),
        onset=row.onset,
        expires=row.expires,
        superseded_by=row.superseded_by,
        cancelled=bool(row.cancelled),
        issued_by=row.issued_by,
        cap_xml=row.cap_xml,
        created_at=row.created_at,
    )


def alert_values(alert: CapAlert, fields: dict[str, Any]) -> dict[str, Any]:
    """The row of a CAP message: its identity from `alert`, the rest (origin, texts, area, …) from
    `fields` (texts as AlertText per language, area as an AlertArea)."""
    area: AlertArea = fields.pop("area")
    texts: dict[str, AlertText] = fields.pop("texts")
    return {
        "identifier": alert.identifier,
        "sender": alert.sender,
        "sent": alert.sent,
        "msg_type": alert.msg_type.value,
        "status": alert.status.value,
        "scope": alert.scope.value,
        "cap_references": [
            {"sender": r.sender, "identifier": r.identifier, "sent": r.sent.isoformat()}
            for r in alert.references
        ],
        "texts": {language: text.as_dict() for language, text in texts.items()},
        "area": area.as_dict(),
        "district_code": area.district,
        "categories": list(fields.pop("categories")),
        **fields,
    }


class AlertRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, values: dict[str, Any]) -> int:
        """A concurrent message with the same sender and identifier fails here (an IntegrityError)."""
        inserted = self.session.execute(insert(public_alerts).values(**values).returning(public_alerts.c.id))
        return int(inserted.scalar_one())

    def get(self, alert_id: int, *, for_update: bool = False) -> PublicAlert | None:
        query = select(public_alerts).where(public_alerts.c.id == alert_id)
        if for_update:
            query = query.with_for_update()
        row = self.session.execute(query).one_or_none()
        return _to_alert(row) if row is not None else None

    def find(self, sender: str, identifier: str) -> PublicAlert | None:
        query = select(public_alerts).where(
            public_alerts.c.sender == sender, public_alerts.c.identifier == identifier
        )
        row = self.session.execute(query).one_or_none()
        return _to_alert(row) if row is not None else None

    def ours_by_identifier(self, identifier: str) -> PublicAlert | None:
        query = select(public_alerts).where(
            public_alerts.c.identifier == identifier, public_alerts.c.origin == AlertOrigin.OURS.value
        )
        row = self.session.execute(query).first()
        return _to_alert(row) if row is not None else None

    def listing(
        self, *, current_at: datetime | None = None, origin: AlertOrigin | None = None, limit: int = 500
    ) -> list[PublicAlert]:
        """Newest first. With `current_at`: only alerts and updates in force then (not superseded, not
        cancelled, not expired)."""
        query = select(public_alerts)
        if origin is not None:
            query = query.where(public_alerts.c.origin == origin.value)
        if current_at is not None:
            query = query.where(
                public_alerts.c.msg_type.in_([CapMsgType.ALERT.value, CapMsgType.UPDATE.value]),
                public_alerts.c.superseded_by.is_(None),
                public_alerts.c.cancelled.is_(False),
                or_(public_alerts.c.expires.is_(None), public_alerts.c.expires > current_at),
            )
        query = query.order_by(public_alerts.c.sent.desc(), public_alerts.c.id.desc()).limit(limit)
        return [_to_alert(row) for row in self.session.execute(query).all()]

    def published_at(self, at: datetime) -> list[PublicAlert]:
        """Our messages a public feed carries at `at`, newest first: alerts and updates in force, and each
        cancellation until the expiry of the alert it cancelled (which it repeats)."""
        in_force = and_(
            public_alerts.c.msg_type.in_([CapMsgType.ALERT.value, CapMsgType.UPDATE.value]),
            public_alerts.c.superseded_by.is_(None),
            public_alerts.c.cancelled.is_(False),
        )
        cancelling = public_alerts.c.msg_type == CapMsgType.CANCEL.value
        query = (
            select(public_alerts)
            .where(
                public_alerts.c.origin == AlertOrigin.OURS.value,
                or_(in_force, cancelling),
                or_(public_alerts.c.expires.is_(None), public_alerts.c.expires > at),
            )
            .order_by(public_alerts.c.sent.desc(), public_alerts.c.id.desc())
        )
        return [_to_alert(row) for row in self.session.execute(query).all()]

    def supersede(self, alert_id: int, *, by: int, cancelled: bool) -> None:
        values: dict[str, Any] = {"superseded_by": by}
        if cancelled:
            values["cancelled"] = True
        self.session.execute(update(public_alerts).where(public_alerts.c.id == alert_id).values(**values))
