"""What a database holds, read the same way on SQLite and PostgreSQL: rows per table and the migration."""

from __future__ import annotations

from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, create_engine, func, inspect, select, table
from sqlalchemy.pool import NullPool

from kuzet.operations.domain import non_empty_tables
from kuzet.operations.sqlite import database_file


def row_counts(connection: Connection) -> dict[str, int]:
    """Rows in every table of the database (its default schema), Alembic's own included."""
    counts = {}
    for name in sorted(inspect(connection).get_table_names()):
        counts[name] = int(connection.execute(select(func.count()).select_from(table(name))).scalar_one())
    return counts


def migration_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def occupied_tables(database_url: str) -> list[str]:
    """The tables of a restore target that hold rows (a database only migrated counts as empty; a SQLite
    file not there yet is empty, and looking does not create it)."""
    if database_url.startswith("sqlite") and not database_file(database_url).exists():
        return []
    engine = create_engine(database_url, poolclass=NullPool, hide_parameters=True)
    try:
        with engine.connect() as connection:
            return non_empty_tables(row_counts(connection))
    finally:
        engine.dispose()


def counts_and_revision(database_url: str) -> tuple[dict[str, int], str | None]:
    engine = create_engine(database_url, poolclass=NullPool, hide_parameters=True)
    try:
        with engine.connect() as connection:
            return row_counts(connection), migration_revision(connection)
    finally:
        engine.dispose()
