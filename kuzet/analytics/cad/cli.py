"""`kuzet import-cad`: load a past CAD export through a mapping file, with a progress bar and a report; and
`kuzet import-cad list | show ID | resume ID | undo ID` for the imports made (kuzet.analytics.cad.cli_admin;
the command itself, which chooses between the two, is kuzet.analytics.cad.command).

The first argument is a file or one of those four words, so `kuzet import-cad FILE --mapping M` works as it
always has; a file really named like an action is given with its path (`./list`). SIGTERM stops an import as
Ctrl-C does: the rows stored so far are removed and the failure recorded. A later import first undoes the
imports left `running` by a process that is gone (kill -9), unless they are resumed before.
"""

from __future__ import annotations

import getpass
import signal
import threading
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from kuzet.analytics.cad.mapping import MappingError, load_mapping
from kuzet.analytics.cad.report import describe
from kuzet.analytics.cad.source import SourceFileError
from kuzet.core.actor import Actor

if TYPE_CHECKING:
    from kuzet.analytics.cad.importer import ImportOutcome
    from kuzet.container import Services

out = Console()
err = Console(stderr=True)
SHOWN: int = 10
ACTIONS = ("list", "show", "resume", "undo")


def fail(message: str) -> typer.Exit:
    err.print(f"[red]error:[/red] {escape(message)}", highlight=False)
    return typer.Exit(1)


def operator() -> Actor:
    """The CLI acting for the person logged in to this machine (kept as `imported_by`)."""
    try:
        login = getpass.getuser()
    except (OSError, KeyError):
        login = "unknown"
    return Actor.system(f"cli:{login}")


def _progress_bar() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        DownloadColumn(),
        TextColumn("{task.fields[rows]:,} rows"),
        TimeRemainingColumn(),
        console=err,
    )


def print_outcome(outcome: ImportOutcome) -> None:
    _print_report(outcome.report)
    if outcome.report["status"] == "dry_run":
        out.print("dry run: nothing was written")
    elif outcome.import_id is None:
        out.print("nothing new to import: no import was recorded")
    else:
        out.print(f"stored as import #{outcome.import_id}")


def stop_on_sigterm() -> threading.Event:
    """SIGTERM stops the import at the end of the batch under way, as Ctrl-C would, so that it removes its
    rows before the process ends. The handler only raises a flag: raised inside a database call, an exception
    would leave the driver mid-statement and turn the stop into a database error."""
    stopping = threading.Event()

    def stop(signum: int, frame: object) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    return stopping


def run_import(
    services: Services,
    file: Path,
    mapping_file: Path,
    *,
    dry_run: bool,
    batch_size: int,
    resume_id: int | None = None,
) -> ImportOutcome:
    # The importer and the database: imported when the command runs, not for `kuzet --help`.
    from sqlalchemy.exc import SQLAlchemyError

    from kuzet.analytics.cad import importer

    try:
        codes = importer.vocabulary(services.uow())
        mapping = load_mapping(mapping_file, codes)
        with _progress_bar() as bar:
            task = bar.add_task(f"importing {file.name}", total=None, rows=0)

            stopping = stop_on_sigterm()

            def progress(done: int, total: int, rows: int) -> None:
                bar.update(task, completed=done, total=total, rows=rows)
                if stopping.is_set():
                    raise SystemExit(128 + signal.SIGTERM)

            return importer.import_cad(
                services.uow(),
                path=file,
                mapping=mapping,
                codes=codes,
                by=operator(),
                at=services.clock.now(),
                dry_run=dry_run,
                progress=progress,
                batch_size=batch_size,
                mapping_path=mapping_file,
                resume_id=resume_id,
            )
    except MappingError as exc:
        for key, why in exc.errors:
            err.print(
                f"[red]error:[/red] {escape(f'mapping {mapping_file.name}: {key}: {why}')}", highlight=False
            )
        raise typer.Exit(1) from exc
    except SourceFileError as exc:
        raise fail(f"{file.name}: {exc}") from exc
    except SQLAlchemyError as exc:
        cause = getattr(exc, "orig", None) or exc
        raise fail(f"database: {cause}; nothing of this import was kept") from exc


def _span_rows(span: Mapping[str, str], zone: str | None) -> list[tuple[str, str]]:
    """The data's span in UTC, and first in the source's own zone (as its export shows it)."""
    rows = [("received from (UTC)", span.get("from", "-")), ("received to (UTC)", span.get("to", "-"))]
    if zone and span:
        local = [
            datetime.fromisoformat(span[k]).astimezone(ZoneInfo(zone)).isoformat() for k in ("from", "to")
        ]
        rows = [(f"received from ({zone})", local[0]), (f"received to ({zone})", local[1]), *rows]
    return rows


def _print_report(report: Mapping[str, Any]) -> None:
    dry = report["status"] == "dry_run"
    speed = report["rows_read"] / report["seconds"] if report["seconds"] else 0
    title = f"{report['file']} via {report['mapping']} ({report['seconds']:.1f} s, {speed:,.0f} rows/s)"
    table = Table(title=escape(title))
    table.add_column("")
    table.add_column("", justify="right")
    duplicates = report["duplicates_detail"]
    span = report["span"] or {}
    for label, value in (
        ("lines", f"{report.get('lines', 0):,}"),
        ("records read", f"{report['rows_read']:,}"),
        ("would be imported" if dry else "imported", f"{report['imported']:,}"),
        ("rejected", f"{report['rejected']:,}"),
        ("duplicates in the file", f"{duplicates['in_file']:,}"),
        ("duplicates of earlier imports", f"{duplicates['earlier_imports']:,}"),
        ("warnings", f"{report['warnings']:,}"),
        ("blank lines skipped", f"{report['blank_lines']:,}"),
        *_span_rows(span, report.get("zone")),
    ):
        table.add_row(label, value)
    out.print(table)
    _print_counts("rejected rows by reason", report["rejects"]["by_reason"])
    for reject in report["rejects"]["first"][:SHOWN]:
        reasons = "; ".join(describe(r) for r in reject["reasons"])
        if "lines" not in reject:
            reasons = f"line {reject['line']}: {reasons}"
        elif not all(r["code"] == "unbalanced_quote" for r in reject["reasons"]):  # those name their lines
            reasons = "lines {}–{}: ".format(*reject["lines"]) + reasons
        out.print(f"  {reasons}", highlight=False)
    _print_counts("warnings by reason", report["warnings_detail"]["by_reason"])
    for field, values in report["warnings_detail"]["unknown_values"].items():
        shown = ", ".join(f"«{v}» × {n:,}" for v, n in list(values.items())[:SHOWN])
        out.print(f"  unknown {field}: {shown}", markup=False, highlight=False)
    for field, markers in report["missing"].items():
        shown = ", ".join(f"«{m}» × {n:,}" if m else f"(empty) × {n:,}" for m, n in markers.items())
        out.print(f"missing {field}: {shown}", markup=False, highlight=False)
    if report["same_file_imported_before"]:
        earlier = ", ".join(f"#{i}" for i in report["same_file_imported_before"])
        out.print(f"note: a file with the same content was imported before ({earlier})", markup=False)


def _print_counts(title: str, counts: Mapping[str, int]) -> None:
    if counts:
        out.print(f"{title}:")
        for reason, n in counts.items():
            out.print(f"  {reason} × {n:,}", markup=False, highlight=False)
