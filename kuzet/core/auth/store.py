"""Tables and repository of users, their sessions and their failed logins."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from kuzet.core.auth.domain import Role, User
from kuzet.core.db import UTCDateTime, metadata

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("role", String(20), nullable=False),
    Column("district", String(40)),
    Column("full_name", String(200), nullable=False),
    Column("phone", String(32)),
    Column("password_hash", String(200), nullable=False),
    Column("totp_secret", String(300)),
    Column("totp_confirmed", Boolean, nullable=False, default=False),
    Column("totp_last_step", Integer),
    Column("locked_at", UTCDateTime()),
    Column("lock_reason", String(40)),
    Column("disabled", Boolean, nullable=False, default=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

user_sessions = Table(
    "user_sessions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("token_digest", String(64), nullable=False, unique=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("last_seen_at", UTCDateTime(), nullable=False),
    Column("revoked_at", UTCDateTime()),
    Column("second_factor_ok", Boolean, nullable=False),
    Column("source", String(80)),
)

login_failures = Table(
    "login_failures",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("at", UTCDateTime(), nullable=False),
)


def _to_user(row: Row[Any]) -> User:
    return User(
        id=row.id,
        username=row.username,
        role=Role(row.role),
        district=row.district,
        full_name=row.full_name,
        phone=row.phone,
        totp_enrolled=bool(row.totp_confirmed),
        locked_at=row.locked_at,
        lock_reason=row.lock_reason,
        disabled=bool(row.disabled),
        created_at=row.created_at,
    )


class UserRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, **values: Any) -> User:
        user_id = self.session.execute(insert(users).values(**values).returning(users.c.id)).scalar_one()
        return self.get(user_id)

    def get(self, user_id: int) -> User:
        row = self.session.execute(select(users).where(users.c.id == user_id)).one()
        return _to_user(row)

    def find(self, user_id: int) -> User | None:
        row = self.session.execute(select(users).where(users.c.id == user_id)).one_or_none()
        return None if row is None else _to_user(row)

    def by_username(self, username: str, *, for_update: bool = False) -> User | None:
        query = select(users).where(users.c.username == username.lower())
        if for_update:
            query = query.with_for_update()
        row = self.session.execute(query).one_or_none()
        return None if row is None else _to_user(row)

    def credentials(self, user_id: int) -> tuple[str, str | None, int | None]:
        """(password hash, sealed TOTP secret, last used TOTP step)."""
        row = self.session.execute(
            select(users.c.password_hash, users.c.totp_secret, users.c.totp_last_step).where(
                users.c.id == user_id
            )
        ).one()
        return row.password_hash, row.totp_secret, row.totp_last_step

    def update(self, user_id: int, **values: Any) -> User:
        self.session.execute(update(users).where(users.c.id == user_id).values(**values))
        return self.get(user_id)

    def in_district(self, *, district: str | None = None, limit: int = 500) -> list[User]:
        query = select(users).order_by(users.c.username).limit(limit)
        if district is not None:
            query = query.where(users.c.district == district)
        return [_to_user(row) for row in self.session.execute(query).all()]

    # Failed logins
    def add_failure(self, user_id: int, at: datetime) -> None:
        self.session.execute(insert(login_failures).values(user_id=user_id, at=at))

    def failures_since(self, user_id: int, since: datetime) -> list[datetime]:
        rows = self.session.execute(
            select(login_failures.c.at).where(
                login_failures.c.user_id == user_id, login_failures.c.at > since
            )
        ).all()
        return [row.at for row in rows]

    def clear_failures(self, user_id: int) -> None:
        self.session.execute(delete(login_failures).where(login_failures.c.user_id == user_id))

    # Sessions
    def add_session(self, **values: Any) -> int:
        return int(
            self.session.execute(
                insert(user_sessions).values(**values).returning(user_sessions.c.id)
            ).scalar_one()
        )

    def session_by_digest(self, digest: str) -> Row[Any] | None:
        return self.session.execute(
            select(user_sessions).where(user_sessions.c.token_digest == digest)
        ).one_or_none()

    def session_by_id(self, session_id: int) -> Row[Any] | None:
        query = select(user_sessions).where(user_sessions.c.id == session_id)
        return self.session.execute(query).one_or_none()

    def update_session(self, session_id: int, **values: Any) -> None:
        self.session.execute(update(user_sessions).where(user_sessions.c.id == session_id).values(**values))

    def revoke_sessions(self, user_id: int, at: datetime) -> None:
        self.session.execute(
            update(user_sessions)
            .where(user_sessions.c.user_id == user_id, user_sessions.c.revoked_at.is_(None))
            .values(revoked_at=at)
        )
