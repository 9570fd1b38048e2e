"""Tables of partners and their keys, used nonces, idempotency, rate windows, media and citizen statuses."""

from __future__ import annotations

from dataclasses import dataclass
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
    bindparam,
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
from kuzet.core.numbering import increment
from kuzet.partners import signing
from kuzet.partners.domain import Partner, PartnerKey, Scope

partners = Table(
    "partners",
    metadata,
    Column("code", String(30), primary_key=True),
    Column("name", String(120), nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("webhook_url", String(500)),
    Column("scopes", JSON, nullable=False),
    Column("rate_limit_per_minute", Integer, nullable=False),
    Column("category_map", JSON, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

partner_keys = Table(
    "partner_keys",
    metadata,
    Column("key_id", String(60), primary_key=True),
    Column("partner_code", ForeignKey("partners.code"), nullable=False, index=True),
    Column("sealed_secret", String(300), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime()),
)

partner_nonces = Table(
    "partner_nonces",
    metadata,
    Column("key_id", String(60), nullable=False),
    Column("nonce", String(64), nullable=False),
    Column("seen_at", UTCDateTime(), nullable=False, index=True),
    PrimaryKeyConstraint("key_id", "nonce"),
)

partner_idempotency = Table(
    "partner_idempotency",
    metadata,
    Column("partner_code", String(30), nullable=False),
    Column("key", String(signing.IDEMPOTENCY_KEY_MAX), nullable=False),
    Column("body_digest", String(64), nullable=False),
    Column("status", Integer, nullable=False),
    Column("response", JSON, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False, index=True),
    PrimaryKeyConstraint("partner_code", "key"),
)

partner_rate_windows = Table(
    "partner_rate_windows",
    metadata,
    Column("partner_code", String(30), nullable=False),
    Column("window_start", Integer, nullable=False),
    Column("count", Integer, nullable=False),
    PrimaryKeyConstraint("partner_code", "window_start"),
)

partner_media = Table(
    "partner_media",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("partner_code", ForeignKey("partners.code"), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("mime", String(60), nullable=False),
    Column("size", Integer, nullable=False),
    Column("appeal_id", ForeignKey("appeals.id")),
    Column("created_at", UTCDateTime(), nullable=False),
)

# What the citizen was last told about each partner appeal (and what polling shows).
partner_appeal_status = Table(
    "partner_appeal_status",
    metadata,
    Column("appeal_id", ForeignKey("appeals.id"), primary_key=True),
    Column("partner_code", String(30), nullable=False, index=True),
    Column("status", String(20), nullable=False),
    Column("result", Text),
    Column("updated_at", UTCDateTime(), nullable=False),
)


def _to_partner(row: Row[Any]) -> Partner:
    return Partner(
        code=row.code,
        name=row.name,
        enabled=bool(row.enabled),
        webhook_url=row.webhook_url,
        scopes=frozenset(Scope(s) for s in row.scopes),
        rate_limit_per_minute=row.rate_limit_per_minute,
        category_map=dict(row.category_map or {}),
    )


class PartnerRepository:
    def __init__(self, session: Session) -> None:
        self.session = session
        self._keys: dict[str, tuple[PartnerKey, Partner] | None] = {}  # read once per transaction

    def add(self, partner: Partner, *, at: datetime) -> None:
        self.session.execute(
            insert(partners).values(
                code=partner.code,
                name=partner.name,
                enabled=partner.enabled,
                webhook_url=partner.webhook_url,
                scopes=sorted(s.value for s in partner.scopes),
                rate_limit_per_minute=partner.rate_limit_per_minute,
                category_map=dict(partner.category_map),
                created_at=at,
            )
        )

    def find(self, code: str) -> Partner | None:
        row = self.session.execute(select(partners).where(partners.c.code == code)).one_or_none()
        return None if row is None else _to_partner(row)

    def all(self) -> list[Partner]:
        return [
            _to_partner(r) for r in self.session.execute(select(partners).order_by(partners.c.code)).all()
        ]

    def set(self, code: str, **values: Any) -> None:
        self._keys.clear()
        self.session.execute(update(partners).where(partners.c.code == code).values(**values))

    # keys
    def add_key(self, key: PartnerKey, box: SecretBox) -> None:
        self._keys.clear()
        self.session.execute(
            insert(partner_keys).values(
                key_id=key.key_id,
                partner_code=key.partner_code,
                sealed_secret=box.seal(key.secret),
                created_at=key.created_at,
                expires_at=key.expires_at,
            )
        )

    def key(self, key_id: str, box: SecretBox) -> tuple[PartnerKey, Partner] | None:
        """The key and its partner, read together (once per transaction: a group commit's batch of one
        partner's requests reads and unseals its key once)."""
        if key_id not in self._keys:
            row = self.session.execute(_KEY_AND_PARTNER, {"key_id": key_id}).one_or_none()
            self._keys[key_id] = (
                None
                if row is None
                else (
                    PartnerKey(
                        row.key_id,
                        row.partner_code,
                        box.open(row.sealed_secret),
                        row.key_created_at,
                        row.expires_at,
                    ),
                    _to_partner(row),
                )
            )
        return self._keys[key_id]

    def keys_of(self, code: str, box: SecretBox) -> list[PartnerKey]:
        rows = self.session.execute(
            select(partner_keys)
            .where(partner_keys.c.partner_code == code)
            .order_by(partner_keys.c.created_at)
        ).all()
        return [
            PartnerKey(r.key_id, r.partner_code, box.open(r.sealed_secret), r.created_at, r.expires_at)
            for r in rows
        ]

    def expire_keys(self, code: str, *, at: datetime, except_key: str) -> None:
        self._keys.clear()
        self.session.execute(
            update(partner_keys)
            .where(
                partner_keys.c.partner_code == code,
                partner_keys.c.key_id != except_key,
                (partner_keys.c.expires_at.is_(None)) | (partner_keys.c.expires_at > at),
            )
            .values(expires_at=at)
        )

    # nonces
    def use_nonce(self, key_id: str, nonce: str, *, at: datetime) -> bool:
        """Record the nonce; False if it was used before (a replay)."""
        statement = _dialect_statements(self.session.get_bind().dialect.name).use_nonce
        stored = self.session.execute(statement, {"key_id": key_id, "nonce": nonce, "seen_at": at}).first()
        return stored is not None

    def forget_nonces(self, *, before: datetime) -> None:
        self.session.execute(delete(partner_nonces).where(partner_nonces.c.seen_at < before))

    # rate windows
    def count_request(self, code: str, window_start: int) -> int:
        key: dict[str, object] = {"partner_code": code, "window_start": window_start}
        return increment(self.session, partner_rate_windows, key, partner_rate_windows.c.count)

    def forget_windows(self, *, before: int) -> None:
        self.session.execute(delete(partner_rate_windows).where(partner_rate_windows.c.window_start < before))

    # idempotency
    def remembered(self, code: str, key: str) -> Row[Any] | None:
        """The stored answer for the key, however old (the caller checks the window)."""
        return self.session.execute(_REMEMBERED, {"partner_code": code, "key": key}).one_or_none()

    def remember(
        self, code: str, key: str, *, digest: str, at: datetime, status: int, response: Any, replace: bool
    ) -> None:
        """Keep the answer given for the key (an expired record of it is dropped first, if the caller found
        one). A concurrent request with the same key fails here with an IntegrityError once this one commits;
        the whole step is then undone and read again, and it finds this answer."""
        if replace:
            self.session.execute(
                delete(partner_idempotency).where(
                    partner_idempotency.c.partner_code == code, partner_idempotency.c.key == key
                )
            )
        self.session.execute(
            _REMEMBER,
            {
                "partner_code": code,
                "key": key,
                "body_digest": digest,
                "status": status,
                "response": response,
                "created_at": at,
            },
        )

    def forget_answers(self, *, before: datetime) -> None:
        self.session.execute(delete(partner_idempotency).where(partner_idempotency.c.created_at < before))

    # media
    def add_media(self, **values: Any) -> None:
        self.session.execute(insert(partner_media).values(**values))

    def media(self, code: str, ids: list[str]) -> list[Row[Any]]:
        return list(
            self.session.execute(
                select(partner_media).where(partner_media.c.partner_code == code, partner_media.c.id.in_(ids))
            ).all()
        )

    def media_of_appeals(self, appeal_ids: list[int]) -> list[Row[Any]]:
        query = select(partner_media).where(partner_media.c.appeal_id.in_(appeal_ids))
        return list(self.session.execute(query.order_by(partner_media.c.created_at)).all())

    def media_by_id(self, media_id: str) -> Row[Any] | None:
        return self.session.execute(select(partner_media).where(partner_media.c.id == media_id)).one_or_none()

    def attach_media(self, code: str, ids: list[str], appeal_id: int) -> int:
        """Attach still-free media of this partner; returns how many were attached."""
        if not ids:
            return 0
        attached = self.session.execute(
            update(partner_media)
            .where(
                partner_media.c.id.in_(ids),
                partner_media.c.partner_code == code,
                partner_media.c.appeal_id.is_(None),
            )
            .values(appeal_id=appeal_id)
            .returning(partner_media.c.id)
        ).all()
        return len(attached)

    def media_of(self, appeal_ids: list[int]) -> list[Row[Any]]:
        return list(
            self.session.execute(select(partner_media).where(partner_media.c.appeal_id.in_(appeal_ids))).all()
        )

    # citizen statuses
    def citizen_status(self, appeal_id: int) -> Row[Any] | None:
        return self.session.execute(
            select(partner_appeal_status).where(partner_appeal_status.c.appeal_id == appeal_id)
        ).one_or_none()

    def set_citizen_status(
        self, appeal_id: int, code: str, status: str, result: str | None, at: datetime
    ) -> None:
        self.session.execute(
            _dialect_statements(self.session.get_bind().dialect.name).set_citizen_status,
            {
                "appeal_id": appeal_id,
                "partner_code": code,
                "status": status,
                "result": result,
                "updated_at": at,
            },
        )


# Statements of the intake path, built once: values passed as parameters skip per-call construction.
_KEY_AND_PARTNER = (
    select(partner_keys, partners, partner_keys.c.created_at.label("key_created_at"))
    .join(partners, partners.c.code == partner_keys.c.partner_code)
    .where(partner_keys.c.key_id == bindparam("key_id"))
)
_REMEMBERED = select(partner_idempotency).where(
    partner_idempotency.c.partner_code == bindparam("partner_code"),
    partner_idempotency.c.key == bindparam("key"),
)
_REMEMBER = insert(partner_idempotency)


@dataclass(frozen=True)
class _DialectStatements:
    use_nonce: Any
    set_citizen_status: Any


@cache
def _dialect_statements(dialect: str) -> _DialectStatements:
    make_insert = pg_insert if dialect == "postgresql" else sqlite_insert
    citizen = make_insert(partner_appeal_status)
    return _DialectStatements(
        use_nonce=make_insert(partner_nonces).on_conflict_do_nothing().returning(partner_nonces.c.nonce),
        set_citizen_status=citizen.on_conflict_do_update(
            index_elements=[partner_appeal_status.c.appeal_id],
            set_={
                "status": citizen.excluded.status,
                "result": citizen.excluded.result,
                "updated_at": citizen.excluded.updated_at,
            },
        ),
    )
