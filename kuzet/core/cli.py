"""What the features' command-line groups share: the consoles, the actor commands run as, the services built
only when a command runs, the way an error ends a command, and the line that shows a newly issued key."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer
from rich.console import Console

from kuzet.config import get_settings
from kuzet.core.actor import Actor
from kuzet.core.errors import KuzetError

if TYPE_CHECKING:
    from kuzet.container import Services

out = Console()
err = Console(stderr=True)
CLI = Actor.system("cli")


def services() -> Services:
    from kuzet.container import Services  # the composition root loads every feature: only when a command runs

    return Services.build(get_settings())


def fail(exc: KuzetError) -> typer.Exit:
    err.print(f"[red]error:[/red] {exc}")
    return typer.Exit(1)


def print_key(owner: str, key_id: str, secret: str) -> None:
    """A key just issued, on one line (`owner` as `partner=kaspi`); the secret is shown this once."""
    out.print(f"{owner} key_id={key_id} secret={secret}", highlight=False, soft_wrap=True)
