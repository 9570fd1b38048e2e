"""After an import: list them, show one, undo one (its rows removed, audited), and find the interrupted ones.

An import killed outright (kill -9, a power cut) stays `running` with the batches it had committed. A later
start finds it: an import whose recorded process is gone is interrupted, and is either resumed (the importer's
`resume_id`) or undone here. Undoing keeps the import's record, with the status `undone`, so the history of
what was loaded and taken out stays readable; its rows are gone, and the same file can be imported again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kuzet.analytics.cad.store import CadImportRepository
from kuzet.core.actor import Actor
from kuzet.core.audit.domain import Outcome
from kuzet.core.uow import UnitOfWork

# Whether the process recorded in a running import's report (host and pid) is still alive.
Alive = Callable[[dict[str, Any]], bool]


class ImportStateError(Exception):
    """The import does not exist, or is not in a state that allows what was asked."""


@dataclass(frozen=True)
class Undone:
    import_id: int
    rows_removed: int


def status_of(record: dict[str, Any]) -> str:
    return str(record["report"].get("status", "running"))


def listing(uow: UnitOfWork) -> list[dict[str, Any]]:
    with uow:
        return uow.repo(CadImportRepository).listing()


def find(uow: UnitOfWork, import_id: int) -> dict[str, Any]:
    with uow:
        record = uow.repo(CadImportRepository).get(import_id)
    if record is None:
        raise ImportStateError(f"there is no import #{import_id}")
    return record


def interrupted(uow: UnitOfWork, alive: Alive) -> list[dict[str, Any]]:
    """The running imports whose process is gone: neither finished nor under way."""
    with uow:
        running = uow.repo(CadImportRepository).running()
    return [record for record in running if not alive(record["report"])]


def undo(uow: UnitOfWork, import_id: int, *, by: Actor, at: datetime, alive: Alive) -> Undone:
    """Remove every row of an import (finished or interrupted) and mark it `undone`, with an audit row. An
    import still under way in a live process, or one already undone or failed, is refused."""
    with uow:
        repo = uow.repo(CadImportRepository)
        record = repo.get(import_id)
        if record is None:
            raise ImportStateError(f"there is no import #{import_id}")
        status = status_of(record)
        if status == "running" and alive(record["report"]):
            raise ImportStateError(
                f"import #{import_id} is still under way (process {record['report'].get('pid')})"
            )
        if status not in ("running", "imported"):
            raise ImportStateError(f"import #{import_id} is {status}: it holds no rows to undo")
        report = {**record["report"], "status": "undone", "undone_at": at.isoformat(), "undone_by": by.name}
        report["status_before_undo"] = status
        removed = repo.undo(import_id, report=report, at=at)
        uow.audit(
            by,
            "cad.undo",
            object_type="cad_import",
            object_id=import_id,
            outcome=Outcome.OK,
            detail={"file": record["file_name"], "was": status, "rows_removed": removed},
            at=at,
        )
        uow.commit()
    return Undone(import_id, removed)
