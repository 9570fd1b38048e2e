"""`kuzet serve`: the one way the API server is started, by `kuzet serve` and by `kuzet demo` once set up.

It lives apart from `kuzet/cli.py` so that `kuzet/demo/cli.py` can start the server without importing the
command that registers the demo's own commands. It imports the settings and the core only."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Console

from kuzet.config import ConfigError, get_settings
from kuzet.core.logging import logging_config

err = Console(stderr=True)


def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind (KUZET_HOST)")] = None,
    port: Annotated[int | None, typer.Option(help="Port (KUZET_PORT)")] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes (KUZET_WORKERS)")] = None,
) -> None:
    """Run the API server."""
    # uvicorn and its supervisor: imported by this command only, not by every `kuzet` command.
    import uvicorn

    from kuzet.core.workers import WORKER_APP, run_workers

    settings = get_settings()
    try:
        settings.check_safe_to_serve()
    except ConfigError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    options: dict[str, Any] = {
        "factory": True,
        "host": host or settings.host,
        "port": port or settings.port,
        "workers": workers or settings.workers,
        # Applied here and in every worker process: JSON lines, personal data masked, the access log.
        "log_config": logging_config(settings.log_level, json_lines=settings.log_json),
        "timeout_worker_healthcheck": settings.worker_healthcheck_seconds,
        # The client's address from the proxy's X-Forwarded-For, only when sent by a proxy named here.
        "proxy_headers": bool(settings.forwarded_allow_ips),
        "forwarded_allow_ips": settings.forwarded_allow_ips or None,
        "timeout_graceful_shutdown": 5,  # live streams never end by themselves
    }
    if options["workers"] == 1:
        uvicorn.run(WORKER_APP, **options)  # a failed start exits with uvicorn's start-up failure code
    elif status := run_workers(uvicorn.Config(WORKER_APP, **options)):
        raise typer.Exit(status)


__all__ = ["serve"]
