"""The historical CAD import as a use case: stream a foreign export through its mapping into
`imported_incidents`, kept apart from live incidents, and record the import with its report.

Unlike other use cases, an import commits in batches (a few thousand rows per transaction): one transaction
over millions of rows would hold SQLite's single write lock for minutes and stall live intake. The import is
recorded first as `running` (its rows point to it), with what a resume needs: the file's and the mapping's
paths and the process. If anything fails midway, or the process is stopped by SIGTERM or Ctrl-C, the rows
stored so far are removed and the record keeps the failure in its report, with an audit row. A process
killed outright (kill -9, a power cut) leaves the import `running` with the batches it committed:
`resume_id` reads the same file again, counts the rows committed before as stored and adds the rest, so the
tables end exactly as after an uninterrupted import; kuzet.analytics.cad.lifecycle undoes one instead.
A dry run reads, checks and reports, and writes nothing. An import that stores nothing new leaves no
record. Duplicates are found by incident number: within the file (the first row wins) and against earlier
imports, so running the same file again imports nothing new.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from kuzet.analytics.cad.mapping import CadMapping, Vocabulary
from kuzet.analytics.cad.report import ReportBuilder
from kuzet.analytics.cad.rows import RowChecker
from kuzet.analytics.cad.source import FileScan, Records, SourceFileError, scan_file
from kuzet.analytics.cad.store import CadImportRepository
from kuzet.appeals.domain import Channel
from kuzet.core.actor import Actor
from kuzet.core.audit.domain import Outcome
from kuzet.core.events import DomainEvent
from kuzet.core.uow import UnitOfWork
from kuzet.incidents import catalogue_service
from kuzet.incidents.domain import Disposition
from kuzet.partners.domain import KNOWN_PARTNERS
from kuzet.units.domain import UnitType

log = logging.getLogger(__name__)

DEFAULT_BATCH: Final = 5000
# Called after each batch with the bytes read so far, the file's size and the rows read so far.
Progress = Callable[[int, int, int], None]
Batch = list[tuple[int, dict[str, Any]]]


@dataclass(frozen=True)
class CadImportFinished(DomainEvent):
    """Historical incidents were added: analytics refreshes what it derives from them."""

    name = "cad_import.finished"
    import_id: int
    rows_imported: int


@dataclass(frozen=True)
class ImportOutcome:
    import_id: int | None  # None for a dry run
    report: dict[str, Any]


def vocabulary(uow: UnitOfWork) -> Vocabulary:
    """Our codes that a mapping may name: every category (inactive ones too, old data names them),
    channels, the partners of «Закон и порядок», unit types and dispositions."""
    categories = catalogue_service.categories(uow, include_inactive=True)
    return {
        "category": frozenset(c.code for c in categories),
        "channel": frozenset(Channel),
        "partner": frozenset(KNOWN_PARTNERS),
        "unit_type": frozenset(UnitType),
        "disposition": frozenset(Disposition),
    }


def import_cad(
    uow: UnitOfWork,
    *,
    path: Path,
    mapping: CadMapping,
    codes: Vocabulary,
    by: Actor,
    at: datetime,
    dry_run: bool = False,
    batch_size: int = DEFAULT_BATCH,
    progress: Progress | None = None,
    mapping_path: Path | None = None,
    resume_id: int | None = None,
) -> ImportOutcome:
    """Import one export, or finish the interrupted import `resume_id` of the same file. Raises
    SourceFileError (file missing, unreadable, not in its encoding, changed since the interrupted import
    began) or MappingError (a mapped column missing from the header) before anything is written."""
    scan = scan_file(path, mapping.dialect.encoding)
    with Records(path, mapping.dialect) as records:
        checker = RowChecker(mapping, records.header, codes)
        run = _Run(uow, path=path, scan=scan, mapping=mapping, by=by, at=at, dry_run=dry_run)
        run.begin(mapping_path=mapping_path, resume_id=resume_id)
        try:
            for batch in _batches(records, checker, run.builder, batch_size):
                run.store(batch)
                if progress is not None:
                    progress(records.position, scan.size, run.builder.rows_read)
            report = run.finish(blank_lines=records.blank_lines, lines=records.lines)
        except BaseException as exc:
            run.abandon(exc, blank_lines=records.blank_lines, lines=records.lines)
            raise
    return ImportOutcome(run.import_id, report)


def _batches(records: Records, checker: RowChecker, builder: ReportBuilder, size: int) -> Iterator[Batch]:
    """The rows that pass their checks, in batches of at most `size` records read."""
    batch: Batch = []
    read = 0
    for line, fields in records:
        last = records.last_line
        checked = checker.check(fields, (line, last))
        if builder.row(line, checked, last) and checked.values is not None:
            batch.append((line, checked.values))
        read += 1
        if read == size:
            yield batch
            batch, read = [], 0
    yield batch


class _Run:
    """One import under way: its record, its duplicate filter and its report."""

    def __init__(
        self,
        uow: UnitOfWork,
        *,
        path: Path,
        scan: FileScan,
        mapping: CadMapping,
        by: Actor,
        at: datetime,
        dry_run: bool,
    ) -> None:
        self._uow = uow
        self._path = path
        self._scan = scan
        self._mapping = mapping
        self._by = by
        self._at = at
        self._dry_run = dry_run
        self._started = time.perf_counter()
        self._earlier: list[int] = []
        self._seen: set[str] = set()  # a dry run stores nothing, so it remembers the numbers it met
        self._committed: set[str] = set()  # a resumed import's rows stored before it was interrupted
        self.builder = ReportBuilder()
        self.import_id: int | None = None

    def begin(self, *, mapping_path: Path | None, resume_id: int | None) -> None:
        with self._uow as uow:
            repo = uow.repo(CadImportRepository)
            self._earlier = repo.earlier_imports_of(self._scan.sha256)
            if resume_id is not None:
                self._resume(repo, resume_id)
            elif not self._dry_run:
                self.import_id = repo.start(
                    file_name=self._path.name,
                    sha256=self._scan.sha256,
                    mapping_name=self._mapping.name,
                    by=self._by.name,
                    at=self._at,
                    running=_whereabouts(self._path, mapping_path),
                )
            uow.commit()

    def _resume(self, repo: CadImportRepository, import_id: int) -> None:
        record = repo.get(import_id)
        if record is None or record["finished_at"] is not None:
            raise SourceFileError(f"import #{import_id} is not an interrupted import")
        if record["file_sha256"] != self._scan.sha256:
            raise SourceFileError(
                f"{self._path.name} has changed since import #{import_id} began: undo that import instead"
            )
        self.import_id = import_id
        self._at = record["started_at"]
        self._committed = repo.numbers_of(import_id)
        repo.claim(import_id, _whereabouts(self._path, None, record["report"]))

    def store(self, batch: Batch) -> None:
        if not batch:
            return
        with self._uow as uow:
            repo = uow.repo(CadImportRepository)
            known = repo.numbers_known({values["number"] for _, values in batch})
            fresh = self._fresh(batch, known)
            if self.import_id is not None:
                repo.add_all(self.import_id, fresh)
                uow.commit()

    def _fresh(self, batch: Batch, known: dict[str, int]) -> list[dict[str, Any]]:
        """The rows whose number is new; the others are counted as duplicates."""
        seen = self._seen if self._dry_run else set()  # a real run finds its earlier batches in `known`
        fresh = []
        for line, values in batch:
            number = values["number"]
            earlier = known.get(number)
            if number in self._committed:  # stored before the interruption: counted once, as then
                self._committed.discard(number)
                self.builder.stored(values["received_at"])
            elif number in seen or (earlier is not None and earlier == self.import_id):
                self.builder.duplicate(line, number, None)
            elif earlier is not None:
                self.builder.duplicate(line, number, earlier)
            else:
                seen.add(number)
                fresh.append(values)
                self.builder.stored(values["received_at"])
        return fresh

    def _report(self, status: str, blank_lines: int, lines: int, **more: Any) -> dict[str, Any]:
        return self.builder.as_json(
            status=status,
            file=self._path.name,
            sha256=self._scan.sha256,
            bytes=self._scan.size,
            mapping=self._mapping.name,
            zone=self._mapping.zone,
            week_start=self._mapping.week_start,
            dimensions=sorted(self._mapping.dimensions),
            imported_by=self._by.name,
            started_at=self._at.isoformat(),
            seconds=round(time.perf_counter() - self._started, 3),
            blank_lines=blank_lines,
            lines=lines,
            same_file_imported_before=self._earlier,
            **more,
        )

    def finish(self, *, blank_lines: int, lines: int) -> dict[str, Any]:
        if self.import_id is None:
            return self._report("dry_run", blank_lines, lines)
        if self.builder.imported == 0:  # nothing new: no empty import is recorded, only the audit row
            report = self._report("nothing_imported", blank_lines, lines)
            with self._uow as uow:
                uow.repo(CadImportRepository).forget(self.import_id)
                self.import_id = None
                self._audit(uow, report, Outcome.OK, uow.clock.now())
                uow.commit()
            return report
        report = self._report("imported", blank_lines, lines)
        with self._uow as uow:
            finished = uow.clock.now()
            uow.repo(CadImportRepository).finish(self.import_id, report=report, at=finished)
            self._audit(uow, report, Outcome.OK, finished)
            uow.emit(CadImportFinished(self.import_id, report["imported"]))
            uow.commit()
        return report

    def abandon(self, exc: BaseException, *, blank_lines: int, lines: int) -> None:
        """Undo a failed or stopped import's rows and record the failure; never hides the original error."""
        if self.import_id is None:
            return
        why = str(exc) or type(exc).__name__
        report = self._report("failed", blank_lines, lines, error=why)
        try:
            with self._uow as uow:
                finished = uow.clock.now()
                uow.repo(CadImportRepository).discard(self.import_id, report=report, at=finished)
                self._audit(uow, report, Outcome.FAILED, finished)
                uow.commit()
        except Exception:
            log.exception("could not record the failed CAD import", extra={"import_id": self.import_id})

    def _audit(self, uow: UnitOfWork, report: dict[str, Any], outcome: Outcome, at: datetime) -> None:
        keys = (
            "status",
            "file",
            "sha256",
            "mapping",
            "rows_read",
            "imported",
            "rejected",
            "duplicates",
            "warnings",
        )
        detail = {key: report[key] for key in keys}
        if "error" in report:
            detail["error"] = report["error"]
        uow.audit(
            self._by,
            "cad.import",
            object_type="cad_import",
            object_id=self.import_id,
            outcome=outcome,
            detail=detail,
            at=at,
        )


def _whereabouts(
    path: Path, mapping_path: Path | None, earlier: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """What a running import's record keeps for a later resume: the file, the mapping, and the process
    running it (a later start tells an interrupted import from one under way by it)."""
    kept = dict(earlier or {})
    kept["path"] = str(path.resolve())
    if mapping_path is not None:
        kept["mapping_path"] = str(mapping_path.resolve())
    return {**kept, "host": socket.gethostname(), "pid": os.getpid()}
