"""`kuzet loadtest`: the region's busiest day, 10 times over, compressed into minutes, against running hosts.

    kuzet loadtest --prepare [--access FILE] [--units 200]      (where the database is reachable)
    kuzet loadtest --target URL [--target URL2 …] [--access FILE] [--minutes 10] [--scale 10] [--json FILE]

The run plays 102 calls typed by call-takers, signed partner appeals, GPS from the units every 5 s, consoles
following the live feed in every district on every target, and dispatchers who answer each new incident with
a recommendation and an assignment, whose unit then moves through its statuses. It reports p50/p99 of
intake, recommendation, assignment and feed latency (from the HTTP answer of a change to its event on a
console, on any target) and the errors by kind, and exits 1 if there was any error.

This module only registers the command: the load test's parts are imported when it runs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from kuzet.config import get_settings

out = Console()
err = Console(stderr=True)
ACCESS_FILE = "loadtest-access.json"


def _access_path(access: Path | None) -> Path:
    return access or get_settings().data_dir / ACCESS_FILE


def _prepare(path: Path, units: int, seed: int | None) -> None:
    from kuzet.container import Services
    from kuzet.operations import loadtest_access
    from kuzet.operations.loadtest_prepare import CannotPrepare, prepare

    services = Services.build(get_settings())
    try:
        access, created = prepare(services, units_wanted=units, seed=seed)
    except CannotPrepare as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from exc
    finally:
        services.close()
    loadtest_access.save(access, path)
    out.print(
        f"Load test access for {len(access.districts)} districts and {len(access.partners)} partner apps "
        f"written to {path} (owner only; delete it after the campaign); {created} units added to the shift."
    )


def loadtest_command(
    target: Annotated[
        list[str] | None, typer.Option("--target", help="A server's base URL; repeat for several hosts")
    ] = None,
    prepare: Annotated[
        bool, typer.Option("--prepare", help="Create the accounts, keys and units, and write the access file")
    ] = False,
    access: Annotated[
        Path | None, typer.Option(help=f"The access file (default: KUZET_DATA_DIR/{ACCESS_FILE})")
    ] = None,
    minutes: Annotated[
        float, typer.Option(min=0.05, help="Real minutes the whole day is compressed into")
    ] = 10.0,
    run_minutes: Annotated[
        float | None, typer.Option(min=0.01, help="Play only this many minutes of it (default: all)")
    ] = None,
    start_hour: Annotated[
        float | None,
        typer.Option(min=0, max=24, help="Local hour to start at (default: the busiest window; 0 for a day)"),
    ] = None,
    scale: Annotated[float, typer.Option(min=0.01, help="Times the region's busiest day")] = 10.0,
    units: Annotated[int, typer.Option(min=0, help="Units reporting GPS every 5 s (and on shift)")] = 200,
    consoles: Annotated[int, typer.Option(min=1, help="Consoles per district on each target")] = 1,
    seed: Annotated[int | None, typer.Option(help="Random seed, for a repeatable run")] = None,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Also write the report as JSON here")
    ] = None,
) -> None:
    """Replay a busy day (10x the region's peak) against running servers and report latencies and errors."""
    path = _access_path(access)
    if prepare:
        _prepare(path, units, seed)
        return
    if not target:
        err.print("[red]error:[/red] give --target URL (once per host), or --prepare")
        raise typer.Exit(2)
    if not path.exists():
        err.print(f"[red]error:[/red] no access file at {path}: run `kuzet loadtest --prepare` first")
        raise typer.Exit(2)
    from datetime import datetime

    import uvloop  # the load generator's own loop must not be what is measured

    from kuzet.core.clock import LOCAL_TZ
    from kuzet.operations import loadtest_access, loadtest_plan
    from kuzet.operations.loadtest_report import render
    from kuzet.operations.loadtest_run import RunOptions, run

    day = loadtest_plan.Day(
        loadtest_plan.peak_day(datetime.now(LOCAL_TZ).year), scale=scale, day_minutes=minutes
    )
    options = RunOptions(
        day=day,
        run_s=(run_minutes if run_minutes is not None else minutes) * 60.0,
        start_day_s=None if start_hour is None else start_hour * 3600.0,
        units=units,
        consoles_per_district=consoles,
        seed=seed,
    )
    data = uvloop.run(run(loadtest_access.load(path), [t.rstrip("/") for t in target], options))
    for line in render(data):
        out.print(line, highlight=False, soft_wrap=True)
    if json_out is not None:
        json_out.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    if data["error_total"]:
        raise typer.Exit(1)
