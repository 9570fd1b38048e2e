"""Indexes of the incident search and the caller's history: incidents by received time (region-wide and per
district) and by closing time; appeals by the caller's phone and received time

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-08 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ("ix_incidents_received_at", "incidents", ["received_at"]),
    ("ix_incidents_district_received", "incidents", ["district", "received_at"]),
    ("ix_incidents_closed_at", "incidents", ["closed_at"]),
    ("ix_appeals_caller_phone_received", "appeals", ["caller_phone", "received_at"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
