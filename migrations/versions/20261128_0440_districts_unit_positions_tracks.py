"""Roads and telemetry: districts, unit positions and tracks

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 04:39:02.547453
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "districts",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name_ru", sa.String(length=120), nullable=True),
        sa.Column("name_kk", sa.String(length=120), nullable=True),
        sa.Column("name_en", sa.String(length=120), nullable=True),
        sa.Column("geometry", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_districts")),
    )
    op.create_table(
        "unit_positions",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("speed_kmh", sa.Float(), nullable=True),
        sa.Column("heading", sa.Float(), nullable=True),
        sa.Column("accuracy_m", sa.Float(), nullable=True),
        sa.Column("road_lat", sa.Float(), nullable=True),
        sa.Column("road_lon", sa.Float(), nullable=True),
        sa.Column("road_edge", sa.Integer(), nullable=True),
        sa.Column("road_fraction", sa.Float(), nullable=True),
        sa.Column("road_distance_m", sa.Float(), nullable=True),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_unit_positions_unit_id_units")),
        sa.PrimaryKeyConstraint("unit_id", name=op.f("pk_unit_positions")),
    )
    op.create_table(
        "unit_tracks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("speed_kmh", sa.Float(), nullable=True),
        sa.Column("heading", sa.Float(), nullable=True),
        sa.Column("accuracy_m", sa.Float(), nullable=True),
        sa.Column("road_lat", sa.Float(), nullable=True),
        sa.Column("road_lon", sa.Float(), nullable=True),
        sa.Column("road_edge", sa.Integer(), nullable=True),
        sa.Column("road_fraction", sa.Float(), nullable=True),
        sa.Column("road_distance_m", sa.Float(), nullable=True),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_unit_tracks_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_tracks")),
    )
    with op.batch_alter_table("unit_tracks", schema=None) as batch_op:
        batch_op.create_index("ix_unit_tracks_unit_at", ["unit_id", "at"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("unit_tracks", schema=None) as batch_op:
        batch_op.drop_index("ix_unit_tracks_unit_at")

    op.drop_table("unit_tracks")
    op.drop_table("unit_positions")
    op.drop_table("districts")
