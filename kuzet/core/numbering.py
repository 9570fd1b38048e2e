"""Human numbers per series and year (102-2026-000123): no gaps and no duplicates under concurrency.

The counter row is incremented inside the caller's transaction, so its lock is held until that transaction
ends: a rolled-back registration gives its number back, and two writers can never take the same one.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Column, Integer, PrimaryKeyConstraint, String, Table, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from kuzet.core.db import metadata

counters = Table(
    "counters",
    metadata,
    Column("series", String(20), nullable=False),
    Column("year", Integer, nullable=False),
    Column("last", Integer, nullable=False),
    PrimaryKeyConstraint("series", "year"),
)


def next_number(session: Session, series: str, year: int) -> int:
    """Take the next number of the series for the year (1, 2, 3 …) inside the open transaction."""
    return increment(session, counters, {"series": series, "year": year}, counters.c.last)


def increment(session: Session, table: Table, key: dict[str, object], counter: Column[int]) -> int:
    """Add one to the counter of the row with this key (creating it at 1) in one statement; the row stays
    locked until the transaction ends."""
    statement = _upsert(session.get_bind().dialect.name, table, tuple(key), counter)
    return int(session.execute(statement, {**key, counter.name: 1}).scalar_one())


@cache
def _upsert(dialect: str, table: Table, key: tuple[str, ...], counter: Column[int]) -> Any:
    make_insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return (
        make_insert(table)
        .on_conflict_do_update(index_elements=list(key), set_={counter.name: counter + 1})
        .returning(counter)
    )


def format_number(series: str, year: int, number: int) -> str:
    return f"{series}-{year}-{number:06d}"


def issued_with_sequence(session: Session, sequence: int, *, year: int | None = None) -> list[str]:
    """Every number already issued, in any series (of that year, if given), whose sequence part is this one:
    what a search for `000123` or `2026-000123` may mean, looked up exactly instead of by a pattern."""
    query = select(counters.c.series, counters.c.year).where(counters.c.last >= sequence)
    if year is not None:
        query = query.where(counters.c.year == year)
    return [format_number(series, y, sequence) for series, y in session.execute(query).all()]
