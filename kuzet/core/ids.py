"""Bounds of the numbers a request may name: row ids fit the database's integer columns.

An id past a column's range cannot name a row, and PostgreSQL refuses to compare it (or SQLite to bind it), so
every id a route takes is declared with these bounds: a hostile id is a 422 naming the field, never a 500.
For the API layer (path, query and body fields); the domain takes plain ints.
"""

from __future__ import annotations

from typing import Annotated, Final

from pydantic import Field

MAX_ID: Final = 2**31 - 1  # an INTEGER column (PostgreSQL int4): ids of incidents, appeals, units, users, …
MAX_BIGINT: Final = 2**63 - 1  # a BIGINT column: the audit log's sequence numbers

RowId = Annotated[int, Field(ge=1, le=MAX_ID)]
"""The id of a row: a path parameter (`incident_id: RowId`), a query parameter or a body field."""

FeedSeq = Annotated[int, Field(ge=0, le=MAX_ID)]
"""A live-feed number to resume after; 0 replays from the start."""

AuditSeq = Annotated[int, Field(ge=1, le=MAX_BIGINT)]
"""A row of the audit log."""
