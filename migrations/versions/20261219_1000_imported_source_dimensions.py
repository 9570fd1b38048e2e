"""Imported incidents keep the source's own priority as written, and the further source columns their
mapping keeps as dimensions (agency, beat, shift, unit …).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-19 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("imported_incidents") as table:
        table.add_column(sa.Column("source_priority", sa.String(length=40), nullable=True))
        table.add_column(sa.Column("dimensions", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("imported_incidents") as table:
        table.drop_column("dimensions")
        table.drop_column("source_priority")
