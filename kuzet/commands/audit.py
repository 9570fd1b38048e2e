"""`kuzet audit verify` and `kuzet audit checkpoint`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from kuzet.config import get_settings
from kuzet.core.audit.checkpoint_file import CheckpointLog
from kuzet.core.audit.checkpoints import Due
from kuzet.core.audit.domain import ChainReport
from kuzet.core.logging import configure_logging

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def verify_command(
    checkpoints: Annotated[
        Path | None,
        typer.Option(
            "--checkpoints",
            help="Hold the chain against this copy of the checkpoints (JSON lines, or log records holding "
            "them, e.g. from the log collector) instead of KUZET_AUDIT_CHECKPOINT_PATH.",
        ),
    ] = None,
) -> None:
    """Walk the audit hash chain and hold it against the checkpoints; exit 1 if rows were edited, deleted
    or cut off the end."""
    # The composition root and the database: imported when the command runs, not for `kuzet --help`.
    from kuzet.container import Services
    from kuzet.core.audit import service

    settings = get_settings()
    if checkpoints is not None and not checkpoints.is_file():
        err.print(f"[red]error:[/red] no checkpoint file at {escape(str(checkpoints))}")
        raise typer.Exit(2)
    services = Services.build(settings)
    try:
        report = service.verify(
            services.uow(), checkpoints=CheckpointLog.from_settings(settings, path=checkpoints)
        )
    finally:
        services.close()
    _print(report)
    if not report.ok:
        raise typer.Exit(1)


def _print(report: ChainReport) -> None:
    held = report.checkpoints
    if report.broken_seq is not None:
        err.print(
            f"audit chain BROKEN at row {report.broken_seq}: {escape(report.reason or '')} "
            f"({report.checked} rows intact)"
        )
    if held is None:
        return
    for warning in held.warnings:
        err.print(f"[yellow]warning:[/yellow] {escape(warning)}")
    if held.missing_tail is not None:
        err.print(f"audit log CUT: {escape(held.missing_tail.message)}")
    for problem in held.problems:
        err.print(f"checkpoint {problem.kind}: {escape(problem.reason)}")
    if report.ok:
        against = (
            f"; it agrees with {held.checked} checkpoint{'' if held.checked == 1 else 's'} "
            f"(latest: row {held.latest.seq})"
            if held.latest is not None
            else ""
        )
        out.print(f"audit chain intact: {report.checked} rows{against}")


def checkpoint_command() -> None:
    """Write a checkpoint of the audit chain's head now (to KUZET_AUDIT_CHECKPOINT_PATH and the log), if it
    moved since the newest one."""
    # The composition root and the database: imported when the command runs, not for `kuzet --help`.
    from kuzet.container import Services
    from kuzet.core.audit import service

    settings = get_settings()
    configure_logging(settings.log_level, json_lines=settings.log_json)
    services = Services.build(settings)
    checkpoints = CheckpointLog.from_settings(settings)
    try:
        result = service.write_checkpoint(services.uow(), checkpoints=checkpoints, at=services.clock.now())
    finally:
        services.close()
    where = escape(str(checkpoints.path))
    if result.written is not None:
        out.print(f"checkpoint written to {where}: row {result.written.seq}")
    elif result.due is Due.BEHIND:
        newest = result.latest.seq if result.latest else "?"
        err.print(
            f"audit log CUT: the head is at row {result.head_seq}, behind the checkpoint of row {newest}; "
            "no checkpoint written. Run `kuzet audit verify`."
        )
        raise typer.Exit(1)
    elif result.head_seq == 0:
        out.print("the audit log is empty: nothing to checkpoint")
    else:
        out.print(f"no new checkpoint: {where} already vouches for row {result.head_seq}")
