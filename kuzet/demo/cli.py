"""`kuzet demo` (set up the demo ЦОУ and serve it alive) and `kuzet simulate` (traffic and units against a
server)."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from kuzet.config import Mode, Settings, get_settings
from kuzet.core.logging import configure_logging
from kuzet.serve import serve  # the one way the server is started

if TYPE_CHECKING:
    from kuzet.container import Services
    from kuzet.demo.agency_sims import AgencySims
    from kuzet.demo.camera_sim import CameraSim
    from kuzet.demo.runner import Simulation

# The demo's parts, the composition root and the database are imported by the commands when they run:
# `kuzet --help` and every other command import this module too, and pay nothing for the demo.

out = Console()
err = Console(stderr=True)
# Sped-up units drive `speedup` times faster in real time than on demo time: the server must accept that.
FASTEST_ROAD_KMH = 130.0


def _fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}")
    return typer.Exit(code)


def _demo_settings(serving: bool) -> Settings:
    """Demo mode unless told otherwise; with live traffic, position checks that allow sped-up driving."""
    os.environ.setdefault("KUZET_MODE", Mode.DEMO.value)
    get_settings.cache_clear()
    settings = get_settings()
    if serving and settings.demo_traffic and "KUZET_POSITION_MAX_SPEED_KMH" not in os.environ:
        fastest = max(settings.position_max_speed_kmh, FASTEST_ROAD_KMH * settings.demo_speedup)
        os.environ["KUZET_POSITION_MAX_SPEED_KMH"] = str(fastest)
        get_settings.cache_clear()
        settings = get_settings()
    return settings


def _print_access(settings: Settings, rows: list[tuple[str, str, str, str | None]], keys: list[Any]) -> None:
    out.print(f"Kuzet demo users ({settings.database_url}):", soft_wrap=True)
    for username, role, password, secret in rows:
        line = f"  user={username:<11} role={role:<11} password={password}"
        out.print(line + (f"  totp_secret={secret}" if secret else ""), soft_wrap=True, highlight=False)
    out.print(
        "Roles with a second factor log in with a code: [bold]kuzet user totp-code USER[/bold] prints the "
        "current one in demo mode."
    )
    for code, key_id, secret in keys:
        out.print(f"  partner={code:<9} key_id={key_id} secret={secret}", soft_wrap=True, highlight=False)
    if keys:
        out.print("Partner secrets are shown once. Try: kuzet partner send --key-id … --secret … --text …")


def _seed(services: Services, settings: Settings, plan: Path | None = None) -> tuple[list[Any], list[Any]]:
    """Everything the demo needs, each part left alone when it is there already."""
    from kuzet.demo.agencies import seed_demo_agencies
    from kuzet.demo.camera_reports import seed_demo_camera_source, seed_demo_watchlist
    from kuzet.demo.camera_sim import seed_demo_cameras
    from kuzet.demo.history import load_history
    from kuzet.demo.seed import (
        seed_demo_map,
        seed_demo_partners,
        seed_demo_positions,
        seed_demo_units,
        seed_demo_users,
    )
    from kuzet.demo.world import seed_demo_world

    began = time.perf_counter()
    rows = seed_demo_users(services)
    seed_demo_units(services)
    if seed_demo_map(services):
        out.print(
            "Demo map: Andorra (OpenStreetMap, © OpenStreetMap contributors, ODbL) stands in for the region."
        )
    seed_demo_positions(services)
    if plan is not None:
        _seed_plan(services, plan)
    world = seed_demo_world(services, roster=plan is None)
    keys = seed_demo_partners(services)
    if added := seed_demo_agencies(services):
        out.print(f"Agencies: {', '.join(added)}, reached on loopback where the agency simulator plays them.")
    if cameras := seed_demo_cameras(services):
        out.print(
            f"Cameras: {len(cameras)} in Andorra la Vella and les Escaldes, played by the camera simulator."
        )
    if seed_demo_camera_source(services):
        out.print("Camera analytics: the simulator's heartbeats and plate reads come signed as demo_cameras.")
    if wanted := seed_demo_watchlist(services):
        out.print(f"Watch list: {len(wanted)} wanted cars; a camera that reads one makes a camera appeal.")
    districts = len(services.geo.districts or ())
    out.print(
        f"Demo world: {len(world.posts)} units in {districts} districts"
        f" ({world.units_created} new units; set up in {time.perf_counter() - began:.1f} s)."
    )
    history = load_history(services, incidents=settings.demo_history_incidents)
    if history.skipped is None:
        out.print(
            f"Past year: {history.incidents} closed incidents, {history.appeals} appeals and "
            f"{history.assignments} assignments loaded in {history.seconds:.1f} s (simulated, for analytics)."
        )
    return rows, keys


def _seed_plan(services: Services, path: Path) -> None:
    """The districts, then the plan's units at the plan's posts (`kuzet demo --plan`)."""
    from kuzet.demo.plan_units import read_demo_plan, seed_plan_units
    from kuzet.demo.seed import seed_demo_positions
    from kuzet.demo.world import seed_demo_districts
    from kuzet.planning.errors import PlanningInputError

    seed_demo_districts(services)
    try:
        scenario = read_demo_plan(services, path)
    except PlanningInputError as exc:
        services.close()
        raise _fail(f"--plan: {exc}", code=2) from None
    posts = seed_plan_units(services, scenario)
    seed_demo_positions(services, posts)
    out.print(
        f"Plan {path}: {len(posts)} units at the plan's {len({u.post_node for u in scenario.units})} posts."
    )


def _local_url(settings: Settings) -> str:
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::", "") else settings.host  # noqa: S104
    return f"http://{host}:{settings.port}"


def _traffic_line(speedup: float) -> str:
    return (
        f"Traffic generator: 102 calls and partner appeals with simulated units, at ×{speedup:g} "
        f"({speedup:g} demo minutes each real minute; KUZET_DEMO_TRAFFIC=false turns it off)."
    )


def demo_command(
    serve_after: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Start the server afterwards")
    ] = True,
    plan: Annotated[
        Path | None,
        typer.Option(
            "--plan", help="A plan file (kuzet plan writes one): its units at its posts, not the roster"
        ),
    ] = None,
) -> None:
    """Set up the demo ЦОУ (users, map, districts, units, partners, a past year), then serve it, alive."""
    from kuzet.container import Services
    from kuzet.core import migrate
    from kuzet.demo.live import NotReady, options_from, prepare
    from kuzet.demo.runner import Background

    settings = _demo_settings(serve_after)
    if not settings.is_relaxed:
        raise _fail("the demo refuses to run with KUZET_MODE=production", code=2)
    migrate.upgrade(settings.database_url)
    services = Services.build(settings)
    rows, keys = _seed(services, settings, plan)
    _print_access(settings, rows, keys)
    base = f"http://{settings.host}:{settings.port}"
    out.print(f"Console: {base}/console/  (the supervisor sees the whole region; dispatchers their district)")
    out.print(f"API: {base}/api/docs  (OpenAPI: /api/openapi.json)")
    if not serve_after:
        services.close()
        return
    background = None
    sims = None
    if settings.demo_traffic:
        # The simulation's own requests would flood the terminal: keep only warnings of HTTP traffic.
        for name in ("httpx", "uvicorn.access"):
            logging.getLogger(name).setLevel(logging.WARNING)
        sims = _start_agency_sims(services, settings)
        try:
            options = replace(options_from(settings), handovers=sims is not None)
            background = Background(prepare(services, _local_url(settings), options)).start()
            out.print(_traffic_line(settings.demo_speedup))
        except NotReady as exc:
            err.print(f"[yellow]no traffic:[/yellow] {exc}")
    camera_sim = _start_camera_sim(services, settings)
    services.close()
    try:
        serve(host=None, port=None, workers=None)
    finally:
        camera_sim.stop()
        if background is not None:
            background.stop()
        if sims is not None:
            sims.stop()


def _start_agency_sims(services: Services, settings: Settings) -> AgencySims | None:
    """One agency simulator per enabled demo agency still reached on loopback (one an admin pointed at a
    real endpoint is left alone), as child processes; None when there is none."""
    from kuzet.demo.agencies import demo_endpoint
    from kuzet.demo.agency_sims import AgencySims, specs
    from kuzet.interagency import service as agencies
    from kuzet.interagency.domain import KNOWN_AGENCIES

    base = settings.demo_agency_port_base
    enabled = [
        a.code
        for a in (listed.agency for listed in agencies.all_agencies(services.uow()))
        if a.code in KNOWN_AGENCIES and a.enabled and a.endpoint_url == demo_endpoint(a.code, base)
    ]
    if not enabled:
        return None
    running = AgencySims(specs(enabled, base), _local_url(settings), settings.database_url)
    running.start()
    ports = ", ".join(f"{s.code} :{s.port}" for s in running.sims)
    out.print(f"Agency simulators: {ports} (hand-overs acknowledged; one goes silent now and then).")
    return running


def _start_camera_sim(services: Services, settings: Settings) -> CameraSim:
    """The demo cameras' simulator as a child process on KUZET_DEMO_CAMERA_PORT, reporting the cameras'
    heartbeats and plate reads to the server as the demo's camera analytics source."""
    from kuzet.demo.camera_reports import demo_reporting
    from kuzet.demo.camera_sim import CameraSim

    reporting = demo_reporting(services, _local_url(settings))
    running = CameraSim(settings.demo_camera_port, reporting=reporting).start()
    out.print(
        f"Camera simulator: {len(running.codes)} demo cameras on 127.0.0.1:{running.port}, watched through "
        "the server (KUZET_DEMO_CAMERA_PORT)"
        + (
            "; heartbeats every 30 s, a camera silent now and then, plate reads."
            if reporting is not None
            else "; not reporting (the demo_cameras analytics source is disabled)."
        )
    )
    return running


