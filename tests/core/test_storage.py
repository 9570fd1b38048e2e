"""Storage on SQLite and PostgreSQL: one migration history that matches the tables, UTC time kept exactly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from kuzet.container import Services
from kuzet.core import migrate
from kuzet.core.actor import Actor
from kuzet.core.db import make_engine
from kuzet.schema import metadata
from tests.conftest import scratch_database


def test_migrations_match_the_tables(services: Services) -> None:
    with services.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    assert differences == []


def test_database_is_at_the_newest_migration(services: Services) -> None:
    assert migrate.current_revision(services.engine) == migrate.head_revision()


def test_sqlite_runs_in_wal_with_foreign_keys(services: Services) -> None:
    if not services.settings.is_sqlite:
        pytest.skip("SQLite pragmas apply only to SQLite")
    with services.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_postgresql_is_reached_through_psycopg3(services: Services) -> None:
    if services.settings.is_sqlite:
        pytest.skip("PostgreSQL only")
    assert services.engine.dialect.driver == "psycopg"


def test_times_come_back_in_utc_with_microseconds(services: Services) -> None:
    almaty = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=timezone(timedelta(hours=5)))
    with services.uow() as uow:
        uow.audit(Actor.system("test"), "test.time", at=almaty)
        uow.commit()
    with services.uow() as uow:
        [entry] = uow.audit_log.search(action="test.time")
    assert entry.record.at == almaty
    assert entry.record.at.tzinfo == UTC
    assert entry.record.at.hour == 4 and entry.record.at.microsecond == 123456


def test_naive_times_are_refused(services: Services) -> None:
    with pytest.raises(Exception, match="naive"), services.uow() as uow:
        uow.audit(Actor.system("test"), "test.time", at=datetime(2026, 1, 1))  # noqa: DTZ001
        uow.commit()


def test_migrations_go_down_and_up_again(tmp_path: Path) -> None:
    with scratch_database(tmp_path) as url:
        migrate.upgrade(url)
        command.downgrade(migrate.alembic_config(url), "base")
        engine = make_engine(url)
        try:
            assert migrate.current_revision(engine) is None
        finally:
            engine.dispose()
        migrate.upgrade(url)
