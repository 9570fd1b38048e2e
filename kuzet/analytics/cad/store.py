"""The repository of historical CAD imports over `cad_imports` and `imported_incidents`."""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from kuzet.analytics.cad.tables import cad_imports, imported_incidents


class CadImportRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def start(
        self,
        *,
        file_name: str,
        sha256: str,
        mapping_name: str,
        by: str,
        at: datetime,
        running: Mapping[str, Any] | None = None,
    ) -> int:
        """Record an import as begun (its rows need its id); `finish`, `discard` or `forget` completes it.
        `running` is what a later resume needs (the file's and mapping's paths, the process), kept in the
        report beside `"status": "running"` until then."""
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
                report={**(running or {}), "status": "running"},
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
        """Completed imports (not failed, not undone) of a file with the same content."""
        found = self.session.execute(
            select(cad_imports.c.id, cad_imports.c.report)
            .where(cad_imports.c.file_sha256 == sha256, cad_imports.c.finished_at.is_not(None))
            .order_by(cad_imports.c.id)
        )
        return [int(i) for i, report in found if report.get("status") == "imported"]

    def whole_reports(self) -> list[dict[str, Any]]:
        """The reports of whole imports (finished, status `imported`), oldest first: what analytics reads."""
        found = self.session.execute(
            select(cad_imports.c.report)
            .where(cad_imports.c.finished_at.is_not(None))
            .order_by(cad_imports.c.id)
        )
        reports = (json.loads(r) if isinstance(r, str) else (r or {}) for (r,) in found)
        return [dict(r) for r in reports if r.get("status") == "imported"]

    def numbers_of(self, import_id: int) -> set[str]:
        """The incident numbers an import has stored (what an interrupted one had committed)."""
        found = self.session.execute(
            select(imported_incidents.c.number).where(imported_incidents.c.import_id == import_id)
        )
        return {str(number) for (number,) in found}

    def claim(self, import_id: int, running: Mapping[str, Any]) -> None:
        """An interrupted import taken up again by this process (its report says so until it finishes)."""
        self.session.execute(
            update(cad_imports)
            .where(cad_imports.c.id == import_id)
            .values(report={**running, "status": "running"})
        )

    def forget(self, import_id: int) -> None:
        """Drop the record of an import that stored nothing: an empty import is not kept."""
        self.session.execute(delete(cad_imports).where(cad_imports.c.id == import_id))

    def get(self, import_id: int) -> dict[str, Any] | None:
        row = (
            self.session.execute(select(cad_imports).where(cad_imports.c.id == import_id)).mappings().first()
        )
        return None if row is None else dict(row)

    def listing(self) -> list[dict[str, Any]]:
        """Every recorded import, newest first."""
        rows = self.session.execute(select(cad_imports).order_by(cad_imports.c.id.desc())).mappings()
        return [dict(row) for row in rows]

    def running(self) -> list[dict[str, Any]]:
        """The imports not finished: under way, or interrupted (a killed process leaves them so)."""
        rows = self.session.execute(
            select(cad_imports).where(cad_imports.c.finished_at.is_(None)).order_by(cad_imports.c.id)
        ).mappings()
        return [dict(row) for row in rows]

    def undo(self, import_id: int, *, report: Mapping[str, Any], at: datetime) -> int:
        """Remove every row of an import; its record stays, with `report` (status `undone`). The count of
        rows removed is returned."""
        removed = len(self.numbers_of(import_id))
        self.session.execute(delete(imported_incidents).where(imported_incidents.c.import_id == import_id))
        self.session.execute(
            update(cad_imports)
            .where(cad_imports.c.id == import_id)
            .values(finished_at=at, rows_imported=0, report=dict(report))
        )
        return removed