def simulate_command(
    url: Annotated[str, typer.Option(help="The server's base URL")] = "http://127.0.0.1:8000",
    speedup: Annotated[
        float | None,
        typer.Option(min=0.1, max=1000, help="Demo minutes per real minute (KUZET_DEMO_SPEEDUP)"),
    ] = None,
    minutes: Annotated[float, typer.Option(min=0.1, help="How long to run, in real minutes")] = 10.0,
    seed: Annotated[int | None, typer.Option(help="Random seed, for a repeatable run")] = None,
) -> None:
    """Send appeals and drive simulated units against a server that shares this installation's database."""
    from kuzet.container import Services
    from kuzet.demo.live import NotReady, options_from, prepare
    from kuzet.demo.runner import wait_ready

    settings = get_settings()
    if not settings.is_relaxed:
        raise _fail(
            "simulate creates accounts and keys: it runs only with KUZET_MODE=demo, dev or test", code=2
        )
    configure_logging(settings.log_level, json_lines=settings.log_json)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    services = Services.build(settings)
    options = options_from(settings, speedup=speedup, seed=seed)
    try:
        simulation = prepare(services, url, replace(options, traffic=True))
    except NotReady as exc:
        raise _fail(str(exc)) from exc
    finally:
        services.close()
    stop = threading.Event()
    if not wait_ready(url, stop, timeout=30):
        simulation.close()
        raise _fail(f"no server ready at {url}")
    out.print(_traffic_line(options.speedup))
    _run_for(simulation, stop, minutes * 60)
    out.print(summary(simulation))


def _run_for(simulation: Simulation, stop: threading.Event, seconds: float) -> None:
    try:
        simulation.run(stop, seconds=seconds)
    except KeyboardInterrupt:
        stop.set()
    finally:
        simulation.close()


def summary(simulation: Simulation) -> str:
    """One line: what the simulation sent and what its units did."""
    sent = simulation.traffic.sent if simulation.traffic is not None else Counter[str]()
    steps = simulation.fleet.steps

    def done(kind: str) -> int:
        return steps.get(kind, 0)

    return (
        f"Sent {sent.get('phone_102', 0)} calls to 102 and {sent.get('partner_app', 0)} partner appeals "
        f"({sent.get('refused', 0)} refused); {simulation.dispatcher.sent} units sent by the simulated "
        f"dispatcher, {done('adopted')} taken over (sent in the console or by an earlier run); "
        f"{done('on_scene')} arrivals, "
        f"{done('cleared')} clears, {done('closed')} incidents closed."
    )
