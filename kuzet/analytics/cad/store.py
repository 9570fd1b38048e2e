"""The repository of historical CAD imports over `cad_imports` and `imported_incidents`."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from kuzet.analytics.cad.tables import cad_imports, imported_incidents


class CadImportRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def start(self, *, file_name: str, sha256: str, mapping_name: str, by: str, at: datetime) -> int:
        """Record an import as begun (its rows need its id); `finish` or `discard` completes it."""
        row = self.session.execute(
            insert(cad_imports)
            .values(
                file_name=file_name[:300],
                file_sha256=sha256,
                mapping_name=mapping_name[:300],
                started_at=at,
                rows_read=0,
                rows_imported=0,
                rows_rejected=0,
                duplicates=0,
                report={"status": "running"},
                imported_by=by[:120],
            )
            .returning(cad_imports.c.id)
        )
        return int(row.scalar_one())

    def numbers_known(self, numbers: Collection[str]) -> dict[str, int]:
        """Which of these incident numbers are stored already, and by which import."""
        if not numbers:
            return {}
        found = self.session.execute(
            select(imported_incidents.c.number, imported_incidents.c.import_id).where(
                imported_incidents.c.number.in_(list(numbers))
            )
        )
        return {str(number): int(import_id) for number, import_id in found}

    def add_all(self, import_id: int, rows: Sequence[Mapping[str, Any]]) -> None:
        if rows:
            self.session.execute(
                insert(imported_incidents), [{**row, "import_id": import_id} for row in rows]
            )

    def finish(self, import_id: int, *, report: Mapping[str, Any], at: datetime) -> None:
        self.session.execute(
            update(cad_imports)
            .where(cad_imports.c.id == import_id)
            .values(
                finished_at=at,
                rows_read=report["rows_read"],
                rows_imported=report["imported"],
                rows_rejected=report["rejected"],
                duplicates=report["duplicates"],
                report=dict(report),
            )
        )

    def discard(self, import_id: int, *, report: Mapping[str, Any], at: datetime) -> None:
        """Remove what a failed import stored; its record stays, with the failure in its report."""
        self.session.execute(delete(imported_incidents).where(imported_incidents.c.import_id == import_id))
        self.finish(import_id, report={**report, "imported": 0}, at=at)

    def earlier_imports_of(self, sha256: str) -> list[int]:
        """Completed (not failed) imports of a file with the same content."""
        found = self.session.execute(
            select(cad_imports.c.id, cad_imports.c.report)
            .where(cad_imports.c.file_sha256 == sha256, cad_imports.c.finished_at.is_not(None))
            .order_by(cad_imports.c.id)
        )
        return [int(i) for i, report in found if report.get("status") != "failed"]
