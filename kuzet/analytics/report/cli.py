"""`kuzet report`: write a period report (a year, a month or any dates) as PDF, XLSX or HTML."""

from __future__ import annotations

import calendar
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from kuzet.analytics.domain import Origin
from kuzet.config import get_settings
from kuzet.core.errors import InvalidInput
from kuzet.core.i18n import translate

out = Console()
err = Console(stderr=True)


def period(year: int | None, month: int | None, first: str | None, last: str | None) -> tuple[date, date]:
    """The period asked for: --from/--to dates, or a month of a year, or a whole year."""
    if first or last:
        if not (first and last):
            raise ValueError("give both --from and --to")
        return date.fromisoformat(first), date.fromisoformat(last)
    if year is None:
        raise ValueError("give --year (with --month for a month), or --from and --to")
    if month is None:
        return date(year, 1, 1), date(year, 12, 31)
    if not 1 <= month <= 12:
        raise ValueError("--month is 1 to 12")
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def report_command(
    year: Annotated[int | None, typer.Option(help="The year (with --month: a month of it)")] = None,
    month: Annotated[int | None, typer.Option(help="A month, 1 to 12")] = None,
    first: Annotated[str | None, typer.Option("--from", help="First local date, YYYY-MM-DD")] = None,
    last: Annotated[str | None, typer.Option("--to", help="Last local date, included")] = None,
    fmt: Annotated[str, typer.Option("--format", help="pdf, xlsx or html")] = "pdf",
    locale: Annotated[str, typer.Option(help="ru, kk or en")] = "ru",
    origin: Annotated[Origin, typer.Option(help="live, imported or all")] = Origin.LIVE,
    district: Annotated[str | None, typer.Option(help="Only this district")] = None,
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Where to write (default: a name in .)")
    ] = None,
) -> None:
    """Write the report of a period: totals, channels and partners, intervals, busiest hours, trend."""
    try:
        start, end = period(year, month, first, last)
    except ValueError as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False)
        raise typer.Exit(2) from exc
    # The charts, PDF and XLSX libraries and the analytics engine: imported by this command only.
    from kuzet.analytics.report import service
    from kuzet.container import Services

    services = Services.build(get_settings())
    try:
        made = service.make(
            services, first=start, last=end, fmt=fmt, locale=locale, origin=origin, district=district
        )
    except InvalidInput as exc:
        for problem in exc.errors:
            reason = translate(problem.reason, "en", **problem.params)
            err.print(f"[red]error:[/red] {problem.field}: {escape(reason)}", highlight=False)
        raise typer.Exit(2) from exc
    finally:
        services.close()
    target = out_file or Path(made.file_name)
    target.write_bytes(made.content)
    out.print(
        f"Report {start} – {end} ({locale}, {fmt}): {target} ({len(made.content):,} bytes)", highlight=False
    )
