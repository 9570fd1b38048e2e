"""The recommendation's busy-units query reads the partial index of active assignments on both databases,
so it stays fast however long the assignment history grows."""

from __future__ import annotations

from sqlalchemy import text

from kuzet.container import Services
from kuzet.dispatch.recommendations import busy_units_query
from kuzet.dispatch.store import assignments

INDEX = "uq_assignments_active_unit"


def plan(services: Services, query: object) -> str:
    """The database's plan for the query, as text. PostgreSQL is told to avoid a sequential scan wherever
    an index can serve, so that a tiny test table does not hide whether the index is usable at all."""
    with services.engine.connect() as connection:
        compiled = query.compile(connection, compile_kwargs={"literal_binds": True})  # type: ignore[attr-defined]
        if connection.dialect.name == "postgresql":
            connection.execute(text("SET enable_seqscan = off"))
            rows = connection.execute(text(f"EXPLAIN {compiled}")).all()
            return "\n".join(str(row[0]) for row in rows)
        rows = connection.execute(text(f"EXPLAIN QUERY PLAN {compiled}")).all()
        return "\n".join(str(row[-1]) for row in rows)


def test_busy_units_are_read_through_the_index_of_active_assignments(services: Services) -> None:
    found = plan(services, busy_units_query())
    assert INDEX in found, found


def test_the_plan_check_sees_a_full_scan(services: Services) -> None:
    """The check can fail: `active IS TRUE` does not match the index's condition, and is a full scan."""
    from sqlalchemy import select

    found = plan(services, select(assignments.c.unit_id).where(assignments.c.active.is_(True)))
    assert INDEX not in found, found
