"""`kuzet cctv …`: the camera network from the command line. `kuzet cctv import FILE` imports cameras
from CSV or GeoJSON, row by row (valid rows stored, broken rows reported with row, field and reason;
`--dry-run` stores nothing); `kuzet cctv list` shows the registry (never the addresses). Other camera
commands join this group."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from kuzet.cctv.camera_events_cli import source_app
from kuzet.cctv.placement_cli import plan_command
from kuzet.config import get_settings
from kuzet.core.actor import Actor

if TYPE_CHECKING:
    from kuzet.container import Services

cctv_app = typer.Typer(help="The CCTV network: camera registry, visibility, planning.", no_args_is_help=True)
cctv_app.add_typer(source_app, name="source")
cctv_app.command("plan")(plan_command)
out = Console(soft_wrap=True, highlight=False)
err = Console(stderr=True, soft_wrap=True, highlight=False)
CLI = Actor.system("cli")
MAX_FILE_BYTES = 50 * 1024 * 1024


def _services() -> Services:
    from kuzet.container import Services  # the composition root loads every feature: only when a command runs

    return Services.build(get_settings())


def _format_of(path: Path, given: str | None) -> str:
    if given:
        return given.lower()
    return "geojson" if path.suffix.lower() in {".geojson", ".json"} else "csv"


@cctv_app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(help="Cameras: .csv or .geojson (docs/cctv.md lists the columns)")],
    file_format: Annotated[
        str | None, typer.Option("--format", help="csv or geojson (default: from the file name)")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check every row and report; store nothing")
    ] = False,
) -> None:
    """Import cameras row by row: each valid row is stored, each broken row rejected whole and reported
    (row, field, reason). Exits 1 if any row was rejected, 2 if the file cannot be read at all."""
    from kuzet.cctv.service import import_cameras
    from kuzet.core.errors import InvalidInput
    from kuzet.core.i18n import translate

    try:
        if file.stat().st_size > MAX_FILE_BYTES:
            raise OSError(f"larger than {MAX_FILE_BYTES} bytes")
        data = file.read_bytes()
    except OSError as exc:
        err.print(f"{file}: cannot read: {exc.strerror or exc}")
        raise typer.Exit(2) from exc
    services = _services()
    try:
        report = import_cameras(
            services.uow(),
            services.auth.box,
            data=data,
            file_format=_format_of(file, file_format),
            region=services.settings.region_bbox,
            dry_run=dry_run,
            source=f"file:{file.name}",
            by=CLI,
            at=services.clock.now(),
        )
    except InvalidInput as exc:
        for problem in exc.errors:
            err.print(f"{file}: {problem.field}: {translate(problem.reason, 'en', **problem.params)}")
        raise typer.Exit(2) from exc
    finally:
        services.close()
    for rejected in report.rejected:
        reason = translate(rejected.reason, "en", **rejected.params)
        out.print(f"row {rejected.row}: {rejected.camera_id or '-'}: {rejected.field}: {reason}")
    verb = "would store" if report.dry_run else "stored"
    out.print(f"{report.rows} rows read, {verb} {len(report.accepted)}, rejected {report.rejected_rows}")
    if report.rejected:
        raise typer.Exit(1)


@cctv_app.command("list")
def list_command() -> None:
    """The camera registry (without addresses)."""
    from kuzet.cctv.service import listing

    services = _services()
    try:
        cameras = listing(services.uow(), box=None)
    finally:
        services.close()
    table = Table(title=f"{len(cameras)} cameras")
    for column in ("id", "lat", "lon", "heading", "fov", "range m", "type", "owner", "status"):
        table.add_column(column)
    for c in cameras:
        table.add_row(
            c.camera_id,
            f"{c.lat:.6f}",
            f"{c.lon:.6f}",
            f"{c.heading_deg:g}",
            f"{c.fov_deg:g}",
            f"{c.range_m:g}",
            c.type.value,
            c.owner,
            c.status.value,
        )
    out.print(table)
