"""The camera registry: each camera's place, view (heading, field of view, range), type, owner, retention,
status, and its snapshot and stream addresses sealed at rest

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-15 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cctv_cameras",
        sa.Column("camera_id", sa.String(length=60), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("mount_height_m", sa.Float(), nullable=False),
        sa.Column("heading_deg", sa.Float(), nullable=False),
        sa.Column("fov_deg", sa.Float(), nullable=False),
        sa.Column("range_m", sa.Float(), nullable=False),
        sa.Column("type", sa.String(length=30), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("retention_days", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("sealed_snapshot_url", sa.Text(), nullable=True),
        sa.Column("sealed_stream_url", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("camera_id", name=op.f("pk_cctv_cameras")),
    )
    with op.batch_alter_table("cctv_cameras", schema=None) as batch_op:
        batch_op.create_index("ix_cctv_cameras_lat_lon", ["lat", "lon"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("cctv_cameras", schema=None) as batch_op:
        batch_op.drop_index("ix_cctv_cameras_lat_lon")
    op.drop_table("cctv_cameras")
