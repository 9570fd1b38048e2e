"""Agency links: calls transferred to us by an agency (once per idempotency key, with the EIDO document as
sent) and each link's last heartbeat

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-12 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "agency_transfers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_code", sa.String(length=30), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("body_digest", sa.String(length=64), nullable=False),
        sa.Column("tracking_id", sa.String(length=200), nullable=False),
        sa.Column("appeal_id", sa.Integer(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("response", sa.JSON(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_code"], ["agencies.code"], name=op.f("fk_agency_transfers_agency_code_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["appeal_id"], ["appeals.id"], name=op.f("fk_agency_transfers_appeal_id_appeals")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agency_transfers")),
        sa.UniqueConstraint("agency_code", "idempotency_key", name=op.f("uq_agency_transfers_agency_code")),
    )
    with op.batch_alter_table("agency_transfers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agency_transfers_appeal_id"), ["appeal_id"], unique=False)
    op.create_table(
        "agency_links",
        sa.Column("agency_code", sa.String(length=30), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("agency_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["agency_code"], ["agencies.code"], name=op.f("fk_agency_links_agency_code_agencies")
        ),
        sa.PrimaryKeyConstraint("agency_code", name=op.f("pk_agency_links")),
    )


def downgrade() -> None:
    op.drop_table("agency_links")
    with op.batch_alter_table("agency_transfers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agency_transfers_appeal_id"))
    op.drop_table("agency_transfers")
