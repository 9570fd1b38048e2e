"""`kuzet camera-sim`: play a few IP cameras on a loopback port (see kuzet/cctv/camera_sim.py)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

out = Console()


def camera_sim_command(
    port: Annotated[int, typer.Option("--port", help="Port to serve the cameras on")],
    cameras: Annotated[
        str | None,
        typer.Option(
            "--cameras",
            help="Comma-separated codes, each with its picture's label if wanted: CAM-1,CAM-2=Plaça Major",
        ),
    ] = None,
    count: Annotated[
        int | None, typer.Option("--count", help="Play CAM-1 … CAM-N (when --cameras is not given)")
    ] = None,
    host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
    user: Annotated[str | None, typer.Option("--user", help="Require HTTP basic auth with this user")] = None,
    password: Annotated[str | None, typer.Option("--password", help="… and this password")] = None,
    fps: Annotated[float, typer.Option("--fps", min=0.2, max=30, help="Frames a second of the MJPEG")] = 4.0,
    report_to: Annotated[
        str | None,
        typer.Option(
            "--report-to",
            help="Kuzet's base URL: post signed heartbeats and plate reads there, with the analytics "
            "source's key from KUZET_CAMERA_SIM_KEY_ID and KUZET_CAMERA_SIM_SECRET",
        ),
    ] = None,
    heartbeat_s: Annotated[
        float, typer.Option("--heartbeat-s", min=0.1, help="Seconds between heartbeats")
    ] = 30.0,
    plate_every_s: Annotated[
        float, typer.Option("--plate-every-s", min=0, help="Mean seconds between plate reads (0: none)")
    ] = 0.0,
    wanted_plates: Annotated[
        str | None,
        typer.Option("--wanted-plates", help="Comma-separated plates of wanted cars driving about"),
    ] = None,
    wanted_share: Annotated[
        float, typer.Option("--wanted-share", min=0, max=1, help="Share of plate reads that are wanted cars")
    ] = 0.0,
    silence_every_s: Annotated[
        float,
        typer.Option(
            "--silence-every-s", min=0, help="Mean seconds between a camera going silent (0: never)"
        ),
    ] = 0.0,
    silence_s: Annotated[
        float, typer.Option("--silence-s", min=0, help="How long a silent camera stays so")
    ] = 0.0,
) -> None:
    """Serve generated camera frames: /cameras/{code}/snapshot.jpg and /cameras/{code}/mjpeg."""
    import os

    from kuzet.cctv.camera_sim import CameraSim, camera_codes, make_server
    from kuzet.cctv.camera_sim_reporter import KEY_ID_ENV, SECRET_ENV, Reporter, ReportPlan

    if cameras and count is not None:
        raise typer.BadParameter("give --cameras or --count, not both")
    if (user is None) != (password is None):
        raise typer.BadParameter("--user and --password go together")
    try:
        codes = camera_codes(cameras, count)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    sim = CameraSim(codes, credentials=(user, password) if user and password else None, fps=fps)
    server = make_server(sim, host, port)
    bound = server.server_address[1]
    out.print(f"camera simulator: {len(codes)} cameras on http://{host}:{bound}/cameras/", highlight=False)
    reporter = None
    if report_to:
        key_id, secret = os.environ.get(KEY_ID_ENV), os.environ.get(SECRET_ENV)
        if not key_id or not secret:
            raise typer.BadParameter(f"--report-to needs {KEY_ID_ENV} and {SECRET_ENV} in the environment")
        plan = ReportPlan(
            heartbeat_s=heartbeat_s,
            plate_every_s=plate_every_s,
            wanted_plates=tuple(p.strip() for p in (wanted_plates or "").split(",") if p.strip()),
            wanted_share=wanted_share,
            silence_every_s=silence_every_s,
            silence_s=silence_s,
        )
        reporter = Reporter(report_to, (key_id, secret), list(codes), plan, silent=sim.silent).start()
        out.print(f"reporting to {report_to} as {key_id}", highlight=False)
    try:
        server.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass
    finally:
        sim.stopping.set()
        if reporter is not None:
            reporter.stop()
        server.server_close()
