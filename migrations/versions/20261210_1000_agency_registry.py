"""Agency registry (101/103/104/112 and others): agencies, their signing keys both ways (sealed), used nonces

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-10 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "agencies",
        sa.Column("code", sa.String(length=30), nullable=False),
        sa.Column("names", sa.JSON(), nullable=False),
        sa.Column("endpoint_url", sa.String(length=500), nullable=False),
        sa.Column("formats", sa.JSON(), nullable=False),
        sa.Column("ack_deadlines", sa.JSON(), nullable=False),
        sa.Column("contact_phone", sa.String(length=40), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_agencies")),
    )
    op.create_table(
        "agency_keys",
        sa.Column("key_id", sa.String(length=60), nullable=False),
        sa.Column("agency_code", sa.String(length=30), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("sealed_secret", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("use_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["agency_code"], ["agencies.code"], name=op.f("fk_agency_keys_agency_code_agencies")
        ),
        sa.PrimaryKeyConstraint("key_id", name=op.f("pk_agency_keys")),
    )
    with op.batch_alter_table("agency_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agency_keys_agency_code"), ["agency_code"], unique=False)
    op.create_table(
        "agency_nonces",
        sa.Column("key_id", sa.String(length=60), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key_id", "nonce", name=op.f("pk_agency_nonces")),
    )
    with op.batch_alter_table("agency_nonces", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agency_nonces_seen_at"), ["seen_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("agency_nonces", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agency_nonces_seen_at"))
    op.drop_table("agency_nonces")
    with op.batch_alter_table("agency_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agency_keys_agency_code"))
    op.drop_table("agency_keys")
    op.drop_table("agencies")
