"""`kuzet import-osm` and `kuzet import-districts`: load the region's map and its district polygons."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from kuzet.config import get_settings
from kuzet.core.actor import Actor
from kuzet.core.errors import InvalidInput

out = Console()
err = Console(stderr=True)
BBox = tuple[float, float, float, float]


def _bbox(text: str | None) -> BBox | None:
    if not text:
        return None
    parts = [p.strip() for p in text.split(",")]
    try:
        min_lon, min_lat, max_lon, max_lat = (float(p) for p in parts)
    except ValueError as exc:
        raise typer.BadParameter("give four numbers: min_lon,min_lat,max_lon,max_lat") from exc
    if not (-180 <= min_lon < max_lon <= 180 and -90 <= min_lat < max_lat <= 90):
        raise typer.BadParameter("not a box: need min_lon < max_lon and min_lat < max_lat, in range")
    return min_lon, min_lat, max_lon, max_lat


def _progress_bar() -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TextColumn("{task.completed:,}"),
        TimeElapsedColumn(),
        console=err,
    )


def import_osm_command(
    file: Annotated[Path, typer.Argument(help="An OpenStreetMap extract: .osm.pbf, .osm or .osm.bz2")],
    bbox: Annotated[
        str | None, typer.Option(help="Keep only this box: min_lon,min_lat,max_lon,max_lat")
    ] = None,
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Road graph file (default: KUZET_GRAPH_PATH)")
    ] = None,
    gazetteer_file: Annotated[
        Path | None, typer.Option("--gazetteer", help="Gazetteer file (default: KUZET_GAZETTEER_PATH)")
    ] = None,
    buildings_file: Annotated[
        Path | None, typer.Option("--buildings", help="Building footprints (default: KUZET_BUILDINGS_PATH)")
    ] = None,
) -> None:
    """Build the drivable road graph, the address gazetteer and the building footprints from an OSM
    extract."""
    # osmium, numpy and scipy: imported when the command runs, not for `kuzet --help`.
    from kuzet.cctv.buildings_osm import BuildingsError, read_footprints
    from kuzet.geo.gazetteer import GazetteerError
    from kuzet.geo.gazetteer_osm import build_gazetteer
    from kuzet.geo.graph import GraphError
    from kuzet.geo.osm import import_osm

    settings = get_settings()
    box = _bbox(bbox)
    roads_path = out_file or settings.roads_file
    gazetteer_path = gazetteer_file or settings.gazetteer_file
    buildings_path = buildings_file or settings.buildings_file
    roads_path.parent.mkdir(parents=True, exist_ok=True)
    gazetteer_path.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    try:
        with _progress_bar() as bar:
            tasks: dict[str, TaskID] = {}

            def progress(stage: str, done: int) -> None:
                if stage not in tasks:
                    tasks[stage] = bar.add_task(stage, total=None)
                bar.update(tasks[stage], completed=done)

            imported = import_osm(file, bbox=box, progress=progress)
            gazetteer = build_gazetteer(file, bbox=box, progress=progress)
            footprints = read_footprints(file, bbox=box, progress=progress)
    except (GraphError, GazetteerError, BuildingsError) as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from exc
    # Write beside the target, then swap: a running server never reads half a file.
    partial = roads_path.with_name(roads_path.name + ".partial")
    imported.graph.save(partial)
    partial.replace(roads_path)
    gazetteer.save(gazetteer_path)
    footprints.save(buildings_path)
    report = imported.report
    table = Table(title=f"Imported {file.name} in {time.perf_counter() - started:.1f} s")
    table.add_column("")
    table.add_column("", justify="right")
    for label, value in (
        ("ways read", report.ways_read),
        ("road nodes kept", report.nodes),
        ("road edges kept", report.edges),
        ("components dropped", report.components_dropped),
        ("nodes dropped (not reachable both ways)", report.nodes_dropped),
        ("edges dropped", report.edges_dropped),
        ("addresses", len(gazetteer.addresses)),
        ("streets", sum(kind == "street" for *_, kind in gazetteer.names)),
        ("places", sum(kind == "place" for *_, kind in gazetteer.names)),
        ("buildings", len(footprints.ids)),
    ):
        table.add_row(label, f"{value:,}")
    out.print(table)
    out.print(f"road graph: {roads_path}\ngazetteer: {gazetteer_path}\nbuildings: {buildings_path}")
    out.print("Map data © OpenStreetMap contributors, ODbL.")


def import_districts_command(
    file: Annotated[Path, typer.Argument(help="GeoJSON FeatureCollection of district polygons")],
) -> None:
    """Replace the district map (each feature needs a `code`; names in name_ru, name_kk, name_en)."""
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        err.print(f"[red]error:[/red] cannot read {file}: {exc}")
        raise typer.Exit(1) from exc
    # The composition root and the database: imported when the command runs, not for `kuzet --help`.
    from kuzet.container import Services
    from kuzet.geo import service

    services = Services.build(get_settings())
    try:
        districts = service.replace_districts(
            services.uow(), data, by=Actor.system("cli"), at=services.clock.now()
        )
    except InvalidInput as exc:
        for e in exc.errors:
            err.print(f"[red]error:[/red] {e.field}: {e.params.get('reason', e.reason)}")
        raise typer.Exit(1) from exc
    finally:
        services.close()
    out.print(f"{len(districts.codes)} districts: {', '.join(sorted(districts.codes))}")
