"""Database engine and table metadata for SQLite (WAL, foreign keys on) and PostgreSQL (psycopg 3)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, DateTime, Engine, MetaData, create_engine, event, make_url, text
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC moment on both back ends (SQLite keeps no zone, so it is restored on read)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: store UTC with its timezone")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


FOLD_FUNCTION = "kuzet_fold"
# libpq's options of every PostgreSQL connection: give up on a server that does not answer a new connection
# within 5 s, and notice a connection whose server vanished without closing it (its machine lost, the
# address moved to a promoted replica) within about a minute when idle, or 15 s when data goes unanswered,
# instead of the system's TCP time-outs (minutes to hours).
POSTGRES_CONNECT_ARGS: dict[str, int] = {
    "connect_timeout": 5,
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 10,
    "keepalives_count": 3,
    "tcp_user_timeout": 15_000,  # milliseconds
}


def fold_text(value: str | None) -> str | None:
    """Text as searches compare it: case folded in every alphabet, ё read as е."""
    return None if value is None else value.casefold().replace("ё", "е")


def _prepare_sqlite(engine: Engine, *, foreign_keys: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, open transactions, so that BEGIN IMMEDIATE below applies.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
        # SQLite's lower() and LIKE fold ASCII only: searches fold Cyrillic and Kazakh text with this.
        dbapi_connection.create_function(FOLD_FUNCTION, 1, fold_text, deterministic=True)

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Take the write lock at the start: two writers never read the same audit chain head.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str, *, foreign_keys: bool = True) -> Engine:
    """An engine for the URL. SQL parameters are never put into error messages (they may hold personal data).

    `foreign_keys=False` is for migrations only: SQLite rebuilds a table to alter it, and with foreign keys
    on, dropping the old copy would cascade into the rows that reference it.
    """
    if url.startswith("sqlite"):
        database = make_url(url).database
        if database == ":memory:":
            database = None
        if database:
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        # A pool of open connections: opening one (with its pragmas) costs more than a small transaction.
        pooled = {"poolclass": QueuePool, "pool_size": 5, "max_overflow": 15} if database else {}
        engine = create_engine(url, connect_args={"check_same_thread": False}, hide_parameters=True, **pooled)
        _prepare_sqlite(engine, foreign_keys=foreign_keys)
        return engine
    # A pooled connection is tested before use (pre-ping), and a lost connection drops the whole pool, so
    # that after a database restart or failover the next request reconnects.
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=10,
        hide_parameters=True,
        connect_args=dict(POSTGRES_CONNECT_ARGS),
    )


def read_only(connection: Connection) -> bool:
    """Whether the database takes reads only: a PostgreSQL standby not yet promoted (during a failover)."""
    if connection.dialect.name != "postgresql":
        return False
    return bool(connection.execute(text("SELECT pg_is_in_recovery()")).scalar())


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=False)
