"""Positions: the fingerprint of the road graph each stored snap was made on

A recommendation reuses the snap stored with a unit's last fix (road edge and fraction) instead of snapping
it again; edge ids mean nothing on another graph, so the snap is reused only when the fingerprint matches
the graph now loaded. Rows stored before this column have none and are snapped afresh.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("unit_positions", "unit_tracks")


def upgrade() -> None:
    for table in TABLES:
        op.add_column(table, sa.Column("road_graph", sa.String(16), nullable=True))


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("road_graph")
