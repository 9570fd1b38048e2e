"""Camera alerts and health: the watch list of plates; camera analytics sources with their keys (sealed at
rest) and used nonces; every event a source posted, with what became of it and the hash of its picture; and
cameras' spans of life from their heartbeats

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-17 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cctv_watchlist",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plate", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("added_by", sa.String(length=80), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cctv_watchlist")),
        sa.UniqueConstraint("plate", name=op.f("uq_cctv_watchlist_plate")),
    )
    with op.batch_alter_table("cctv_watchlist", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cctv_watchlist_expires_at"), ["expires_at"], unique=False)
    op.create_table(
        "cctv_sources",
        sa.Column("code", sa.String(length=30), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_cctv_sources")),
    )
    op.create_table(
        "cctv_source_keys",
        sa.Column("key_id", sa.String(length=60), nullable=False),
        sa.Column("source_code", sa.String(length=30), nullable=False),
        sa.Column("sealed_secret", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["source_code"], ["cctv_sources.code"], name=op.f("fk_cctv_source_keys_source_code_cctv_sources")
        ),
        sa.PrimaryKeyConstraint("key_id", name=op.f("pk_cctv_source_keys")),
    )
    with op.batch_alter_table("cctv_source_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cctv_source_keys_source_code"), ["source_code"], unique=False)
    op.create_table(
        "cctv_source_nonces",
        sa.Column("key_id", sa.String(length=60), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key_id", "nonce", name=op.f("pk_cctv_source_nonces")),
    )
    with op.batch_alter_table("cctv_source_nonces", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cctv_source_nonces_seen_at"), ["seen_at"], unique=False)
    op.create_table(
        "camera_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_code", sa.String(length=30), nullable=False),
        sa.Column("event_id", sa.String(length=100), nullable=False),
        sa.Column("body_digest", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("camera_id", sa.String(length=60), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("plate", sa.String(length=10), nullable=True),
        sa.Column("count", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("watch_entry_id", sa.Integer(), nullable=True),
        sa.Column("appeal_id", sa.Integer(), nullable=True),
        sa.Column("image_sha256", sa.String(length=64), nullable=True),
        sa.Column("response", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["appeal_id"], ["appeals.id"], name=op.f("fk_camera_events_appeal_id_appeals")
        ),
        sa.ForeignKeyConstraint(
            ["source_code"], ["cctv_sources.code"], name=op.f("fk_camera_events_source_code_cctv_sources")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_camera_events")),
        sa.UniqueConstraint("source_code", "event_id", name=op.f("uq_camera_events_source_code")),
    )
    with op.batch_alter_table("camera_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_camera_events_appeal_id"), ["appeal_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_camera_events_camera_id"), ["camera_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_camera_events_received_at"), ["received_at"], unique=False)
    op.create_table(
        "camera_health_spans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("camera_id", sa.String(length=60), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_beat_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_via", sa.String(length=40), nullable=False),
        sa.Column("offline_told", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_camera_health_spans")),
    )
    with op.batch_alter_table("camera_health_spans", schema=None) as batch_op:
        batch_op.create_index(
            "ix_camera_health_spans_camera_started", ["camera_id", "started_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("camera_health_spans", schema=None) as batch_op:
        batch_op.drop_index("ix_camera_health_spans_camera_started")
    op.drop_table("camera_health_spans")
    with op.batch_alter_table("camera_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_camera_events_received_at"))
        batch_op.drop_index(batch_op.f("ix_camera_events_camera_id"))
        batch_op.drop_index(batch_op.f("ix_camera_events_appeal_id"))
    op.drop_table("camera_events")
    with op.batch_alter_table("cctv_source_nonces", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cctv_source_nonces_seen_at"))
    op.drop_table("cctv_source_nonces")
    with op.batch_alter_table("cctv_source_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cctv_source_keys_source_code"))
    op.drop_table("cctv_source_keys")
    op.drop_table("cctv_sources")
    with op.batch_alter_table("cctv_watchlist", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cctv_watchlist_expires_at"))
    op.drop_table("cctv_watchlist")
