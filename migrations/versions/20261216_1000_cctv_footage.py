"""Footage requests (a camera's recording of a time window, for an incident, with a reason) and their chain of
custody: each step (requested, exported with the file's SHA-256 and reference, handed to the investigator)
with its time and actor

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-16 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cctv_footage_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("camera_id", sa.String(length=60), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("district", sa.String(length=40), nullable=True),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("window_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["camera_id"],
            ["cctv_cameras.camera_id"],
            name=op.f("fk_cctv_footage_requests_camera_id_cctv_cameras"),
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_cctv_footage_requests_incident_id_incidents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cctv_footage_requests")),
    )
    with op.batch_alter_table("cctv_footage_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cctv_footage_requests_camera_id"), ["camera_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_cctv_footage_requests_incident_id"), ["incident_id"], unique=False
        )
    op.create_table(
        "cctv_footage_custody",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=20), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by_actor", sa.String(length=120), nullable=False),
        sa.Column("by_role", sa.String(length=40), nullable=True),
        sa.Column("file_sha256", sa.String(length=64), nullable=True),
        sa.Column("file_reference", sa.String(length=500), nullable=True),
        sa.Column("investigator_name", sa.String(length=200), nullable=True),
        sa.Column("investigator_badge", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["cctv_footage_requests.id"],
            name=op.f("fk_cctv_footage_custody_request_id_cctv_footage_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cctv_footage_custody")),
    )
    with op.batch_alter_table("cctv_footage_custody", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cctv_footage_custody_request_id"), ["request_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("cctv_footage_custody", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cctv_footage_custody_request_id"))
    op.drop_table("cctv_footage_custody")
    with op.batch_alter_table("cctv_footage_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cctv_footage_requests_incident_id"))
        batch_op.drop_index(batch_op.f("ix_cctv_footage_requests_camera_id"))
    op.drop_table("cctv_footage_requests")
