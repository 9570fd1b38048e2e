"""The demo's agencies: fire 101, ambulance 103, gas 104 and 112, each reached on loopback where the agency
simulator plays it (port KUZET_DEMO_AGENCY_PORT_BASE plus the service number, path /handover)."""

from __future__ import annotations

from kuzet.container import Services
from kuzet.demo.seed import DEMO_ACTOR
from kuzet.interagency import service as agencies
from kuzet.interagency.domain import DEFAULT_ACK_DEADLINES, KNOWN_AGENCIES, Agency, MessageFormat

HANDOVER_PATH = "/handover"
# What each demo agency's system reads: the gas service's takes Kuzet's simple profile, the others EIDO.
DEMO_FORMATS = {"gas_104": frozenset({MessageFormat.KUZET})}


def service_number(code: str) -> int:
    """The short number at the end of an agency's code: 103 for ambulance_103."""
    return int(code.rsplit("_", 1)[1])


def demo_endpoint(code: str, port_base: int) -> str:
    return f"http://127.0.0.1:{port_base + service_number(code)}{HANDOVER_PATH}"


def seed_demo_agencies(services: Services, *, port_base: int | None = None) -> list[str]:
    """Register the four agencies of the category catalogue, if absent. Returns the codes registered now.

    Their keys stay in the database (sealed): the simulator reads them there, as the real agency would have
    been handed them. The ports start at `port_base` (else KUZET_DEMO_AGENCY_PORT_BASE)."""
    base = services.settings.demo_agency_port_base if port_base is None else port_base
    known = {listed.agency.code for listed in agencies.all_agencies(services.uow())}
    added = []
    for code, names in KNOWN_AGENCIES.items():
        if code in known:
            continue
        agency = Agency(
            code=code,
            names=names,
            endpoint_url=demo_endpoint(code, base),
            formats=DEMO_FORMATS.get(code, frozenset({MessageFormat.EIDO})),
            ack_deadlines=dict(DEFAULT_ACK_DEADLINES),
            contact_phone=str(service_number(code)),
        )
        agencies.create(
            services.uow(), services.auth.box, agency=agency, by=DEMO_ACTOR, at=services.clock.now()
        )
        added.append(code)
    return added
