"""`kuzet alert …`: public alerts from the command line; `kuzet alert import FILE…` imports other agencies'
CAP alerts (each read through defusedxml and the CAP XSD, as the API does) with a report line per file."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from kuzet.config import get_settings
from kuzet.core.actor import Actor

if TYPE_CHECKING:
    from kuzet.container import Services

alert_app = typer.Typer(help="Public alerts (CAP): import other agencies' alerts.", no_args_is_help=True)
out = Console(soft_wrap=True, highlight=False)
CLI = Actor.system("cli")


def _services() -> Services:
    from kuzet.container import Services  # the composition root loads every feature: only when a command runs

    return Services.build(get_settings())


@alert_app.command("import")
def import_files(
    files: Annotated[list[Path], typer.Argument(help="CAP documents (XML), CAP 1.2 or 1.1")],
    source: Annotated[
        str | None, typer.Option("--source", help="Where they came from (an agency); the file name otherwise")
    ] = None,
) -> None:
    """Import CAP alerts; one line per file: imported (with its identifier) or refused (with the reason
    and the XML path of each issue). Exits 1 if any file was refused."""
    from kuzet.core.errors import InvalidInput, KuzetError
    from kuzet.core.i18n import translate
    from kuzet.interagency.alert_import import import_cap
    from kuzet.interagency.cap_xml import DEFAULT_MAX_CAP_BYTES

    services = _services()
    refused = 0
    try:
        for path in files:
            try:
                if path.stat().st_size > DEFAULT_MAX_CAP_BYTES:
                    raise OSError(f"larger than {DEFAULT_MAX_CAP_BYTES} bytes")
                data = path.read_bytes()
            except OSError as exc:
                refused += 1
                out.print(f"{path}: refused: cannot read: {exc.strerror or exc}")
                continue
            try:
                alert = import_cap(
                    services.uow(),
                    data,
                    source=source or f"file:{path.name}",
                    by=CLI,
                    at=services.clock.now(),
                )
            except InvalidInput as exc:
                refused += 1
                out.print(f"{path}: refused: not a valid CAP alert")
                for problem in exc.errors:
                    out.print(f"  {problem.field}: {problem.params.get('problem', problem.reason)}")
                continue
            except KuzetError as exc:
                refused += 1
                out.print(f"{path}: refused: {translate(exc.detail, 'en', **exc.params)}")
                continue
            out.print(
                f"{path}: imported {alert.msg_type.value} {alert.identifier} from {alert.sender} "
                f"(id {alert.id}, {alert.event or 'no event'})"
            )
    finally:
        services.close()
    out.print(f"{len(files) - refused} imported, {refused} refused")
    if refused:
        raise typer.Exit(1)
