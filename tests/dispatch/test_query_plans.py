"""The recommendation's statement reads the busy units through the partial index of active assignments on
both databases, so it stays fast however long the assignment history grows."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from kuzet.container import Services
from kuzet.dispatch.store import assignments, candidates_query

INDEX = "uq_assignments_active_unit"


def plan(services: Services, query: Any, **values: Any) -> str:
    """The database's plan for the query with these parameter values, as text. PostgreSQL is told to avoid a
    sequential scan wherever an index can serve, so that a tiny test table does not hide whether the index
    is usable at all."""
    with services.engine.connect() as connection:
        if values:
            query = query.params(**values)
        compiled = query.compile(connection, compile_kwargs={"literal_binds": True})
        if connection.dialect.name == "postgresql":
            connection.execute(text("SET enable_seqscan = off"))
            rows = connection.execute(text(f"EXPLAIN {compiled}")).all()
            return "\n".join(str(row[0]) for row in rows)
        rows = connection.execute(text(f"EXPLAIN QUERY PLAN {compiled}")).all()
        return "\n".join(str(row[-1]) for row in rows)


@pytest.mark.parametrize("one_district", [False, True], ids=["region", "district"])
def test_busy_units_are_read_through_the_index_of_active_assignments(
    services: Services, one_district: bool
) -> None:
    values = {"graph": "0123456789abcdef", "edges": 1000, "district": "central"}
    found = plan(services, candidates_query(one_district=one_district), **values)
    assert INDEX in found, found


def test_the_plan_check_sees_a_full_scan(services: Services) -> None:
    """The check can fail: `active IS TRUE` does not match the index's condition, and is a full scan."""
    from sqlalchemy import select

    found = plan(services, select(assignments.c.unit_id).where(assignments.c.active.is_(True)))
    assert INDEX not in found, found
