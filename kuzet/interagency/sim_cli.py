"""`kuzet agency-sim`: play one agency on a loopback port (see kuzet/interagency/simulator.py).

With --transfer-every it also transfers calls to the police as 112 would: each an EIDO incident written by
the EIDO writer (eido_json.py) with a place in the served region (an address of the region's gazetteer when
there is one, else a point in the region described in words), a category 112 hands to the police, the
caller's name and mobile number and the call-taker's note."""

from __future__ import annotations

import json
import random
import secrets
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Final

import typer
from rich.console import Console

from kuzet.config import Settings, get_settings

if TYPE_CHECKING:
    from kuzet.interagency.simulator import Keys

out = Console()


@dataclass(frozen=True)
class TransferPlace:
    """Where a transferred call is: a point, and the address (or the words) the agency's call-taker wrote."""

    lat: float
    lon: float
    street: str | None = None
    house_number: str | None = None
    city: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class TransferKind:
    category: str  # our category code (the agency's system maps its own to ours)
    common: str  # the NENA Incident Type registry text: our category's group, as our hand-overs send it
    notes: tuple[str, ...]  # what its call-taker writes; one is picked per call


# What 112 hands to the police: calls whose first need is a police crew.
TRANSFER_KINDS: Final = (
    TransferKind("fight", "violence", ("Драка во дворе, несколько человек", "Драка у магазина, двое мужчин")),
    TransferKind("domestic_violence", "violence", ("Соседи слышат крики и удары в квартире",)),
    TransferKind("threat", "violence", ("Бывший муж угрожает заявительнице, стоит у подъезда",)),
    TransferKind("traffic_accident_injured", "traffic", ("ДТП, один пострадавший, бригада 103 выехала",)),
    TransferKind("person_needing_help", "persons", ("Пожилой мужчина упал на улице, не может встать",)),
    TransferKind("suspicious_object", "hazard", ("Оставленная сумка на остановке, люди отходят",)),
)
CALLERS: Final = (
    "Айжан Нурланқызы",
    "Ерлан Сапаров",
    "Ольга Кузнецова",
    "Дәурен Әбдіғалиев",
    "Марат Исмаилов",
)
MOBILE_CODES: Final = ("700", "701", "702", "705", "707", "747", "771", "775", "777", "778")  # +7 7xx
PLACE_WORDS: Final = ("у входа в магазин", "во дворе жилого дома", "на остановке", "у перекрёстка")
PLACES_MAX: Final = 200


def transfer_places(settings: Settings, seed: int | None) -> tuple[TransferPlace, ...]:
    """Places in the served region: the gazetteer's addresses in it, else points of its middle half."""
    from kuzet.container import Services  # the composition root: only when the command runs

    min_lon, min_lat, max_lon, max_lat = settings.region_bbox
    draw = random.Random(seed)  # noqa: S311 - a simulation, not security
    services = Services.build(settings)
    try:
        gazetteer = services.geo.gazetteer
    finally:
        services.close()
    found = []
    if gazetteer is not None:
        for (street, number, locality), (lat, lon) in zip(
            gazetteer.addresses, gazetteer.address_points.tolist(), strict=False
        ):
            if min_lat <= lat <= max_lat and min_lon <= lon <= max_lon:
                found.append(TransferPlace(lat, lon, street, number, locality or None))
    if found:
        return tuple(draw.sample(found, min(PLACES_MAX, len(found))))
    mid_lat, mid_lon, half_lat, half_lon = (
        (min_lat + max_lat) / 2,
        (min_lon + max_lon) / 2,
        (max_lat - min_lat) / 4,
        (max_lon - min_lon) / 4,
    )
    return tuple(
        TransferPlace(
            round(draw.uniform(mid_lat - half_lat, mid_lat + half_lat), 6),
            round(draw.uniform(mid_lon - half_lon, mid_lon + half_lon), 6),
            description=draw.choice(PLACE_WORDS),
        )
        for _ in range(40)
    )


