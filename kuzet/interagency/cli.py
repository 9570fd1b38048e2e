"""`kuzet agency …`: the registry of agencies (101/103/104/112 and others), their keys and deadlines."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from kuzet.config import get_settings
from kuzet.core.actor import Actor
from kuzet.core.errors import InvalidInput, KuzetError
from kuzet.core.i18n import translate
from kuzet.interagency.domain import (
    DEFAULT_ACK_DEADLINES,
    KNOWN_AGENCIES,
    Agency,
    AgencyKey,
    KeyDirection,
    KeyInfo,
    MessageFormat,
)

if TYPE_CHECKING:
    from kuzet.container import Services

agency_app = typer.Typer(
    help="Agencies: fire 101, ambulance 103, gas 104, 112 and others.", no_args_is_help=True
)
out = Console()
err = Console(stderr=True)
CLI = Actor.system("cli")

NameRu = Annotated[str | None, typer.Option("--name-ru", help="Name in Russian")]
NameKk = Annotated[str | None, typer.Option("--name-kk", help="Name in Kazakh")]
NameEn = Annotated[str | None, typer.Option("--name-en", help="Name in English")]
Endpoint = Annotated[str | None, typer.Option("--endpoint", help="URL that hand-overs are delivered to")]
Formats = Annotated[
    list[MessageFormat] | None, typer.Option("--format", help="A format the agency takes; repeatable")
]
Deadlines = Annotated[
    str | None,
    typer.Option(
        "--ack", help='Seconds to acknowledge by priority, JSON: {"1": 60, "2": 120, "3": 300, "4": 600}'
    ),
]
Phone = Annotated[str | None, typer.Option("--phone", help="Contact phone shown when the link is down")]


def _services() -> Services:
    from kuzet.container import Services  # the composition root loads every feature: only when a command runs

    return Services.build(get_settings())


def _fail(exc: KuzetError) -> typer.Exit:
    err.print(f"[red]error:[/red] {translate(exc.detail, 'en', **exc.params)}", highlight=False)
    if isinstance(exc, InvalidInput):
        for problem in exc.errors:
            reason = translate(problem.reason, "en", **problem.params)
            err.print(f"  {problem.field}: {reason}", highlight=False, soft_wrap=True)
    return typer.Exit(1)


def _deadlines(text: str) -> dict[int, int]:
    try:
        raw = json.loads(text)
        if not isinstance(raw, dict):
            raise ValueError("not an object")
        return {int(priority): int(seconds) for priority, seconds in raw.items()}
    except (ValueError, TypeError) as exc:
        raise typer.BadParameter(f"--ack: {exc}") from exc


def _names(ru: str | None, kk: str | None, en: str | None) -> dict[str, str]:
    return {locale: text for locale, text in (("ru", ru), ("kk", kk), ("en", en)) if text is not None}


def _print_issued(code: str, keys: list[AgencyKey]) -> None:
    for key in keys:
        out.print(
            f"agency={code} direction={key.direction.value} key_id={key.key_id} secret={key.secret} "
            f"use_from={key.use_from:%Y-%m-%dT%H:%M:%SZ}",
            highlight=False,
            soft_wrap=True,
        )
    out.print("Secrets are shown once: hand them to the agency over a safe channel.", highlight=False)


def _key_line(key: KeyInfo) -> str:
    until = f" until {key.expires_at:%Y-%m-%d %H:%M}" if key.expires_at else ""
    return f"{key.direction.value} {key.key_id} from {key.use_from:%Y-%m-%d %H:%M}{until}"


@agency_app.command("add")
def add(
    code: str,
    endpoint: Annotated[str, typer.Option("--endpoint", help="URL that hand-overs are delivered to")],
    phone: Annotated[str, typer.Option("--phone", help="Contact phone shown when the link is down")],
    name_ru: NameRu = None,
    name_kk: NameKk = None,
    name_en: NameEn = None,
    formats: Formats = None,
    ack: Deadlines = None,
    disabled: Annotated[bool, typer.Option("--disabled", help="Register it switched off")] = False,
) -> None:
    """Register an agency; print its two keys (ours and theirs) with their secrets, shown once."""
    from kuzet.interagency import service  # the database: only when the command runs

    names = {**KNOWN_AGENCIES.get(code, {}), **_names(name_ru, name_kk, name_en)}
    agency = Agency(
        code=code,
        names=names,
        endpoint_url=endpoint,
        formats=frozenset(formats or [MessageFormat.EIDO]),
        ack_deadlines=_deadlines(ack) if ack else dict(DEFAULT_ACK_DEADLINES),
        contact_phone=phone,
        enabled=not disabled,
    )
    services = _services()
    try:
        issued = service.create(
            services.uow(), services.auth.box, agency=agency, by=CLI, at=services.clock.now()
        )
    except KuzetError as exc:
        raise _fail(exc) from exc
    _print_issued(code, issued.keys)


@agency_app.command("list")
def list_agencies() -> None:
    """Agencies, their state, endpoint, formats and contact phone (never secrets)."""
    from kuzet.interagency import service  # the database: only when the command runs

    services = _services()
    for found in service.all_agencies(services.uow()):
        a = found.agency
        state = "enabled" if a.enabled else "disabled"
        formats = ",".join(sorted(a.formats))
        out.print(
            f"{a.code:<14} {state:<9} {formats:<11} {a.contact_phone:<16} {a.endpoint_url}  {a.name('ru')}",
            highlight=False,
            soft_wrap=True,
        )


@agency_app.command("show")
def show(code: str) -> None:
    """One agency in full, with its key ids and their periods (never secrets)."""
    from kuzet.interagency import service  # the database: only when the command runs

    services = _services()
    try:
        found = service.get(services.uow(), code=code)
    except KuzetError as exc:
        raise _fail(exc) from exc
    a = found.agency
    lines = [
        f"code:          {a.code}",
        f"state:         {'enabled' if a.enabled else 'disabled'}",
        *(f"name ({locale}):     {a.names.get(locale, '')}" for locale in ("ru", "kk", "en")),
        f"endpoint:      {a.endpoint_url}",
        f"formats:       {', '.join(sorted(a.formats))}",
        f"ack deadlines: {json.dumps({str(p): s for p, s in sorted(a.ack_deadlines.items())})}",
        f"contact phone: {a.contact_phone}",
        *(f"key:           {_key_line(k)}" for k in found.keys),
    ]
    out.print("\n".join(lines), highlight=False, soft_wrap=True)


def _switch(code: str, *, enabled: bool) -> None:
    from kuzet.interagency import service  # the database: only when the command runs

    services = _services()
    try:
        service.set_enabled(services.uow(), code=code, enabled=enabled, by=CLI, at=services.clock.now())
    except KuzetError as exc:
        raise _fail(exc) from exc
    out.print(f"agency {code} {'enabled' if enabled else 'disabled'}", highlight=False)


@agency_app.command("enable")
def enable(code: str) -> None:
    """Hand incidents over to the agency and accept its messages again."""
    _switch(code, enabled=True)


@agency_app.command("disable")
def disable(code: str) -> None:
    """Stop the exchange with the agency (its keys stay, for enabling again)."""
    _switch(code, enabled=False)


@agency_app.command("rotate-key")
def rotate_key(
    code: str,
    direction: Annotated[
        list[KeyDirection] | None,
        typer.Option("--direction", help="outbound (ours), inbound (theirs); both when not given"),
    ] = None,
    grace_hours: Annotated[
        float | None,
        typer.Option(
            help="How long the old keys stay valid (default KUZET_AGENCY_KEY_GRACE_HOURS; 0: at once)"
        ),
    ] = None,
) -> None:
    """Issue new keys and print their secrets (shown once); the old ones stay valid for the grace period."""
    from kuzet.interagency import service  # the database: only when the command runs

    services = _services()
    hours = services.settings.agency_key_grace_hours if grace_hours is None else grace_hours
    if hours < 0:
        raise typer.BadParameter("--grace-hours must not be negative")
    try:
        issued = service.rotate(
            services.uow(),
            services.auth.box,
            code=code,
            directions=direction or list(KeyDirection),
            grace=timedelta(hours=hours),
            by=CLI,
            at=services.clock.now(),
        )
    except KuzetError as exc:
        raise _fail(exc) from exc
    _print_issued(code, issued.keys)


@agency_app.command("set")
def set_fields(
    code: str,
    name_ru: NameRu = None,
    name_kk: NameKk = None,
    name_en: NameEn = None,
    endpoint: Endpoint = None,
    formats: Formats = None,
    ack: Deadlines = None,
    phone: Phone = None,
) -> None:
    """Change an agency's names, endpoint, formats, deadlines or contact phone (what is given)."""
    from kuzet.interagency import service  # the database: only when the command runs

    changes: dict[str, Any] = {}
    if names := _names(name_ru, name_kk, name_en):
        changes["names"] = names
    if endpoint is not None:
        changes["endpoint_url"] = endpoint
    if formats:
        changes["formats"] = frozenset(formats)
    if ack is not None:
        changes["ack_deadlines"] = _deadlines(ack)
    if phone is not None:
        changes["contact_phone"] = phone
    if not changes:
        raise typer.BadParameter("give at least one field to change")
    services = _services()
    try:
        service.update(services.uow(), code=code, changes=changes, by=CLI, at=services.clock.now())
    except KuzetError as exc:
        raise _fail(exc) from exc
    out.print(f"agency {code} changed: {', '.join(sorted(changes))}", highlight=False)
