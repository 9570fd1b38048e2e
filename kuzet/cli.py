"""The `kuzet` command: serve, demo, database, users and audit.

`kuzet --help` and every command import this module and the modules of all commands, so they import only
what registering a command needs (typer, rich, the settings, light domain types). A command imports the
composition root, the database and its feature's libraries when it runs (tests/architecture/test_startup.py).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from kuzet.analytics.cad.command import import_cad_command
from kuzet.analytics.report.cli import report_command
from kuzet.cctv.camera_sim_cli import camera_sim_command
from kuzet.cctv.cli import cctv_app
from kuzet.commands.audit import checkpoint_command as audit_checkpoint_command
from kuzet.commands.audit import verify_command as audit_verify_command
from kuzet.commands.mqtt import mqtt_command
from kuzet.commands.throttles import throttles_command, unthrottle_command
from kuzet.config import ConfigError, Settings, get_settings
from kuzet.core.actor import Actor
from kuzet.core.auth.domain import Role
from kuzet.core.errors import KuzetError
from kuzet.core.logging import configure_logging
from kuzet.demo.cli import demo_command, simulate_command
from kuzet.geo.cli import import_districts_command, import_osm_command
from kuzet.interagency.alert_cli import alert_app
from kuzet.interagency.cli import agency_app
from kuzet.interagency.sim_cli import agency_sim_command
from kuzet.operations.cli import backup_app, restore_command
from kuzet.operations.loadtest import loadtest_command
from kuzet.partners.cli import partner_app
from kuzet.planning.cli import plan_command
from kuzet.serve import serve

if TYPE_CHECKING:
    from kuzet.container import Services

app = typer.Typer(help="Kuzet: police Operations Control Center.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
user_app = typer.Typer(help="Staff accounts.", no_args_is_help=True)
audit_app = typer.Typer(help="Audit log.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
app.add_typer(audit_app, name="audit")
app.add_typer(partner_app, name="partner")
app.add_typer(agency_app, name="agency")
app.add_typer(alert_app, name="alert")
app.add_typer(cctv_app, name="cctv")
app.add_typer(backup_app, name="backup")
app.command("restore")(restore_command)
app.command("import-osm")(import_osm_command)
app.command("import-districts")(import_districts_command)
app.command("import-cad")(import_cad_command)
app.command("report")(report_command)
app.command("plan")(plan_command)
app.command("agency-sim")(agency_sim_command)
app.command("camera-sim")(camera_sim_command)
app.command("loadtest")(loadtest_command)
app.command("mqtt")(mqtt_command)

out = Console()
err = Console(stderr=True)
CLI_ACTOR = Actor.system("cli")


def _services() -> Services:
    from kuzet.container import Services  # the composition root loads every feature: only when a command runs

    return Services.build(get_settings())


def _fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}")
    return typer.Exit(code)


app.command("serve")(serve)
app.command("demo")(demo_command)
app.command("simulate")(simulate_command)


@app.command()
def relay() -> None:
    """Run the outbox relay on its own (the server also runs one unless KUZET_OUTBOX_RELAY=false)."""
    from kuzet.container import Services  # the composition root loads every feature: only when it runs

    settings = get_settings()
    configure_logging(settings.log_level, json_lines=settings.log_json)
    services = Services.build(settings)
    out.print("outbox relay running (Ctrl+C stops it)")
    try:
        services.relay().run_forever(interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        services.close()


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Apply migrations up to REVISION (default: head)."""
    from kuzet.core import migrate  # Alembic and SQLAlchemy: only when the command runs

    settings = get_settings()
    migrate.upgrade(settings.database_url, revision)
    out.print(f"database at {migrate.head_revision() if revision == 'head' else revision}")


@db_app.command("current")
def db_current() -> None:
    """Show the applied and the newest migration."""
    from kuzet.core import migrate  # Alembic and SQLAlchemy: only when the command runs
    from kuzet.core.db import make_engine

    engine = make_engine(get_settings().database_url)  # the schema's version needs no running Kuzet
    try:
        current = migrate.current_revision(engine)
    finally:
        engine.dispose()
    head = migrate.head_revision()
    out.print(f"current: {current}  head: {head}")
    if current != head:
        raise typer.Exit(1)


@user_app.command("add")
def user_add(
    username: str,
    role: Annotated[Role, typer.Option(help="Role of the account")],
    full_name: Annotated[str, typer.Option("--full-name", help="Full name")],
    district: Annotated[
        list[str] | None,
        typer.Option(help="District code; omit for region-wide; repeat for an analyst's several districts"),
    ] = None,
    phone: Annotated[str | None, typer.Option(help="Work phone")] = None,
    password: Annotated[
        str | None, typer.Option(help="Password; prompted when omitted", hide_input=True)
    ] = None,
) -> None:
    """Create a staff account."""
    from kuzet.core.auth import accounts  # the database and password hashing: only when the command runs
    from kuzet.core.auth.domain import split_districts

    first, also = split_districts(district or [])

    if password is None:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    services = _services()
    try:
        user = accounts.create_user(
            services.uow(),
            services.auth,
            username=username,
            password=password,
            role=role,
            district=first,
            also_districts=also,
            full_name=full_name,
            phone=phone,
            by=CLI_ACTOR,
            at=services.clock.now(),
        )
    except KuzetError as exc:
        raise _fail(_describe(exc)) from exc
    out.print(f"created user {user.username} (id {user.id}, role {user.role.value})")


