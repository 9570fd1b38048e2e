"""Tables and repositories of users, their sessions, and login throttling (failures, known addresses)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    UniqueConstraint,
    and_,
    delete,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from kuzet.core.auth.domain import Role, ThrottleCount, ThrottleKey, ThrottleScope, User
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

# An analyst's further districts (users.district is the first one; operational roles have only that one).
user_districts = Table(
    "user_districts",
    metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("district", String(40), nullable=False),
    PrimaryKeyConstraint("user_id", "district"),
)

# Failed logins, counted per ThrottleScope. An address count has an empty user name, an account count an
# empty address (not NULL, so that the unique key holds on both back ends).
login_throttles = Table(
    "login_throttles",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("scope", String(10), nullable=False),
    Column("username", String(200), nullable=False),
    Column("address", String(80), nullable=False),
    Column("failures", Integer, nullable=False),
    Column("first_failure_at", UTCDateTime(), nullable=False),
    Column("last_failure_at", UTCDateTime(), nullable=False, index=True),
    Column("blocked_until", UTCDateTime()),
    UniqueConstraint("scope", "username", "address"),
)

# Addresses each account logged in from, and when last: "known good" ones for a while.
login_known_addresses = Table(
    "login_known_addresses",
    metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("address", String(80), nullable=False),
    Column("last_success_at", UTCDateTime(), nullable=False),
    PrimaryKeyConstraint("user_id", "address"),
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
        return self._with_districts(_to_user(row))

    def find(self, user_id: int) -> User | None:
        row = self.session.execute(select(users).where(users.c.id == user_id)).one_or_none()
        return None if row is None else self._with_districts(_to_user(row))

    def _with_districts(self, user: User) -> User:
        query = (
            select(user_districts.c.district)
            .where(user_districts.c.user_id == user.id)
            .order_by(user_districts.c.district)
        )
        also = tuple(self.session.execute(query).scalars())
        return replace(user, also_districts=also) if also else user

    def set_also_districts(self, user_id: int, also: Iterable[str]) -> None:
        """Replace the user's further districts (beside users.district)."""
        self.session.execute(delete(user_districts).where(user_districts.c.user_id == user_id))
        rows = [{"user_id": user_id, "district": d} for d in dict.fromkeys(also)]
        if rows:
            self.session.execute(insert(user_districts), rows)

    def by_username(self, username: str, *, for_update: bool = False) -> User | None:
        query = select(users).where(users.c.username == username.lower())
        if for_update:
            query = query.with_for_update()
        row = self.session.execute(query).one_or_none()
        return None if row is None else self._with_districts(_to_user(row))

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

    def in_district(
        self, *, district: str | None = None, limit: int = 500, also: Iterable[str] = ()
    ) -> list[User]:
        """Users whose (first) district is `district` or one of `also`; everyone when `district` is None."""
        query = select(users).order_by(users.c.username).limit(limit)
        if district is not None:
            query = query.where(users.c.district.in_([district, *also]))
        return [self._with_districts(_to_user(row)) for row in self.session.execute(query).all()]

    def ids_by_username(self, usernames: Iterable[str]) -> dict[str, int]:
        query = select(users.c.username, users.c.id).where(users.c.username.in_(list(usernames)))
        return {row.username: row.id for row in self.session.execute(query).all()}

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


def _key_filter(key: ThrottleKey) -> ColumnElement[bool]:
    return and_(
        login_throttles.c.scope == key.scope.value,
        login_throttles.c.username == key.username,
        login_throttles.c.address == key.address,
    )


def _to_throttle(row: Row[Any]) -> tuple[ThrottleKey, ThrottleCount]:
    key = ThrottleKey(ThrottleScope(row.scope), row.username, row.address)
    return key, ThrottleCount(row.failures, row.first_failure_at, row.last_failure_at, row.blocked_until)


@cache
def _insert_if_missing(dialect: str) -> Any:
    make_insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return make_insert(login_throttles).on_conflict_do_nothing(
        index_elements=[login_throttles.c.scope, login_throttles.c.username, login_throttles.c.address]
    )


@cache
def _remember_address(dialect: str) -> Any:
    make_insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = make_insert(login_known_addresses)
    return statement.on_conflict_do_update(
        index_elements=[login_known_addresses.c.user_id, login_known_addresses.c.address],
        set_={"last_success_at": statement.excluded.last_success_at},
    )


