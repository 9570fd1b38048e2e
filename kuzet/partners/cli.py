"""`kuzet partner …`: manage partners, and send a signed test appeal as an integrator would."""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from kuzet.core.cli import CLI, err, out, print_key
from kuzet.core.cli import fail as _fail
from kuzet.core.cli import services as _services
from kuzet.core.errors import KuzetError
from kuzet.partners.domain import ALL_SCOPES, KNOWN_PARTNERS, Partner

if TYPE_CHECKING:
    from kuzet.partners.service import Issued

partner_app = typer.Typer(help="«Закон и порядок» partners.", no_args_is_help=True)


def _print_key(issued: Issued) -> None:
    key = issued.key
    print_key(f"partner={key.partner_code}", key.key_id, key.secret)


@partner_app.command("add")
def add(
    code: str,
    name: Annotated[str | None, typer.Option(help="Display name (known partners have one)")] = None,
    webhook: Annotated[str | None, typer.Option(help="URL for status callbacks")] = None,
    rate_limit: Annotated[int, typer.Option(help="Requests per minute")] = 600,
) -> None:
    """Register a partner and print its key id and secret (shown once)."""
    from kuzet.partners import service  # the database and httpx: only when the command runs

    services = _services()
    partner = Partner(code, name or KNOWN_PARTNERS.get(code, code), True, webhook, ALL_SCOPES, rate_limit)
    try:
        issued = service.create(
            services.uow(), services.auth.box, partner=partner, by=CLI, at=services.clock.now()
        )
    except KuzetError as exc:
        raise _fail(exc) from exc
    _print_key(issued)


@partner_app.command("rotate")
def rotate(code: str) -> None:
    """Issue a new key; the old ones keep working for KUZET_PARTNER_KEY_GRACE_HOURS."""
    from kuzet.partners import service  # the database and httpx: only when the command runs

    services = _services()
    grace = timedelta(hours=services.settings.partner_key_grace_hours)
    try:
        issued = service.rotate(
            services.uow(), services.auth.box, code=code, grace=grace, by=CLI, at=services.clock.now()
        )
    except KuzetError as exc:
        raise _fail(exc) from exc
    _print_key(issued)


@partner_app.command("disable")
def disable(code: str) -> None:
    """Refuse the partner's requests (its keys stay, for enabling again)."""
    from kuzet.partners import service  # the database and httpx: only when the command runs

    services = _services()
    try:
        service.set_enabled(services.uow(), code=code, enabled=False, by=CLI, at=services.clock.now())
    except KuzetError as exc:
        raise _fail(exc) from exc
    out.print(f"partner {code} disabled")


@partner_app.command("list")
def list_partners() -> None:
    """Partners, their state and key ids (never secrets)."""
    from kuzet.partners import service  # the database and httpx: only when the command runs

    services = _services()
    for partner, keys in service.all_partners(services.uow(), services.auth.box):
        ids = ", ".join(
            k.key_id + (f" (until {k.expires_at:%Y-%m-%d %H:%M})" if k.expires_at else "") for k in keys
        )
        state = "enabled" if partner.enabled else "disabled"
        out.print(
            f"{partner.code:<10} {state:<9} {partner.webhook_url or '-'}  keys: {ids}",
            highlight=False,
            soft_wrap=True,
        )


@partner_app.command("send")
def send(
    text: Annotated[str, typer.Option(help="What the citizen wrote")],
    url: Annotated[str, typer.Option(help="Kuzet server")] = "http://127.0.0.1:8000",
    key_id: Annotated[str | None, typer.Option(help="Key id (or KUZET_PARTNER_KEY_ID)")] = None,
    secret: Annotated[str | None, typer.Option(help="Secret (or KUZET_PARTNER_SECRET)")] = None,
    category: Annotated[str | None, typer.Option(help="The app's category")] = None,
    lat: Annotated[float | None, typer.Option()] = None,
    lon: Annotated[float | None, typer.Option()] = None,
    address: Annotated[str | None, typer.Option()] = None,
    phone: Annotated[str | None, typer.Option()] = None,
    media: Annotated[list[Path] | None, typer.Option(help="Photo, video or voice file; repeatable")] = None,
    idempotency_key: Annotated[str | None, typer.Option(help="Reuse to retry safely")] = None,
) -> None:
    """Sign and send one appeal, as a partner app would; print the server's answer."""
    from kuzet.partners.client import PartnerClient  # httpx: only when the command runs

    key_id = key_id or os.environ.get("KUZET_PARTNER_KEY_ID")
    secret = secret or os.environ.get("KUZET_PARTNER_SECRET")
    if not key_id or not secret:
        err.print(
            "[red]error:[/red] give --key-id and --secret (or KUZET_PARTNER_KEY_ID and KUZET_PARTNER_SECRET)"
        )
        raise typer.Exit(2)
    client = PartnerClient(url, key_id=key_id, secret=secret)
    media_ids = []
    for path in media or []:
        uploaded = client.upload(path.read_bytes())
        if uploaded.status_code != 201:
            err.print(uploaded.text)
            raise typer.Exit(1)
        media_ids.append(uploaded.json()["id"])
    appeal: dict[str, object] = {
        "citizen": {"phone": phone},
        "text": text,
        "category": category,
        "media": media_ids,
    }
    if lat is not None and lon is not None:
        appeal["location"] = {"lat": lat, "lon": lon, "address": address}
    else:
        appeal["address"] = address
    response = client.send_appeal(appeal, idempotency_key=idempotency_key)
    out.print(json.dumps(response.json(), ensure_ascii=False, indent=2), highlight=False, soft_wrap=True)
    if response.status_code >= 300:
        raise typer.Exit(1)
