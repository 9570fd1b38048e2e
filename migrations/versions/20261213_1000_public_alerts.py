"""Public alerts: CAP 1.2 alerts we issue (with their updates and cancellations) and CAP alerts imported from
other agencies, each with its texts per language, its area and the CAP document as sent or received

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-13 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "public_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("identifier", sa.String(length=200), nullable=False),
        sa.Column("sender", sa.String(length=200), nullable=False),
        sa.Column("sent", sa.DateTime(timezone=True), nullable=False),
        sa.Column("msg_type", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("scope", sa.String(length=12), nullable=False),
        sa.Column("cap_references", sa.JSON(), nullable=False),
        sa.Column("origin", sa.String(length=10), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=True),
        sa.Column("event", sa.String(length=200), nullable=False),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("urgency", sa.String(length=12), nullable=False),
        sa.Column("severity", sa.String(length=12), nullable=False),
        sa.Column("certainty", sa.String(length=12), nullable=False),
        sa.Column("texts", sa.JSON(), nullable=False),
        sa.Column("area", sa.JSON(), nullable=False),
        sa.Column("district_code", sa.String(length=40), nullable=True),
        sa.Column("onset", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires", sa.DateTime(timezone=True), nullable=True),
        sa.Column("superseded_by", sa.Integer(), nullable=True),
        sa.Column("cancelled", sa.Boolean(), nullable=False),
        sa.Column("issued_by", sa.String(length=80), nullable=True),
        sa.Column("cap_xml", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["superseded_by"], ["public_alerts.id"], name=op.f("fk_public_alerts_superseded_by_public_alerts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_public_alerts")),
        sa.UniqueConstraint("sender", "identifier", name=op.f("uq_public_alerts_sender")),
    )
    with op.batch_alter_table("public_alerts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_public_alerts_expires"), ["expires"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("public_alerts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_public_alerts_expires"))
    op.drop_table("public_alerts")
