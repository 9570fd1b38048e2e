"""`kuzet import-cad list | show ID | resume ID | undo ID`: the imports made, and fixing a wrong one.

`undo` removes every row of an import (audited as `cad.undo`), so that a mapping mistake is fixed by undoing
and importing again. `resume` finishes an import left `running` by a process that was killed outright; it
reads the same file with the same mapping (their paths are kept in the import's report).
"""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.markup import escape
from rich.table import Table

from kuzet.analytics.cad import lifecycle
from kuzet.analytics.cad.cli import err, fail, operator, out, print_outcome, run_import
from kuzet.analytics.cad.importer import ImportOutcome
from kuzet.config import get_settings

if TYPE_CHECKING:
    from kuzet.container import Services


def alive(report: dict[str, Any]) -> bool:
    """Whether the process that runs an import still lives. One on another machine cannot be seen from
    here, so it is taken as alive (undo or resume it from that machine). One recorded before imports kept
    their process is taken as interrupted."""
    pid, host = report.get("pid"), report.get("host")
    if not isinstance(pid, int) or host is None:
        return False
    if host != socket.gethostname():
        return True
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def undo_interrupted(services: Services) -> None:
    """A later start: the imports a killed process left `running` are undone before a new one begins."""
    for record in lifecycle.interrupted(services.uow(), alive):
        done = lifecycle.undo(
            services.uow(), record["id"], by=operator(), at=services.clock.now(), alive=alive
        )
        err.print(
            f"import #{done.import_id} had been interrupted: undone, {done.rows_removed:,} rows removed",
            highlight=False,
            markup=False,
        )


def run_action(action: str, import_id: int | None, *, batch_size: int) -> None:
    if action != "list" and import_id is None:
        raise fail(f"import-cad {action} needs the import's number, e.g. `kuzet import-cad {action} 3`")
    from kuzet.container import Services  # the composition root loads every feature: only when it runs

    services = Services.build(get_settings())
    try:
        if action == "list":
            _list(services)
        elif action == "show":
            _show(services, int(import_id or 0))
        elif action == "undo":
            _undo(services, int(import_id or 0))
        else:
            print_outcome(_resume(services, int(import_id or 0), batch_size))
    except lifecycle.ImportStateError as exc:
        raise fail(str(exc)) from exc
    finally:
        services.close()


def _list(services: Services) -> None:
    records = lifecycle.listing(services.uow())
    if not records:
        out.print("no imports yet")
        return
    table = Table(title="CAD imports")
    for column in ("#", "status", "file", "mapping", "started (UTC)", "imported", "rejected", "by"):
        table.add_column(column)
    for record in records:
        table.add_row(
            str(record["id"]),
            lifecycle.status_of(record),
            escape(record["file_name"]),
            escape(record["mapping_name"]),
            record["started_at"].strftime("%Y-%m-%d %H:%M:%S"),
            f"{record['rows_imported']:,}",
            f"{record['rows_rejected']:,}",
            escape(record["imported_by"]),
        )
    out.print(table)


def _show(services: Services, import_id: int) -> None:
    from kuzet.analytics.cad.cli import _print_report

    record = lifecycle.find(services.uow(), import_id)
    report = record["report"]
    status = lifecycle.status_of(record)
    out.print(f"import #{import_id}: {status}", highlight=False, markup=False)
    if "rows_read" in report:
        _print_report(report)
    if status == "running":
        state = "under way" if alive(report) else "interrupted: `resume` or `undo` it"
        out.print(f"{state}; file {report.get('path', '?')}", highlight=False, markup=False)
    if "undone_at" in report:
        out.print(f"undone at {report['undone_at']} by {report['undone_by']}", highlight=False, markup=False)
    if "error" in report:
        out.print(f"error: {report['error']}", highlight=False, markup=False)


def _undo(services: Services, import_id: int) -> None:
    done = lifecycle.undo(services.uow(), import_id, by=operator(), at=services.clock.now(), alive=alive)
    out.print(f"import #{done.import_id} undone: {done.rows_removed:,} rows removed", highlight=False)


def _resume(services: Services, import_id: int, batch_size: int) -> ImportOutcome:
    record = lifecycle.find(services.uow(), import_id)
    report = record["report"]
    if lifecycle.status_of(record) != "running":
        raise lifecycle.ImportStateError(
            f"import #{import_id} is {lifecycle.status_of(record)}, not interrupted"
        )
    if alive(report):
        raise lifecycle.ImportStateError(
            f"import #{import_id} is still under way (process {report.get('pid')})"
        )
    path, mapping = report.get("path"), report.get("mapping_path")
    if not path or not mapping or not Path(path).is_file() or not Path(mapping).is_file():
        raise typer.Exit(_missing_source(import_id, path, mapping))
    return run_import(
        services, Path(path), Path(mapping), dry_run=False, batch_size=batch_size, resume_id=import_id
    )


def _missing_source(import_id: int, path: Any, mapping: Any) -> int:
    err.print(
        f"error: import #{import_id} cannot be resumed: its file ({path}) or mapping ({mapping}) is gone; "
        f"undo it with `kuzet import-cad undo {import_id}`",
        highlight=False,
        markup=False,
    )
    return 1
