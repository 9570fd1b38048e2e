"""Partner gateway: partners, keys, nonces, idempotency, rate windows, media, citizen statuses; outbox

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 03:04:12.498168
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("destination", sa.String(length=60), nullable=False),
        sa.Column("kind", sa.String(length=60), nullable=False),
        sa.Column("ordering_key", sa.String(length=80), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("dead_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("event_id", name=op.f("uq_outbox_event_id")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_pending", ["delivered_at", "ordering_key", "id"], unique=False)

    op.create_table(
        "partner_idempotency",
        sa.Column("partner_code", sa.String(length=30), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("body_digest", sa.String(length=64), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("response", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("partner_code", "key", name=op.f("pk_partner_idempotency")),
    )
    with op.batch_alter_table("partner_idempotency", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_partner_idempotency_created_at"), ["created_at"], unique=False)

    op.create_table(
        "partner_nonces",
        sa.Column("key_id", sa.String(length=60), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key_id", "nonce", name=op.f("pk_partner_nonces")),
    )
    with op.batch_alter_table("partner_nonces", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_partner_nonces_seen_at"), ["seen_at"], unique=False)

    op.create_table(
        "partner_rate_windows",
        sa.Column("partner_code", sa.String(length=30), nullable=False),
        sa.Column("window_start", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("partner_code", "window_start", name=op.f("pk_partner_rate_windows")),
    )
    op.create_table(
        "partners",
        sa.Column("code", sa.String(length=30), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("webhook_url", sa.String(length=500), nullable=True),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("rate_limit_per_minute", sa.Integer(), nullable=False),
        sa.Column("category_map", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_partners")),
    )
    op.create_table(
        "outbox_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"], ["outbox.id"], name=op.f("fk_outbox_attempts_message_id_outbox")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_attempts")),
    )
    with op.batch_alter_table("outbox_attempts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_attempts_message_id"), ["message_id"], unique=False)

    op.create_table(
        "partner_keys",
        sa.Column("key_id", sa.String(length=60), nullable=False),
        sa.Column("partner_code", sa.String(length=30), nullable=False),
        sa.Column("sealed_secret", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["partner_code"], ["partners.code"], name=op.f("fk_partner_keys_partner_code_partners")
        ),
        sa.PrimaryKeyConstraint("key_id", name=op.f("pk_partner_keys")),
    )
    with op.batch_alter_table("partner_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_partner_keys_partner_code"), ["partner_code"], unique=False)

    op.create_table(
        "partner_appeal_status",
        sa.Column("appeal_id", sa.Integer(), nullable=False),
        sa.Column("partner_code", sa.String(length=30), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["appeal_id"], ["appeals.id"], name=op.f("fk_partner_appeal_status_appeal_id_appeals")
        ),
        sa.PrimaryKeyConstraint("appeal_id", name=op.f("pk_partner_appeal_status")),
    )
    with op.batch_alter_table("partner_appeal_status", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_partner_appeal_status_partner_code"), ["partner_code"], unique=False
        )

    op.create_table(
        "partner_media",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("partner_code", sa.String(length=30), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("mime", sa.String(length=60), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("appeal_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["appeal_id"], ["appeals.id"], name=op.f("fk_partner_media_appeal_id_appeals")
        ),
        sa.ForeignKeyConstraint(
            ["partner_code"], ["partners.code"], name=op.f("fk_partner_media_partner_code_partners")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_media")),
    )
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.drop_column("occurred_at")

    op.drop_table("partner_media")
    with op.batch_alter_table("partner_appeal_status", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_partner_appeal_status_partner_code"))

    op.drop_table("partner_appeal_status")
    with op.batch_alter_table("partner_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_partner_keys_partner_code"))

    op.drop_table("partner_keys")
    with op.batch_alter_table("outbox_attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_attempts_message_id"))

    op.drop_table("outbox_attempts")
    op.drop_table("partners")
    op.drop_table("partner_rate_windows")
    with op.batch_alter_table("partner_nonces", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_partner_nonces_seen_at"))

    op.drop_table("partner_nonces")
    with op.batch_alter_table("partner_idempotency", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_partner_idempotency_created_at"))

    op.drop_table("partner_idempotency")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_pending")

    op.drop_table("outbox")
