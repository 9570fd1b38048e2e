"""`kuzet mqtt`: the MQTT subscribers (units' GPS fixes, camera heartbeats) in a process of their own.

The API server runs the same subscribers whenever KUZET_MQTT_URL is set. A deployment that keeps them apart
(a systemd unit of their own, see docs/deployment.md) leaves KUZET_MQTT_URL out of the servers' environment
and gives it to this command. With several subscribing processes, a shared subscription
(`$share/<group>/kuzet/units/+/position`) has the broker hand each message to one of them."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import typer
from rich.console import Console

from kuzet.config import get_settings
from kuzet.core.logging import configure_logging

if TYPE_CHECKING:
    from kuzet.container import Services

err = Console(stderr=True)


async def run_subscribers(services: Services) -> None:
    """Run every configured subscriber until cancelled (each reconnects to the broker by itself)."""
    from kuzet.cctv.health_mqtt import heartbeat_subscriber

    fixes, heartbeats = services.mqtt_subscriber(), heartbeat_subscriber(services)
    await asyncio.gather(*(s.run() for s in (fixes, heartbeats) if s is not None))


def mqtt_command() -> None:
    """Take units' GPS fixes and camera heartbeats from the MQTT broker (KUZET_MQTT_URL), apart from the
    API server."""
    # The composition root and the database: imported when the command runs, not for `kuzet --help`.
    from kuzet.container import Services

    settings = get_settings()
    if not settings.mqtt_url:
        err.print("[red]error:[/red] KUZET_MQTT_URL is not set: there is no broker to subscribe to.")
        raise typer.Exit(2)
    configure_logging(settings.log_level, json_lines=settings.log_json)
    services = Services.build(settings)
    try:
        asyncio.run(run_subscribers(services))
    except KeyboardInterrupt:
        pass
    finally:
        services.close()


__all__ = ["mqtt_command", "run_subscribers"]
