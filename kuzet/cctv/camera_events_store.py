"""Tables of camera analytics: the sources and their keys (secrets sealed at rest), used nonces, and every
event they posted with what became of it (once per source's event id)."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
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

from kuzet.cctv.camera_events import EVENT_ID_MAX, AnalyticsSource, CameraEvent, Outcome, SourceKey
from kuzet.cctv.domain import CAMERA_ID_MAX
from kuzet.cctv.watchlist import PLATE_MAX
from kuzet.core.auth.credentials import SecretBox
from kuzet.core.db import UTCDateTime, metadata

cctv_sources = Table(
    "cctv_sources",
    metadata,
    Column("code", String(30), primary_key=True),
    Column("name", String(120), nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

cctv_source_keys = Table(
    "cctv_source_keys",
    metadata,
    Column("key_id", String(60), primary_key=True),
    Column("source_code", ForeignKey("cctv_sources.code"), nullable=False, index=True),
    Column("sealed_secret", String(300), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime()),
)

cctv_source_nonces = Table(
    "cctv_source_nonces",
    metadata,
    Column("key_id", String(60), nullable=False),
    Column("nonce", String(64), nullable=False),
    Column("seen_at", UTCDateTime(), nullable=False, index=True),
    PrimaryKeyConstraint("key_id", "nonce"),
)

camera_events = Table(
    "camera_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source_code", ForeignKey("cctv_sources.code"), nullable=False),
    Column("event_id", String(EVENT_ID_MAX), nullable=False),
    Column("body_digest", String(64), nullable=False),
    Column("kind", String(10), nullable=False),
    Column("camera_id", String(CAMERA_ID_MAX), nullable=False, index=True),
    Column("seen_at", UTCDateTime(), nullable=False),
    Column("received_at", UTCDateTime(), nullable=False, index=True),
    Column("confidence", Float, nullable=False),
    Column("plate", String(PLATE_MAX)),
    Column("count", Integer),
    Column("outcome", String(20), nullable=False),
    Column("watch_entry_id", Integer),  # no foreign key: an entry may be removed, its hits stay
    Column("appeal_id", ForeignKey("appeals.id"), index=True),
    Column("image_sha256", String(64)),  # the picture sent with it, kept by its hash (camera_images_folder)
    Column("response", JSON, nullable=False),
    UniqueConstraint("source_code", "event_id"),
)


class SourceRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, source: AnalyticsSource, *, at: datetime) -> None:
        self.session.execute(
            insert(cctv_sources).values(
                code=source.code, name=source.name, enabled=source.enabled, created_at=at
            )
        )

    def find(self, code: str) -> AnalyticsSource | None:
        row = self.session.execute(select(cctv_sources).where(cctv_sources.c.code == code)).one_or_none()
        return None if row is None else AnalyticsSource(row.code, row.name, bool(row.enabled))

    def all(self) -> list[AnalyticsSource]:
        rows = self.session.execute(select(cctv_sources).order_by(cctv_sources.c.code)).all()
        return [AnalyticsSource(r.code, r.name, bool(r.enabled)) for r in rows]

    def set_enabled(self, code: str, enabled: bool) -> None:
        self.session.execute(update(cctv_sources).where(cctv_sources.c.code == code).values(enabled=enabled))

    def add_key(self, key: SourceKey, box: SecretBox) -> None:
        self.session.execute(
            insert(cctv_source_keys).values(
                key_id=key.key_id,
                source_code=key.source_code,
                sealed_secret=box.seal(key.secret),
                created_at=key.created_at,
                expires_at=key.expires_at,
            )
        )

    def key(self, key_id: str, box: SecretBox) -> SourceKey | None:
        row = self.session.execute(
            select(cctv_source_keys).where(cctv_source_keys.c.key_id == key_id)
        ).one_or_none()
        if row is None:
            return None
        return SourceKey(
            row.key_id, row.source_code, box.open(row.sealed_secret), row.created_at, row.expires_at
        )

    def key_ids(self, code: str) -> list[tuple[str, datetime | None]]:
        rows = self.session.execute(
            select(cctv_source_keys.c.key_id, cctv_source_keys.c.expires_at)
            .where(cctv_source_keys.c.source_code == code)
            .order_by(cctv_source_keys.c.created_at, cctv_source_keys.c.key_id)
        ).all()
        return [(r.key_id, r.expires_at) for r in rows]

    def expire_keys(self, code: str, *, at: datetime, except_key: str) -> None:
        self.session.execute(
            update(cctv_source_keys)
            .where(
                cctv_source_keys.c.source_code == code,
                cctv_source_keys.c.key_id != except_key,
                (cctv_source_keys.c.expires_at.is_(None)) | (cctv_source_keys.c.expires_at > at),
            )
            .values(expires_at=at)
        )

    def use_nonce(self, key_id: str, nonce: str, *, at: datetime) -> bool:
        """Record the nonce; False if it was used before (a replay)."""
        statement = _use_nonce(self.session.get_bind().dialect.name)
        return (
            self.session.execute(statement, {"key_id": key_id, "nonce": nonce, "seen_at": at}).first()
            is not None
        )

    def forget_nonces(self, *, before: datetime) -> None:
        self.session.execute(delete(cctv_source_nonces).where(cctv_source_nonces.c.seen_at < before))


class CameraEventRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def earlier(self, source_code: str, event_id: str) -> Row[Any] | None:
        return self.session.execute(
            select(camera_events).where(
                camera_events.c.source_code == source_code, camera_events.c.event_id == event_id
            )
        ).one_or_none()

    def add(
        self,
        event: CameraEvent,
        *,
        source_code: str,
        digest: str,
        outcome: Outcome,
        watch_entry_id: int | None,
        appeal_id: int | None,
        image_sha256: str | None,
        response: dict[str, Any],
        at: datetime,
    ) -> int:
        return int(
            self.session.execute(
                insert(camera_events)
                .values(
                    source_code=source_code,
                    event_id=event.event_id,
                    body_digest=digest,
                    kind=event.kind.value,
                    camera_id=event.camera_id,
                    seen_at=event.seen_at,
                    received_at=at,
                    confidence=event.confidence,
                    plate=event.plate,
                    count=event.count,
                    outcome=outcome.value,
                    watch_entry_id=watch_entry_id,
                    appeal_id=appeal_id,
                    image_sha256=image_sha256,
                    response=response,
                )
                .returning(camera_events.c.id)
            ).scalar_one()
        )

    def by_id(self, row_id: int) -> Row[Any] | None:
        return self.session.execute(select(camera_events).where(camera_events.c.id == row_id)).one_or_none()

    def of_appeals(self, appeal_ids: list[int]) -> list[Row[Any]]:
        if not appeal_ids:
            return []
        query = select(camera_events).where(camera_events.c.appeal_id.in_(appeal_ids))
        return list(
            self.session.execute(query.order_by(camera_events.c.received_at, camera_events.c.id)).all()
        )

    def open_hit(self, watch_entry_id: int, *, since: datetime) -> int | None:
        """The appeal of the latest hit of this entry since the moment given (to join a repeat to it)."""
        return self.session.execute(
            select(camera_events.c.appeal_id)
            .where(
                camera_events.c.watch_entry_id == watch_entry_id,
                camera_events.c.appeal_id.is_not(None),
                camera_events.c.received_at >= since,
            )
            .order_by(camera_events.c.received_at.desc(), camera_events.c.id.desc())
            .limit(1)
        ).scalar_one_or_none()

    def expired(self, *, before: datetime, limit: int) -> list[Any]:
        """Events received before the moment that still hold something to forget: all those that made no
        appeal, and those that did and still keep a plate, a picture or their watch-list entry."""
        keeps = (
            camera_events.c.plate.is_not(None)
            | camera_events.c.image_sha256.is_not(None)
            | camera_events.c.watch_entry_id.is_not(None)
        )
        query = (
            select(camera_events.c.id, camera_events.c.appeal_id, camera_events.c.image_sha256)
            .where(camera_events.c.received_at < before, camera_events.c.appeal_id.is_(None) | keeps)
            .order_by(camera_events.c.received_at, camera_events.c.id)
            .limit(limit)
        )
        return list(self.session.execute(query).all())

    def delete(self, row_ids: list[int]) -> None:
        if row_ids:
            self.session.execute(delete(camera_events).where(camera_events.c.id.in_(row_ids)))

    def forget_what_was_seen(self, row_ids: list[int]) -> None:
        """Keep the events (and their appeal links) without plate, picture and watch-list entry."""
        if row_ids:
            self.session.execute(
                update(camera_events)
                .where(camera_events.c.id.in_(row_ids))
                .values(plate=None, image_sha256=None, watch_entry_id=None)
            )

    def images_in_use(self, hashes: set[str]) -> set[str]:
        if not hashes:
            return set()
        rows = self.session.execute(
            select(camera_events.c.image_sha256).where(camera_events.c.image_sha256.in_(sorted(hashes)))
        ).all()
        return {r.image_sha256 for r in rows}


@cache
def _use_nonce(dialect: str) -> Any:
    make_insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return make_insert(cctv_source_nonces).on_conflict_do_nothing().returning(cctv_source_nonces.c.nonce)
