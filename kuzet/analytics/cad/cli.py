"""`kuzet import-cad`: load a past CAD export through a mapping file, with a progress bar and a report."""

from __future__ import annotations

import getpass
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

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
from kuzet.config import get_settings
from kuzet.core.actor import Actor

if TYPE_CHECKING:
    from kuzet.analytics.cad.importer import ImportOutcome
    from kuzet.container import Services

out = Console()
err = Console(stderr=True)
SHOWN: int = 10


def _fail(message: str) -> typer.Exit:
    err.print(f"[red]error:[/red] {escape(message)}", highlight=False)
    return typer.Exit(1)


def _operator() -> Actor:
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


def import_cad_command(
    file: Annotated[Path, typer.Argument(help="The CAD export: a CSV file")],
    mapping: Annotated[Path, typer.Option("--mapping", help="The mapping of its columns (TOML)")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check and report; write nothing")] = False,
) -> None:
    """Load a past CAD export into the historical incidents (kept apart from live ones), with a report."""
    if not file.is_file():
        raise _fail(f"no such file: {file}")
    from kuzet.container import Services  # the composition root loads every feature: only when it runs

    services = Services.build(get_settings())
    try:
        outcome = _run(services, file, mapping, dry_run=dry_run)
    finally:
        services.close()
    _print_report(outcome.report)
    if outcome.import_id is None:
        out.print("dry run: nothing was written")
    else:
        out.print(f"stored as import #{outcome.import_id}")


def _run(services: Services, file: Path, mapping_file: Path, *, dry_run: bool) -> ImportOutcome:
    # The importer and the database: imported when the command runs, not for `kuzet --help`.
    from sqlalchemy.exc import SQLAlchemyError

    from kuzet.analytics.cad import importer

    try:
        codes = importer.vocabulary(services.uow())
        mapping = load_mapping(mapping_file, codes)
        with _progress_bar() as bar:
            task = bar.add_task(f"importing {file.name}", total=None, rows=0)

            def progress(done: int, total: int, rows: int) -> None:
                bar.update(task, completed=done, total=total, rows=rows)

            return importer.import_cad(
                services.uow(),
                path=file,
                mapping=mapping,
                codes=codes,
                by=_operator(),
                at=services.clock.now(),
                dry_run=dry_run,
                progress=progress,
            )
    except MappingError as exc:
        for key, why in exc.errors:
            err.print(
                f"[red]error:[/red] {escape(f'mapping {mapping_file.name}: {key}: {why}')}", highlight=False
            )
        raise typer.Exit(1) from exc
    except SourceFileError as exc:
        raise _fail(f"{file.name}: {exc}") from exc
    except SQLAlchemyError as exc:
        cause = getattr(exc, "orig", None) or exc
        raise _fail(f"database: {cause}; nothing of this import was kept") from exc


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
        ("rows read", f"{report['rows_read']:,}"),
        ("would be imported" if dry else "imported", f"{report['imported']:,}"),
        ("rejected", f"{report['rejected']:,}"),
        ("duplicates in the file", f"{duplicates['in_file']:,}"),
        ("duplicates of earlier imports", f"{duplicates['earlier_imports']:,}"),
        ("warnings", f"{report['warnings']:,}"),
        ("blank lines skipped", f"{report['blank_lines']:,}"),
        ("received from (UTC)", span.get("from", "-")),
        ("received to (UTC)", span.get("to", "-")),
    ):
        table.add_row(label, value)
    out.print(table)
    _print_counts("rejected rows by reason", report["rejects"]["by_reason"])
    for reject in report["rejects"]["first"][:SHOWN]:
        out.print(
            f"  line {reject['line']}: " + "; ".join(describe(r) for r in reject["reasons"]), highlight=False
        )
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
