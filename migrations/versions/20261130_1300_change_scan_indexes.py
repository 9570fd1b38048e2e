"""Indexes for the analytics snapshot's change scan: incidents.updated_at, assignments.updated_at (new)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 13:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# An assignment's stamps from the last stage back: the first that is set is its latest.
_LATEST = "COALESCE(cancelled_at, cleared_at, on_scene_at, en_route_at, acknowledged_at, assigned_at)"


def upgrade() -> None:
    with op.batch_alter_table("assignments") as batch_op:
        batch_op.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_assignments_updated_at"), ["updated_at"], unique=False)
    op.execute(f"UPDATE assignments SET updated_at = {_LATEST}")  # noqa: S608 - a constant
    with op.batch_alter_table("incidents") as batch_op:
        batch_op.create_index(batch_op.f("ix_incidents_updated_at"), ["updated_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("incidents") as batch_op:
        batch_op.drop_index(batch_op.f("ix_incidents_updated_at"))
    with op.batch_alter_table("assignments") as batch_op:
        batch_op.drop_index(batch_op.f("ix_assignments_updated_at"))
        batch_op.drop_column("updated_at")