def transfer_maker(
    agency: str, places: tuple[TransferPlace, ...]
) -> Callable[[random.Random], dict[str, Any]]:
    """`make(random)` for the simulator: the next transfer, an EIDO incident as the agency writes it."""
    from kuzet.interagency.eido import (
        CallDirection,
        EidoAgency,
        EidoCall,
        EidoIncident,
        EidoIncidentType,
        EidoLocation,
        EidoNote,
        EidoPerson,
    )
    from kuzet.interagency.eido_json import to_eido
    from kuzet.interagency.pidf_lo import CivicAddress, GeoPoint

    responder = {"fire": "fire", "ambulance": "ems"}.get(agency.split("_", 1)[0], "ems")

    def make(draw: random.Random) -> dict[str, Any]:
        place, kind, now = draw.choice(places), draw.choice(TRANSFER_KINDS), datetime.now(UTC)
        now = now.replace(microsecond=0)
        tracking = f"urn:emergency:uid:incidentid:{secrets.token_hex(8)}:{agency}"
        phone = f"+7{draw.choice(MOBILE_CODES)}{draw.randint(0, 9_999_999):07d}"
        civic = CivicAddress(city=place.city, street=place.street, house_number=place.house_number)
        document = to_eido(
            EidoIncident(
                tracking_id=tracking,
                updated_at=now,
                updated_by_agency=agency,
                issuing_element=agency,
                internal_id=f"{agency}-{now:%Y%m%d}-{draw.randint(1, 99_999):05d}",
                incident_type=EidoIncidentType(common=kind.common, internal_code=kind.category),
                agencies=(EidoAgency(agency, (responder,), ("Dispatch",), owns_incident=True),),
                locations=(
                    EidoLocation(
                        id=f"{tracking}:loc",
                        kind="Incident",
                        civic=None if civic.is_empty() else civic,
                        point=GeoPoint(place.lat, place.lon, radius_m=float(draw.choice((10, 25, 50)))),
                        description=place.description,
                    ),
                ),
                persons=(
                    EidoPerson(f"{tracking}:caller", ("Caller",), draw.choice(CALLERS), (f"tel:{phone}",)),
                ),
                calls=(
                    EidoCall(
                        id=f"{tracking}:call",
                        started_at=now - timedelta(seconds=draw.randint(60, 240)),
                        direction=CallDirection.INCOMING,
                        call_type="emergency",
                        state="callEnd",
                    ),
                ),
                notes=(EidoNote(f"{tracking}:n1", draw.choice(kind.notes), now),),
            )
        )
        return {
            "key": f"{agency}-{secrets.token_hex(8)}",
            "tracking_id": tracking,
            "category": kind.category,
            "caller_phone": phone,
            "place": asdict(place),
            "document": document,
            "body": json.dumps(document, ensure_ascii=False).encode(),
        }

    return make


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
    transfer_every: Annotated[
        float,
        typer.Option(
            "--transfer-every", help="Transfer a call to the police every so many seconds (0: never)"
        ),
    ] = 0.0,
    transfer_count: Annotated[
        int, typer.Option("--transfer-count", help="Stop after so many transfers (0: no end)")
    ] = 0,
) -> None:
    """Play an agency: take hand-overs, acknowledge (sometimes reject), report dispatched/on scene/closed."""
    from kuzet.interagency.simulator import Behaviour, Simulator, Transfers, make_server

    if not 0 <= min_delay <= max_delay:
        raise typer.BadParameter("need 0 <= --min-delay <= --max-delay")
    if not 0 <= reject_rate <= 1:
        raise typer.BadParameter("--reject-rate is a share from 0 to 1")
    if transfer_every < 0 or transfer_count < 0:
        raise typer.BadParameter("--transfer-every and --transfer-count cannot be negative")
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
        transfers=Transfers(
            transfer_every, transfer_maker(agency, transfer_places(settings, seed)), transfer_count
        )
        if transfer_every > 0
        else None,
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
