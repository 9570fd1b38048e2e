"""Historical CAD imports: cad_imports, imported_incidents

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cad_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=300), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("mapping_name", sa.String(length=300), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rows_read", sa.Integer(), nullable=False),
        sa.Column("rows_imported", sa.Integer(), nullable=False),
        sa.Column("rows_rejected", sa.Integer(), nullable=False),
        sa.Column("duplicates", sa.Integer(), nullable=False),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.Column("imported_by", sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cad_imports")),
    )
    op.create_table(
        "imported_incidents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=60), nullable=False),
        sa.Column("category_code", sa.String(length=60), nullable=True),
        sa.Column("category_raw", sa.String(length=200), nullable=True),
        sa.Column("priority", sa.Integer(), nullable=True),
        sa.Column("district", sa.String(length=40), nullable=True),
        sa.Column("channel", sa.String(length=20), nullable=True),
        sa.Column("partner", sa.String(length=20), nullable=True),
        sa.Column("unit_type", sa.String(length=30), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_dispatched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("first_en_route_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("first_on_scene_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cleared_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("disposition", sa.String(length=40), nullable=True),
        sa.Column("stamps", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["import_id"], ["cad_imports.id"], name=op.f("fk_imported_incidents_import_id_cad_imports")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_imported_incidents")),
        sa.UniqueConstraint("number", name=op.f("uq_imported_incidents_number")),
    )
    op.create_index("ix_imported_incidents_received", "imported_incidents", ["received_at"])


def downgrade() -> None:
    op.drop_index("ix_imported_incidents_received", table_name="imported_incidents")
    op.drop_table("imported_incidents")
    op.drop_table("cad_imports")
