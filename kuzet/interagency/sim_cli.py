"""`kuzet agency-sim`: play one agency on a loopback port (see kuzet/interagency/simulator.py)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from kuzet.config import Settings, get_settings

if TYPE_CHECKING:
    from kuzet.interagency.simulator import Keys

out = Console()


def _keys(settings: Settings, code: str) -> Keys:
    """The agency's copy of the keys: ours (to check what Kuzet sends) and its own (to sign its answers),
    read from the database as the real agency would have been handed them."""
    from kuzet.container import Services  # the composition root: only when the command runs
    from kuzet.interagency.domain import KeyDirection
    from kuzet.interagency.simulator import Key, Keys
    from kuzet.interagency.store import AgencyRepository

    services = Services.build(settings)
    try:
        now = services.clock.now()
        with services.session_factory() as session:
            repo = AgencyRepository(session)
            ours = [
                k for k in repo.keys_of(code, services.auth.box, KeyDirection.OUTBOUND) if k.valid_at(now)
            ]
            theirs = [
                k
                for k in repo.keys_of(code, services.auth.box, KeyDirection.INBOUND)
                if k.valid_at(now) and k.use_from <= now
            ]
    finally:
        services.close()
    if not ours or not theirs:
        raise typer.BadParameter(f"agency {code} has no valid keys (is it registered?)")
    newest = max(theirs, key=lambda k: (k.use_from, k.created_at))
    return Keys([Key(k.key_id, k.secret) for k in ours], Key(newest.key_id, newest.secret))


def agency_sim_command(
    agency: Annotated[str, typer.Option("--agency", help="The agency's code, e.g. ambulance_103")],
    port: Annotated[int, typer.Option("--port", help="Port of the agency's endpoint (path /handover)")],
    kuzet_url: Annotated[
        str, typer.Option("--kuzet-url", help="Kuzet's base URL, where the answers go")
    ] = "http://127.0.0.1:8000",
    database_url: Annotated[
        str | None, typer.Option("--database-url", help="Read the keys from this database (else settings)")
    ] = None,
    host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
    min_delay: Annotated[float, typer.Option("--min-delay", help="Shortest delay before an answer, s")] = 1.0,
    max_delay: Annotated[float, typer.Option("--max-delay", help="Longest delay before an answer, s")] = 5.0,
    reject_rate: Annotated[float, typer.Option("--reject-rate", help="Share of hand-overs rejected")] = 0.1,
    seed: Annotated[int | None, typer.Option("--seed", help="Seed of the random delays")] = None,
    silent: Annotated[bool, typer.Option("--silent", help="Start silent: receive, never answer")] = False,
    state_file: Annotated[
        Path | None, typer.Option("--state-file", help="Keep the plans here, to survive a restart")
    ] = None,
) -> None:
    """Play an agency: take hand-overs, acknowledge (sometimes reject), report dispatched/on scene/closed."""
    from kuzet.interagency.simulator import Behaviour, Simulator, make_server

    if not 0 <= min_delay <= max_delay:
        raise typer.BadParameter("need 0 <= --min-delay <= --max-delay")
    if not 0 <= reject_rate <= 1:
        raise typer.BadParameter("--reject-rate is a share from 0 to 1")
    settings = get_settings()
    if database_url:
        settings = settings.model_copy(update={"database_url": database_url})
    sim = Simulator(
        agency,
        kuzet_url,
        _keys(settings, agency),
        Behaviour(min_delay, max_delay, reject_rate, seed),
        state_file=state_file,
        silent=silent,
        reload_keys=lambda: _keys(settings, agency),
    )
    server = make_server(sim, host, port)
    worker = threading.Thread(target=sim.run, name="agency-sim", daemon=True)
    worker.start()
    out.print(f"agency simulator {agency} on http://{host}:{port}/handover", highlight=False)
    try:
        server.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass
    finally:
        sim.stop()
        server.server_close()
