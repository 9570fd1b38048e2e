"""`kuzet import-cad`: import a CAD export (kuzet.analytics.cad.cli), or list, show, resume or undo the
imports made (kuzet.analytics.cad.cli_admin)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kuzet.analytics.cad import cli_admin
from kuzet.analytics.cad.cli import ACTIONS, fail, print_outcome, run_import
from kuzet.config import get_settings


def import_cad_command(
    file: Annotated[
        str,
        typer.Argument(
            metavar="FILE|ACTION", help="The CAD export (a CSV file), or an action: list, show, resume, undo"
        ),
    ],
    import_id: Annotated[
        int | None, typer.Argument(metavar="ID", help="The import's number, for show, resume and undo")
    ] = None,
    mapping: Annotated[
        Path | None, typer.Option("--mapping", help="The mapping of its columns (TOML); needed to import")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check and report; write nothing")] = False,
    batch_size: Annotated[
        int, typer.Option("--batch-size", min=1, help="Rows per transaction while importing")
    ] = 5000,
) -> None:
    """Load a past CAD export into the historical incidents (kept apart from live ones), with a report;
    or list, show, resume or undo the imports made."""
    if file in ACTIONS:
        cli_admin.run_action(file, import_id, batch_size=batch_size)
        return
    if import_id is not None:
        raise fail(f"unexpected argument {import_id} after the file (actions: {', '.join(ACTIONS)})")
    path = Path(file)
    if not path.is_file():
        raise fail(f"no such file: {file}")
    if mapping is None:
        raise fail("--mapping is needed to import a file")
    from kuzet.container import Services  # the composition root loads every feature: only when it runs

    services = Services.build(get_settings())
    try:
        if not dry_run:
            cli_admin.undo_interrupted(services)
        outcome = run_import(services, path, mapping, dry_run=dry_run, batch_size=batch_size)
    finally:
        services.close()
    print_outcome(outcome)
