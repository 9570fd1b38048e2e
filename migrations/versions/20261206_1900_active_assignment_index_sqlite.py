"""SQLite: the index of active assignments takes the condition as queries write it (active = 1)

SQLAlchemy writes a boolean condition on SQLite as `active = 1`, and SQLite uses a partial index only for a
query whose condition matches the index's own; with the index written as `WHERE active`, every query for the
active assignments read the whole assignment history. PostgreSQL writes and matches `WHERE active` as before.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 19:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _recreate(condition: str) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("DROP INDEX IF EXISTS uq_assignments_active_unit")
    op.execute(f"CREATE UNIQUE INDEX uq_assignments_active_unit ON assignments (unit_id) WHERE {condition}")


def upgrade() -> None:
    _recreate("active = 1")


def downgrade() -> None:
    _recreate("active")
