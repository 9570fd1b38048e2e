"""Users' further districts: an analyst may be tied to several districts. `users.district` stays the first
(and, for operational roles, the only) one; this table holds the others.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-18 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "user_districts",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("district", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_districts_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "district", name=op.f("pk_user_districts")),
    )


def downgrade() -> None:
    op.drop_table("user_districts")
