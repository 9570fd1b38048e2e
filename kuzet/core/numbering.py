"""Human numbers per series and year (102-2026-000123): no gaps and no duplicates under concurrency.

The counter row is incremented inside the caller's transaction, so its lock is held until that transaction
ends: a rolled-back registration gives its number back, and two writers can never take the same one.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import Column, Integer, PrimaryKeyConstraint, String, Table, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from kuzet.core.db import metadata

if TYPE_CHECKING:
    from kuzet.core.uow import UnitOfWork

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
    dialect = session.get_bind().dialect.name
    make_insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        make_insert(table)
        .values(**key, **{counter.name: 1})
        .on_conflict_do_update(index_elements=list(key), set_={counter.name: counter + 1})
        .returning(counter)
    )
    return int(session.execute(statement).scalar_one())


def format_number(series: str, year: int, number: int) -> str:
    return f"{series}-{year}-{number:06d}"


def placeholder() -> str:
    """A unique stand-in stored until the real number is assigned at commit (never seen outside)."""
    return "~" + uuid.uuid4().hex[:22]


@dataclass
class NumberAtCommit:
    """The number a row gets at commit. Read `value` only after the unit of work committed."""

    series: str
    year: int
    value: str | None = None

    def get(self) -> str:
        if self.value is None:
            raise RuntimeError("the number is assigned at commit")
        return self.value


def number_at_commit(
    uow: UnitOfWork,
    *,
    series: str,
    year: int,
    table: Table,
    row_id: int,
    then: Callable[[str], None] | None = None,
) -> NumberAtCommit:
    """Give the row its human number just before the commit: the counter row is then locked only for the last
    moments of the transaction, and a transaction that rolls back never took a number (no gaps)."""
    cell = NumberAtCommit(series, year)

    def assign() -> None:
        cell.value = format_number(series, year, next_number(uow.session, series, year))
        uow.session.execute(update(table).where(table.c.id == row_id).values(number=cell.value))
        if then is not None:
            then(cell.value)

    uow.before_commit(assign)
    return cell
