"""`kuzet cctv source …`: the camera analytics systems (plate readers, crowd detectors, a video system)
that post events and heartbeats, each with a key of its own; and `send`, to post a signed event as a source
would."""

from __future__ import annotations

import json
import os
import secrets
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Annotated

import typer

from kuzet.cctv.camera_events import AnalyticsSource
from kuzet.core.cli import CLI, err, out, print_key
from kuzet.core.cli import fail as _fail
from kuzet.core.cli import services as _services
from kuzet.core.errors import KuzetError

if TYPE_CHECKING:
    from kuzet.cctv.camera_events_service import Issued

source_app = typer.Typer(help="Camera analytics sources and their keys.", no_args_is_help=True)


def _print_key(issued: Issued) -> None:
    key = issued.key
    print_key(f"source={key.source_code}", key.key_id, key.secret)


@source_app.command("add")
def add(code: str, name: Annotated[str | None, typer.Option(help="Display name")] = None) -> None:
    """Register an analytics source and print its key id and secret (shown once)."""
    from kuzet.cctv import camera_events_service as service  # the database: only when the command runs

    services = _services()
    try:
        issued = service.create(
            services.uow(),
            services.auth.box,
            source=AnalyticsSource(code, name or code, True),
            by=CLI,
            at=services.clock.now(),
        )
    except KuzetError as exc:
        raise _fail(exc) from exc
    _print_key(issued)


@source_app.command("rotate")
def rotate(
    code: str, grace_hours: Annotated[float, typer.Option(help="Hours the old keys keep working")] = 24.0
) -> None:
    """Issue a new key and print it (shown once); the old ones keep working for the grace period."""
    from kuzet.cctv import camera_events_service as service  # the database: only when the command runs

    services = _services()
    try:
        issued = service.rotate(
            services.uow(),
            services.auth.box,
            code=code,
            grace=timedelta(hours=grace_hours),
            by=CLI,
            at=services.clock.now(),
        )
    except KuzetError as exc:
        raise _fail(exc) from exc
    _print_key(issued)


def _set(code: str, enabled: bool) -> None:
    from kuzet.cctv import camera_events_service as service  # the database: only when the command runs

    services = _services()
    try:
        service.set_enabled(services.uow(), code=code, enabled=enabled, by=CLI, at=services.clock.now())
    except KuzetError as exc:
        raise _fail(exc) from exc
    out.print(f"source {code} {'enabled' if enabled else 'disabled'}", highlight=False)


@source_app.command("disable")
def disable(code: str) -> None:
    """Refuse the source's requests (its keys stay, for enabling again)."""
    _set(code, False)


@source_app.command("enable")
def enable(code: str) -> None:
    """Accept the source's requests again."""
    _set(code, True)


@source_app.command("list")
def list_sources() -> None:
    """Sources, their state and key ids (never secrets)."""
    from kuzet.cctv import camera_events_service as service  # the database: only when the command runs

    for source, keys in service.all_sources(_services().uow()):
        ids = ", ".join(k + (f" (until {e:%Y-%m-%d %H:%M})" if e else "") for k, e in keys)
        state = "enabled" if source.enabled else "disabled"
        out.print(f"{source.code:<16} {state:<9} keys: {ids}", highlight=False, soft_wrap=True)


@source_app.command("send")
def send(
    camera: Annotated[str, typer.Option(help="The camera's id")],
    plate: Annotated[str | None, typer.Option(help="A plate read (a plate event)")] = None,
    count: Annotated[int | None, typer.Option(help="People counted (a crowd event)")] = None,
    confidence: Annotated[float, typer.Option(help="0–1")] = 0.95,
    url: Annotated[str, typer.Option(help="Kuzet server")] = "http://127.0.0.1:8000",
    key_id: Annotated[str | None, typer.Option(help="Key id (or KUZET_CCTV_KEY_ID)")] = None,
    secret: Annotated[str | None, typer.Option(help="Secret (or KUZET_CCTV_SECRET)")] = None,
) -> None:
    """Sign and post one event, as a source would; print the server's answer."""
    import httpx  # only when the command runs

    from kuzet.core.signing import signed_headers

    key_id = key_id or os.environ.get("KUZET_CCTV_KEY_ID")
    secret = secret or os.environ.get("KUZET_CCTV_SECRET")
    if not key_id or not secret or (plate is None) == (count is None):
        err.print("[red]error:[/red] give --key-id and --secret, and either --plate or --count")
        raise typer.Exit(2)
    now = datetime.now(UTC)
    event: dict[str, object] = {
        "id": secrets.token_hex(8),
        "kind": "plate" if plate is not None else "crowd",
        "camera": camera,
        "at": now.isoformat(),
        "confidence": confidence,
    }
    event.update({"plate": plate} if plate is not None else {"count": count})
    body = json.dumps(event).encode()
    path = "/api/v1/cctv/events"
    headers = signed_headers(
        key_id=key_id,
        secret=secret,
        method="POST",
        path=path,
        body=body,
        timestamp=int(now.timestamp()),
        nonce=secrets.token_hex(12),
    )
    response = httpx.post(
        url.rstrip("/") + path, content=body, headers={**headers, "Content-Type": "application/json"}
    )
    out.print(json.dumps(response.json(), ensure_ascii=False, indent=2), highlight=False, soft_wrap=True)
    if response.status_code >= 300:
        raise typer.Exit(1)
