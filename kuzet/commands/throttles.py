"""`kuzet user throttles` and `kuzet user unthrottle`: see and forget throttled failed logins."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from kuzet.config import get_settings
from kuzet.core.actor import Actor
from kuzet.core.clock import to_local
from kuzet.core.errors import InvalidInput, KuzetError
from kuzet.core.i18n import translate

out = Console()
err = Console(stderr=True)
CLI = Actor.system("cli")


def _moment(moment: datetime | None) -> str:
    return "" if moment is None else to_local(moment).strftime("%Y-%m-%d %H:%M:%S")


def throttles_command() -> None:
    """Show the user names and addresses with failed logins that still count, and until when they wait."""
    # The composition root and the database: imported when the command runs, not for `kuzet --help`.
    from kuzet.container import Services
    from kuzet.core.auth import throttling

    services = Services.build(get_settings())
    try:
        report = throttling.list_throttles(services.uow(), services.auth.throttle, at=services.clock.now())
    finally:
        services.close()
    table = Table(title="Failed logins (times in Asia/Almaty)")
    for column in ("user", "account", "address", "failures", "last failure", "waits until"):
        table.add_column(column)
    for account in report.accounts:
        exists = "no such account" if account.user_id is None else str(account.user_id)
        table.add_row(
            account.username,
            exists,
            "(not known good)",
            str(account.failures),
            _moment(account.last_failure_at),
            _moment(account.blocked_until),
        )
        for source in account.sources:
            table.add_row(
                "",
                "",
                source.address or "unknown",
                str(source.failures),
                _moment(source.last_failure_at),
                _moment(source.blocked_until),
            )
    for address in report.addresses:
        table.add_row(
            f"({address.usernames} names)",
            "",
            address.address or "unknown",
            str(address.failures),
            _moment(address.last_failure_at),
            _moment(address.blocked_until),
        )
    if not report.accounts and not report.addresses:
        out.print("no failed logins are counted now")
        return
    out.print(table)


def unthrottle_command(
    username: Annotated[str | None, typer.Argument(help="User name whose failures to forget")] = None,
    address: Annotated[str | None, typer.Option(help="Source address whose failures to forget")] = None,
) -> None:
    """Forget the failed logins of a user name, of an address, or of that pair when both are given."""
    # The composition root and the database: imported when the command runs, not for `kuzet --help`.
    from kuzet.container import Services
    from kuzet.core.auth import throttling

    services = Services.build(get_settings())
    try:
        cleared = throttling.clear_throttles(
            services.uow(), username=username, address=address, by=CLI, at=services.clock.now()
        )
    except KuzetError as exc:
        if isinstance(exc, InvalidInput):
            message = "; ".join(translate(e.reason, "en", **e.params) for e in exc.errors)
        else:
            message = translate(exc.detail, "en", **exc.params)
        err.print(f"[red]error:[/red] {message}")
        raise typer.Exit(1) from exc
    finally:
        services.close()
    out.print(f"forgot {cleared} failure count(s)")