def _describe(exc: KuzetError) -> str:
    from kuzet.core.errors import InvalidInput
    from kuzet.core.i18n import translate

    if isinstance(exc, InvalidInput):
        return "; ".join(f"{e.field}: {translate(e.reason, 'en', **e.params)}" for e in exc.errors)
    return translate(exc.detail, "en", **exc.params)


def _user_action(username: str, action: str) -> None:
    from kuzet.core.auth import accounts  # the database: only when the command runs

    services = _services()
    uow = services.uow()
    try:
        user = accounts.find_by_username(uow, username)
        at = services.clock.now()
        if action == "lock":
            accounts.lock_user(uow, user_id=user.id, by=CLI_ACTOR, at=at)
        elif action == "unlock":
            accounts.unlock_user(uow, user_id=user.id, by=CLI_ACTOR, at=at)
        else:
            accounts.reset_second_factor(uow, user_id=user.id, by=CLI_ACTOR, at=at)
    except KuzetError as exc:
        raise _fail(_describe(exc)) from exc
    out.print(f"{action}: {username} done")


@user_app.command("set")
def user_set(
    username: str,
    district: Annotated[
        list[str] | None, typer.Option(help="District code; repeat for an analyst's several districts")
    ] = None,
    region_wide: Annotated[bool, typer.Option("--region-wide", help="Tie to no district")] = False,
) -> None:
    """Change the districts an account is tied to (several for an analyst only)."""
    from kuzet.core.auth import accounts  # the database: only when the command runs

    if bool(district) == region_wide:
        raise _fail("give --district (once or more) or --region-wide")
    services = _services()
    uow = services.uow()
    try:
        user = accounts.find_by_username(uow, username)
        user = accounts.set_districts(
            uow, user_id=user.id, districts=tuple(district or ()), by=CLI_ACTOR, at=services.clock.now()
        )
    except KuzetError as exc:
        raise _fail(_describe(exc)) from exc
    out.print(f"{username}: {', '.join(user.districts) or 'region'}")


@user_app.command("lock")
def user_lock(username: str) -> None:
    """Lock an account and end its sessions."""
    _user_action(username, "lock")


@user_app.command("unlock")
def user_unlock(username: str) -> None:
    """Unlock an account locked by an administrator (failed logins are throttled, never locked)."""
    _user_action(username, "unlock")


user_app.command("throttles")(throttles_command)
user_app.command("unthrottle")(unthrottle_command)


@user_app.command("reset-2fa")
def user_reset_2fa(username: str) -> None:
    """Forget an account's second factor; the user enrols again at the next login."""
    _user_action(username, "reset-2fa")


@user_app.command("list")
def user_list() -> None:
    """List the accounts."""
    from kuzet.core.auth import accounts  # the database: only when the command runs

    services = _services()
    table = Table()
    for column in ("id", "user", "role", "district", "2FA", "locked"):
        table.add_column(column)
    for user in accounts.list_users(services.uow(), by=CLI_ACTOR):
        table.add_row(
            str(user.id),
            user.username,
            user.role.value,
            ", ".join(user.districts) or "region",
            "yes" if user.totp_enrolled else "no",
            user.lock_reason or "",
        )
    out.print(table)


@user_app.command("totp-code")
def user_totp_code(username: str) -> None:
    """Print the current TOTP code of an account (demo and dev modes only)."""
    from kuzet.core.auth import accounts  # the database: only when the command runs
    from kuzet.core.auth.credentials import totp_code
    from kuzet.core.auth.store import UserRepository

    settings = get_settings()
    if not settings.is_relaxed:
        raise _fail("totp-code works only with KUZET_MODE=demo or dev", code=2)
    services = _services()
    try:
        user = accounts.find_by_username(services.uow(), username)
    except KuzetError as exc:
        raise _fail(_describe(exc)) from exc
    with services.uow() as uow:
        _, sealed, _ = uow.repo(UserRepository).credentials(user.id)
    if not sealed:
        raise _fail(f"{username} has no second factor enrolled")
    out.print(totp_code(services.auth.box.open(sealed), services.clock.now()))


audit_app.command("verify")(audit_verify_command)
audit_app.command("checkpoint")(audit_checkpoint_command)


def main() -> None:
    try:
        app()
    except ConfigError as exc:
        err.print(f"[red]configuration error:[/red] {exc}")
        sys.exit(2)


__all__ = ["Settings", "app", "main"]


if __name__ == "__main__":
    main()
