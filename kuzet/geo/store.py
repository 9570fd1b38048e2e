"""The districts table: each district's polygon, as GeoJSON, with its names."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Column, String, Table, delete, insert, select
from sqlalchemy.orm import Session

from kuzet.core.db import UTCDateTime, metadata

districts = Table(
    "districts",
    metadata,
    Column("code", String(40), primary_key=True),
    Column("name_ru", String(120)),
    Column("name_kk", String(120)),
    Column("name_en", String(120)),
    Column("geometry", JSON, nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)


class DistrictRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def replace_all(self, rows: list[dict[str, Any]]) -> None:
        self.session.execute(delete(districts))
        if rows:
            self.session.execute(insert(districts), rows)

    def all(self) -> list[dict[str, Any]]:
        query = select(districts).order_by(districts.c.code)
        return [dict(row._mapping) for row in self.session.execute(query).all()]