class ThrottleRepository:
    """Failure counts of logins, and the addresses each account logged in from.

    Counts are changed only under a row lock taken in ThrottleKey order (after the user row, before the audit
    head), so two workers never lose an increment and never wait on each other in a circle.
    """

    PURGE_BATCH = 200

    def __init__(self, session: Session) -> None:
        self.session = session

    @property
    def _dialect(self) -> str:
        return self.session.get_bind().dialect.name

    def counts(self, keys: Iterable[ThrottleKey]) -> dict[ThrottleKey, ThrottleCount]:
        """The stored counts of these keys, read without a lock (the cheap check before a password)."""
        wanted = list(keys)
        if not wanted:
            return {}
        rows = self.session.execute(select(login_throttles).where(or_(*map(_key_filter, wanted)))).all()
        return dict(map(_to_throttle, rows))

    def lock(self, keys: Iterable[ThrottleKey], at: datetime) -> dict[ThrottleKey, ThrottleCount]:
        """Create the missing counts (at zero) and lock all of them, one by one in key order."""
        locked: dict[ThrottleKey, ThrottleCount] = {}
        for key in sorted(set(keys)):
            self.session.execute(
                _insert_if_missing(self._dialect),
                {
                    "scope": key.scope.value,
                    "username": key.username,
                    "address": key.address,
                    "failures": 0,
                    "first_failure_at": at,
                    "last_failure_at": at,
                },
            )
            row = self.session.execute(
                select(login_throttles).where(_key_filter(key)).with_for_update()
            ).one()
            locked[key] = _to_throttle(row)[1]
        return locked

    def save(self, counts: Mapping[ThrottleKey, ThrottleCount]) -> None:
        for key, count in counts.items():
            self.session.execute(
                update(login_throttles)
                .where(_key_filter(key))
                .values(
                    failures=count.failures,
                    first_failure_at=count.first_failure_at,
                    last_failure_at=count.last_failure_at,
                    blocked_until=count.blocked_until,
                )
            )

    def forget(self, key: ThrottleKey) -> None:
        self.session.execute(delete(login_throttles).where(_key_filter(key)))

    def purge(self, *, stale_before: datetime, at: datetime) -> None:
        """Drop some counts that were forgotten (no failure within the window, no wait running).

        Rows another transaction holds are skipped, never waited for.
        """
        stale = (
            select(login_throttles.c.id)
            .where(
                login_throttles.c.last_failure_at < stale_before,
                or_(login_throttles.c.blocked_until.is_(None), login_throttles.c.blocked_until <= at),
            )
            .limit(self.PURGE_BATCH)
            .with_for_update(skip_locked=True)
        )
        self.session.execute(delete(login_throttles).where(login_throttles.c.id.in_(stale)))

    def active(self, *, since: datetime, at: datetime) -> list[tuple[ThrottleKey, ThrottleCount]]:
        """Counts with a failure since `since` or a wait still running at `at`, in key order."""
        query = (
            select(login_throttles)
            .where(
                login_throttles.c.failures > 0,
                or_(login_throttles.c.last_failure_at > since, login_throttles.c.blocked_until > at),
            )
            .order_by(login_throttles.c.scope, login_throttles.c.username, login_throttles.c.address)
        )
        return [_to_throttle(row) for row in self.session.execute(query).all()]

    def clear(self, *, username: str | None, address: str | None) -> int:
        """Delete the counts of a user name (its pairs and its account count), of an address (its pairs and
        its address count), or of one pair when both are given; return how many were deleted."""
        conditions: list[ColumnElement[bool]] = []
        if username is not None:
            conditions.append(login_throttles.c.username == username)
        if address is not None:
            conditions.append(login_throttles.c.address == address)
        if not conditions:
            raise ValueError("give a user name, an address or both")
        ids = self.session.execute(
            select(login_throttles.c.id)
            .where(*conditions)
            .order_by(login_throttles.c.scope, login_throttles.c.username, login_throttles.c.address)
            .with_for_update()
        ).scalars()
        wanted = list(ids)
        if wanted:
            self.session.execute(delete(login_throttles).where(login_throttles.c.id.in_(wanted)))
        return len(wanted)

    # Known-good addresses
    def is_known(self, user_id: int, address: str, *, since: datetime) -> bool:
        query = select(login_known_addresses.c.user_id).where(
            login_known_addresses.c.user_id == user_id,
            login_known_addresses.c.address == address,
            login_known_addresses.c.last_success_at > since,
        )
        return self.session.execute(query).first() is not None

    def remember(self, user_id: int, address: str, at: datetime, *, forget_before: datetime) -> None:
        """Note a successful login from the address; forget the account's addresses not used since."""
        self.session.execute(
            _remember_address(self._dialect), {"user_id": user_id, "address": address, "last_success_at": at}
        )
        self.session.execute(
            delete(login_known_addresses).where(
                login_known_addresses.c.user_id == user_id,
                login_known_addresses.c.last_success_at < forget_before,
            )
        )
