"""`kuzet cctv plan`: where the next cameras should go to see the most incidents of a period.

Prints coverage before and after beside the greedy baseline as a table, and writes the proposal to --out:
`placement.geojson` (chosen sites with the incidents they newly cover, and their views) and `placement.png`
(a map). Reads the incidents of the period, the registry's cameras and the road graph; stores nothing.
Numerical libraries load when the command runs, not with `kuzet --help`.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from kuzet.config import get_settings

if TYPE_CHECKING:
    from kuzet.cctv.placement_service import PlanReport, PlanRequest

out = Console(soft_wrap=True, highlight=False)
err = Console(stderr=True, soft_wrap=True, highlight=False)
MAX_POLES_BYTES = 20 * 1024 * 1024


def plan_command(
    new: Annotated[int | None, typer.Option("--new", help="How many new cameras to place")] = None,
    budget: Annotated[
        float | None,
        typer.Option(
            "--budget",
            help="The most the chosen sites may cost in all (a pole's cost from the CSV; an intersection: 1)",
        ),
    ] = None,
    period: Annotated[
        str | None,
        typer.Option(
            "--period",
            help="Incidents received in: 2025, 2025-06, 2025-06-01 or a..b (local dates; default: "
            "the last 365 days)",
        ),
    ] = None,
    sites: Annotated[
        str,
        typer.Option(
            "--sites", help="`intersections` of the road graph, or a CSV of allowed poles (lat,lon,cost…)"
        ),
    ] = "intersections",
    origin: Annotated[
        str, typer.Option("--origin", help="live, imported or all (imported incidents carry no point)")
    ] = "live",
    views: Annotated[
        str, typer.Option("--views", help="Camera options per site: NxFOV fixed headings (4x90) or `dome`")
    ] = "4x90",
    range_m: Annotated[float, typer.Option("--range", help="Useful range of a new camera, metres")] = 80.0,
    time_limit: Annotated[float, typer.Option("--time-limit", help="Seconds for the whole solve")] = 60.0,
    out_dir: Annotated[
        Path, typer.Option("--out", help="Folder for placement.geojson and placement.png")
    ] = Path("placement"),
) -> None:
    """Choose the sites for the next cameras that see the most (priority-weighted) incidents not yet seen,
    exactly (HiGHS, within the time limit) and greedily, and report both."""
    from kuzet.analytics.domain import Origin
    from kuzet.cctv.placement import PlacementError
    from kuzet.cctv.placement_incidents import Period, parse_period
    from kuzet.cctv.placement_service import PlanRequest
    from kuzet.cctv.placement_sites import parse_views
    from kuzet.core.clock import to_local

    try:
        chosen_origin = Origin(origin)
    except ValueError:
        raise _fail(f"--origin: {origin!r} is not live, imported or all") from None
    try:
        if period is None:
            from datetime import UTC, datetime

            today = to_local(datetime.now(UTC)).date()
            chosen_period = Period(today - timedelta(days=364), today)
        else:
            chosen_period = parse_period(period)
        request = PlanRequest(
            period=chosen_period,
            new_cameras=new,
            budget=budget,
            origin=chosen_origin,
            poles_csv=None if sites == "intersections" else _read_poles(Path(sites)),
            views=parse_views(views, range_m),
            time_limit_s=time_limit,
        )
        report = _run(request)
    except PlacementError as exc:
        raise _fail(f"--{exc.field.replace('_', '-')}: {exc}") from None
    _print(report)
    _write(report, out_dir)


def _fail(message: str) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}")
    return typer.Exit(2)


def _read_poles(path: Path) -> str:
    from kuzet.cctv.placement import PlacementError

    try:
        if path.stat().st_size > MAX_POLES_BYTES:
            raise PlacementError("sites", f"{path}: larger than {MAX_POLES_BYTES // (1024 * 1024)} MB")
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PlacementError("sites", f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise PlacementError("sites", f"{path}: not UTF-8 text") from None


def _run(request: PlanRequest) -> PlanReport:
    from kuzet.cctv.placement_service import plan_placement, registry_views
    from kuzet.cctv.placement_visibility import region_coverage
    from kuzet.container import Services
    from kuzet.geo.graph import GraphError, RoadGraph

    settings = get_settings()
    region = settings.region_bbox
    graph = None
    if request.poles_csv is None:
        try:
            graph = RoadGraph.load(settings.roads_file)
        except GraphError as exc:
            from kuzet.cctv.placement import PlacementError

            raise PlacementError(
                "sites", f"{exc} (import a map with kuzet import-osm, or give poles)"
            ) from None
    services = Services.build(settings)
    try:
        existing = registry_views(services.uow())
        coverage = region_coverage(region, settings.buildings_file)
        return plan_placement(
            services.engine, request, existing=existing, graph=graph, region=region, coverage=coverage
        )
    finally:
        services.close()


def _print(report: PlanReport) -> None:
    r = report.result
    inc = report.incidents
    out.print(
        f"Period {report.request.period}: {r.total_incidents:,} incidents with a point"
        + (f" ({inc.without_point:,} without one left out)" if inc.without_point else "")
        + (
            f"; {inc.imported_without_point:,} imported ones carry no point"
            if inc.imported_without_point
            else ""
        )
        + f"; {report.existing_cameras} cameras in the registry; {len(report.sites):,} candidate sites "
        f"({report.site_source})."
    )
    table = Table(title="Incidents seen by a camera")
    table.add_column("")
    table.add_column("before", justify="right")
    table.add_column(f"after: plan ({r.chosen_by})", justify="right")
    table.add_column("after: greedy", justify="right")

    def share(part: float, whole: float) -> str:
        return f"{part / whole:.1%}" if whole else "–"

    before_n, before_w = r.before_incidents, r.before_weight
    table.add_row("new cameras", "", str(r.plan.cameras), str(r.greedy.cameras))
    table.add_row("cost", "", f"{r.plan.cost:g}", f"{r.greedy.cost:g}")
    table.add_row(
        "incidents", f"{before_n:,}", f"{r.plan.covered_incidents:,}", f"{r.greedy.covered_incidents:,}"
    )
    table.add_row(
        "share of incidents",
        share(before_n, r.total_incidents),
        share(r.plan.covered_incidents, r.total_incidents),
        share(r.greedy.covered_incidents, r.total_incidents),
    )
    table.add_row(
        "weighted (by priority)",
        f"{before_w:,.0f}",
        f"{r.plan.covered_weight:,.0f}",
        f"{r.greedy.covered_weight:,.0f}",
    )
    table.add_row(
        "share of weight",
        share(before_w, r.total_weight),
        share(r.plan.covered_weight, r.total_weight),
        share(r.greedy.covered_weight, r.total_weight),
    )
    out.print(table)
    gap = "–" if r.gap is None else f"{r.gap:.3%}"
    verdict = "proven optimal" if r.proven_optimal else f"stopped at the time limit, gap to the bound {gap}"
    greedy_note = (
        "; HiGHS's incumbent was not better than greedy's, greedy's plan kept"
        if r.chosen_by == "greedy"
        else ""
    )
    out.print(
        f"HiGHS: {verdict} in {r.solve_seconds:.1f} s ({r.reduced_options:,} options × "
        f"{r.reduced_incidents:,} merged incidents after reduction){greedy_note}."
    )


def _write(report: PlanReport, out_dir: Path) -> None:
    from kuzet.cctv.placement_output import draw_map, to_geojson

    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        geojson = out_dir / "placement.geojson"
        geojson.write_text(json.dumps(to_geojson(report), ensure_ascii=False, indent=1), encoding="utf-8")
        picture = out_dir / "placement.png"
        draw_map(report, picture)
    except OSError as exc:
        raise _fail(f"--out: cannot write to {out_dir}: {exc.strerror or exc}") from None
    out.print(f"Wrote {geojson} and {picture}.")
