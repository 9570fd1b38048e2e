"""`kuzet backup`, `kuzet backup drill` and `kuzet restore`.

Registering these commands loads typer, rich and the settings only; the database libraries are imported
when a command runs (tests/architecture/test_startup.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from kuzet.config import Settings, get_settings

backup_app = typer.Typer(
    help="Backups: take one (`kuzet backup`), or check the latest by restoring it (`kuzet backup drill`).",
    invoke_without_command=True,
)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def _now() -> datetime:
    return datetime.now(UTC)


def _audit(settings: Settings, action: str, *, ok: bool, **detail: object) -> None:
    """An audit row for the action, if the audit log can be reached; a backup is worth having without it."""
    from kuzet.operations import audit_trail

    try:
        audit_trail.record(settings.database_url, settings.secret_key, action, ok=ok, detail=detail)
    except Exception as exc:  # any failure to reach the log is reported, not fatal
        err.print(f"[yellow]warning:[/yellow] no audit row written for {action}: {type(exc).__name__}")


@backup_app.callback()
def backup_command(
    ctx: typer.Context,
    to: Annotated[
        Path | None,
        typer.Option("--to", help="Folder to write the backup in (default: backups/ in the data folder)"),
    ] = None,
) -> None:
    """Take a consistent online backup of the database, the audit checkpoints and the data folder's files,
    in a new timestamped folder with a manifest (checksums, row counts, schema version)."""
    if ctx.invoked_subcommand is not None:
        return
    from kuzet.operations.backup import take_backup
    from kuzet.operations.domain import KEY_TABLES, BackupError

    settings = get_settings()
    try:
        backup = take_backup(settings, to=to, at=_now())
    except BackupError as exc:
        err.print(f"[red]error:[/red] backup failed: {escape(str(exc))}")
        raise typer.Exit(1) from exc
    manifest = backup.manifest
    _audit(settings, "backup.create", ok=True, backup=backup.folder.name, backend=manifest["backend"])
    counts = manifest["row_counts"]
    shown = ", ".join(f"{t} {counts[t]}" for t in KEY_TABLES if t in counts)
    moved = (
        f", {manifest['moved_files']} media and camera pictures kept outside it"
        if manifest["moved_files"]
        else ""
    )
    out.print(f"backup written to {escape(str(backup.folder))}")
    out.print(
        f"{manifest['backend']} at {manifest['migration_revision']}; {len(manifest['files'])} files, "
        f"{manifest['total_bytes']} bytes ({manifest['data_files']} from the data folder{moved}); "
        f"rows: {shown}"
    )


@backup_app.command("drill")
def drill_command(
    source: Annotated[
        Path | None,
        typer.Option("--from", help="Folder holding the backups (default: backups/ in the data folder)"),
    ] = None,
) -> None:
    """Restore the latest backup into a scratch database, check its schema, row counts and audit chain, and
    record the result (shown by /readyz). Exit 1 if the drill fails."""
    from kuzet.operations.drill import run_drill

    settings = get_settings()
    drill = run_drill(settings, source=source, at=_now())
    name = drill.backup.name if drill.backup else None
    _audit(settings, "backup.drill", ok=drill.ok, backup=name, error=drill.error)
    for check, outcome in drill.checks.items():
        out.print(f"{check}: {escape(outcome)}")
    if not drill.ok:
        err.print(f"[red]drill FAILED[/red] ({escape(name or 'no backup')}): {escape(drill.error or '')}")
        raise typer.Exit(1)
    out.print(f"drill passed: {escape(name or '')} restores")


def restore_command(
    backup: Annotated[Path, typer.Argument(metavar="BACKUP_DIR", help="A folder written by `kuzet backup`")],
) -> None:
    """Bring a backup back into an EMPTY database (a new one, or one only migrated) and put the data folder's
    files back, after checking every file against the manifest. Stop the servers first."""
    from kuzet.operations import audit_trail
    from kuzet.operations.domain import BackupError
    from kuzet.operations.restore import restore_backup

    settings = get_settings()
    try:
        restored = restore_backup(settings, backup)
    except BackupError as exc:
        err.print(f"[red]error:[/red] restore refused: {escape(str(exc))}")
        raise typer.Exit(1) from exc
    manifest = restored.manifest
    out.print(
        f"restored {escape(backup.name)} ({manifest['backend']}, taken {manifest['created_at']}, "
        f"schema {manifest['migration_revision']}); {restored.data_files} data files put back"
    )
    _audit(settings, "backup.restore", ok=True, backup=backup.name, created_at=manifest["created_at"])
    checkpoints = restored.checkpoints or settings.audit_checkpoint_file
    report = audit_trail.verify(settings.database_url, settings.secret_key, checkpoints)
    if not report.ok:
        err.print(f"[red]error:[/red] {escape(audit_trail.describe(report))}")
        raise typer.Exit(1)
    out.print(escape(audit_trail.describe(report)))
    from kuzet.core import migrate

    if manifest["migration_revision"] != migrate.head_revision():
        out.print("the schema is older than this Kuzet: run `kuzet db upgrade` before starting the servers")
